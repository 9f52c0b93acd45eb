"""racesim/engine/simpy_adapter.py is the only code touching SimPy's internals; these
tests pin what it relies on, so that a SimPy release that changes them fails here
first (pyproject.toml also bounds SimPy below 5)."""

from __future__ import annotations

import simpy
from simpy.core import NORMAL, URGENT

from racesim.engine import simpy_adapter as sim


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(".")[:2])


def test_simpy_version_is_within_the_bound():
    assert (4, 1) <= _version(simpy.__version__) < (5, 0)


def test_timer_fires_like_a_timeout():
    env = simpy.Environment()
    seen = []
    t = sim.timer(env, 1.5)
    assert t.triggered and not t.processed  # scheduled, not yet fired
    t.callbacks.append(lambda ev: seen.append((env.now, ev.ok, ev.value)))
    env.run()
    assert seen == [(1.5, True, None)]


def test_timer_keeps_normal_priority_and_fifo_order():
    """At one time a timer comes in scheduling order with timeouts and succeed()
    (NORMAL), after a process started at that time (URGENT)."""
    env = simpy.Environment()
    order = []
    a = env.timeout(1.0)
    b = sim.timer(env, 1.0)
    c = env.timeout(1.0)

    def started():
        order.append("urgent")
        yield env.timeout(0)

    def at_a(_ev):
        order.append("a")
        env.process(started())  # its first step is scheduled URGENT
        done = env.event()
        done.callbacks.append(lambda _ev: order.append("succeeded"))
        done.succeed()  # NORMAL: after b and c

    a.callbacks.append(at_a)
    b.callbacks.append(lambda _ev: order.append("b"))
    c.callbacks.append(lambda _ev: order.append("c"))
    env.run()
    assert order == ["a", "urgent", "b", "c", "succeeded"]
    assert NORMAL > URGENT  # larger sorts later


def test_a_timer_in_a_process_is_waited_for():
    env = simpy.Environment()
    got = []

    def proc():
        v = yield sim.timer(env, 2.0)
        got.append((env.now, v))

    env.process(proc())
    env.run()
    assert got == [(2.0, None)]


def test_drop_pending_forgets_every_scheduled_event():
    env = simpy.Environment()
    fired = []
    for k in range(3):
        sim.timer(env, float(k + 1)).callbacks.append(lambda _ev: fired.append(1))
    assert env.peek() == 1.0
    sim.drop_pending(env)
    assert env.peek() == float("inf")
    env.run()
    assert fired == []


def test_a_reusable_timer_fires_again_when_rearmed_from_its_own_callback():
    env = sim.environment()
    ev = sim.reusable_timer(env)
    seen = []
    fires = [0]

    def fired(_ev):
        seen.append(env.now)
        fires[0] += 1
        if fires[0] < 3:
            sim.rearm(env, ev, 0.5, callbacks)  # from its own callback

    callbacks = [fired]
    sim.rearm(env, ev, 1.0, callbacks)
    env.timeout(1.25).callbacks.append(lambda _ev: seen.append("timeout"))
    env.run()
    assert seen == [1.0, "timeout", 1.5, 2.0]


def test_the_light_environment_runs_like_simpys():
    env = sim.environment()
    got = []

    def proc():
        yield env.timeout(1.0)
        got.append(env.now)
        done = env.event()
        done.succeed()
        yield done
        got.append(env.now)

    env.process(proc())
    env.run(until=5.0)
    assert got == [1.0, 1.0] and env.now == 5.0
