"""Plain-text tables of the analyses (``compare``, ``sweep``, ``sensitivity``,
``backtest``): what each command prints, and each result's ``.text()``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from racesim.analysis.backtest import CLIP, FORECASTERS, Backtest
from racesim.analysis.sensitivity import OATResult, SobolResult
from racesim.analysis.sweep import fmt_point, short_paths
from racesim.analysis.variants import Span
from racesim.output.text import format_differences, pct
from racesim.scenario import Scenario
from racesim.scenario.params import Difference


# -- compare ------------------------------------------------------------------------------
def _pct(p: float) -> str:
    return pct(p, 1, 5)


def _pts(d: float) -> str:
    return f"{100 * d:+.1f}"


def format_comparison(result: dict, names: dict[str, str] | None = None) -> str:
    """The comparison as a plain-text table (differences in percentage points)."""
    names = names or {}
    la, lb = result["a"], result["b"]
    lines = [
        f"A: {la.get('label', la['scenario'])}",
        f"B: {lb.get('label', lb['scenario'])}",
    ]
    unpaired = list(result["unpaired_agencies"])
    agencies = {w for ms in result["milestones"].values() for w in ms["first"] if w != "none"}
    at = f"{result['replications']:,} replications of each at seed {result['seed']}"
    if not unpaired:
        lines.append(f"{at}, paired (common random numbers)")
    elif agencies <= set(unpaired):
        lines.append(
            f"{at}, not paired: every agency's missions, shocks or horizon differ, so "
            "the differences B-A carry the noise of two independent runs"
        )
    else:
        lines.append(
            f"{at}, paired (common random numbers) except for "
            f"{', '.join(unpaired)} (missions, shocks or horizon differ)"
        )
    if "differences" in result:
        diffs = [Difference(d["path"], d["a"], d["b"]) for d in result["differences"]]
        lines += ["", "B differs from A in:"] if diffs else [""]
        lines.append(format_differences(diffs, "  "))
    labels = {
        who: "(nobody)" if who == "none" else names.get(who, who)
        for ms in result["milestones"].values()
        for who in ms["first"]
    }
    w = max(12, *(len(x) + 2 for x in labels.values()))
    # the widest interval ("[-100.0, +100.0] *") still leaves two spaces before the dates
    iw = 18
    for key, ms in result["milestones"].items():
        lines.append("")
        lines.append(f"{ms['title']}  [{key}]")
        able = {*ms.get("can_reach", ms["reached"]), "none"}
        for measure in ("first", "reached"):
            extra = "  median date A -> B" if measure == "reached" else ""
            lines.append(
                f"  {measure:<{w}}{'A':>7}{'B':>8}{'B-A':>8}  {'95% interval':<{iw}}"
                f"{extra}".rstrip()
            )
            for who, e in ms[measure].items():
                if who not in able:
                    continue
                lo, hi = e["ci95"]
                if e["changed"]:
                    interval = f"[{_pts(lo)}, {_pts(hi)}]" + (" *" if e["clear"] else "")
                else:
                    interval = "(no change)"
                when = ""
                if measure == "reached" and (e["a"]["median"] or e["b"]["median"]):
                    when = f"{e['a']['median'] or '-':>10} -> {e['b']['median'] or '-'}"
                line = (
                    f"  {labels[who]:<{w}}{_pct(e['a']['p']):>7}{_pct(e['b']['p']):>8}"
                    f"{_pts(e['diff']):>8}  {interval:<{iw}}  {when}"
                )
                lines.append(line.rstrip())
        cannot = [labels[w] for w in ms["reached"] if w not in able]
        if cannot:
            lines.append(f"  no mission that can reach it, in A or B: {', '.join(cannot)}")
        for d, at in ms.get("by", {}).items():
            for measure in ("first", "reached"):
                lines.append(
                    f"  {measure + ' by ' + d:<{w}}{'A':>7}{'B':>8}{'B-A':>8}  95% interval"
                )
                for who, e in at[measure].items():
                    if not (e["a"]["p"] or e["b"]["p"] or e["changed"]) and who != "none":
                        continue
                    lo, hi = e["ci95"]
                    if e["changed"]:
                        interval = f"[{_pts(lo)}, {_pts(hi)}]" + (" *" if e["clear"] else "")
                    else:
                        interval = "(no change)"
                    line = (
                        f"  {labels[who]:<{w}}{_pct(e['a']['p']):>7}{_pct(e['b']['p']):>8}"
                        f"{_pts(e['diff']):>8}  {interval}"
                    )
                    lines.append(line.rstrip())
    lines.append("")
    lines.append(
        "B-A and its interval are in percentage points; * marks a difference whose "
        "95% interval excludes 0;\n(no change): the outcome was the same in every "
        "replication of A and B."
    )
    return "\n".join(lines)


# -- sweep --------------------------------------------------------------------------------
def format_sweep(
    table: Sequence[dict],
    spans: Sequence[Span],
    scenario: Scenario,
    shown: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """P(first) of each agency (by key) at every point, one block per milestone;
    ``shown``: milestone -> the agencies with a column (the others, which cannot reach
    it at any point, are named under the block; default: every agency)."""
    heads = short_paths([s.path for s in spans])
    width = [max(10, len(h) + 2) for h in heads]
    lines = []
    for key, ms in scenario.milestones.items():
        able = list(scenario.agencies) if shown is None else list(shown.get(key, ()))
        who = [*able, "none"]
        cols = [max(8, len("(nobody)" if a == "none" else a) + 2) for a in who]
        lines.append(f"{ms.title or key}  [{key}]: P(first)")
        lines.append(
            "  "
            + "".join(f"{h:>{w}}" for h, w in zip(heads, width))
            + "".join(f"{'(nobody)' if a == 'none' else a:>{c}}" for a, c in zip(who, cols))
        )
        by_point: dict[tuple, dict] = {}
        for r in table:
            if r["milestone"] == key:
                pt = tuple(r[s.path] for s in spans)
                by_point.setdefault(pt, {})[r["agency"]] = r["p_first"]
        for pt, ps in by_point.items():
            lines.append(
                "  "
                + "".join(f"{fmt_point(v):>{w}}" for v, w in zip(pt, width))
                + "".join(f"{100 * ps[a]:{c - 1}.1f}%" for a, c in zip(who, cols))
            )
        cannot = [a for a in scenario.agencies if a not in able]
        if cannot:
            lines.append(f"  no mission that can reach it: {', '.join(cannot)}")
        lines.append("")
    return "\n".join(lines).rstrip()


# -- sensitivity --------------------------------------------------------------------------
def format_oat(result: OATResult, top: int | None = 20) -> str:
    rows = result.rows[:top] if top else result.rows
    lo, hi = result.base_ci95
    lines = [
        f"{result.scenario}: P({result.agency} first at {result.milestone}) = "
        f"{100 * result.base:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}] in the base scenario; "
        f"{result.n:,} replications per evaluation, seed {result.seed}",
        "",
        f"  {'#':>3}  {'parameter':<40}{'low .. high':<28}{'P(low)':>8}{'P(high)':>9}"
        f"{'swing':>8}  95% interval",
    ]
    for r in rows:
        rng = r["range"]
        if r["p_low"] == r["p_high"] == result.base and r["swing_lo"] == r["swing_hi"]:
            interval = "(no change)"
        else:
            interval = f"[{100 * r['swing_lo']:+.1f}, {100 * r['swing_hi']:+.1f}]" + (
                " *" if r["clear"] else ""
            )
        lines.append(
            f"  {r['rank']:>3}  {r['label'][:39]:<40}{rng[:27]:<28}"
            f"{100 * r['p_low']:7.1f}%{100 * r['p_high']:8.1f}%"
            f"{100 * r['swing']:+8.1f}  {interval}"
        )
    if top and len(result.rows) > top:
        lines.append(f"  ... {len(result.rows) - top} more parameters in sensitivity.csv")
    lines.append("")
    lines.append(
        "swing = P(high) - P(low) in percentage points, with its paired 95% "
        "interval; * marks a swing whose interval excludes 0;\n(no change): the "
        "outcome was the same in every replication at low, base and high."
    )
    return "\n".join(lines)


def format_sobol(result: SobolResult) -> str:
    def f(v: float | None) -> str:
        return "    n/a" if v is None else f"{v:7.3f}"

    lines = [
        f"{result.scenario}: Sobol indices of P({result.agency} first at "
        f"{result.milestone}); {result.samples} base samples, "
        f"{len(result.points) + 1:,} scenarios (the base and {len(result.points):,} "
        f"samples) x {result.n:,} replications, seed {result.seed}",
        "",
        f"  {'#':>3}  {'parameter':<50}{'range':<16}{'S1':>7}{'+-':>7}{'ST':>8}{'+-':>7}",
    ]
    for r in result.rows:
        rng = f"{r['low']} .. {r['high']}"
        lines.append(
            f"  {r['rank']:>3}  {r['label'][:49]:<50}{rng[:15]:<16}{f(r['S1'])}"
            f"{f(r['S1_conf'])} {f(r['ST'])}{f(r['ST_conf'])}"
        )
    lines.append("")
    lines.append(
        "S1: share of the variance of P(first) due to the parameter alone; ST: "
        "including its interactions; +-: 95% bootstrap half-width."
    )
    odd = sobol_out_of_range(result.rows)
    if odd:
        lines.append(
            f"warning: {', '.join(odd)} outside 0..1, which a share of the variance cannot "
            f"be: {result.samples} base samples are too few for these estimates. Raise "
            "--samples (e.g. 4 to 8 times as many) before reading them."
        )
    return "\n".join(lines)


def sobol_out_of_range(rows: Sequence[Mapping]) -> list[str]:
    """The Sobol indices (``S1 = 1.23 for LABEL``) that lie outside 0..1 beyond their
    own 95% half-width (above 1 at all): the sign of too few samples."""
    out = []
    for r in rows:
        for k in ("S1", "ST"):
            v, conf = r.get(k), r.get(f"{k}_conf") or 0.0
            if v is not None and (v > 1 or v + conf < 0):
                out.append(f"{k} = {v:.2f} for {r['label']}")
    return out


# -- backtest -----------------------------------------------------------------------------
_NAMES = {"racesim": "racesim", "base_rate": "base rate", "coin": "coin flip"}


def format_backtest(bt: Backtest, outcomes_source: str = "") -> str:
    """The backtest as a plain-text table (event, happened, and per forecaster the
    probability, Brier and log score), the means, and the verdict."""
    scoring = (
        "strict: a partial landing does not count"
        if bt.scoring == "strict"
        else "lenient: a partial landing counts"
    )
    src = f" against {outcomes_source}" if outcomes_source else ""
    seed = f", seed {bt.seed}" if bt.seed is not None else ""
    lines = [
        f"Backtest of {bt.scenario!r} (start {bt.start}){src}",
        f"Events by {bt.until}; {scoring}.",
        f"racesim: {bt.replications:,} replications{seed}.",
        f"Base rate: announced dates taken at their word, each attempt succeeding at "
        f"r = {bt.rate:.3f}",
        f"  (the landing record's {bt.rate_attempts} attempts up to the start, partials "
        "half). Coin flip: p = 0.5.",
        "Brier = (p - o)^2, lower is better. log = ln(p given to what happened), higher is better;",
        f"  p clipped to [{CLIP:g}, {1 - CLIP:g}] for the log score.",
        "",
    ]
    w = max([len(e.label()) for e in bt.events] + [30])
    head1 = f"{'':<{w}}  {'':>3}  " + "  ".join(
        f"{_NAMES[k]:^21}" if k != "coin" else f"{_NAMES[k]:^14}" for k in FORECASTERS
    )
    head2 = f"{'event':<{w}}  {'o':>3}  " + "  ".join(
        f"{'p':>6} {'Brier':>6} {'log':>7}" if k != "coin" else f"{'Brier':>6} {'log':>7}"
        for k in FORECASTERS
    )
    lines += [head1, head2]
    scores = {k: (bt.brier(k), bt.log(k)) for k in FORECASTERS}
    for i, e in enumerate(bt.events):
        cells = []
        for k in FORECASTERS:
            b, lg = scores[k][0][i], scores[k][1][i]
            cell = f"{b:6.3f} {lg:7.3f}"
            cells.append(cell if k == "coin" else f"{bt.p[k][i]:6.3f} {cell}")
        lines.append(f"{e.label():<{w}}  {'yes' if e.happened else 'no':>3}  " + "  ".join(cells))
    lines.append("")
    for kind in ("reached", "first", None):
        n = sum(kind is None or e.kind == kind for e in bt.events)
        if not n:
            continue
        t = bt.totals(kind)
        label = f"mean over {n} {kind + ' ' if kind else ''}events"
        cells = [
            f"{t[k]['brier']:6.3f} {t[k]['log']:7.3f}"
            if k == "coin"
            else f"{'':>6} {t[k]['brier']:6.3f} {t[k]['log']:7.3f}"
            for k in FORECASTERS
        ]
        lines.append(f"{label:<{w}}  {'':>3}  " + "  ".join(cells))
    lines.append("")
    t = bt.totals()
    for ref in ("coin", "base_rate"):
        cmp = bt.compare(ref)
        skill = (
            f"skill {1 - t['racesim']['brier'] / t[ref]['brier']:+.2f}"
            if t[ref]["brier"]
            else "skill n/a"
        )
        words = {1: "better", 0: "equal", -1: "worse"}
        if cmp["brier"] == cmp["log"]:
            verdict = f"{words[cmp['brier']]} on both scores"
        else:
            verdict = f"{words[cmp['brier']]} on Brier, {words[cmp['log']]} on log score"
        lines.append(
            f"racesim vs {_NAMES[ref]}: Brier {t['racesim']['brier']:.3f} vs "
            f"{t[ref]['brier']:.3f} ({skill}), log {t['racesim']['log']:.3f}"
            f" vs {t[ref]['log']:.3f}: {verdict}."
        )
    for note in bt.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)
