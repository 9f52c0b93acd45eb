"""Executors: where the chunks of replications run (serial, a process pool, Dask).

Every executor has one method, ``run(plans, seed, work)``: for each chunk
``(first, count)`` of ``work``, in order, it yields the reach times of every plan on
those replications (``run_chunks``, a top-level function of plan, seed and replication
numbers).  Replication *i* depends only on (plan, seed, i), so every executor gives the
same results; the caller never knows which one ran (cf. EMA Workbench's evaluators).
:func:`make_executor` picks one from the command line's ``--jobs``, ``--executor`` and
``--scheduler``.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Protocol

import numpy as np

from racesim.engine.plan import Plan
from racesim.run.replication import run_chunks

Work = list[tuple[int, int]]  # chunks: (first replication, count)


class Executor(Protocol):
    def run(self, plans: tuple[Plan, ...], seed: int, work: Work) -> Iterator[list[np.ndarray]]:
        """Yield, per chunk of ``work`` and in order, each plan's reach times."""
        ...


class ExecutorError(RuntimeError):
    """The executor could not be used (not installed, scheduler unreachable)."""


# -- serial ---------------------------------------------------------------------------
class SerialExecutor:
    """In this process, chunk after chunk."""

    @contextmanager
    def kept(self) -> Iterator[None]:
        yield

    def run(self, plans: tuple[Plan, ...], seed: int, work: Work) -> Iterator[list[np.ndarray]]:
        for first, count in work:
            yield run_chunks(plans, seed, first, count)


def _in_order(submit: Callable, work: Work, window: int) -> Iterator:
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


# -- a process pool -------------------------------------------------------------------
_WORKER: dict = {}


def _init_worker(plans: tuple[Plan, ...], seed: int, parent: int | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER["plans"] = plans
    _WORKER["seed"] = seed
    if parent is not None:
        watch_parent(parent)


def watch_parent(pid: int) -> None:
    """End this (worker) process as soon as process ``pid`` is gone, even if it was
    killed with SIGKILL and could not shut its pool down: a daemon thread waits on a
    pidfd of ``pid`` (Linux), or polls it every second elsewhere."""
    import select

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


def _start_fork_server() -> None:
    """Start the fork server with Ctrl-C ignored (it keeps that, and so do the workers
    forked from it): a terminal's Ctrl-C reaches the whole process group, and a fork
    server still importing its preloads would otherwise die with a traceback."""
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, old)


class PoolExecutor:
    """``jobs`` worker processes (forkserver); each holds the plans once.

    Inside ``with executor.kept():`` the pool outlives one ``run`` and serves the
    next run of the same plans and seed (the batches of a ``--precision`` run) without
    starting its workers again."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._keep = False
        self._pool = None
        self._for: tuple | None = None

    @contextmanager
    def kept(self) -> Iterator[None]:
        self._keep = True
        try:
            yield
        finally:
            self._keep = False
            self._shutdown()

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool, self._for = None, None

    def _start(self, plans: tuple[Plan, ...], seed: int):
        if self._pool is not None and self._for == (plans, seed):
            return self._pool
        self._shutdown()
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["racesim.run.replication", "racesim.run.forkchild"])
        _start_fork_server()
        self._pool = ProcessPoolExecutor(
            self.jobs, mp_context=ctx, initializer=_init_worker, initargs=(plans, seed, os.getpid())
        )
        self._for = (plans, seed)
        return self._pool

    def run(self, plans: tuple[Plan, ...], seed: int, work: Work) -> Iterator[list[np.ndarray]]:
        pool = self._start(plans, seed)
        try:
            yield from _in_order(
                lambda first, count: pool.submit(_work, first, count), work, 2 * self.jobs
            )
        finally:
            if not self._keep:  # kept: shut down when the kept() block ends
                self._shutdown()


# -- Dask -----------------------------------------------------------------------------
DASK_CONNECT_TIMEOUT = "15s"
#: what a Dask scheduler's address looks like: [PROTOCOL://]HOST[:PORT]
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://)?[\w.\-\[\]:%]+:\d{1,5}/?$|^inproc://\S+$")


def _shown(address: str) -> str:
    """An address as an error message quotes it: at most 80 characters."""
    return address if len(address) <= 80 else address[:80] + "..."


def _address_ok(address: str) -> bool:
    """A Dask scheduler address: the form of ``_ADDRESS``, a host name of at most 253
    characters (DNS's limit) and a port in 1..65535."""
    address = address.strip()
    if not _ADDRESS.match(address):
        return False
    if address.startswith("inproc://"):
        return True
    host, _, port = address.rstrip("/").rpartition(":")
    host = host.split("://", 1)[-1]
    return 0 < len(host) <= 253 and 1 <= int(port) <= 65535


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
            f"no Dask scheduler answered at {_shown(scheduler)} within {limit + 5:.0f} s "
            "(is a Dask scheduler listening there?)"
        )
    if "error" in box:
        exc = box["error"]
        what = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ExecutorError(f"cannot reach the Dask scheduler at {_shown(scheduler)}: {what}")
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
        "distributed.worker.preload": ["racesim.run.executors"],
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


class DaskExecutor:
    """Chunks on a Dask distributed cluster: the one at ``scheduler``, or a local one
    with ``jobs`` single-threaded worker processes.  Workers need racesim installed."""

    def __init__(self, jobs: int, scheduler: str | None = None):
        self.jobs = jobs
        self.scheduler = scheduler

    def run(self, plans: tuple[Plan, ...], seed: int, work: Work) -> Iterator[list[np.ndarray]]:
        try:
            import distributed  # noqa: F401
        except ImportError:  # pragma: no cover - depends on the environment
            raise ExecutorError(
                "the dask executor needs the 'distributed' package: pip install 'racesim[dask]'"
            ) from None
        cluster = None
        with _quiet_dask():
            if self.scheduler:
                client = _connect(self.scheduler)
            else:
                from distributed import Client

                try:
                    cluster = _local_cluster(self.jobs)
                    client = Client(cluster)
                except OSError as exc:
                    raise ExecutorError(f"cannot start a local Dask cluster: {exc}") from None
            try:
                workers = max(1, len(client.scheduler_info().get("workers", {})) or self.jobs)
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


# -- choosing one ---------------------------------------------------------------------
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
                f"a Dask scheduler ({_shown(scheduler)}) is only used by the dask executor; "
                "drop --executor local, or the scheduler"
            )
        if not _address_ok(scheduler):
            raise ExecutorError(
                f"{_shown(scheduler)!r} is not a Dask scheduler address (a host of at "
                "most 253 characters, a port from 1 to 65535); give one like "
                "tcp://HOST:8786 (what `dask scheduler` prints)"
            )
    return executor


def make_executor(jobs: int = 1, executor: str | None = None, scheduler: str | None = None):
    """The executor for ``--jobs``, ``--executor`` and ``--scheduler``: ``local`` is
    serial for one job and a process pool for more; ``dask`` a Dask cluster (see
    :func:`resolve_executor`)."""
    kind = resolve_executor(executor, scheduler)
    if kind == "dask":
        return DaskExecutor(jobs, scheduler)
    if jobs <= 1:
        return SerialExecutor()
    return PoolExecutor(jobs)
