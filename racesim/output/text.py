"""Plain-text tables of a summary (the command line prints these)."""

from __future__ import annotations

from racesim.scenario import Scenario
from racesim.scenario.pooling import beta_interval, marginal
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


def format_calibration(fits, record: str, until=None, fits3=()) -> str:
    """``racesim calibrate``'s tables: per class of attempts, the counts, the fitted
    Beta(a, b), its mean and 95% interval (``fits`` from
    :func:`racesim.scenario.record.table`); then, for ``fits3`` (three-outcome fits,
    :func:`racesim.scenario.record.fit3`), the success and partial chances."""
    lines = [
        f"Landing record {record}, attempts up to {until or 'the latest'}:",
        f"  {'class':<15}{'n':>4}{'succ':>6}{'part':>6}{'fail':>6}{'a':>7}{'b':>7}"
        f"{'mean':>8}  95% interval",
    ]
    for f in fits:
        lo, hi = f.interval(0.95)
        lines.append(
            f"  {_classes(f.classes):<15}{f.n:>4}{f.successes:>6}{f.partials:>6}"
            f"{f.failures:>6}{f.a:>7.1f}{f.b:>7.1f}{f.mean:>8.3f}  [{lo:.3f}, {hi:.3f}]"
        )
    if fits3:
        lines += [
            "",
            "Three outcomes (a mission that declares `partial`): Dirichlet(1 + succ, "
            "1 + part, 1 + fail);",
            "each chance is its marginal Beta (success: a = 1 + succ, b = 2 + part + fail).",
            f"  {'class':<15}{'n':>4}  {'success':>7}  {'95% interval':<16}  {'partial':>7}  "
            f"{'95% interval':<16}  {'failure':>7}",
        ]
        for f in fits3:
            cells = []
            for k in range(3):
                a, b = f.marginal(k)
                lo, hi = beta_interval(a, b)
                cells.append((a / (a + b), f"[{lo:.3f}, {hi:.3f}]"))
            lines.append(
                f"  {_classes(f.classes):<15}{f.n:>4}  {cells[0][0]:>7.3f}  {cells[0][1]:<16}  "
                f"{cells[1][0]:>7.3f}  {cells[1][1]:<16}  {cells[2][0]:>7.3f}"
            )
    return "\n".join(line.rstrip() for line in lines)


def _classes(classes) -> str:
    return classes[0] if len(classes) == 1 else "[" + ", ".join(classes) + "]"


def format_pooling(pooled) -> str:
    """``racesim calibrate --agency``: one agency's attempts in a class shrunk toward
    the other agencies' (``pooled`` from :func:`racesim.scenario.pooling.pool`): the
    class without the agency, the prior, the agency's own attempts and the posterior,
    each with its mean and 95% interval."""
    from racesim.scenario.pooling import outcome_counts

    p = pooled
    three = p.outcomes == 3
    kind = "three outcomes: success, partial, failure" if three else "two outcomes"
    lines = [
        f"Partial pooling of {p.agency} in {_classes(p.classes)} ({kind}):",
        f"  {'':<26}{'n':>4}{'succ':>6}{'part':>6}{'fail':>6}{'a':>8}{'b':>8}"
        f"{'mean':>8}  95% interval",
    ]

    def beta(alpha, k=0) -> str:
        a, b = marginal(alpha, k)
        lo, hi = beta_interval(a, b)
        return f"{a:>8.2f}{b:>8.2f}{a / (a + b):>8.3f}  [{lo:.3f}, {hi:.3f}]"

    def spf(label: str, c) -> str:
        return f"  {label:<26}{sum(c):>4}{c[0]:>6}{c[1]:>6}{c[2]:>6}"

    n_own = sum(p.own)
    own = outcome_counts(p.own, p.outcomes)
    lines += [
        spf(f"class without {p.agency}", p.others)
        + beta(tuple(1 + c for c in outcome_counts(p.others, p.outcomes))),
        f"  {f'prior, strength {p.strength:.3g}':<48}" + beta(p.prior),
        spf(f"{p.agency}'s own attempts", p.own)
        + (f"{'':16}{own[0] / n_own:>8.3f}  (its own rate)" if n_own else "  (none)"),
        f"  {'posterior':<48}" + beta(p.posterior),
    ]
    if three:
        lines.append(f"  {'posterior, partial':<48}" + beta(p.posterior, 1))
    if not three:
        lines.append("  (a partial landing counts half a success and half a failure)")
    source = {
        "estimated": f"estimated from the spread of the {p.groups} other agencies' own rates\n"
        "  (the maximum of their Dirichlet-multinomial likelihood, searched between "
        f"{p.low:g} and {p.high:g})",
        "stated": "as stated",
    }.get(p.how, f"the class's full weight:\n  {p.how}")
    lines += [
        f"  Prior: the mean of the class without {p.agency}, with the weight of "
        f"{p.strength:.3g} attempts,\n  {source}.",
        f"  {p.agency}'s {n_own} attempt{'s' if n_own != 1 else ''} weigh {n_own} / "
        f"({p.strength:.3g} + {n_own}) = {100 * p.weight:.0f}% in the posterior mean.",
    ]
    return "\n".join(line.rstrip() for line in lines)


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


def format_mechanisms(scenario: Scenario) -> str:
    """One line naming the format-2 mechanisms a scenario uses, with counts ('' for
    none): what ``racesim validate`` adds to its 'ok'."""
    s = scenario
    missions = [m for a in s.agencies.values() for m in a.missions]
    hazards = [h for a in s.agencies.values() for h in a.hazards]
    terms = [
        t
        for m in missions
        for t in m.partners.values()
        if not isinstance(t, (int, float))
        and (t.shortfall != "stall" or not (t.leave_rate.is_fixed and t.leave_rate.params[0] == 0))
    ]
    slips = [a for a in s.agencies.values() if a.slip] + [m for m in missions if m.slip]

    def n(k: int, word: str) -> str:
        return f"{k} {word}{'s' if k != 1 else ''}"

    parts = []
    if s.factors:
        parts.append(f"{n(len(s.factors), 'factor')} ({', '.join(s.factors)})")
    if slips:
        parts.append(n(len(slips), "slip"))
    if hazards:
        cancel = sum(h.effect == "cancel" for h in hazards)
        parts.append(
            f"{n(len(hazards), 'hazard')} ({cancel} cancel, {len(hazards) - cancel} pause)"
        )
    if terms:
        parts.append(n(len(terms), "partner") + " with terms")
    unlimited = sum(m.attempts == "unlimited" for m in missions)
    if unlimited:
        parts.append(f"{n(unlimited, 'mission')} with unlimited attempts")
    stand = sum(
        not (m.refly.stand_down.is_fixed and m.refly.stand_down.params[0] == 0) for m in missions
    )
    if stand:
        parts.append(n(stand, "stand-down"))
    transit = sum(not (m.transit.is_fixed and m.transit.params[0] == 0) for m in missions)
    if transit:
        parts.append(n(transit, "transit"))
    partial = sum(m.partial is not None for m in missions)
    if partial:
        counts = sum(ms.partial_counts for ms in s.milestones.values())
        verb = "counts" if counts == 1 else "count"
        parts.append(
            f"{n(partial, 'mission')} with partial landings ({n(counts, 'milestone')} {verb} them)"
        )
    return ("mechanisms (format 2): " + "; ".join(parts)) if parts else ""


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
