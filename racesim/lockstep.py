"""Several scenarios on the same replications, chunk by chunk (common random numbers).

Comparisons, sweeps and sensitivity analyses run K variants of a scenario at one root
seed.  Replication *i* of every variant draws its uniforms from the same streams (keyed
by agency name and *i*, see :mod:`racesim.streams`), so the variants are paired: their
differences come from the changed parameters, not from different luck.

:func:`execute_many` yields each chunk of replications for all K variants at once, in
replication order, so callers stream them into counts and memory stays bounded
whatever N is.  Like :func:`racesim.montecarlo.execute`, the result does not depend on
``jobs``.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from .montecarlo import chunks
from .plan import Plan
from .replication import run_chunk

_WORKER: dict = {}


def _init_worker(plans: tuple[Plan, ...], seed: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER["plans"] = plans
    _WORKER["seed"] = seed


def _work(first: int, count: int) -> list[np.ndarray]:
    return [run_chunk(p, _WORKER["seed"], first, count) for p in _WORKER["plans"]]


def _serial(plans, seed, work) -> Iterator[list[np.ndarray]]:
    for first, count in work:
        yield [run_chunk(p, seed, first, count) for p in plans]


def _pool(plans, seed, work, jobs) -> Iterator[list[np.ndarray]]:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["racesim.replication"])
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker,
                               initargs=(tuple(plans), seed))
    pending: deque[Future] = deque()
    todo = iter(work)
    try:
        for item in todo:
            pending.append(pool.submit(_work, *item))
            if len(pending) >= 2 * jobs:
                break
        while pending:
            result = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(_work, *nxt))
            yield result
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def execute_many(plans: Sequence[Plan], seed: int, n: int, jobs: int = 1
                 ) -> Iterator[tuple[int, list[np.ndarray]]]:
    """Yield ``(first, [reached_k for each plan])`` for replications 0..n-1, in order.

    ``reached_k`` has shape (count, M_k, A_k): years from start, NaN = not reached.
    ``jobs`` > 1 runs chunks in a process pool; results are the same for any ``jobs``.
    """
    work = chunks(0, n, jobs)
    runner = _serial(plans, seed, work) if jobs <= 1 else _pool(plans, seed, work, jobs)
    for (start, _), reached in zip(work, runner):
        yield start, reached


def layout(plan: Plan, agency: int) -> tuple:
    """What fixes the positions of an agency's random numbers: if two scenarios agree on
    it, that agency's draws are paired quantity by quantity."""
    ag = plan.agencies[agency]
    return (plan.n_years, len(ag.shocks), tuple(plan.missions[m].id for m in ag.missions))


def unpaired_agencies(a: Plan, b: Plan) -> list[str]:
    """Agencies in both plans whose random numbers are NOT paired between them (their
    shocks or missions differ in number or order, or the horizon changes the years)."""
    index_b = {ag.key: ag.index for ag in b.agencies}
    return [ag.key for ag in a.agencies
            if ag.key in index_b and layout(a, ag.index) != layout(b, index_b[ag.key])]
