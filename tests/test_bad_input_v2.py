"""Bad input in the format-v2 fields (issue 9 section 1): each case stops with a clear
message naming the file and the field, no traceback, and nothing written.

Every case starts from one small valid scenario (``GOOD``, which uses every v2 field and
loads) and breaks one thing in it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from racesim.scenario.errors import ScenarioError
from racesim.scenario.loading import from_data, load_scenario

from .helpers import invoke

RECORD = """id,agency,date,outcome,class,crewed,attempt_by_operator
r1,a,2001-01-01,success,government,0,1
r2,a,2002-01-01,partial,government,0,2
r3,b,2003-01-01,failure,government,0,1
"""

GOOD = {
    "name": "v2bad",
    "start": "2030-01-01",
    "horizon": "2040-01-01",
    "seed": 1,
    "replications": 10,
    "record": {"file": "landings.csv"},
    "factors": {"a_slip": {"lognormal": {"median": 1.0, "sigma": 0.3}}},
    "milestones": {"m": {"title": "M", "partial_counts": True}},
    "agencies": {
        "a": {
            "budget": {"annual": 100},
            "slip": "a_slip",
            "hazards": [
                {"name": "axe", "rate": 0.05, "missions": ["x"]},
                {"name": "hold", "rate": 0.1, "effect": "pause", "pause": 1.0},
            ],
            "missions": [
                {
                    "id": "x",
                    "duration": 1,
                    "cost": 10,
                    "success": 0.6,
                    "partial": 0.1,
                    "transit": 0.02,
                    "attempts": "unlimited",
                    "refly": {"stand_down": {"uniform": {"low": 0.5, "high": 2}}},
                    "partners": {
                        "b": 0.2,
                        "c": {"share": 0.1, "shortfall": "owner_covers", "leave_rate": 0.05},
                    },
                    "achieves": ["m"],
                },
                {
                    "id": "z",
                    "duration": 2,
                    "slip": "a_slip",
                    "success": {"record": "government"},
                    "partial": {"record": "government"},
                    "achieves": ["m"],
                },
            ],
        },
        "b": {"budget": {"annual": 10}, "missions": [{"id": "y", "duration": 1, "success": 0.5}]},
        "c": {"budget": {"annual": 10}},
    },
}


def x(d: dict) -> dict:
    return d["agencies"]["a"]["missions"][0]


def hazard(d: dict, k: int = 0) -> dict:
    return d["agencies"]["a"]["hazards"][k]


def setter(fn: Callable[[dict], None]) -> Callable[[dict], dict]:
    def apply(d: dict) -> dict:
        fn(d)
        return d

    return apply


#: (id, change, field path (as reported), words in the message)
CASES = [
    (
        "factor-unused",
        setter(lambda d: d["factors"].update(spare={"uniform": {"low": 1, "high": 2}})),
        "factors.spare",
        "is not used",
    ),
    (
        "factor-missing",
        setter(lambda d: x(d).update(success={"factor": "a_skill"})),
        "agencies.a.missions[0].success",
        "no factor 'a_skill'",
    ),
    (
        "factor-misspelt",
        setter(lambda d: x(d).update(duration={"factor": "a_slp"})),
        "agencies.a.missions[0].duration",
        "did you mean 'a_slip'?",
    ),
    (
        "slip-unknown",
        setter(lambda d: d["agencies"]["a"].update(slip="nasa_slip")),
        "agencies.a.slip",
        "no factor 'nasa_slip'",
    ),
    (
        "mission-slip-unknown",
        setter(lambda d: x(d).update(slip="a_slp")),
        "agencies.a.missions[0].slip",
        "did you mean 'a_slip'?",
    ),
    (
        "success-plus-partial",
        setter(lambda d: x(d).update(success=0.95)),
        "agencies.a.missions[0].partial",
        "add up to more than 1",
    ),
    (
        "success-plus-partial-distribution",
        setter(lambda d: x(d).update(partial={"uniform": {"low": 0.45, "high": 0.6}})),
        "agencies.a.missions[0].partial",
        "always add up to more than 1 (at least 1.05)",
    ),
    (
        "success-beta-plus-partial",
        setter(lambda d: x(d).update(success={"beta": {"a": 9, "b": 1}}, partial=0.15)),
        "agencies.a.missions[0].partial",
        "add up to 1.05 on average",
    ),
    (
        "success-factor-plus-partial",
        setter(
            lambda d: (
                d["factors"].update(skill={"uniform": {"low": 0.92, "high": 0.98}}),
                x(d).update(success={"factor": "skill"}),
            )
        ),
        "agencies.a.missions[0].partial",
        "always add up to more than 1 (at least 1.02)",
    ),
    (
        "success-record-plus-partial-number",
        setter(lambda d: d["agencies"]["a"]["missions"][1].update(partial=0.7)),
        "agencies.a.missions[1].partial",
        "add up to 1.03333 on average",
    ),
    (
        "partial-record-without-success-record",
        setter(lambda d: d["agencies"]["a"]["missions"][1].update(success=0.5)),
        "agencies.a.missions[1].partial",
        "needs success from the record too",
    ),
    (
        "negative-rate",
        setter(lambda d: hazard(d).update(rate=-0.05)),
        "agencies.a.hazards[0].rate",
        ">= 0",
    ),
    (
        "negative-rate-distribution",
        setter(lambda d: hazard(d).update(rate={"uniform": {"low": -0.1, "high": 0.1}})),
        "agencies.a.hazards[0].rate",
        ">= 0",
    ),
    (
        "negative-leave-rate",
        setter(lambda d: x(d)["partners"]["c"].update(leave_rate=-0.01)),
        "agencies.a.missions[0].partners.c.leave_rate",
        ">= 0",
    ),
    (
        "pause-without-effect",
        setter(lambda d: hazard(d).update(pause=2)),
        "agencies.a.hazards[0].pause",
        "add effect: pause",
    ),
    (
        "effect-pause-without-pause",
        setter(lambda d: hazard(d, 1).pop("pause")),
        "agencies.a.hazards[1].pause",
        "is required with effect: pause",
    ),
    (
        "effect-misspelt",
        setter(lambda d: hazard(d).update(effect="cancell")),
        "agencies.a.hazards[0].effect",
        "did you mean 'cancel'?",
    ),
    (
        "hazard-on-another-agency",
        setter(lambda d: hazard(d).update(missions=["x", "y"])),
        "agencies.a.hazards[0].missions[1]",
        "y is a mission of b",
    ),
    (
        "hazard-name-twice",
        setter(lambda d: hazard(d, 1).update(name="axe")),
        "agencies.a.hazards[1].name",
        "already hazard 0",
    ),
    (
        "share-zero",
        setter(lambda d: x(d)["partners"].update(b=0)),
        "agencies.a.missions[0].partners.b",
        "> 0",
    ),
    (
        "share-above-one",
        setter(lambda d: x(d)["partners"]["c"].update(share=1.5)),
        "agencies.a.missions[0].partners.c.share",
        "<= 1",
    ),
    (
        "shares-past-one",
        setter(lambda d: x(d)["partners"].update(b=0.95)),
        "agencies.a.missions[0].partners",
        "shares add up to 1.05",
    ),
    (
        "shortfall-misspelt",
        setter(lambda d: x(d)["partners"]["c"].update(shortfall="owner_cover")),
        "agencies.a.missions[0].partners.c.shortfall",
        "did you mean 'owner_covers'?",
    ),
    (
        "shortfall-key-misspelt",
        setter(
            lambda d: x(d)["partners"]["c"].update(shortfal=x(d)["partners"]["c"].pop("shortfall"))
        ),
        "agencies.a.missions[0].partners.c.shortfal",
        "did you mean 'shortfall'?",
    ),
    (
        "attempts-infinite",
        setter(lambda d: x(d).update(attempts="infinite")),
        "agencies.a.missions[0].attempts",
        "did you mean 'unlimited'?",
    ),
    (
        "hazard-key-misspelt",
        setter(lambda d: hazard(d, 1).update(efect=hazard(d, 1).pop("effect"))),
        "agencies.a.hazards[1].efect",
        "did you mean 'effect'?",
    ),
    (
        "partial-counts-misspelt",
        setter(
            lambda d: d["milestones"]["m"].update(
                partial_count=d["milestones"]["m"].pop("partial_counts")
            )
        ),
        "milestones.m.partial_count",
        "did you mean 'partial_counts'?",
    ),
    (
        "stand-down-negative",
        setter(lambda d: x(d)["refly"].update(stand_down=-1)),
        "agencies.a.missions[0].refly.stand_down",
        ">= 0",
    ),
    (
        "stand-down-misspelt",
        setter(lambda d: x(d)["refly"].update(stand_dwon=x(d)["refly"].pop("stand_down"))),
        "agencies.a.missions[0].refly.stand_dwon",
        "did you mean 'stand_down'?",
    ),
]


def write(folder: Path, data: dict) -> Path:
    (folder / "landings.csv").write_text(RECORD)
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    "success,partial",
    [
        ({"beta": {"a": 6, "b": 4}}, 0.1),  # may add up to more than 1 in a draw
        ({"uniform": {"low": 0.3, "high": 0.8}}, {"uniform": {"low": 0.0, "high": 0.3}}),
        ({"beta": {"a": 9, "b": 2}}, {"beta": {"a": 1, "b": 10}}),  # Dirichlet(9, 1, 1)
    ],
)
def test_chances_that_fit_on_average_are_accepted(tmp_path, success, partial):
    # in a draw where success + partial > 1, the engine cuts the partial chance to
    # 1 - success (README, "Three outcomes"); only what is always or on average over 1
    # is refused
    d = copy.deepcopy(GOOD)
    x(d).update(success=success, partial=partial)
    s = load_scenario(write(tmp_path, d))
    assert s.agencies["a"].missions[0].partial is not None


def test_the_good_scenario_loads(tmp_path):
    s = load_scenario(write(tmp_path, GOOD))
    z = s.agencies["a"].missions[1]
    # government: 1 success, 1 partial, 1 failure -> Dirichlet(2, 2, 2)
    assert z.success.params == (2.0, 4.0) and z.partial.params == (2.0, 4.0)


@pytest.mark.parametrize("name,change,field,words", CASES, ids=[c[0] for c in CASES])
def test_each_case_names_the_field(tmp_path, name, change, field, words):
    path = write(tmp_path, change(copy.deepcopy(GOOD)))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    issues = {p.split(" (mission")[0]: m for p, m in info.value.issues}
    assert field in issues, info.value.issues
    assert words in issues[field], issues[field]
    assert len(info.value.issues) == 1, info.value.issues  # reported once, nothing else


@pytest.mark.parametrize("name,change,field,words", CASES[::3], ids=[c[0] for c in CASES[::3]])
@pytest.mark.parametrize("command", ["run", "validate"])
def test_the_command_line_refuses_and_writes_nothing(tmp_path, command, name, change, field, words):
    path = write(tmp_path, change(copy.deepcopy(GOOD)))
    out = tmp_path / "out"
    extra = ["--out", out, "-n", 10, "--no-plots", "--no-report"] if command == "run" else []
    r = invoke(command, path, *extra)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert str(path) in r.output and field in r.output and words in r.output
    assert not out.exists()


def test_a_bad_value_given_with_set_is_named_too(tmp_path):
    path = write(tmp_path, GOOD)
    r = invoke("validate", path, "--set", "agencies.a.hazards.axe.effect=cancle")
    assert r.exit_code == 2, r.output
    assert "agencies.a.hazards[0].effect" in r.output and "(value given with --set)" in r.output
    assert "did you mean 'cancel'?" in r.output


def test_every_case_is_also_caught_from_plain_data(tmp_path):
    # from_data (the API's path): the same fields, without a file
    for name, change, field, _ in CASES:
        data = change(copy.deepcopy(GOOD))
        data["record"] = {"file": str(write(tmp_path, GOOD).parent / "landings.csv")}
        with pytest.raises(ScenarioError) as info:
            from_data(data)
        assert any(p.split(" (mission")[0] == field for p, _ in info.value.issues), name
