"""Fast path equals general path, on 500 generated scenarios.

racesim's silent run (what ``racesim run`` and ``racesim.simulate`` use) takes
shortcuts that a traced run (``racesim trace``, which keeps the story and the books)
does not: the lone-development arithmetic (``_forward_one`` and its direct timer), an
early stop once every milestone is decided, skipping ahead over fully funded quarters,
and more.  Each shortcut has a private switch (racesim/engine/money.py's docstring says
when each path is taken; tests/engine.py lists them).  Here every replication must give
the same reach times:

* silent run = traced run;
* every shortcut on = every shortcut off, and each shortcut off alone;
* a chunk of replications = each replication run alone.

"The same" is to floating-point rounding: the paths add the same amounts in different
orders, so a reach time may differ in its last bits (about 1e-15 years has been seen);
TOL is a thousand times that and far below anything a wrong rule would produce (a
quarter, a day).  Which pairs are reached must agree exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests import engine
from tests.scenario_gen import big_group_scenario, random_scenario

TOL = 1e-12  # years (30 microseconds)
N_SCENARIOS = 500
N_REPS = 6
N_BIG = 30  # big_group_scenario: one funding group of 30 to 80 developments
SEED = 11
BASE_DIR = Path(__file__).resolve().parent / "golden" / "scenarios"  # for record.file


@pytest.fixture(scope="module")
def plans():
    return [
        engine.plan(engine.scenario_from_data(random_scenario(5000 + k), BASE_DIR))
        for k in range(N_SCENARIOS)
    ]


@pytest.fixture(scope="module")
def fast(plans):
    return [engine.reach_times(p, SEED, N_REPS) for p in plans]


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    if not np.array_equal(np.isnan(x), np.isnan(y)):
        return False
    both = ~np.isnan(x)
    return bool(np.all(np.abs(x[both] - y[both]) <= TOL))


def _check(name, plans, fast, other, made_by: str = "random_scenario", first: int = 5000):
    """Every plan's reach times by ``other`` equal the silent run's ``fast``; a failure
    names the first plan that differs as ``made_by(first + k)``."""
    bad = [k for k, (p, x) in enumerate(zip(plans, fast)) if not _same(x, other(p))]
    assert not bad, (
        f"{name}: {len(bad)} of {len(plans)} generated scenarios differ from the silent "
        f"run, e.g. {made_by}({first + bad[0]}) at seed {SEED}"
    )


def test_the_scenarios_exercise_the_model(fast):
    reached = sum(int(np.sum(~np.isnan(x))) for x in fast)
    some = sum(bool(np.any(~np.isnan(x))) for x in fast)
    unreached = sum(bool(np.any(np.isnan(x))) for x in fast)
    assert reached > 2000 and some > 0.8 * N_SCENARIOS and unreached > 0.3 * N_SCENARIOS


def test_traced_run_equals_silent_run(plans, fast):
    _check(
        "traced run",
        plans,
        fast,
        lambda p: np.stack([engine.traced_reach(p, SEED, i) for i in range(N_REPS)]),
    )


def test_every_shortcut_off_equals_every_shortcut_on(plans, fast):
    with engine.shortcuts(all=False):
        _check("every shortcut off", plans, fast, lambda p: engine.reach_times(p, SEED, N_REPS))


@pytest.mark.parametrize("shortcut", engine.SHORTCUTS)
def test_each_shortcut_off_alone(plans, fast, shortcut):
    with engine.shortcuts(**{shortcut: False}):
        _check(
            f"{shortcut} off",
            plans[:100],
            fast[:100],
            lambda p: engine.reach_times(p, SEED, N_REPS),
        )


def test_a_chunk_equals_its_replications_run_alone(plans, fast):
    _check(
        "replications run alone",
        plans,
        fast,
        lambda p: np.stack([engine.untraced_reach(p, SEED, i) for i in range(N_REPS)]),
    )


@pytest.mark.parametrize(
    "shortcut,method",
    [
        ("_ONE_DEVELOPMENT", "_forward_one"),
        ("_SKIP_AHEAD", "_funded_until"),
        ("_ONE_PAYER_EACH", "_reserve_once"),
    ],
)
def test_the_switches_really_switch(plans, shortcut, method):
    """A switched-off shortcut's code does not run (and it does run when on), or the
    tests above would prove nothing."""
    with engine.counting(method) as on:
        for p in plans[:50]:
            engine.reach_times(p, SEED, N_REPS)
    with engine.shortcuts(**{shortcut: False}), engine.counting(method) as off:
        for p in plans[:50]:
            engine.reach_times(p, SEED, N_REPS)
    assert on[0] > 0 and off[0] == 0, (on[0], off[0])


@pytest.mark.parametrize("shortcut", ["_PAID_IN_HAND", "_WHOLE_QUARTERS"])
def test_the_inlined_paths_really_switch(plans, shortcut):
    """The same for the speed paths inlined in _forward_one (marked ``# path: NAME``
    in racesim/engine/money_paths.py): they run when on, never when off."""
    with engine.path_runs(shortcut) as on:
        for p in plans[:50]:
            engine.reach_times(p, SEED, N_REPS)
    with engine.shortcuts(**{shortcut: False}), engine.path_runs(shortcut) as off:
        for p in plans[:50]:
            engine.reach_times(p, SEED, N_REPS)
    assert on[0] > 0 and off[0] == 0, (on[0], off[0])


# -- big funding groups (the speed paths taken only from PLAN_LATER_AT developments) --


@pytest.fixture(scope="module")
def big_plans():
    return [
        engine.plan(engine.scenario_from_data(big_group_scenario(k), BASE_DIR))
        for k in range(N_BIG)
    ]


@pytest.fixture(scope="module")
def big_fast(big_plans):
    return [engine.reach_times(p, SEED, N_REPS) for p in big_plans]


def _check_big(name, big_plans, big_fast, other) -> None:
    _check(name, big_plans, big_fast, other, "big_group_scenario", 0)


def test_big_groups_exercise_the_model(big_plans, big_fast):
    assert all(len(p.components) == 1 for p in big_plans)
    reached = sum(int(np.sum(~np.isnan(x))) for x in big_fast)
    unreached = sum(int(np.sum(np.isnan(x))) for x in big_fast)
    assert reached > 500 and unreached > 100, (reached, unreached)


@pytest.mark.parametrize("shortcut", ["all", "_ONE_PLAN_AN_INSTANT", "_SHARED_ONCE"])
def test_big_groups_shortcut_off_equals_on(big_plans, big_fast, shortcut):
    with engine.shortcuts(**{shortcut: False}):
        _check_big(
            f"{shortcut} off",
            big_plans,
            big_fast,
            lambda p: engine.reach_times(p, SEED, N_REPS),
        )


def test_big_groups_traced_run_equals_silent_run(big_plans, big_fast):
    _check_big(
        "traced run",
        big_plans[:10],
        big_fast[:10],
        lambda p: np.stack([engine.traced_reach(p, SEED, i) for i in range(N_REPS)]),
    )


@pytest.mark.parametrize(
    "shortcut,method",
    [("_ONE_PLAN_AN_INSTANT", "_plan_later"), ("_SHARED_ONCE", "_allocate_shared_once")],
)
def test_the_big_group_switches_really_switch(big_plans, shortcut, method):
    """The big groups' speed paths run when on, never when off."""
    with engine.counting(method) as on:
        for p in big_plans[:10]:
            engine.reach_times(p, SEED, N_REPS)
    with engine.shortcuts(**{shortcut: False}), engine.counting(method) as off:
        for p in big_plans[:10]:
            engine.reach_times(p, SEED, N_REPS)
    assert on[0] > 0 and off[0] == 0, (on[0], off[0])


def test_the_solo_path_really_switches(plans):
    """The solo agencies' path (``_SOLO``, racesim/engine/missions.py) runs for some
    generated scenarios when on, and never when off."""
    from racesim.engine import missions

    def run_counted():
        box = [0]
        original = missions.Race._lane_start

        def counted(self, *args):
            box[0] += 1
            return original(self, *args)

        missions.Race._lane_start = counted
        try:
            for p in plans[:100]:
                engine.reach_times(p, SEED, N_REPS)
        finally:
            missions.Race._lane_start = original
        return box[0]

    on = run_counted()
    with engine.shortcuts(_SOLO=False):
        off = run_counted()
    assert on > 0 and off == 0, (on, off)
