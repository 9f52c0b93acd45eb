"""Plain-text tables of a summary (the command line prints these)."""

from __future__ import annotations

from racesim.scenario import Scenario
from racesim.scenario.reach import contenders


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
    chance of being first, then nobody; the agencies with no mission that can reach it
    (:func:`racesim.scenario.reach.contenders`) are named on one line.  Without the
    scenario, the agencies that reached it in no replication are."""
    names = {k: short_name(a.name or k) for k, a in scenario.agencies.items()} if scenario else {}
    able = contenders(scenario)
    n = summary["replications"]
    lines = [
        f"{summary['scenario']}: {n:,} replications, seed {summary['seed']}, "
        f"horizon {summary.get('horizon', '?')}"
    ]
    if overrides:
        lines.append("changed with --set: " + "; ".join(overrides))
    mixture = summary.get("mixture")
    if mixture:
        lines.append(
            f"a mixture of {len(mixture)} scenarios; each replication runs one, drawn by weight:"
        )
        lines += [
            f"  {c['name']}  weight {pct(c['weight'])}, ran {c['replications']:,} replications"
            f"  ({c['file']})"
            for c in mixture
        ]
    width = max(
        [
            len("(nobody)"),
            *(len(names.get(a, a)) for a in next(iter(summary["milestones"].values()))["reached"]),
        ]
    )
    worlds = summary.get("worlds")
    head = (
        f"  {'agency':<{width}}  {'first':>6}  {'95% interval':<14}  {'reached':>7}  "
        f"{'median':<10}  10%-90% of dates"
    )
    if worlds:
        lines += _worlds_legend(worlds, bool(mixture))
        pad = " " * (width + 10)
        head = (
            f"  {pad}{'Monte Carlo':<14}  what we\n"
            f"  {pad}{'error (95%)':<14}  " + "don't know\n"
            f"  {'agency':<{width}}  {'first':>6}  {'interval':<14}  {'10%-90%':<14}  "
            f"{'reached':>7}  {'median':<10}  10%-90% of dates"
        )
    for key, ms in summary["milestones"].items():
        lines += ["", f"{ms['title']}  [{key}]", head]
        never = []
        can = able.get(key, []) if able is not None else None
        # agencies by their chance of being first, then "nobody" (as in plots and report)
        for agency, f in sorted(ms["first"].items(), key=lambda kv: (kv[0] == "none", -kv[1]["p"])):
            lo, hi = f["ci95"]
            interval = f"[{100 * lo:.1f}, {100 * hi:.1f}]"
            if worlds:
                w = f["worlds"]
                spread = f"[{100 * w['p10']:.1f}, {100 * w['p90']:.1f}]"
                interval = f"{interval:<14}  {spread:<14}"
            if agency == "none":
                lines.append(f"  {'(nobody)':<{width}}  {_pct(f['p']):>6}  {interval:<14}")
                continue
            r = ms["reached"][agency]
            if (r["p"] == 0) if can is None else (agency not in can):
                never.append(names.get(agency, agency))
                continue
            when = f"{r['median']:<10}  {r['p10']} to {r['p90']}" if r["median"] else "-"
            lines.append(
                f"  {names.get(agency, agency):<{width}}  {_pct(f['p']):>6}  "
                f"{interval:<14}  {_pct(r['p']):>7}  {when}"
            )
        if never and can is None:
            lines.append(f"  never reached by: {', '.join(never)}")
        elif never:
            lines.append(f"  no mission that can reach it: {', '.join(never)}")
        if mixture:
            lines += _by_component(ms, names)
    return "\n".join(line.rstrip() for line in lines)


def _worlds_legend(worlds: dict, mixture: bool = False) -> list[str]:
    """What the two intervals of a run with worlds mean, and a note if nothing varies
    between the worlds (no factors, and not a mixture)."""
    lo, hi = worlds["replications_per_world"]
    per = f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"
    shared = "every factor is drawn once and shared"
    if mixture:
        shared = "the component and every factor are drawn once and shared"
    out = [
        f"{worlds['count']:,} worlds of {per} replications; in each, {shared}.",
        "  Monte Carlo error (95%): how far chance may have moved our estimate of P "
        "(replications of a world count together); more worlds shrink it.",
        "  what we don't know (10%-90%): how P varies from world to world with the "
        f"{'component and the ' if mixture else ''}factors; more replications do not "
        "shrink it.",
    ]
    if not worlds.get("factors") and not mixture:
        out.append(
            "  note: this scenario declares no factors, so the worlds differ by chance "
            f"alone: the spread is Monte Carlo noise of {per} replications per world, "
            "not uncertainty."
        )
    return out


def _by_component(ms: dict, names: dict) -> list[str]:
    """Under a mixture's milestone: each component's P(first), agencies as above."""
    out = ["  first, in each component's own replications:"]
    for comp, part in (ms.get("components") or {}).items():
        items = [
            f"{'nobody' if a == 'none' else names.get(a, a)} {pct(v['p'])}"
            for a, v in sorted(
                part["first"].items(), key=lambda kv: (kv[0] == "none", -(kv[1]["p"] or 0))
            )
            if v["p"] is not None and (v["p"] > 0 or a == "none")
        ]
        out.append(f"    {comp}: {', '.join(items) or 'no replications'}")
    return out


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


def format_by(summary: dict, scenario: Scenario | None = None) -> str:
    """The ``--by`` table: per milestone and date, each agency's chance of being the
    first by that date and of having reached it by then, with 95% intervals, and the
    chance that nobody had ("" when the summary has no ``by`` dates)."""
    names = {k: short_name(a.name or k) for k, a in scenario.agencies.items()} if scenario else {}
    blocks = []
    for key, ms in summary["milestones"].items():
        by = ms.get("by") or {}
        if not by:
            continue
        able = [a for a, r in ms["reached"].items() if r["p"] > 0]
        width = max([len("by 2000-01-01"), *(len(names.get(a, a)) for a in able)])
        lines = [f"{ms['title']}  [{key}]: chances on or before a date"]
        for date, at in by.items():
            lines.append(
                f"  {'by ' + date:<{width}}  {'first':>6}  {'95% interval':<14}  "
                f"{'reached':>7}  95% interval"
            )
            order = sorted(able, key=lambda a: -at["first"][a]["p"])
            for a in [*order, "none"]:
                f = at["first"][a]
                cells = f"{_pct(f['p']):>6}  {_ci(f['ci95']):<14}"
                if a != "none":
                    r = at["reached"][a]
                    cells += f"  {_pct(r['p']):>7}  {_ci(r['ci95'])}"
                label = "(nobody)" if a == "none" else names.get(a, a)
                lines.append(f"  {label:<{width}}  {cells}")
        blocks.append("\n".join(line.rstrip() for line in lines))
    if not blocks:
        return ""
    note = (
        "first: the first to reach it, and on or before the date; (nobody): nobody had "
        "by then; reached: had reached it by then (first or not)."
    )
    return "\n\n".join([*blocks, note])


def _ci(ci) -> str:
    return f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


VALUE_WIDTH = 50  # the value column of `racesim params`, at most


def format_params(params) -> str:
    """``racesim params``: one settable field a line, its ``--set`` path, its value and
    its unit, in aligned columns (``params`` from :func:`racesim.scenario.params.params`)."""
    if not params:
        return ""
    pw = max(len(p.path) for p in params)
    vw = min(VALUE_WIDTH, max(len(p.text) for p in params))  # a longer value pushes the unit
    return "\n".join(f"{p.path:<{pw}}  {p.text:<{vw}}  {p.unit}".rstrip() for p in params)


def format_differences(diffs, indent: str = "") -> str:
    """``racesim diff`` (and the top of ``compare``): one difference a line, the path,
    A's value and B's value, in aligned columns (``-``: that side has no such field)."""
    if not diffs:
        return f"{indent}no differences: A and B are the same scenario"
    pw = max(len("field"), *(len(d.path) for d in diffs))
    aw = max(len("A"), *(len(d.a) for d in diffs))
    lines = [f"{indent}{'field':<{pw}}  {'A':<{aw}}  B"]
    lines += [f"{indent}{d.path:<{pw}}  {d.a:<{aw}}  {d.b}".rstrip() for d in diffs]
    return "\n".join(lines)
