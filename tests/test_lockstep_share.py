"""Sensitivity variants share the runs of the agencies they have alike
(run/lockstep.py's ``shared_runs`` and ``subplan``): the same reach times and the same
results as running every variant whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import racesim
from racesim.analysis import sensitivity as sens
from racesim.analysis.variants import parse_span
from racesim.run import lockstep
from tests import engine
from tests.scenario_gen import random_scenario

BASE_DIR = Path(__file__).resolve().parent / "golden" / "scenarios"  # for record.file
#: the format-1 base (sharing applies to plans without the mechanisms; the shipped
#: base uses them and is run whole, which the last test checks)
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
