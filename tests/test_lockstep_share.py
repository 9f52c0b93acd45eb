"""Sensitivity variants share the runs of the agencies they have alike
(run/lockstep.py's ``shared_runs``, ``subplan`` and ``for_milestone``): the same reach
times, bit for bit, and the same results as running every variant whole, for format-1
and format-2 plans (factors, hazards, partner terms, the mechanisms)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import racesim
from racesim.analysis import sensitivity as sens
from racesim.analysis.variants import parse_span, variant
from racesim.run import lockstep
from tests import engine
from tests.scenario_gen import random_scenario
from tests.scenario_gen_v2 import random_v2_full, random_v2_scenario

BASE_DIR = Path(__file__).resolve().parent / "golden" / "scenarios"  # for record.file
#: the format-1 base (the shipped base, BASE, uses the mechanisms)
BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.yaml"
V1_BASE = Path(__file__).resolve().parent / "golden" / "v1" / "base.yaml"


def _generated(k: int):
    return engine.scenario_from_data(random_scenario(k), BASE_DIR)


@pytest.mark.parametrize("k", range(0, 60, 3))
def test_a_linked_group_alone_has_the_reach_times_it_has_in_the_whole(k):
    plan = engine.plan(_generated(k))
    whole = engine.reach_times(plan, 5, 40, first=10)
    groups = lockstep.linked(plan)
    assert sorted(a for g in groups for a in g) == list(range(len(plan.agencies)))
    for g in groups:
        keep = sorted(g)
        alone = engine.reach_times(lockstep.subplan(plan, keep), 5, 40, first=10)
        np.testing.assert_array_equal(alone, whole[:, :, keep])


def test_base_groups_follow_partners_and_requires():
    plan = engine.plan(racesim.load(V1_BASE))
    keys = [a.key for a in plan.agencies]
    groups = sorted(sorted(keys[a] for a in g) for g in lockstep.linked(plan))
    assert groups == [["cnsa", "roscosmos"], ["esa", "isro", "jaxa", "nasa"]]


def _both(fn):
    out = []
    for share in (True, False):
        lockstep._SHARE = share
        try:
            out.append(fn().to_dict())
        finally:
            lockstep._SHARE = True
    return out


def test_one_at_a_time_on_base_is_the_same_shared_or_whole():
    s = racesim.load(V1_BASE)
    params = sens.default_parameters(s)[::6]  # every agency's, a sixth of them
    assert len({p.path.split(".")[1] for p in params}) == len(s.agencies)
    shared, whole = _both(lambda: sens.one_at_a_time(s, "crewed_landing", None, params, n=40))
    assert shared == whole
    assert any(r["swing"] != 0 for r in shared["parameters"])  # it measured something


def test_sobol_and_generated_scenarios_are_the_same_shared_or_whole(mini_scenario_path):
    pytest.importorskip("SALib")
    s = racesim.load(mini_scenario_path)
    spans = ["agencies.beta.missions.lander.success=0.3:0.9", "agencies.alpha.budget.annual=50:150"]
    params = sens.range_parameters(s, [parse_span(x, "--range", False) for x in spans])
    a, b = _both(lambda: sens.sobol(s, "landing", params, samples=4, n=40, seed=2))
    assert a == b
    # on base the two fields are in different groups: Sobol points share their runs
    base = racesim.load(V1_BASE)
    spans = [
        "agencies.nasa.missions.artemis3.success=0.6:0.95",
        "agencies.cnsa.budget.annual=1500:3000",
    ]
    params = sens.range_parameters(base, [parse_span(x, "--range", False) for x in spans])
    a, b = _both(lambda: sens.sobol(base, "crewed_landing", params, samples=2, n=20, seed=4))
    assert a == b
    for k in (1, 4, 7):
        g = _generated(k)
        m = next(iter(g.milestones))
        few = sens.default_parameters(g)[::5]
        a, b = _both(lambda g=g, m=m, few=few: sens.one_at_a_time(g, m, None, few, n=30))
        assert a == b, k


def test_shared_pieces_run_once_and_unknown_plans_run_whole(monkeypatch):
    s = racesim.load(V1_BASE)
    plan = engine.plan(s)
    m = list(s.milestones).index("crewed_landing")
    runs, views = lockstep.shared_runs([plan, plan, plan], m)
    assert len(runs) == 2 and views[0] == views[1] == views[2]  # two groups, once each
    assert sorted(c for _, cols in views[0] for c in cols) == list(range(len(plan.agencies)))
    monkeypatch.setattr(lockstep, "_PLAN_FIELDS", (*lockstep._PLAN_FIELDS, "factors"))
    runs, views = lockstep.shared_runs([plan], m)
    assert runs == [plan] and views == [[(0, None)]]


# -- format 2: factors, hazards, partner terms, the mechanisms -------------------------
def _shared_reach(plan, m: int, seed: int, n: int, first: int) -> np.ndarray:
    runs, views = lockstep.shared_runs([plan], m)
    chunk = [engine.reach_times(r, seed, n, first=first) for r in runs]
    return lockstep.reach_of(chunk, views[0], m, len(plan.agencies))


#: generated format-2 plans where something happens: several groups, stubs, groups that
#: run the format-1 engine in a plan that uses the mechanisms
V2_CASES = [(random_v2_full, k) for k in (14, 15, 16, 18, 22, 36, 43, 51, 73)] + [
    (random_v2_scenario, k) for k in (15, 16, 22, 67)
]


@pytest.mark.parametrize("gen,k", V2_CASES)
def test_v2_plans_shared_have_every_milestones_reach_times_of_the_whole(gen, k):
    plan = engine.plan(engine.scenario_from_data(gen(k), BASE_DIR))
    assert lockstep._known(plan)
    whole = engine.reach_times(plan, 5, 40, first=10)
    for m in range(len(plan.milestones)):
        np.testing.assert_array_equal(_shared_reach(plan, m, 5, 40, 10), whole[:, m, :])


def test_the_generated_v2_plans_exercise_groups_stubs_and_both_engines():
    """The previous test is not vacuous: among its plans some split into groups, some
    have stubs (missions after the milestone is decided), and some groups run the
    format-1 engine inside a plan that uses the mechanisms."""
    split = stubs = mixed = 0
    for gen, k in V2_CASES:
        plan = engine.plan(engine.scenario_from_data(gen(k), BASE_DIR))
        groups = lockstep.linked(plan)
        split += len(groups) > 1
        stubs += any(lockstep.after_decided(plan, m) for m in range(len(plan.milestones)))
        pieces = [lockstep.subplan(plan, sorted(g)) for g in groups]
        assert all(p.uses_v2 == plan.uses_v2 for p in pieces)  # the plan's own engine
        mixed += any(replace(p, v2_engine=False).uses_v2 != plan.uses_v2 for p in pieces)
    assert split and stubs and mixed


#: the review's case: a launch held to ``not_before``, then a mission with ``partial``
#: that can only start after the milestone is decided (a stub, so the piece that is run
#: uses no mechanism of its own)
HELD_TO_NOT_BEFORE = {
    "name": "held",
    "start": "2025-01-01",
    "horizon": "2035-01-01",
    "seed": 1,
    "milestones": {"ms0": {"title": "M0"}},
    "agencies": {
        "a": {
            "budget": {"annual": 100},
            "missions": [
                {
                    "id": "m0",
                    "duration": {"uniform": {"low": 0.3, "high": 2.0}},
                    "cost": {"uniform": {"low": 10, "high": 60}},
                    "success": 0.9,
                    "not_before": "2030-08-24",
                    "achieves": ["ms0"],
                },
                {
                    "id": "m1",
                    "duration": 1,
                    "cost": 10,
                    "success": 0.5,
                    "partial": 0.1,
                    "requires": ["m0"],
                    "achieves": ["ms0"],
                },
            ],
        }
    },
}


def test_a_piece_without_mechanisms_of_a_v2_plan_runs_the_v2_engine_to_the_bit():
    """The format-1 engine launches a mission held to ``not_before`` after a wait of
    ``not_before - now``, which can land one bit before it; the format-2 engine launches
    at ``not_before``.  A piece of a format-2 plan must run the format-2 engine (the
    review found 30 of 200 reach times one bit apart when it ran the format-1 one)."""
    plan = engine.plan(engine.scenario_from_data(HELD_TO_NOT_BEFORE, BASE_DIR))
    assert plan.uses_v2
    whole = engine.reach_times(plan, 1, 200)
    np.testing.assert_array_equal(_shared_reach(plan, 0, 1, 200, 0), whole[:, 0, :])


def test_v2_base_shared_is_the_whole_for_every_milestone():
    plan = engine.plan(racesim.load(BASE))
    assert plan.uses_v2 and plan.factors
    whole = engine.reach_times(plan, 7, 60, first=100)
    for m in range(len(plan.milestones)):
        np.testing.assert_array_equal(_shared_reach(plan, m, 7, 60, 100), whole[:, m, :])


def test_a_group_keeps_only_the_factors_it_names():
    plan = engine.plan(racesim.load(BASE))
    keys = [a.key for a in plan.agencies]
    cnsa = next(g for g in lockstep.linked(plan) if keys.index("cnsa") in g)
    sub = lockstep.subplan(plan, sorted(cnsa))
    names = {name for name, _ in sub.factors}
    assert "cnsa_slip" in names and "roscosmos_slip" in names
    assert not names & {"nasa_slip", "isro_slip", "partner_leave", "success_commercial"}
    slips = {sub.factors[m.slip][0] for m in sub.missions if m.slip is not None}
    assert slips == {"cnsa_slip", "roscosmos_slip"}  # re-indexed to the kept factors


def test_v2_base_variants_share_what_they_have_alike():
    """On the shipped base, a variant of one group (a budget; a factor only that group
    names) shares the other group's run with the base; a variant of a mission that
    can only start once the milestone is decided (the Artemis base, after Artemis
    III's crewed landing) shares everything; a factor both groups name, nothing."""
    s = racesim.load(BASE)
    data = s.to_data()
    m = list(s.milestones).index("crewed_landing")

    def plan(path, value):
        return engine.plan(variant(data, [(tuple(path.split(".")), value)]))

    cases = [
        engine.plan(s),
        plan("agencies.cnsa.budget.annual", 1234.0),
        plan("factors.roscosmos_leave", {"lognormal": {"median": 0.2, "sigma": 0.5}}),
        plan("agencies.nasa.missions.artemis_base.cost", 999.0),
        plan("factors.success_crewed", {"beta": {"a": 5.0, "b": 2.0}}),
    ]
    runs, views = lockstep.shared_runs(cases, m)
    ids = [{r for r, _ in v} for v in views]
    assert len(ids[0]) == 2 and len(runs) == 2 + 1 + 1 + 2
    assert len(ids[1] & ids[0]) == 1 and len(ids[2] & ids[0]) == 1
    assert ids[3] == ids[0]
    assert not ids[4] & ids[0]


def test_one_at_a_time_and_sobol_on_v2_base_are_the_same_shared_or_whole():
    pytest.importorskip("SALib")
    s = racesim.load(BASE)
    paths = {
        "agencies.cnsa.missions.crewed.duration",
        "agencies.nasa.missions.artemis3.duration",
        "agencies.nasa.missions.artemis_base.cost",  # a stub for this milestone
        "agencies.roscosmos.budget.annual",
        "agencies.isro.missions.lupex.cost",
        "factors.success_crewed",  # both groups
        "factors.roscosmos_leave",  # one group
    }
    params = [p for p in sens.default_parameters(s) if p.path in paths]
    assert len(params) == len(paths)
    shared, whole = _both(lambda: sens.one_at_a_time(s, "crewed_landing", None, params, n=20))
    assert shared == whole
    assert any(r["swing"] != 0 for r in shared["parameters"])
    spans = [
        "agencies.nasa.missions.artemis3.success=0.6:0.95",
        "agencies.cnsa.budget.annual=1500:3000",
    ]
    ranged = sens.range_parameters(s, [parse_span(x, "--range", False) for x in spans])
    a, b = _both(lambda: sens.sobol(s, "crewed_landing", ranged, samples=2, n=20, seed=4))
    assert a == b
