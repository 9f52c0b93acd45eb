"""``extends``: a scenario file as changes to another (deep merge, missions by id)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from racesim.scenario.errors import ScenarioError
from racesim.scenario.extends import read_yaml
from racesim.scenario.loading import load_scenario

RECORD = """\
id,mission,agency,operator,class,country,date,outcome,phase,latitude_deg,crewed,attempt_by_operator,notes,source
a1,A1,x,X,government,X,2020-01-01,success,landed,0,0,2,,s
a2,A2,x,X,government,X,2021-01-01,failure,descent,,0,3,,s
a3,A3,x,X,government,X,2025-01-01,success,landed,0,0,4,,s
"""


def write(folder: Path, name: str, data: dict | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def parent(tmp_path, mini_scenario_text) -> Path:
    return write(tmp_path, "mini.yaml", mini_scenario_text)


def ids(s, agency):
    return [m.id for m in s.agencies[agency].missions]


def test_mapping_merge_keeps_what_the_child_does_not_say(tmp_path, parent):
    child = write(
        tmp_path,
        "child.yaml",
        {
            "extends": "mini.yaml",
            "name": "child",
            "agencies": {"alpha": {"budget": {"annual": 300}}},
            "milestones": {"orbit": {"title": "Orbit"}},
        },
    )
    s = load_scenario(child)
    base = load_scenario(parent)
    assert s.name == "child" and s.title == base.title and s.start == base.start
    assert s.agencies["alpha"].budget.annual.to_data() == 300
    # the rest of alpha's budget comes from the parent
    assert s.agencies["alpha"].budget.growth == base.agencies["alpha"].budget.growth
    assert s.agencies["alpha"].budget.shocks == base.agencies["alpha"].budget.shocks
    assert s.agencies["beta"] == base.agencies["beta"]
    assert list(s.milestones) == ["landing", "orbit"]


def test_missions_merge_by_id_append_and_remove(tmp_path, parent):
    child = write(
        tmp_path,
        "child.yaml",
        {
            "extends": "mini.yaml",
            "agencies": {
                "beta": {
                    "missions": [
                        {"id": "lander", "success": 0.25, "refly": {"cost": 0.9}},
                        {"id": "precursor", "remove": True},
                        {"id": "rover", "duration": 1, "success": 0.5, "requires": ["lander"]},
                    ]
                }
            },
        },
    )
    s = load_scenario(child)
    base = load_scenario(parent)
    assert ids(s, "beta") == ["probe", "lander", "rover"]
    _, lander = s.mission("beta.lander")
    _, old = base.mission("beta.lander")
    assert lander.success.to_data() == 0.25
    assert lander.refly.cost == 0.9 and lander.refly.duration == old.refly.duration
    assert (lander.partners, lander.attempts, lander.not_before) == (
        old.partners,
        old.attempts,
        old.not_before,
    )


def test_other_lists_and_value_mappings_are_replaced(tmp_path, parent):
    child = write(
        tmp_path,
        "child.yaml",
        {
            "extends": "mini.yaml",
            "agencies": {
                "alpha": {
                    "budget": {"shocks": []},
                    "missions": [
                        {
                            "id": "lander",
                            "achieves": [],
                            "duration": {"uniform": {"low": 1, "high": 2}},
                        }
                    ],
                },
                "beta": {"missions": [{"id": "lander", "partners": {}}]},
            },
        },
    )
    s = load_scenario(child)
    assert s.agencies["alpha"].budget.shocks == ()
    _, a = s.mission("alpha.lander")
    assert a.achieves == () and a.duration.to_data() == {"uniform": {"low": 1, "high": 2}}
    _, b = s.mission("beta.lander")
    assert b.partners == {}


def test_a_chain_of_three(tmp_path, parent):
    write(
        tmp_path,
        "v1/b.yaml",
        {
            "extends": "../mini.yaml",
            "name": "b",
            "seed": 11,
            "agencies": {"alpha": {"name": "Alpha B"}},
        },
    )
    c = write(
        tmp_path,
        "v2/c.yaml",
        {"extends": "../v1/b.yaml", "name": "c", "agencies": {"beta": {"name": "Beta C"}}},
    )
    s = load_scenario(c)
    assert (s.name, s.seed, s.replications) == ("c", 11, 200)
    assert (s.agencies["alpha"].name, s.agencies["beta"].name) == ("Alpha B", "Beta C")
    assert "extends" not in read_yaml(c)


def test_cycle_is_rejected_with_the_chain(tmp_path):
    write(tmp_path, "a.yaml", {"extends": "b.yaml", "name": "a"})
    write(tmp_path, "b.yaml", {"extends": "c.yaml", "name": "b"})
    write(tmp_path, "c.yaml", {"extends": "a.yaml", "name": "c"})
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.yaml")
    text = info.value.describe()
    assert info.value.issues[0][0] == "extends"
    assert "cycle" in text
    chain = text[text.index("cycle:") :]
    order = [chain.index(f"{n}.yaml") for n in "abc"]
    assert order == sorted(order) and chain.count("a.yaml") == 2, text
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(write(tmp_path, "self.yaml", {"extends": "self.yaml", "name": "s"}))


@pytest.mark.parametrize(
    "value, words",
    [
        ("nope.yaml", "does not exist"),
        (".", "is a folder"),
        (3, "expected the path"),
        ("", "expected the path"),
    ],
)
def test_bad_extends_names_the_field_and_the_file(tmp_path, value, words):
    child = write(tmp_path, "child.yaml", {"extends": value, "name": "c"})
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert info.value.issues[0][0] == "extends"
    assert words in info.value.describe()
    assert str(child) in info.value.describe()


def test_bad_mission_changes_are_reported(tmp_path, parent):
    child = write(
        tmp_path,
        "child.yaml",
        {
            "extends": "mini.yaml",
            "agencies": {
                "beta": {
                    "missions": [
                        {"id": "landr", "remove": True},
                        {"name": "no id"},
                        {"id": "probe", "remove": True, "success": 1},
                    ]
                }
            },
        },
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    where = dict(info.value.issues)
    assert "did you mean 'lander'" in where["agencies.beta.missions[0].id"]
    assert "matched to the parent's by id" in where["agencies.beta.missions[1].id"]
    assert "give no other fields" in where["agencies.beta.missions[2].remove"]


def test_set_applies_after_merging(tmp_path, parent):
    child = write(
        tmp_path,
        "child.yaml",
        {
            "extends": "mini.yaml",
            "agencies": {"beta": {"missions": [{"id": "lander", "success": 0.25}]}},
        },
    )
    s = load_scenario(
        child,
        [
            "agencies.beta.missions.lander.success=0.75",
            "agencies.alpha.missions.orbiter.success=0.5",
        ],
    )
    assert s.mission("beta.lander")[1].success.to_data() == 0.75
    assert s.mission("alpha.orbiter")[1].success.to_data() == 0.5


def test_record_path_follows_the_parent_and_cutoff_the_child_start(tmp_path, mini_scenario_data):
    write(tmp_path, "data/landings.csv", RECORD)
    data = dict(
        mini_scenario_data,
        start="2022-01-01",
        record={"file": "../data/landings.csv", "until": "2022-01-01"},
    )
    data["agencies"]["beta"]["missions"][2]["success"] = {"record": "all"}
    write(tmp_path, "scen/parent.yaml", data)
    same = write(tmp_path, "scen/deeper/same.yaml", {"extends": "../parent.yaml"})
    moved = write(
        tmp_path, "scen/deeper/moved.yaml", {"extends": "../parent.yaml", "start": "2026-01-01"}
    )
    # up to 2022: 1 success, 1 failure -> Beta(2, 2); up to 2026: 2 and 1 -> Beta(3, 2)
    assert load_scenario(same).mission("beta.lander")[1].success.to_data() == {
        "beta": {"a": 2.0, "b": 2.0}
    }
    assert load_scenario(moved).mission("beta.lander")[1].success.to_data() == {
        "beta": {"a": 3.0, "b": 2.0}
    }
    # a child that states its own cut-off keeps it
    pinned = write(
        tmp_path,
        "scen/pinned.yaml",
        {"extends": "parent.yaml", "start": "2026-01-01", "record": {"until": "2022-01-01"}},
    )
    assert load_scenario(pinned).mission("beta.lander")[1].success.to_data() == {
        "beta": {"a": 2.0, "b": 2.0}
    }
