"""Scenario format v2 (contract 5): the fields load, compile into the plan, write back
as they were read, and leave a format-1 scenario exactly as it was; factor draws come
from their own streams, keyed by name and by the factor key."""

from __future__ import annotations

import numpy as np
import pytest

from racesim.engine.plan import OWNER_COVERS, STALL, Plan
from racesim.run.streams import draw_chunk, draw_factors
from racesim.scenario import from_data
from racesim.scenario.errors import ScenarioError
from racesim.scenario.schema import UNLIMITED_ATTEMPTS
from tests.helpers import BASE, mission, scenario

V2 = {
    "factors": {
        "slip": {"lognormal": {"median": 1.0, "sigma": 0.3}},
        "skill": {"beta": {"a": 9, "b": 2}},
    },
    "milestones": {"m": {"title": "M", "partial_counts": True}},
    "agencies": {
        "a": {
            "slip": "slip",
            "budget": {"annual": 100},
            "hazards": [
                {"name": "axe", "rate": 0.05, "from": "2032-01-01", "missions": ["x"]},
                {
                    "name": "hold",
                    "rate": {"uniform": {"low": 0, "high": 0.2}},
                    "effect": "pause",
                    "pause": 1.5,
                },
            ],
            "missions": [
                mission(
                    "x",
                    success={"factor": "skill"},
                    partial=0.1,
                    transit=0.02,
                    attempts="unlimited",
                    cost=50,
                    refly={"stand_down": {"uniform": {"low": 0.5, "high": 2}}},
                    partners={
                        "b": 0.2,
                        "c": {"share": 0.1, "shortfall": "owner_covers", "leave_rate": 0.05},
                    },
                ),
                mission("y", success={"factor": "skill"}, requires=["x"]),
            ],
        },
        "b": {"budget": {"annual": 10}},
        "c": {"budget": {"annual": 10}},
    },
}


def v2(**changes):
    import copy

    data = copy.deepcopy({**BASE, **V2})
    data.update(changes)
    return data


def test_v2_fields_compile_into_the_plan():
    p = Plan.from_scenario(from_data(v2()))
    x, y = p.missions
    assert x.slip == 0 and y.slip == 0  # the agency's slip
    assert x.attempts == UNLIMITED_ATTEMPTS and x.unlimited and not y.unlimited
    assert x.partial.params == (0.1,) and y.partial is None
    assert x.transit.params == (0.02,) and y.transit is None
    assert x.stand_down.family == "uniform" and y.stand_down is None
    assert x.partners == ((1, 0.2), (2, 0.1))
    assert x.partner_terms[0] == (STALL, None)
    assert x.partner_terms[1][0] == OWNER_COVERS and x.partner_terms[1][1].params == (0.05,)
    axe, hold = p.agencies[0].hazards
    assert axe.cancel and axe.missions == (0,) and axe.t_from == pytest.approx(2.0, abs=0.01)
    assert axe.t_until == p.horizon
    assert not hold.cancel and hold.missions == (0, 1) and hold.pause.params == (1.5,)
    assert p.partial_counts == (True,)
    assert [n for n, _ in p.factors] == ["slip", "skill"]
    assert p.uses_v2


def test_v2_scenario_writes_back_as_read():
    s = from_data(v2())
    assert from_data(s.to_data()) == s


def test_format_1_scenario_writes_no_v2_field():
    s = scenario({"a": {"missions": [mission("x")]}})
    data = s.to_data()
    assert "factors" not in data
    assert set(data["agencies"]["a"]) == {"name", "budget", "missions"}
    m = data["agencies"]["a"]["missions"][0]
    assert not {"slip", "partial", "transit"} & set(m)
    assert set(m["refly"]) == {"cost", "duration"}
    assert set(data["milestones"]["m"]) == {"title", "description"}
    assert not Plan.from_scenario(s).uses_v2


def test_a_shared_factor_gives_every_field_the_same_draw():
    p = Plan.from_scenario(from_data(v2()))
    d = draw_chunk(p, 3, 10, 50)
    skill = draw_factors(p, 3, np.arange(10, 60))[1]
    assert np.array_equal(d.success[0], d.success[1])
    assert np.array_equal(d.success[0], np.clip(skill, 0, 1))
    assert len(set(skill.tolist())) == 50  # a draw per replication


def test_factor_draws_depend_only_on_seed_name_and_key():
    p = Plan.from_scenario(from_data(v2()))
    keys = np.arange(100, 140)
    full = draw_factors(p, 5, keys)
    # a chunk, alone or scattered keys (worlds), gives the same draw per key
    assert np.array_equal(draw_factors(p, 5, keys[7:9]), full[:, 7:9])
    sparse = np.array([139, 100, 100, 10**12])
    got = draw_factors(p, 5, sparse)
    assert np.array_equal(got[:, :3], full[:, [39, 0, 0]])
    # another factor added (or the order changed) leaves a factor's draw as it was
    data = v2()
    data["factors"] = {"extra": 2.0, **dict(reversed(list(data["factors"].items())))}
    data["agencies"]["a"]["budget"]["annual"] = {"factor": "extra"}
    q = Plan.from_scenario(from_data(data))
    other = draw_factors(q, 5, keys)
    assert np.array_equal(other[2], full[0]) and np.array_equal(other[1], full[1])
    assert not np.array_equal(draw_factors(p, 6, keys), full)


def test_factor_in_budget_and_shock_fields():
    data = v2()
    data["factors"]["money"] = {"uniform": {"low": 50, "high": 150}}
    data["factors"]["cut"] = {"uniform": {"low": 0.2, "high": 0.8}}
    data["agencies"]["b"]["budget"] = {
        "annual": {"factor": "money"},
        "shocks": [{"name": "s", "factor": {"factor": "cut"}}],
    }
    p = Plan.from_scenario(from_data(data))
    d = draw_chunk(p, 1, 0, 20)
    f = draw_factors(p, 1, np.arange(20))
    money, cut = f[p.factor_index["money"]], f[p.factor_index["cut"]]
    assert np.allclose(d.yearly[1], (money * cut)[:, None])


def _problems(data) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        from_data(data)
    return [f"{p}: {m}" for p, m in info.value.issues]


def test_basic_v2_mistakes_are_named():
    data = v2()
    ag = data["agencies"]["a"]
    ag["missions"][0]["success"] = 0.95  # + partial 0.1 > 1
    ag["missions"][1]["success"] = {"factor": "skil"}
    ag["hazards"][0]["rate"] = -0.1
    data["factors"]["unused"] = 1.0
    text = "\n".join(_problems(data))
    assert "missions[0].partial" in text and "add up to more than 1" in text
    assert "no factor 'skil' (did you mean 'skill'?)" in text
    assert "hazards[0].rate" in text
    assert "factors.unused: factor 'unused' is not used" in text


def test_a_hazard_naming_another_agencys_mission_is_refused():
    data = v2()
    data["agencies"]["b"]["missions"] = [mission("z")]
    data["agencies"]["a"]["hazards"][0]["missions"] = ["z"]
    (line,) = [x for x in _problems(data) if "hazards" in x]
    assert "z is a mission of b" in line


@pytest.mark.parametrize(
    ("where", "value", "words"),
    [
        ("attempts", "infinite", "attempts"),
        ("partners", {"b": {"share": 0.2, "shortfall": "owner"}}, "partners.b.shortfall"),
        ("partners", {"b": {"share": 0.2, "leave_rat": 0.1}}, "did you mean 'leave_rate'"),
        ("slip", "nope", "no factor 'nope'"),
    ],
)
def test_misspelt_v2_mission_fields(where, value, words):
    data = v2()
    data["agencies"]["a"]["missions"][1][where] = value
    assert words in "\n".join(_problems(data))


def test_factor_keys_share_a_factor_draw_among_replications():
    """What --worlds relies on: replications given the same factor key get the same
    factor draws (and so, here, the same success chance), the rest stays their own."""
    from racesim.run.replication import run_chunk

    p = Plan.from_scenario(from_data(v2()))
    keys = np.array([0, 0, 0, 1, 1, 1])
    d = draw_chunk(p, 2, 0, 6, keys)
    assert np.all(d.success[0, :3] == d.success[0, 0]) and d.success[0, 0] != d.success[0, 3]
    assert len(set(d.attempt_u[:, 0, 0].tolist())) == 6
    r = run_chunk(p, 2, 0, 6, keys)
    assert r.shape == (6, 1, 3)
