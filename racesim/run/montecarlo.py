"""Many replications: chunks, streamed in order from an executor into a tally.

Replication *i* depends only on (scenario, seed, i) — see :mod:`racesim.run.streams` — so
how the replications are split into chunks and which executor runs them
(:mod:`racesim.run.executors`) cannot change any result.  Chunks are consumed in
replication order, so the per-replication table is written in the same order too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from racesim.engine.plan import Plan
from racesim.run.executors import (  # noqa: F401 - also imported from here by cli and api
    EXECUTORS,
    ExecutorError,
    make_executor,
    resolve_executor,
)
from racesim.run.mixture import MixturePlan
from racesim.run.stats import Tally, days
from racesim.run.versus import VersusTally
from racesim.run.worlds import InWorlds, WorldTally
from racesim.scenario.mixture import Mixture
from racesim.scenario.schema import Scenario

ChunkSink = Callable[[int, np.ndarray], None]


def chunks(first: int, n: int, jobs: int) -> list[tuple[int, int]]:
    size = max(25, min(1000, n // max(1, jobs * 8)))
    out = []
    i = first
    end = first + n
    while i < end:
        out.append((i, min(size, end - i)))
        i += size
    return out


def execute_many(
    plans: Sequence[Plan],
    seed: int,
    first: int,
    n: int,
    jobs: int = 1,
    executor: str | None = None,
    scheduler: str | None = None,
) -> Iterator[tuple[int, list[np.ndarray]]]:
    """Yield ``(first, [reached of each plan])`` chunks covering replications
    first..first+n-1 in order; ``reached`` has shape (count, M, A), years, NaN = not
    reached.

    ``executor``: ``local`` (in this process for one job, else a process pool) or
    ``dask`` (a Dask distributed cluster at ``scheduler``, or a local one); the
    default is ``dask`` when a ``scheduler`` is given, else ``local``."""
    plans = tuple(plans)
    work = chunks(first, n, jobs)
    runner = make_executor(jobs, executor, scheduler).run(plans, seed, work)
    for (start, _), reached in zip(work, runner):
        yield start, reached


def execute(
    plan: Plan,
    seed: int,
    first: int,
    n: int,
    jobs: int = 1,
    executor: str | None = None,
    scheduler: str | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """:func:`execute_many` for one plan: yields ``(first, reached)``."""
    for start, (reached,) in execute_many((plan,), seed, first, n, jobs, executor, scheduler):
        yield start, reached


# -- a whole run ----------------------------------------------------------------------
@dataclass
class RunOutput:
    tally: Tally
    seed: int
    n: int
    seconds: float
    started: dt.datetime | None = None  # when the run began (UTC)
    #: a mixture's tally of each component's replications (None for a plain scenario)
    parts: list[Tally] | None = None
    #: with worlds: the per-world counts (None without)
    worlds: WorldTally | None = None
    versus: VersusTally | None = None  # head to head (``versus`` pairs), if asked


def plan_for(scenario: Scenario | Mixture) -> Plan | MixturePlan:
    if isinstance(scenario, Mixture):
        return MixturePlan.from_mixture(scenario)
    return Plan.from_scenario(scenario)


def new_tally(
    plan: Plan | MixturePlan, scenario: Scenario | Mixture, winners: bool = False
) -> Tally:
    """An empty tally of ``plan``'s milestones and agencies, its days from the earliest
    success before the start to the horizon (``winners``: see :class:`Tally`)."""
    pre = [m.succeeded for m in plan.missions if m.succeeded is not None]
    day0 = min([0, *[int(d) for d in days(np.array(pre))]]) if pre else 0
    day1 = int(days(np.array([plan.horizon]))[0]) + 1
    return Tally.empty(len(scenario.milestones), len(scenario.agencies), day0, day1, winners)


def run_many(
    scenario: Scenario,
    n: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    sink: ChunkSink | None = None,
    progress: Callable[[int], None] | None = None,
    precision: float | None = None,
    max_replications: int | None = None,
    executor: str | None = None,
    scheduler: str | None = None,
    worlds: int | None = None,
    versus: Sequence[tuple[int, int]] = (),
) -> RunOutput:
    """Run replications of ``scenario`` and tally them (see :func:`execute` for
    ``jobs``, ``executor`` and ``scheduler``).  ``worlds``: split the ``n``
    replications into that many worlds (:mod:`racesim.run.worlds`; not with
    ``precision``).

    ``sink(first, reached)`` receives every chunk in order (for the per-replication
    table); ``progress(k)`` is told how many replications just finished.  With
    ``precision``, batches of ``n`` replications are added until every P(first) has a
    95% half-width at most ``precision`` or ``max_replications`` is reached.
    ``versus``: pairs of agency indices to tally head to head
    (:class:`racesim.run.versus.VersusTally`, in ``RunOutput.versus``).
    """
    plan = plan_for(scenario)
    seed = scenario.seed if seed is None else seed
    n = scenario.replications if n is None else n
    tally = new_tally(plan, scenario, winners=True)
    vt = (
        VersusTally.empty(versus, len(scenario.milestones), tally.hist.shape[2]) if versus else None
    )
    mixed = isinstance(plan, MixturePlan)
    parts = [new_tally(plan, scenario) for _ in plan.plans] if mixed else None
    in_worlds = world_tally = None
    if worlds is not None:
        if precision is not None:
            raise ValueError("worlds split a fixed number of replications: not with precision")
        if not 1 <= worlds <= n:
            raise ValueError(f"worlds must be between 1 and n ({n:,}), not {worlds:,}")
        in_worlds = InWorlds(plan, worlds, n)
        world_tally = WorldTally.empty(worlds, len(scenario.milestones), len(scenario.agencies))
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC)
    limit = n if precision is None else max(n, max_replications or n * 100)
    done = 0
    batch = n
    runner = make_executor(jobs, executor, scheduler)
    kept = getattr(runner, "kept", None)  # a pool kept for every batch
    with kept() if kept is not None else contextlib.nullcontext():
        while True:
            run = plan if in_worlds is None else in_worlds
            work = chunks(done, batch, jobs)
            for (first, _), (reached,) in zip(work, runner.run((run,), seed, work)):
                count = reached.shape[0]
                keys = None if in_worlds is None else in_worlds.keys(first, count)
                tally.add(reached)
                if world_tally is not None:
                    world_tally.add(reached, keys)
                if mixed:
                    comp = plan.components_of(seed, first, count, keys)
                    for c, part in enumerate(parts):
                        part.add(reached[comp == c])
                if vt is not None:
                    vt.add(reached)
                if sink is not None:
                    sink(first, reached)
                if progress is not None:
                    progress(reached.shape[0])
            done += batch
            if precision is None or done >= limit or tally.max_half_width() <= precision:
                break
            batch = min(_batch_needed(tally, precision, done), limit - done)
    return RunOutput(tally, seed, done, time.perf_counter() - t0, started, parts, world_tally, vt)


def _batch_needed(tally: Tally, precision: float, done: int) -> int:
    """Replications to add so the widest interval should shrink to ``precision``."""
    p = tally.first / max(1, tally.n)
    var = float(np.max(p * (1 - p)))
    need = math.ceil((1.959963984540054**2) * max(var, 1e-4) / precision**2)
    return max(need - done, max(100, done // 4))
