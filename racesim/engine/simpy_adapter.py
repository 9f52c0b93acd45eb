"""The only code that touches SimPy's internals.

racesim's engine sets a great many timers (a development's completion, computed ahead
by the money module).  SimPy's public ``env.timeout(delay)`` checks its delay and
builds a ``Timeout``; the engine's delays are valid by construction, so
:func:`timer` builds the same triggered event directly, as SimPy's own
``Timeout.__init__`` does ("inlined ... for performance reasons" there).  Each trick
is one small function here, pinned by ``tests/test_simpy_adapter.py``, which fails if
SimPy's internals change; ``pyproject.toml`` bounds SimPy's version (``<5``).
"""

from __future__ import annotations

import simpy
from simpy.core import NORMAL

__all__ = ["NORMAL", "drop_pending", "timer"]


def timer(env: simpy.Environment, delay: float) -> simpy.Event:
    """An event that fires ``delay`` years from now with the value None, at normal
    priority: ``env.timeout(delay)`` without its checks (``delay`` >= 0)."""
    ev = simpy.Event(env)
    ev._ok = True
    ev._value = None
    env.schedule(ev, NORMAL, delay)
    return ev


def drop_pending(env: simpy.Environment) -> None:
    """Forget every scheduled event (a finished replication's leftovers), so that the
    objects their callbacks hold are freed at once."""
    env._queue.clear()
