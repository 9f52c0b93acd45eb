"""What the fork server of :class:`racesim.run.executors.PoolExecutor` preloads, besides
the engine: a worker forked just as its pool shuts down ends without a traceback.

A Ctrl-C (or SIGTERM) that reaches only racesim's own process, while the pool is still
starting its workers, makes the parent shut the pool down and remove its semaphores; a
worker the fork server is forking at that moment then fails to rebuild one of them
(``SemLock._rebuild``: ``FileNotFoundError``) and the fork server prints the traceback
through ``sys.excepthook`` above racesim's own "interrupted" line.  Nothing is lost (the
worker had not started any work), so the fork server's hook drops exactly that
traceback and passes every other one on.
"""

from __future__ import annotations

import sys
from types import TracebackType

_DEFAULT = sys.excepthook


def _pool_gone(tb: TracebackType | None) -> bool:
    """The exception was raised while a worker rebuilt its pool's semaphore."""
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "__setstate__" and code.co_filename.endswith("synchronize.py"):
            return True
        tb = tb.tb_next
    return False


def quiet_hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, OSError) and _pool_gone(tb):
        return
    _DEFAULT(kind, exc, tb)


sys.excepthook = quiet_hook
