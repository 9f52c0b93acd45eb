"""Plain-text tables of the evidence commands: several backtest origins with their
pooled means (``racesim backtest S1 S2 ...``) and the crowd beside the forecast
(``racesim crowd``)."""

from __future__ import annotations

import textwrap

from racesim.analysis.backtest import CLIP, FORECASTERS
from racesim.output.text import pct

WIDTH = 92
_NAMES = {"racesim": "racesim", "base_rate": "base rate", "coin": "coin flip"}


def _verdict(beats: dict[str, bool]) -> str:
    if beats["brier"] and beats["log"]:
        return "better on both scores"
    if not beats["brier"] and not beats["log"]:
        return "not better on either score"
    return "better on Brier only" if beats["brier"] else "better on the log score only"


def format_backtests(result, outcomes_source: str = "") -> str:
    """Per origin and pooled: events and each forecaster's mean Brier and log score,
    then how racesim fares against each reference."""
    origins = result.origins
    scoring = origins[0].scoring if origins else "strict"
    src = f" against {outcomes_source}" if outcomes_source else ""
    until = origins[0].until if origins else ""
    partial = "does not count" if scoring == "strict" else "counts"
    lines = [
        f"Backtest of {len(origins)} forecast origins{src}",
        f"Each scored on the events after its own start, up to {until}; {scoring} scoring",
        f"  (a partial landing {partial}).",
        "Brier = (p - o)^2, lower is better; log = ln(p given to what happened), higher is",
        f"  better (p clipped to [{CLIP:g}, {1 - CLIP:g}]).",
        "Means over each origin's events; pooled: over all events of all origins.",
        "",
    ]
    w = max([len(b.scenario) for b in origins] + [len("pooled"), 12])
    head1 = f"{'':<{w}}  {'':<10}  {'':>6}  " + "  ".join(f"{_NAMES[k]:^14}" for k in FORECASTERS)
    head2 = f"{'origin':<{w}}  {'start':<10}  {'events':>6}  " + "  ".join(
        f"{'Brier':>6} {'log':>7}" for _ in FORECASTERS
    )
    lines += [head1.rstrip(), head2]

    def row(name: str, start: str, n: int, t: dict) -> str:
        cells = "  ".join(f"{t[k]['brier']:6.3f} {t[k]['log']:7.3f}" for k in FORECASTERS)
        return f"{name:<{w}}  {start:<10}  {n:>6}  {cells}"

    for b in origins:
        lines.append(row(b.scenario, b.start.isoformat(), len(b.events), b.totals()))
    lines.append(row("pooled", "", result.n_events, result.pooled()))
    lines.append("")
    lines += textwrap.wrap(
        f"The {result.n_events} events come from {result.groups} (origin, milestone) "
        "pairs: the events of a pair are decided by the same history and forecast from "
        "the same replications, and all origins share one history, so they are strongly "
        "correlated and count for far fewer independent events.",
        WIDTH,
    )
    lines.append("")
    for ref in ("base_rate", "coin"):
        groups: dict[str, list[str]] = {}
        for name, v in result.beats(ref).items():
            groups.setdefault(_verdict(v), []).append(name)
        text = "; ".join(f"{verdict} at {', '.join(names)}" for verdict, names in groups.items())
        lines += textwrap.wrap(f"racesim vs {_NAMES[ref]}: {text}.", WIDTH, subsequent_indent="  ")
    skipped = 0
    for b in origins:
        for note in b.notes:
            if note.endswith("in the outcomes file but not a milestone of the scenario"):
                skipped += 1
                continue
            lines.append(f"note ({b.scenario}): {note}")
    if skipped:
        lines.append(
            f"note: {skipped} milestones of the outcomes file are not milestones of some "
            "origin and are not scored there (racesim backtest SCENARIO lists them)."
        )
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters: its start and its end (where a
    question names its agency), the middle left out."""
    if len(text) <= width:
        return text
    tail = (width - 3) * 2 // 5
    return text[: width - 3 - tail].rstrip() + "..." + text[len(text) - tail :].lstrip()


def format_crowd(result) -> str:
    """Each question with the crowd's p, racesim's (and its 95% interval) and the
    difference in percentage points, largest first."""
    s = result.scenario
    since = getattr(result, "since", None) or s.start
    lines = [
        f"The crowd beside {s.name!r} (start {s.start}): {result.n:,} replications, "
        f"seed {result.seed}",
        f"questions of {result.source} dated on or after {since}, largest difference first",
    ]
    if since < s.start:
        lines.append(
            f"(questions asked before {s.start} were answered without what the scenario "
            "knows from then to its start)"
        )
    lines.append("")
    if not result.answers:
        lines.append(f"(no question of the crowd file is dated on or after {since})")
    else:
        qw = 58
        lines.append(
            f"  {'question':<{qw}}  {'said on':<10}  {'by':<10}  {'crowd':>6}  "
            f"{'racesim':>7}  {'95% interval':<14}  {'diff':>6}"
        )
        for a in result.answers:
            q = a.question
            ci = f"[{100 * a.lo:.1f}, {100 * a.hi:.1f}]"
            lines.append(
                f"  {_cut(q.question, qw):<{qw}}  {q.date.isoformat():<10}  "
                f"{q.by.isoformat():<10}  {pct(q.p):>6}  {pct(a.p):>7}  {ci:<14}  "
                f"{100 * a.diff:+6.1f}"
            )
        lines += [
            "",
            "diff = racesim - crowd, in percentage points; each question asks whether it "
            "happens on or before 'by'.",
        ]
    for note in result.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)
