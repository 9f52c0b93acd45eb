"""Many replications: chunks, executors, streaming into a tally.

Replication *i* depends only on (scenario, seed, i) — see :mod:`racesim.run.streams` — so
how the replications are split into chunks and which executor runs them cannot change
any result.  Chunks are consumed in replication order, so the per-replication table is
written in the same order too.
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from racesim.engine.plan import Plan
from racesim.run.replication import run_chunks
from racesim.run.stats import Tally, days
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


# -- executors ------------------------------------------------------------------------
# Each executor runs every plan of ``plans`` on each chunk of ``work`` and yields, per
# chunk and in order, the list of reach-time arrays (one per plan).
_WORKER: dict = {}


def _init_worker(plans: tuple[Plan, ...], seed: int, parent: int | None = None) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER["plans"] = plans
    _WORKER["seed"] = seed
    if parent is not None:
        watch_parent(parent)


def watch_parent(pid: int) -> None:
    """End this (worker) process as soon as process ``pid`` is gone, even if it was
    killed with SIGKILL and could not shut its pool down: a daemon thread waits on a
    pidfd of ``pid`` (Linux), or polls it every second elsewhere."""
    import os
    import select
    import threading

    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None

    def wait() -> None:
        if fd is not None:
            select.select([fd], [], [])
        else:  # pragma: no cover - not Linux
            while True:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except OSError:
                    pass
                time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=wait, name="racesim-parent-watch", daemon=True).start()


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
    ctx.set_forkserver_preload(["racesim.run.replication"])
    pool = ProcessPoolExecutor(
        jobs, mp_context=ctx, initializer=_init_worker, initargs=(plans, seed, os.getpid())
    )
    try:
        yield from _in_order(lambda first, count: pool.submit(_work, first, count), work, 2 * jobs)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


DASK_CONNECT_TIMEOUT = "15s"
#: what a Dask scheduler's address looks like: [PROTOCOL://]HOST[:PORT]
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://)?[\w.\-\[\]:%]+:\d{1,5}/?$|^inproc://\S+$")


def _timeout_seconds() -> float:
    text = str(DASK_CONNECT_TIMEOUT).strip().removesuffix("s")
    return float(text)


def _connect(scheduler: str):
    """A Dask client of ``scheduler``, or :class:`ExecutorError` within the time limit
    (whatever listens there: nothing, a Dask scheduler, or some other server)."""
    from distributed import Client

    box: dict = {}

    def go() -> None:
        try:
            box["client"] = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below
            box["error"] = exc

    limit = _timeout_seconds()
    thread = threading.Thread(target=go, name="racesim-dask-connect", daemon=True)
    thread.start()
    thread.join(limit + 5)
    if thread.is_alive():
        raise ExecutorError(
            f"no Dask scheduler answered at {scheduler} within {limit + 5:.0f} s "
            "(is a Dask scheduler listening there?)"
        )
    if "error" in box:
        exc = box["error"]
        what = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {what}")
    return box["client"]


@contextmanager
def _quiet_dask():
    """Keep Dask's own log lines (worker tracebacks on Ctrl-C, shutdown notes) off the
    terminal: racesim says what happened in one line."""
    import logging

    loggers = [logging.getLogger(n) for n in ("distributed", "tornado", "asyncio")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def dask_setup(worker=None) -> None:
    """Run in each worker of racesim's local Dask cluster (a Dask preload): the worker
    ignores Ctrl-C, which a terminal sends to every process of the group; racesim
    alone acts on it, by closing the cluster (otherwise every worker prints a
    traceback)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _local_cluster(jobs: int):
    """A local Dask cluster with ``jobs`` single-threaded workers that never act on
    Ctrl-C and keep their log lines to themselves.

    A terminal's Ctrl-C reaches every process of the group; racesim alone should act
    on it, by closing the cluster (each Dask worker would print a traceback).  So the
    workers are forked from a fork server started with SIGINT ignored (they inherit
    that, and :func:`dask_setup` keeps it so), and a Ctrl-C while the cluster starts
    is held until it has started, then raised (so it can be closed cleanly)."""
    import dask
    from distributed import LocalCluster

    quiet = {
        "logging.distributed": "critical",
        "distributed.admin.log-length": 0,
        "distributed.worker.multiprocessing-method": "forkserver",
        "distributed.worker.preload": ["racesim.run.montecarlo"],
    }
    main = threading.current_thread() is threading.main_thread()
    if main:
        from multiprocessing import forkserver

        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, old)
    pressed: list[int] = []
    old = signal.signal(signal.SIGINT, lambda *_: pressed.append(1)) if main else None
    try:
        with dask.config.set(quiet):
            cluster = LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=60,
            )
    finally:
        if main:
            signal.signal(signal.SIGINT, old)
    if pressed:
        cluster.close()
        raise KeyboardInterrupt
    return cluster


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
        import distributed  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        raise ExecutorError(
            "the dask executor needs the 'distributed' package: pip install 'racesim[dask]'"
        ) from None
    cluster = None
    with _quiet_dask():
        if scheduler:
            client = _connect(scheduler)
        else:
            from distributed import Client

            try:
                cluster = _local_cluster(jobs)
                client = Client(cluster)
            except OSError as exc:
                raise ExecutorError(f"cannot start a local Dask cluster: {exc}") from None
        try:
            workers = max(1, len(client.scheduler_info().get("workers", {})) or jobs)
            remote = client.scatter(plans, broadcast=True)
            yield from _in_order(
                lambda first, count: client.submit(
                    run_chunks, remote, seed, first, count, pure=False
                ),
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


def resolve_executor(executor: str | None, scheduler: str | None) -> str:
    """The executor to use: ``executor``, or (if None) ``dask`` when a ``scheduler`` is
    given and ``local`` otherwise.  A scheduler with the local executor, a bad
    scheduler address or an unknown executor raise :class:`ExecutorError`."""
    if executor is None:
        executor = "dask" if scheduler is not None else "local"
    if executor not in EXECUTORS:
        raise ExecutorError(f"unknown executor {executor!r}; use one of {EXECUTORS}")
    if scheduler is not None:
        if executor != "dask":
            raise ExecutorError(
                f"a Dask scheduler ({scheduler}) is only used by the dask executor; "
                "drop --executor local, or the scheduler"
            )
        if not _ADDRESS.match(scheduler.strip()):
            shown = scheduler if len(scheduler) <= 80 else scheduler[:80] + "..."
            raise ExecutorError(
                f"{shown!r} is not a Dask scheduler address; give one like "
                "tcp://HOST:8786 (what `dask scheduler` prints)"
            )
    return executor


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
    executor = resolve_executor(executor, scheduler)
    if executor == "dask":
        runner = _dask(plans, seed, work, jobs, scheduler)
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
    executor: str | None = None,
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
    started = dt.datetime.now(dt.UTC)
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
    return RunOutput(tally, seed, done, time.perf_counter() - t0, started)


def _batch_needed(tally: Tally, precision: float, done: int) -> int:
    """Replications to add so the widest interval should shrink to ``precision``."""
    p = tally.first / max(1, tally.n)
    var = float(np.max(p * (1 - p)))
    need = math.ceil((1.959963984540054**2) * max(var, 1e-4) / precision**2)
    return max(need - done, max(100, done // 4))
