"""Parameter sweeps: one scenario run at every point of a grid of field values.

Every point runs the same replications at the same seed (common random numbers, see
:mod:`racesim.run.lockstep`), so the curves across points are smooth and differences
between neighbouring points reflect the parameter, not the luck of the draw.  Because
every draw is an inverse transform of its own uniform, raising a mission's success
chance can only turn failures into successes replication by replication: an agency's
P(first) is then non-decreasing along a sweep of its own success, exactly.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from racesim.analysis.variants import Span, variant
from racesim.engine.plan import Plan
from racesim.run.lockstep import execute_many
from racesim.run.montecarlo import new_tally
from racesim.run.stats import Tally
from racesim.scenario import Scenario

#: a sweep with more points than this is refused (each point is a full run)
MAX_POINTS = 2000


@dataclass
class Sweep:
    spans: list[Span]
    points: list[tuple]  # the varied values of each point, in grid order
    scenarios: list[Scenario]
    tallies: list[Tally]
    seed: int

    @property
    def n(self) -> int:
        return self.tallies[0].n if self.tallies else 0


def grid(spans: Sequence[Span]) -> list[tuple]:
    """Every combination of the spans' values (the first span varies slowest)."""
    return list(itertools.product(*(s.values() for s in spans)))


def build_points(
    data: Mapping, spans: Sequence[Span], source: str | None = None, base_dir: Path | None = None
) -> tuple[list[tuple], list[Scenario]]:
    """Validate the scenario at every grid point (all before anything runs).

    Raises :class:`~racesim.scenario.ScenarioError` naming the first bad point."""
    from racesim.scenario import ScenarioError

    points = grid(spans)
    if len(points) > MAX_POINTS:
        raise ScenarioError(
            [
                (
                    "--vary",
                    f"the grid has {len(points):,} points, more than "
                    f"{MAX_POINTS:,}; use fewer STEPS",
                )
            ],
            source,
        )
    scenarios = []
    for values in points:
        label = "at " + ", ".join(f"{s.path}={fmt_point(v)}" for s, v in zip(spans, values))
        scenarios.append(
            variant(data, [(s.parts, v) for s, v in zip(spans, values)], source, base_dir, label)
        )
    return points, scenarios


def run_sweep(
    spans: Sequence[Span],
    points: list[tuple],
    scenarios: list[Scenario],
    n: int,
    seed: int,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Sweep:
    """Run every point on the same ``n`` replications at ``seed``, streaming."""
    plans = [Plan.from_scenario(s) for s in scenarios]
    tallies = [new_tally(p, s) for p, s in zip(plans, scenarios)]
    for _, chunk in execute_many(plans, seed, n, jobs):
        for tally, reached in zip(tallies, chunk):
            tally.add(reached)
        if progress is not None:
            progress(len(plans) * chunk[0].shape[0])
    return Sweep(list(spans), points, scenarios, tallies, seed)


def can_reach(sweep: Sweep) -> dict[str, list[str]]:
    """Milestone -> the agencies that can reach it at some point of the sweep (see
    :func:`racesim.scenario.reach.contenders`), in the base scenario's order: the
    tables and plots leave the others out."""
    from racesim.scenario.reach import contenders

    found = [contenders(s) for s in sweep.scenarios]
    order = list(sweep.scenarios[0].agencies) if sweep.scenarios else []
    keys = sweep.scenarios[0].milestones if sweep.scenarios else {}
    return {m: [a for a in order if any(a in f.get(m, ()) for f in found)] for m in keys}


def fmt_point(v) -> str:
    """A varied value as printed and labelled."""
    return f"{v:g}" if isinstance(v, float) else str(v)


def short_paths(paths: Sequence[str]) -> list[str]:
    """Each path by its last two parts (``artemis3.success``), or by as many more as
    it takes to tell it from the others (``nasa.budget.annual`` beside
    ``cnsa.budget.annual``): the headers of the sweep's table and legends."""
    parts = [p.split(".") for p in paths]
    out = []
    for ps in parts:
        k = min(2, len(ps))
        while k < len(ps) and sum(1 for q in parts if q[-k:] == ps[-k:]) > 1:
            k += 1
        out.append(".".join(ps[-k:]))
    return out


def table_columns(spans: Sequence[Span]) -> list[str]:
    return [
        *(s.path for s in spans),
        "milestone",
        "agency",
        "p_first",
        "p_first_lo",
        "p_first_hi",
        "p_reached",
        "p_reached_lo",
        "p_reached_hi",
        "median",
        "median_year",
    ]


def rows(sweep: Sweep) -> list[dict]:
    """One row per point x milestone x agency (and ``none``: nobody by the horizon):
    the varied values, P(first) with its 95% Wilson interval, P(reached) with its
    interval, and the median date of reaching it (ISO and decimal year; empty when it
    never does, and for ``none``)."""
    from racesim.analysis.summary import summarize
    from racesim.scenario.timeutil import decimal_year

    out = []
    for values, s, tally in zip(sweep.points, sweep.scenarios, sweep.tallies):
        summary = summarize(s, tally, sweep.seed)
        varied = {sp.path: v for sp, v in zip(sweep.spans, values)}
        for key, ms in summary["milestones"].items():
            for who, f in ms["first"].items():
                r = ms["reached"].get(who)
                median = r["median"] if r else None
                out.append(
                    {
                        **varied,
                        "milestone": key,
                        "agency": who,
                        "p_first": f["p"],
                        "p_first_lo": f["ci95"][0],
                        "p_first_hi": f["ci95"][1],
                        "p_reached": r["p"] if r else None,
                        "p_reached_lo": r["ci95"][0] if r else None,
                        "p_reached_hi": r["ci95"][1] if r else None,
                        "median": median,
                        "median_year": (
                            round(decimal_year(dt.date.fromisoformat(median)), 4)
                            if median
                            else None
                        ),
                    }
                )
    return out
