"""Plain-text tables of a summary (the command line prints these)."""

from __future__ import annotations

from racesim.scenario import Scenario


def short_name(name: str) -> str:
    """'CNSA (with CMSA's crewed programme)' -> 'CNSA': the name before any aside."""
    return name.split(" (")[0].strip() or name


def pct(p: float, digits: int = 1, width: int = 0) -> str:
    """A probability as a percentage: ``pct(0.1234) == "12.3%"``; ``width`` pads the
    number (not the sign) on the left."""
    return f"{100 * p:{width}.{digits}f}%"


def _pct(p: float) -> str:
    return pct(p)


def format_summary(
    summary: dict, scenario: Scenario | None = None, overrides: tuple[str, ...] | list[str] = ()
) -> str:
    """The run's table: per milestone, each agency that can reach it, sorted by its
    chance of being first, then nobody; agencies that never reach it are listed on one
    line."""
    names = {k: short_name(a.name or k) for k, a in scenario.agencies.items()} if scenario else {}
    n = summary["replications"]
    lines = [
        f"{summary['scenario']}: {n:,} replications, seed {summary['seed']}, "
        f"horizon {summary.get('horizon', '?')}"
    ]
    if overrides:
        lines.append("changed with --set: " + "; ".join(overrides))
    width = max(
        [
            len("(nobody)"),
            *(len(names.get(a, a)) for a in next(iter(summary["milestones"].values()))["reached"]),
        ]
    )
    head = (
        f"  {'agency':<{width}}  {'first':>6}  {'95% interval':<14}  {'reached':>7}  "
        f"{'median':<10}  10%-90% of dates"
    )
    for key, ms in summary["milestones"].items():
        lines += ["", f"{ms['title']}  [{key}]", head]
        never = []
        # agencies by their chance of being first, then "nobody" (as in plots and report)
        for agency, f in sorted(ms["first"].items(), key=lambda kv: (kv[0] == "none", -kv[1]["p"])):
            lo, hi = f["ci95"]
            interval = f"[{100 * lo:.1f}, {100 * hi:.1f}]"
            if agency == "none":
                lines.append(f"  {'(nobody)':<{width}}  {_pct(f['p']):>6}  {interval:<14}")
                continue
            r = ms["reached"][agency]
            if r["p"] == 0:
                never.append(names.get(agency, agency))
                continue
            when = f"{r['median']:<10}  {r['p10']} to {r['p90']}"
            lines.append(
                f"  {names.get(agency, agency):<{width}}  {_pct(f['p']):>6}  "
                f"{interval:<14}  {_pct(r['p']):>7}  {when}"
            )
        if never:
            lines.append(f"  never reached by: {', '.join(never)}")
    return "\n".join(line.rstrip() for line in lines)


def format_calibration(fits, record: str, until=None) -> str:
    """``racesim calibrate``'s table: per class of attempts, the counts, the fitted
    Beta(a, b), its mean and 95% interval (``fits`` from
    :func:`racesim.scenario.record.table`)."""
    lines = [
        f"Landing record {record}, attempts up to {until or 'the latest'}:",
        f"  {'class':<15}{'n':>4}{'succ':>6}{'part':>6}{'fail':>6}{'a':>7}{'b':>7}"
        f"{'mean':>8}  95% interval",
    ]
    for f in fits:
        lo, hi = f.interval(0.95)
        lines.append(
            f"  {f.classes[0]:<15}{f.n:>4}{f.successes:>6}{f.partials:>6}"
            f"{f.failures:>6}{f.a:>7.1f}{f.b:>7.1f}{f.mean:>8.3f}  [{lo:.3f}, {hi:.3f}]"
        )
    return "\n".join(lines)


def _years(y: float | None) -> str:
    """A lead in years, signed: "+1.2 y", "-0.4 y", "0.0 y"."""
    if y is None:
        return "–"
    return f"{y:+.1f} y" if round(y, 1) != 0 else "0.0 y"


def format_versus(summary: dict, scenario: Scenario | None = None) -> str:
    """The head-to-head tables of ``summary["versus"]`` (``racesim run --versus A:B``):
    per pair and milestone, P(A before B), P(B before A) (a run where only one gets
    there counts for it), the runs where they get there at the same moment and where
    neither gets there, and A's lead where both do (B's date minus A's: median and
    10%-90%)."""
    names = {k: short_name(a.name or k) for k, a in scenario.agencies.items()} if scenario else {}
    lines: list[str] = []
    keys = [k for pair in (summary.get("versus") or {}).values() for k in pair["milestones"]]
    w = max([len("milestone"), *map(len, keys)])
    for pair in (summary.get("versus") or {}).values():
        a, b = names.get(pair["a"], pair["a"]), names.get(pair["b"], pair["b"])
        if lines:
            lines.append("")
        lines += [
            f"Head to head: {a} against {b} (a run where only one gets there counts for it)",
            f"  {'milestone':<{w}}  {a + ' first':>17}  {b + ' first':>17}  {'same':>5}  "
            f"{'neither':>7}  {a}'s lead where both get there: median (10% to 90%)",
        ]
        for key, v in pair["milestones"].items():
            lead = v["lead_years"]
            if lead["runs"]:
                told = (
                    f"{_years(lead['median'])} ({_years(lead['p10'])} to "
                    f"{_years(lead['p90'])}) in {lead['runs']:,} runs"
                )
            else:
                told = "never both"

            def cell(e: dict) -> str:
                lo, hi = e["ci95"]
                return f"{_pct(e['p'])} [{100 * lo:.1f}, {100 * hi:.1f}]"

            lines.append(
                f"  {key:<{w}}  {cell(v['a_first']):>17}  {cell(v['b_first']):>17}  "
                f"{pct(v['same_time']['p'], 0):>5}  {_pct(v['neither']['p']):>7}  {told}"
            )
    return "\n".join(line.rstrip() for line in lines)
