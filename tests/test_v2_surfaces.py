"""Every format-v2 field reaches the surfaces (issue 9 section 1): ``--set``, ``extends``,
``racesim validate``, the report's assumptions table and sensitivity's default
parameters, each tried on a small real scenario (``GOOD`` of test_bad_input_v2, which
uses every v2 field)."""

from __future__ import annotations

import copy

import pytest
import yaml

from racesim.analysis.sensitivity import default_parameters
from racesim.analysis.variants import variant
from racesim.scenario.errors import ScenarioError
from racesim.scenario.loading import load_scenario

from .helpers import invoke
from .test_bad_input_v2 import GOOD, RECORD


@pytest.fixture
def good(tmp_path):
    (tmp_path / "landings.csv").write_text(RECORD)
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump(GOOD, sort_keys=False))
    return path


def write(folder, name, data):
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# -- --set --------------------------------------------------------------------------------
def test_set_reaches_every_v2_field(good):
    s = load_scenario(
        good,
        [
            "factors.a_slip={lognormal: {median: 1.5, sigma: 0.2}}",
            "agencies.a.hazards.0.rate=0.2",  # by index
            "agencies.a.hazards.hold.pause={uniform: {low: 1, high: 3}}",  # by name
            "agencies.a.hazards.axe.missions=[x, z]",
            "agencies.a.slip=a_slip",
            "agencies.a.missions.x.partners.b.leave_rate=0.1",  # short form -> long form
            "agencies.a.missions.x.partners.c.shortfall=stall",
            "agencies.a.missions.x.attempts=3",
            "agencies.a.missions.x.refly.stand_down=0.5",
            "agencies.a.missions.x.transit=0.1",
            "agencies.a.missions.x.partial=0.2",
            "agencies.a.missions.z.slip=a_slip",
            "milestones.m.partial_counts=false",
        ],
    )
    assert s.factors["a_slip"].to_data() == {"lognormal": {"median": 1.5, "sigma": 0.2}}
    axe, hold = s.agencies["a"].hazards
    assert axe.rate.to_data() == 0.2 and axe.missions == ("x", "z")
    assert hold.pause.to_data() == {"uniform": {"low": 1.0, "high": 3.0}}
    x = s.agencies["a"].missions[0]
    b, c = x.partner_terms()["b"], x.partner_terms()["c"]
    assert (b.share, b.shortfall, b.leave_rate.to_data()) == (0.2, "stall", 0.1)
    assert (c.share, c.shortfall, c.leave_rate.to_data()) == (0.1, "stall", 0.05)
    assert x.attempts == 3 and x.refly.stand_down.to_data() == 0.5
    assert x.transit.to_data() == 0.1 and x.partial.to_data() == 0.2
    assert s.milestones["m"].partial_counts is False


def test_set_adds_hazards_and_factors_where_there_were_none(good):
    s = load_scenario(
        good,
        [
            "agencies.b.hazards=[{name: stop, rate: 0.01, effect: pause, pause: 1}]",
            "factors.b_skill={uniform: {low: 0.3, high: 0.7}}",
            "agencies.b.missions.y.success={factor: b_skill}",
        ],
    )
    assert s.agencies["b"].hazards[0].name == "stop"
    assert s.agencies["b"].missions[0].success.ref == "b_skill"


@pytest.mark.parametrize(
    "override,words",
    [
        ("agencies.a.hazards.axe.effect=cancle", "did you mean 'cancel'?"),
        ("agencies.a.hazards.axes.rate=0.1", "has no item 'axes' (did you mean 'axe'?)"),
        ("agencies.b.hazards.0.rate=0.1", "set the whole list: agencies.b.hazards=[{...}]"),
        ("agencies.a.missions.x.partners.c.shortfall=owner", "(value given with --set)"),
        ("agencies.a.missions.x.attempts=infinite", "did you mean 'unlimited'?"),
        ("factors.a_slip={factor: a_slip}", "not another factor"),
    ],
)
def test_bad_set_values_are_named(good, override, words):
    with pytest.raises(ScenarioError) as info:
        load_scenario(good, [override])
    assert words in str(info.value)


# -- extends -----------------------------------------------------------------------------
def test_extends_merges_hazards_by_name_and_factors_key_by_key(tmp_path, good):
    child = write(
        tmp_path,
        "child.yaml",
        {
            "extends": "good.yaml",
            "name": "child",
            "factors": {"b_skill": {"uniform": {"low": 0.3, "high": 0.7}}},
            "agencies": {
                "a": {
                    "hazards": [
                        {"name": "axe", "rate": 0.2},  # changes the rate, keeps the rest
                        {"name": "hold", "remove": True},
                        {"name": "war", "rate": 0.01, "from": "2032-01-01"},  # appended
                    ]
                },
                "b": {"missions": [{"id": "y", "success": {"factor": "b_skill"}}]},
            },
        },
    )
    s, parent = load_scenario(child), load_scenario(good)
    assert list(s.factors) == ["a_slip", "b_skill"]  # the parent's factor is kept
    assert s.factors["a_slip"] == parent.factors["a_slip"]
    axe, war = s.agencies["a"].hazards
    assert (axe.name, axe.rate.to_data(), axe.missions) == ("axe", 0.2, ("x",))
    assert war.name == "war" and war.from_.isoformat() == "2032-01-01"
    # partners are a value: replaced whole
    child2 = write(
        tmp_path,
        "child2.yaml",
        {
            "extends": "good.yaml",
            "agencies": {"a": {"missions": [{"id": "x", "partners": {"b": {"share": 0.3}}}]}},
        },
    )
    x = load_scenario(child2).agencies["a"].missions[0]
    assert list(x.partners) == ["b"] and x.partner_terms()["b"].share == 0.3


def test_extends_hazard_mistakes_name_the_child(tmp_path, good):
    child = write(
        tmp_path,
        "child.yaml",
        {
            "extends": "good.yaml",
            "agencies": {
                "a": {
                    "hazards": [
                        {"name": "axe", "effect": "pause"},  # pause is now required
                        {"name": "gone", "remove": True},
                        {"rate": 0.1},
                    ]
                }
            },
        },
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    text = str(info.value)
    assert "child.yaml" in text
    assert "no hazard 'gone' to remove in the parent" in text and "its names are axe, hold" in text
    assert "hazards are matched to the parent's by name" in text
    # a mistake is placed where the child wrote it: axe is the parent's hazard 0 and
    # the child's hazard 1
    hazards = [{"name": "hold", "rate": 0.2}, {"name": "axe", "pause": 2}]
    child.write_text(
        yaml.safe_dump({"extends": "good.yaml", "agencies": {"a": {"hazards": hazards}}})
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    ((path, message),) = info.value.issues
    assert path == "agencies.a.hazards[1].pause" and "add effect: pause" in message
    assert str(info.value).startswith(str(child))
    # and one the parent wrote names the parent, at its place there
    bad = copy.deepcopy(GOOD)
    bad["agencies"]["a"]["hazards"][1]["effect"] = "cancel"  # hold keeps its pause: 1
    write(tmp_path, "good.yaml", bad)
    child.write_text(yaml.safe_dump({"extends": "good.yaml", "name": "c"}))
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    ((path, message),) = info.value.issues
    assert path == f"in {good}: agencies.a.hazards[1].pause"


# -- validate, run, the saved scenario, the report ------------------------------------------
def test_validate_names_the_mechanisms(good):
    r = invoke("validate", good)
    assert r.exit_code == 0, r.output
    assert "mechanisms (format 2): 1 factor (a_slip); 2 slips; 2 hazards (1 cancel, 1 pause)" in (
        r.output
    )
    r = invoke("validate", good, "--set", "agencies.a.hazards=[]")
    line = [x for x in r.output.splitlines() if x.startswith("mechanisms")]
    assert line and "hazard" not in line[0], r.output


def test_validate_says_nothing_of_mechanisms_for_a_format_1_file():
    r = invoke("validate", "tests/golden/v1/base.yaml")
    assert r.exit_code == 0 and "mechanisms" not in r.output


@pytest.fixture
def good_run(tmp_path, good):
    out = tmp_path / "out"
    r = invoke("run", good, "-n", 20, "--out", out, "--no-plots")
    assert r.exit_code == 0, r.output
    return out


def test_the_saved_scenario_runs_again(good_run, tmp_path):
    # its record fits are now two betas, one Dirichlet's parts: they load as they are
    saved = load_scenario(good_run / "scenario.yaml")
    z = saved.agencies["a"].missions[1]
    assert z.success.params == (2.0, 4.0) and z.partial.params == (2.0, 4.0)
    assert saved == load_scenario(good_run / "scenario.yaml")
    r = invoke("run", good_run / "scenario.yaml", "-n", 20, "--out", tmp_path / "again")
    assert r.exit_code == 0, r.output
    a = (good_run / "summary.json").read_bytes()
    assert a == (tmp_path / "again" / "summary.json").read_bytes()


def test_the_report_shows_every_mechanism(good_run):
    html = (good_run / "report.html").read_text(encoding="utf-8")
    key = html[html.index("Key assumptions") :]
    for words in [
        "<h3>Factors</h3>",
        "a_slip</code></td><td>lognormal(median=1, sigma=0.3)",
        "a slip, a.z slip",  # who names the factor
        "development times × factor a_slip",
        "<h3>Hazards</h3>",
        "<td>axe</td><td>0.05</td>",
        "pauses: 1 years each time",
        "all its missions",
        "lands 0.02 years after launch",
        "partial landing: 10%",
        "unlimited<br>stand-down uniform(low=0.5, high=2)",
        "c 10% (the owner covers what it cannot pay; leaves at 5% a year)",
        "b 20%,",
        "<th>a partial landing counts</th>",
    ]:
        assert words in key, words


def test_a_format_1_report_has_no_mechanism_sections(mini_scenario_path, tmp_path):
    out = tmp_path / "mini"
    assert invoke("run", mini_scenario_path, "-n", 10, "--out", out, "--no-plots").exit_code == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<h3>Factors</h3>" not in html and "<h3>Hazards</h3>" not in html
    assert "partial landing" not in html and "stand-down" not in html


# -- sensitivity's default parameters ----------------------------------------------------
def test_sensitivity_moves_the_v2_parameters_by_20_percent(good):
    s = load_scenario(good)
    p = {x.path: x for x in default_parameters(s)}
    x = "agencies.a.missions.x"
    # a factor's location (lognormal median), a hazard's rate, a stand-down
    assert p["factors.a_slip"].low == {"lognormal": {"median": 0.8, "sigma": 0.3}}
    assert p["factors.a_slip"].high == {"lognormal": {"median": 1.2, "sigma": 0.3}}
    assert (p["agencies.a.hazards[0].rate"].low, p["agencies.a.hazards[0].rate"].high) == (
        0.04,
        0.06,
    )
    assert p[f"{x}.refly.stand_down"].high == {"uniform": {"low": 0.6, "high": 2.4}}
    # a partner's share, short form and long form, and a leave rate
    assert (p[f"{x}.partners.b"].low, p[f"{x}.partners.b"].high) == (0.16, 0.24)
    assert (p[f"{x}.partners.c.share"].low, p[f"{x}.partners.c.share"].high) == (0.08, 0.12)
    assert p[f"{x}.partners.c.leave_rate"].high == pytest.approx(0.06)
    # success 0.6 beside partial 0.1 may rise to 0.72 (at most 0.9)
    assert p[f"{x}.success"].high == 0.72
    # every low and high value makes a valid scenario
    data = s.to_data()
    for par in p.values():
        for side in (par.low, par.high):
            variant(data, [(par.parts, side)])


def test_sensitivity_keeps_shares_and_chances_valid_at_their_limits(good):
    s = load_scenario(
        good,
        [
            "agencies.a.missions.x.partners.b=0.85",  # b + c = 0.95: b may rise to 0.9 only
            "agencies.a.missions.x.success=0.85",  # + partial 0.1: success at most 0.9
            "factors.skill={triangular: {low: 0.5, mode: 0.7, high: 0.85}}",
            "agencies.a.missions.z.success={factor: skill}",
            "agencies.a.missions.z.partial=0.1",
        ],
    )
    p = {x.path: x for x in default_parameters(s)}
    x = "agencies.a.missions.x"
    assert p[f"{x}.partners.b"].high == pytest.approx(0.9)
    assert p[f"{x}.success"].high == pytest.approx(0.9)
    # the factor giving z's success: mean 0.683 x 1.2 = 0.82, + partial 0.1 < 1
    assert p["factors.skill"].high == {"triangular": {"low": 0.6, "mode": 0.84, "high": 1.02}}
    # with z's partial at 0.25 its mean may rise only to 0.75: a factor of 1.098
    s2 = load_scenario(
        good,
        [
            "factors.skill={triangular: {low: 0.5, mode: 0.7, high: 0.85}}",
            "agencies.a.missions.z.success={factor: skill}",
            "agencies.a.missions.z.partial=0.25",
        ],
    )
    high = {x.path: x for x in default_parameters(s2)}["factors.skill"].high["triangular"]
    assert (high["low"] + high["mode"] + high["high"]) / 3 == pytest.approx(0.75)
    # z's success from the record was a Dirichlet's part; it stays one
    data = s.to_data()
    for par in p.values():
        for side in (par.low, par.high):
            variant(data, [(par.parts, side)])


def test_sensitivity_runs_on_the_v2_scenario(good, tmp_path):
    out = tmp_path / "sens"
    r = invoke("sensitivity", good, "-m", "m", "-a", "a", "-n", 20, "--out", out, "--no-plots")
    assert r.exit_code == 0, r.output
    text = (out / "sensitivity.csv").read_text()
    for label in ["factor 'a_slip'", "a hazard 'axe' rate", "a.x c's leave rate", "a.x stand-down"]:
        assert label in text, label


def test_every_v2_parameter_is_found(good):
    # each v2 parameter that holds a non-zero value is among the defaults
    paths = {x.path for x in default_parameters(load_scenario(good))}
    want = {
        "factors.a_slip",
        "agencies.a.hazards[0].rate",
        "agencies.a.hazards[1].rate",
        "agencies.a.missions.x.partners.b",
        "agencies.a.missions.x.partners.c.share",
        "agencies.a.missions.x.partners.c.leave_rate",
        "agencies.a.missions.x.refly.stand_down",
    }
    assert want <= paths, want - paths
    assert copy.deepcopy(GOOD) == GOOD  # nothing above changed the shared data


def test_sweep_and_ranges_reach_a_hazard_by_name(good, tmp_path):
    from racesim.analysis.sensitivity import range_parameters
    from racesim.analysis.variants import parse_span

    s = load_scenario(good)
    (p,) = range_parameters(s, [parse_span("agencies.a.hazards.axe.rate=0:0.2", "--range", False)])
    assert (p.base, p.low, p.high) == (0.05, 0.0, 0.2)
    out = tmp_path / "sweep"
    r = invoke(
        "sweep",
        good,
        "--vary",
        "agencies.a.hazards.axe.rate=0:0.4:3",
        "-n",
        50,
        "--out",
        out,
        "--no-plots",
    )
    assert r.exit_code == 0, r.output
    assert "axe.rate" in r.output
