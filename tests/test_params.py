"""Finding your way: `racesim params` (every settable path, round-tripping through
--set), `racesim schema` (the file's JSON Schema), `validate --set` and `racesim diff`."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml
from pydantic import Field

from racesim.scenario import from_data, load_scenario
from racesim.scenario.distributions import FAMILIES, Dist
from racesim.scenario.extends import read_yaml
from racesim.scenario.overrides import apply_overrides
from racesim.scenario.params import differences, params
from racesim.scenario.schema import Agency, Chance, Mission, Scenario

from .helpers import invoke

ROOT = Path(__file__).resolve().parent.parent
#: the format-1 base scenario (frozen, tests/golden/v1): the values these tests name
BASE = ROOT / "tests" / "golden" / "v1" / "base.yaml"
BASE_V2 = ROOT / "scenarios" / "base.yaml"  # the shipped one, with the mechanisms
GENERATED = [ROOT / "tests" / "golden" / "scenarios" / f"gen00{k}.yaml" for k in (0, 1)]


# -- racesim params -----------------------------------------------------------------------
def test_params_prints_path_value_and_unit():
    r = invoke("params", BASE, "agencies.nasa.missions.artemis3")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert all(line.startswith("agencies.nasa.missions.artemis3.") for line in lines)
    # base.yaml: success {beta: {a: 7, b: 2}}, whose mean is 7 / 9 = 0.78
    assert any(
        re.fullmatch(
            r"agencies\.nasa\.missions\.artemis3\.success +beta\(a=7, b=2\), "
            r"mean 0\.78 +probability",
            line,
        )
        for line in lines
    ), r.output
    assert any(
        re.fullmatch(r"\S+\.artemis3\.duration +lognormal\(.*\), mean [0-9.]+ +years", x)
        for x in lines
    )
    assert any(
        re.fullmatch(r"\S+\.artemis3\.cost +lognormal\(.*\), mean [0-9,]+ +USD millions", x)
        for x in lines
    )
    assert any(
        re.fullmatch(r"\S+\.artemis3\.requires +\[artemis2\] +mission ids", x) for x in lines
    )
    # the id is the mission's address, not a field to set
    assert not any(".artemis3.id " in line for line in lines)


def test_params_shows_set_and_prefix_is_a_whole_part():
    r = invoke(
        "params", BASE, "agencies.roscosmos.budget", "--set", "agencies.roscosmos.budget.annual=120"
    )
    assert r.exit_code == 0, r.output
    assert re.search(
        r"^agencies\.roscosmos\.budget\.annual +120 +USD millions per year$", r.output, re.M
    )
    assert re.search(r"^agencies\.roscosmos\.budget\.shocks\[0\]\.factor +uniform", r.output, re.M)
    r = invoke("params", BASE, "agencies.na")
    assert r.exit_code == 2
    assert "no settable field starts with 'agencies.na'" in r.output
    assert "did you mean 'agencies.nasa'" in r.output and "Traceback" not in r.output


def _other(p) -> object | None:
    """A different valid value for the field of ``p``, or None where no simple one is
    sure to be valid (dates, texts that are keys, lists of references)."""
    v = p.value
    if isinstance(v, bool) or p.path.endswith("record.file"):
        return None
    if isinstance(v, int) and not isinstance(v, bool):
        return v + 1
    if isinstance(v, float):
        return v / 2 if v else 0.25
    if isinstance(v, dict) and len(v) == 1 and next(iter(v)) in FAMILIES:
        return Dist(next(iter(v)), tuple(next(iter(v.values())).values())).mean()
    if isinstance(v, str) and p.unit == "text" and p.path != "name":  # name is a key
        return v + " (changed)"
    return None


def _set_text(path: str, value: object) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return f"{path}={text.removesuffix('...').strip()}"


@pytest.mark.parametrize(
    "file", [BASE, BASE_V2, *GENERATED], ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_every_listed_path_round_trips_through_set(file):
    """Every path, set to its own value, gives the same scenario; set to another value,
    it changes exactly that one field (so the path is exactly what --set addresses)."""
    base = load_scenario(file)
    listed = params(base)
    assert len(listed) > 30
    every = load_scenario(file, [_set_text(p.path, p.value) for p in listed])
    assert every.digest() == base.digest()
    data = read_yaml(file)  # read once; each --set below is applied as load_scenario does
    before = {p.path: p.value for p in listed}
    changed = 0
    for p in listed:
        other = _other(p)
        if other is None:
            continue
        s = from_data(apply_overrides(data, [_set_text(p.path, other)]), base_dir=file.parent)
        after = {q.path: q.value for q in params(s)}
        assert [k for k in before if before[k] != after.get(k)] == [p.path], p.path
        changed += 1
    assert changed > 20


def test_every_field_is_listed_once_per_item():
    """Walked generically: each mission's fields (bar its id), each budget's, each
    shock's and each milestone's appear under their item's path."""
    s = load_scenario(BASE)
    paths = [p.path for p in params(s)]
    assert len(paths) == len(set(paths))
    for a, agency in s.agencies.items():
        for m in agency.missions:
            for name, f in Mission.model_fields.items():
                if name != "id":
                    assert f"agencies.{a}.missions.{m.id}.{f.alias or name}" in paths or any(
                        x.startswith(f"agencies.{a}.missions.{m.id}.{name}.") for x in paths
                    )
    assert "agencies.roscosmos.budget.shocks[0].from" in paths
    assert "milestones.pole_landing.title" in paths


def test_a_field_added_to_the_schema_appears_without_more_code():
    """A model with one more field (as the mechanisms branch adds them) is listed with
    the unit its description gives."""

    class LaterMission(Mission):
        partial: Chance = Field(
            Dist.fixed(0.1), description="chance of a partial landing (probability)"
        )

    s = load_scenario(BASE)
    m = LaterMission(id="probe", duration=1, success=0.5)
    later = s.model_copy(update={"agencies": {"x": Agency(missions=(m,))}})
    assert isinstance(later, Scenario)
    found = {p.path: (p.text, p.unit) for p in params(later, "agencies.x")}
    assert found["agencies.x.missions.probe.partial"] == ("0.1", "probability")


# -- racesim schema -----------------------------------------------------------------------
def _plain(data):
    return json.loads(
        json.dumps(data, default=lambda x: x.isoformat() if isinstance(x, dt.date) else x)
    )


def test_schema_is_json_and_describes_the_format(tmp_path):
    r = invoke("schema")
    assert r.exit_code == 0, r.output
    schema = json.loads(r.output)
    assert schema["$schema"].endswith("2020-12/schema")
    full, defs = schema["else"], schema["$defs"]
    # every field of the models, by the name a file uses
    assert set(full["properties"]) == {
        *(f.alias or k for k, f in Scenario.model_fields.items()),
        "extends",
    }
    assert set(full["required"]) == {"name", "start", "horizon", "milestones", "agencies"}
    mission = defs["Mission"]["properties"]
    assert mission["cost"]["description"].startswith("development cost")
    assert "number or distribution" in mission["cost"]["description"]
    forms = mission["success"]["anyOf"][0]["anyOf"]
    assert forms[0] == {"type": "number", "minimum": 0.0, "maximum": 1.0}
    assert [f["title"] for f in forms[1:]] == [*FAMILIES, "record"]
    for f in forms[1:-1]:
        family = f["title"]
        assert f["properties"][family]["required"] == list(FAMILIES[family])
    assert defs["Shock"]["properties"]["from"]["anyOf"][0] == {"type": "string", "format": "date"}
    agencies = full["properties"]["agencies"]  # keys are slugs, and nothing else
    assert agencies["patternProperties"] == {"^[A-Za-z][A-Za-z0-9_-]*$": {"$ref": "#/$defs/Agency"}}
    assert agencies["additionalProperties"] is False
    # every reference resolves
    refs = re.findall(r'"\$ref": "#/\$defs/([^"]+)"', json.dumps(schema))
    assert refs and all(ref in defs for ref in refs)
    # a child file (extends) needs no required field, and may remove a mission
    assert "required" not in schema["then"]
    assert defs["PartialMission"]["properties"]["remove"] == {
        "const": True,
        "description": "delete this mission of the parent (with no other field but id)",
    }
    assert "required" not in defs["PartialBudget"]


@pytest.mark.skipif(
    importlib.util.find_spec("jsonschema") is None, reason="jsonschema not installed"
)
def test_scenario_files_validate_against_the_schema():  # pragma: no cover - optional
    import jsonschema

    schema = json.loads(invoke("schema").output)
    v = jsonschema.Draft202012Validator(schema)
    for file in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = _plain(yaml.safe_load(file.read_text(encoding="utf-8")))
        assert not list(v.iter_errors(data)), file
    bad = _plain(yaml.safe_load(BASE.read_text(encoding="utf-8")))
    bad["agencies"]["nasa"]["budget"]["anual"] = 3
    assert list(v.iter_errors(bad))
    bad = _plain(yaml.safe_load(BASE.read_text(encoding="utf-8")))
    bad["agencies"]["1nasa"] = bad["agencies"].pop("nasa")
    assert list(v.iter_errors(bad))


def test_schema_out_writes_a_file_and_keeps_others(tmp_path):
    out = tmp_path / "scenario.schema.json"
    r = invoke("schema", "--out", out)
    assert r.exit_code == 0 and "schema in" in r.output
    assert json.loads(out.read_text())["title"] == "racesim scenario"
    assert invoke("schema", "--out", out).exit_code == 0  # its own earlier output
    mine = tmp_path / "notes.json"
    mine.write_text("{}")
    r = invoke("schema", "--out", mine)
    assert r.exit_code == 2 and "--force" in r.output and mine.read_text() == "{}"
    assert invoke("schema", "--out", mine, "--force").exit_code == 0


# -- validate --set -------------------------------------------------------------------------
def test_validate_checks_the_scenario_with_set():
    r = invoke("validate", BASE, "--set", "agencies.nasa.missions.artemis3.success=0.9")
    assert r.exit_code == 0, r.output
    assert "changed with --set: agencies.nasa.missions.artemis3.success=0.9" in r.output
    assert ": ok" in r.output
    r = invoke("validate", BASE, "--set", "agencies.nasa.missions.artemis3.success=1.9")
    assert r.exit_code == 2
    assert "(mission artemis3)" in r.output and "(value given with --set)" in r.output
    assert "Traceback" not in r.output


# -- racesim diff ---------------------------------------------------------------------------
def _diff_lines(output: str) -> list[list[str]]:
    lines = output.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("field"))
    return [re.split(r"  +", x.strip()) for x in lines[start + 1 :]]


def test_diff_of_two_files(tmp_path, mini_scenario_data):
    a = copy.deepcopy(mini_scenario_data)
    b = copy.deepcopy(mini_scenario_data)
    b["agencies"]["alpha"]["budget"]["annual"] = 150
    b["agencies"]["beta"]["missions"] = [
        m for m in b["agencies"]["beta"]["missions"] if m["id"] != "probe"
    ]
    for m in b["agencies"]["beta"]["missions"]:
        m["requires"] = []
    b["agencies"] = {"beta": b["agencies"]["beta"], "alpha": b["agencies"]["alpha"]}
    b["agencies"]["gamma"] = {
        "name": "Gamma",
        "missions": [{"id": "x", "duration": 1, "success": 0.5}],
    }
    fa, fb = tmp_path / "a.yaml", tmp_path / "b.yaml"
    fa.write_text(yaml.safe_dump(a, sort_keys=False))
    fb.write_text(yaml.safe_dump(b, sort_keys=False))
    r = invoke("diff", fa, fb)
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"A: {fa}\nB: {fb}\n")
    assert _diff_lines(r.output) == [
        ["agencies (order)", "alpha, beta", "beta, alpha"],
        ["agencies.alpha.budget.annual", "100", "150"],
        ["agencies.beta.missions.probe", "mission probe", "-"],
        ["agencies.beta.missions.lander.requires", "[probe]", "[]"],
        ["agencies.gamma", "-", "agency Gamma"],
    ]
    same = invoke("diff", fa, fa)
    assert "no differences" in same.output


def test_diff_resolves_extends_and_set(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {BASE}\nname: child\n"
        "agencies:\n  nasa:\n    missions:\n      - {id: artemis3, attempts: 3}\n"
    )
    r = invoke("diff", BASE, child, "--set", "agencies.esa.budget.growth=0.5")
    assert r.exit_code == 0, r.output
    assert _diff_lines(r.output) == [
        ["name", '"base"', '"child"'],
        ["agencies.nasa.missions.artemis3.attempts", "2", "3"],
        ["agencies.esa.budget.growth", "0", "0.5"],
    ]
    assert load_scenario(BASE).agencies["esa"].budget.growth == 0  # what A says, checked
    r = invoke("diff", BASE)
    assert r.exit_code == 2 and "needs something to compare" in r.output


def test_differences_name_one_field_each():
    a = load_scenario(BASE)
    b = load_scenario(BASE, ["agencies.isro.missions.lupex.success={beta: {a: 1, b: 1}}"])
    (d,) = differences(a, b)
    assert d.path == "agencies.isro.missions.lupex.success"
    assert d.b == "beta(a=1, b=1), mean 0.50"
