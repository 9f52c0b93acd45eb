"""Many replications: chunks, executors, streaming into a tally.

Replication *i* depends only on (scenario, seed, i) — see :mod:`racesim.streams` — so
how the replications are split into chunks and which executor runs them cannot change
any result.  Chunks are consumed in replication order, so the per-replication table is
written in the same order too.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from .plan import Plan
from .replication import run_chunks
from .scenario import Scenario
from .stats import Tally, days

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


# -- executors ------------------------------------------------------------------------
# Each executor runs every plan of ``plans`` on each chunk of ``work`` and yields, per
# chunk and in order, the list of reach-time arrays (one per plan).
_WORKER: dict = {}


def _init_worker(plans: tuple[Plan, ...], seed: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER["plans"] = plans
    _WORKER["seed"] = seed


def _work(first: int, count: int) -> list[np.ndarray]:
    return run_chunks(_WORKER["plans"], _WORKER["seed"], first, count)


def _serial(
    plans: tuple[Plan, ...], seed: int, work: list[tuple[int, int]]
) -> Iterator[list[np.ndarray]]:
    for first, count in work:
        yield run_chunks(plans, seed, first, count)


def _in_order(submit: Callable, work: list[tuple[int, int]], window: int) -> Iterator:
    """Submit chunks with at most ``window`` in flight; yield their results in order."""
    pending: deque = deque()
    todo = iter(work)
    try:
        for item in todo:
            pending.append(submit(*item))
            if len(pending) >= window:
                break
        while pending:
            result = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(submit(*nxt))
            yield result
    finally:
        for f in pending:
            f.cancel()


def _pool(
    plans: tuple[Plan, ...], seed: int, work: list[tuple[int, int]], jobs: int
) -> Iterator[list[np.ndarray]]:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["racesim.replication"])
    pool = ProcessPoolExecutor(
        jobs, mp_context=ctx, initializer=_init_worker, initargs=(plans, seed)
    )
    try:
        yield from _in_order(lambda first, count: pool.submit(_work, first, count), work, 2 * jobs)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


DASK_CONNECT_TIMEOUT = "15s"


def _dask(
    plans: tuple[Plan, ...],
    seed: int,
    work: list[tuple[int, int]],
    jobs: int,
    scheduler: str | None,
) -> Iterator[list[np.ndarray]]:
    """Chunks on a Dask distributed cluster: the one at ``scheduler``, or a local one
    with ``jobs`` single-threaded worker processes.  Workers need racesim installed."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the environment
        raise ExecutorError(
            "the dask executor needs the 'distributed' package: pip install 'racesim[dask]'"
        ) from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
        else:
            cluster = LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
    except OSError as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})) or jobs)
        remote = client.scatter(plans, broadcast=True)
        yield from _in_order(
            lambda first, count: client.submit(run_chunks, remote, seed, first, count, pure=False),
            work,
            3 * workers,
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class ExecutorError(RuntimeError):
    """The executor could not be used (not installed, scheduler unreachable)."""


EXECUTORS = ("local", "dask")


def execute_many(
    plans: Sequence[Plan],
    seed: int,
    first: int,
    n: int,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
) -> Iterator[tuple[int, list[np.ndarray]]]:
    """Yield ``(first, [reached of each plan])`` chunks covering replications
    first..first+n-1 in order; ``reached`` has shape (count, M, A), years, NaN = not
    reached.

    ``executor``: ``local`` (in this process for one job, else a process pool) or
    ``dask`` (a Dask distributed cluster at ``scheduler``, or a local one)."""
    plans = tuple(plans)
    work = chunks(first, n, jobs)
    if executor == "dask":
        runner = _dask(plans, seed, work, jobs, scheduler)
    elif executor != "local":
        raise ExecutorError(f"unknown executor {executor!r}; use one of {EXECUTORS}")
    elif jobs <= 1:
        runner = _serial(plans, seed, work)
    else:
        runner = _pool(plans, seed, work, jobs)
    for (start, _), reached in zip(work, runner):
        yield start, reached


def execute(
    plan: Plan,
    seed: int,
    first: int,
    n: int,
    jobs: int = 1,
    executor: str = "local",
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


def new_tally(plan: Plan, scenario: Scenario) -> Tally:
    pre = [m.succeeded for m in plan.missions if m.succeeded is not None]
    day0 = min([0, *[int(d) for d in days(np.array(pre))]]) if pre else 0
    day1 = int(days(np.array([plan.horizon]))[0]) + 1
    return Tally.empty(len(plan.milestones), len(plan.agencies), day0, day1)


def simulate(
    scenario: Scenario,
    n: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    sink: ChunkSink | None = None,
    progress: Callable[[int], None] | None = None,
    precision: float | None = None,
    max_replications: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
) -> RunOutput:
    """Run replications of ``scenario`` and tally them (see :func:`execute` for
    ``jobs``, ``executor`` and ``scheduler``).

    ``sink(first, reached)`` receives every chunk in order (for the per-replication
    table); ``progress(k)`` is told how many replications just finished.  With
    ``precision``, batches of ``n`` replications are added until every P(first) has a
    95% half-width at most ``precision`` or ``max_replications`` is reached.
    """
    plan = Plan.from_scenario(scenario)
    seed = scenario.seed if seed is None else seed
    n = scenario.replications if n is None else n
    tally = new_tally(plan, scenario)
    t0 = time.perf_counter()
    limit = n if precision is None else max(n, max_replications or n * 100)
    done = 0
    batch = n
    while True:
        for first, reached in execute(plan, seed, done, batch, jobs, executor, scheduler):
            tally.add(reached)
            if sink is not None:
                sink(first, reached)
            if progress is not None:
                progress(reached.shape[0])
        done += batch
        if precision is None or done >= limit or tally.max_half_width() <= precision:
            break
        batch = min(_batch_needed(tally, precision, done), limit - done)
    return RunOutput(tally, seed, done, time.perf_counter() - t0)


def _batch_needed(tally: Tally, precision: float, done: int) -> int:
    """Replications to add so the widest interval should shrink to ``precision``."""
    p = tally.first / max(1, tally.n)
    var = float(np.max(p * (1 - p)))
    need = math.ceil((1.959963984540054**2) * max(var, 1e-4) / precision**2)
    return max(need - done, max(100, done // 4))
