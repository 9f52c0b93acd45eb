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

from heapq import heappush
from itertools import count

import simpy
from simpy.core import NORMAL

__all__ = ["NORMAL", "drop_pending", "environment", "rearm", "reusable_timer", "timer"]

_new = object.__new__


def environment() -> simpy.Environment:
    """``simpy.Environment()`` (time 0) without ``BoundClass.bind_early``: binding its
    event classes to the instance speeds up many ``env.timeout()`` calls, and costs
    more than it saves in a replication, which makes its timers here.
    ``Environment.__init__`` inlined here for performance reasons."""
    env = _new(simpy.Environment)
    env._now = 0
    env._queue = []
    env._eid = count()
    env._active_proc = None
    return env


def timer(env: simpy.Environment, delay: float, callback=None) -> simpy.Event:
    """An event that fires ``delay`` years from now with the value None, at normal
    priority: ``env.timeout(delay)`` without its checks (``delay`` >= 0), with
    ``callback`` (if given) as its first callback.  ``Event.__init__`` and
    ``Environment.schedule`` inlined here for performance reasons."""
    ev = _new(simpy.Event)
    ev.env = env
    ev.callbacks = [] if callback is None else [callback]
    ev._ok = True
    ev._value = None
    heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), ev))
    return ev


def reusable_timer(env: simpy.Environment) -> simpy.Event:
    """A timer that is not scheduled yet: :func:`rearm` schedules it, again and again.
    SimPy never looks at a processed event again, so one that waits for nothing else
    can fire once more (one object for a sequence of timers that never overlap)."""
    ev = _new(simpy.Event)
    ev.env = env
    ev.callbacks = None  # as a processed event
    ev._ok = True
    ev._value = None
    return ev


def rearm(env: simpy.Environment, ev: simpy.Event, delay: float, callbacks: list) -> None:
    """Schedule ``ev`` (from :func:`reusable_timer`, not pending) to fire ``delay``
    years from now, at normal priority, calling ``callbacks`` (which nothing else may
    change): :func:`timer` without the new object.  It may be called from one of
    ``ev``'s own callbacks (SimPy iterates over the list it took from the event)."""
    ev.callbacks = callbacks
    heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), ev))


def drop_pending(env: simpy.Environment) -> None:
    """Forget every scheduled event (a finished replication's leftovers), so that the
    objects their callbacks hold are freed at once."""
    env._queue.clear()
