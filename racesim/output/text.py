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
