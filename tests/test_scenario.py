"""Scenario validation: every class of bad input is reported with its field path and a
helpful message (the README's "Scenario reference"), --set overrides, and the YAML round trip."""

from __future__ import annotations

import re

import pytest
import yaml

from racesim.scenario import Scenario, ScenarioError, from_data, load_scenario
from racesim.scenario.distributions import Dist

LANDER = "agencies.beta.missions[2]"  # beta's lander in the mini scenario
_HINT = re.compile(r" \(mission [^)]*\)$")


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def problems(write_scenario, content, overrides=()) -> ScenarioError:
    """Write ``content`` and load it, expecting a ScenarioError."""
    path = write_scenario(content)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    err = info.value
    assert str(path) in err.describe(), "the message must name the file"
    return err


def field_path(issue_path: str) -> str:
    """The bare field path (pydantic issues carry a ' (mission id)' hint after it)."""
    return _HINT.sub("", issue_path)


def only_issue(err: ScenarioError, path: str) -> str:
    """Assert ``err`` holds exactly one issue, at ``path``; return its message."""
    assert len(err.issues) == 1, err.issues
    ((where, message),) = err.issues
    assert field_path(where) == path, err.issues
    return message


def message_at(err: ScenarioError, path: str) -> str:
    """The message of the one issue at ``path`` (others may exist)."""
    found = [m for p, m in err.issues if field_path(p) == path]
    assert len(found) == 1, (path, err.issues)
    return found[0]


def lander(data: dict) -> dict:
    return data["agencies"]["beta"]["missions"][2]


# ---------------------------------------------------------------------------------------
# the baseline
# ---------------------------------------------------------------------------------------
def test_mini_scenario_is_valid(mini_scenario_path):
    s = load_scenario(mini_scenario_path)
    assert isinstance(s, Scenario)
    assert list(s.agencies) == ["alpha", "beta"]
    assert list(s.milestones) == ["landing"]
    assert [m.id for m in s.agencies["beta"].missions] == ["precursor", "probe", "lander"]
    assert s.agencies["beta"].missions[2].success == Dist.fixed(0.6)


# ---------------------------------------------------------------------------------------
# unknown / misspelt keys
# ---------------------------------------------------------------------------------------
def _at_top(d):
    d["horizn"] = "2030-01-01"


def _in_agency(d):
    d["agencies"]["alpha"]["bugdet"] = {"annual": 1}


def _in_mission(d):
    lander(d)["sucess"] = 0.5


def _in_budget(d):
    d["agencies"]["alpha"]["budget"]["anual"] = 3


def _in_shock(d):
    d["agencies"]["alpha"]["budget"]["shocks"][0]["probabilty"] = 0.3


def _in_milestone(d):
    d["milestones"]["landing"]["titel"] = "x"


def _in_refly(d):
    lander(d)["refly"] = {"cots": 0.3}


@pytest.mark.parametrize(
    "mutate, path, suggestion",
    [
        (_at_top, "horizn", "horizon"),
        (_in_agency, "agencies.alpha.bugdet", "budget"),
        (_in_mission, f"{LANDER}.sucess", "success"),
        (_in_budget, "agencies.alpha.budget.anual", "annual"),
        (_in_shock, "agencies.alpha.budget.shocks[0].probabilty", "probability"),
        (_in_milestone, "milestones.landing.titel", "title"),
        (_in_refly, f"{LANDER}.refly.cots", "cost"),
    ],
    ids=["top", "agency", "mission", "budget", "shock", "milestone", "refly"],
)
def test_unknown_key_is_an_error_with_suggestion(
    write_scenario, mini_scenario_data, mutate, path, suggestion
):
    mutate(mini_scenario_data)
    msg = only_issue(problems(write_scenario, mini_scenario_data), path)
    assert "unknown field" in msg
    assert f"did you mean {suggestion!r}" in msg


def test_unknown_key_without_close_match_lists_valid_fields(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["zzzz"] = 1
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.zzzz")
    assert "unknown field" in msg
    assert "success" in msg and "duration" in msg  # the valid fields are listed


# ---------------------------------------------------------------------------------------
# field values
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value", [1.3, {"uniform": {"low": 0.5, "high": 1.3}}], ids=["fixed", "uniform-high"]
)
def test_probability_above_one(write_scenario, mini_scenario_data, value):
    lander(mini_scenario_data)["success"] = value
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.success")
    assert "between 0 and 1" in msg and "1.3" in msg


def test_shock_probability_above_one(write_scenario, mini_scenario_data):
    mini_scenario_data["agencies"]["alpha"]["budget"]["shocks"][0]["probability"] = 1.3
    msg = only_issue(
        problems(write_scenario, mini_scenario_data), "agencies.alpha.budget.shocks[0].probability"
    )
    assert "1" in msg and "1.3" in msg


def test_negative_cost(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["cost"] = -5
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.cost")
    assert ">= 0" in msg and "-5" in msg


@pytest.mark.parametrize("field", ["duration", "success"])
def test_required_unless_succeeded(write_scenario, mini_scenario_data, field):
    del lander(mini_scenario_data)[field]
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.{field}")
    assert "required" in msg and "lander" in msg


def test_succeeded_mission_needs_neither_success_nor_duration(mini_scenario_path):
    s = load_scenario(mini_scenario_path)
    pre = s.agencies["beta"].missions[0]
    assert pre.succeeded is not None and pre.success is None and pre.duration is None


def test_attempts_zero(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["attempts"] = 0
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.attempts")
    assert "1" in msg and "0" in msg


# ---------------------------------------------------------------------------------------
# distributions
# ---------------------------------------------------------------------------------------
def test_unknown_distribution_family(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["success"] = {"unifrom": {"low": 0.5, "high": 0.6}}
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.success")
    assert "unknown distribution 'unifrom'" in msg
    assert "did you mean 'uniform'" in msg


def test_distribution_missing_parameter(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["success"] = {"uniform": {"low": 0.5}}
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.success")
    assert "missing" in msg and "high" in msg


def test_distribution_misspelt_parameter(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["cost"] = {"uniform": {"low": 1, "hihg": 5}}
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.cost")
    assert "did you mean 'high'" in msg


def test_distribution_low_above_high(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["cost"] = {"uniform": {"low": 5, "high": 1}}
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.cost")
    assert "low <= high" in msg


@pytest.mark.parametrize("a", [0, -1])
def test_beta_needs_positive_a(write_scenario, mini_scenario_data, a):
    lander(mini_scenario_data)["success"] = {"beta": {"a": a, "b": 2}}
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.success")
    assert "a > 0" in msg


@pytest.mark.parametrize(
    "value",
    [
        [0.1, 0.2],
        "high",
        {"beta": [1, 2]},
        {"uniform": {"low": 0.1, "high": 0.2}, "beta": {"a": 1, "b": 1}},
    ],
    ids=["list", "string", "params-list", "two-keys"],
)
def test_distribution_not_a_mapping(write_scenario, mini_scenario_data, value):
    lander(mini_scenario_data)["success"] = value
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.success")
    assert "mapping" in msg or "named parameters" in msg


# ---------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------
def test_bad_date_quoted(write_scenario, mini_scenario_data):
    mini_scenario_data["start"] = "2023-13-01"
    msg = only_issue(problems(write_scenario, mini_scenario_data), "start")
    assert "ISO date" in msg and "2023-13-01" in msg


def test_bad_date_unquoted(write_scenario, mini_scenario_text):
    text = mini_scenario_text.replace("start: 2023-08-20", "start: 2023-13-01")
    err = problems(write_scenario, text)
    assert "2023-13-01" in err.describe() or "month" in err.describe()


def test_date_as_number(write_scenario, mini_scenario_data):
    mini_scenario_data["start"] = 2023
    msg = only_issue(problems(write_scenario, mini_scenario_data), "start")
    assert "ISO date" in msg and "2023" in msg


@pytest.mark.parametrize("horizon", ["2020-01-01", "2023-08-20"], ids=["before", "equal"])
def test_horizon_not_after_start(write_scenario, mini_scenario_data, horizon):
    mini_scenario_data["horizon"] = horizon
    msg = only_issue(problems(write_scenario, mini_scenario_data), "horizon")
    assert "after start" in msg


def test_succeeded_after_start(write_scenario, mini_scenario_data):
    mini_scenario_data["agencies"]["beta"]["missions"][0]["succeeded"] = "2024-01-01"
    msg = only_issue(
        problems(write_scenario, mini_scenario_data), "agencies.beta.missions[0].succeeded"
    )
    assert "on or before start" in msg


def test_shock_window_backwards(write_scenario, mini_scenario_data):
    mini_scenario_data["agencies"]["alpha"]["budget"]["shocks"][0]["until"] = "2024-01-01"
    msg = only_issue(
        problems(write_scenario, mini_scenario_data), "agencies.alpha.budget.shocks[0].until"
    )
    assert "before from" in msg


# ---------------------------------------------------------------------------------------
# requires
# ---------------------------------------------------------------------------------------
def test_mission_requires_itself(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["requires"] = ["lander"]
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.requires[0]")
    assert "itself" in msg


def test_requires_missing_mission_suggests(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["requires"] = ["prob"]
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.requires[0]")
    assert "no mission 'prob'" in msg and "probe" in msg and "did you mean" in msg


def test_requires_other_agency_by_agency_dot_id(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["requires"] = ["probe", "alpha.orbiter"]
    s = load_scenario(write_scenario(mini_scenario_data))
    assert s.agencies["beta"].missions[2].requires == ("probe", "alpha.orbiter")


def test_requires_other_agency_misspelt(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["requires"] = ["alpha.orbitr"]
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.requires[0]")
    assert "did you mean 'alpha.orbiter'" in msg


def test_requires_bare_id_is_not_looked_up_in_other_agencies(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["requires"] = ["orbiter"]  # alpha's, but no "alpha." prefix
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.requires[0]")
    assert "agency.id" in msg


def test_dependency_cycle_across_agencies(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["requires"] = ["alpha.lander"]
    mini_scenario_data["agencies"]["alpha"]["missions"][0]["requires"] = ["beta.lander"]
    err = problems(write_scenario, mini_scenario_data)
    assert len(err.issues) == 1, err.issues
    msg = err.issues[0][1]
    assert "cycle" in msg
    for member in ("alpha.orbiter", "alpha.lander", "beta.lander"):
        assert member in msg
    assert "beta.probe" not in msg  # only the cycle, not its neighbours


# ---------------------------------------------------------------------------------------
# partners and money
# ---------------------------------------------------------------------------------------
def test_partner_unknown_agency(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["partners"] = {"alfa": 0.2}
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.partners.alfa")
    assert "no agency 'alfa'" in msg and "did you mean 'alpha'" in msg


def test_partner_own_agency(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["partners"] = {"beta": 0.2}
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.partners.beta")
    assert "own partner" in msg


def test_partner_shares_over_one(write_scenario, mini_scenario_data):
    mini_scenario_data["agencies"]["gamma"] = {"budget": {"annual": 10}}
    lander(mini_scenario_data)["partners"] = {"alpha": 0.6, "gamma": 0.5}
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.partners")
    assert "1.1" in msg and "exceed 1" in msg


def test_cost_without_budget_own_agency(write_scenario, mini_scenario_data):
    mini_scenario_data["agencies"]["gamma"] = {
        "missions": [{"id": "x", "cost": 5, "duration": 1, "success": 0.5}]
    }
    msg = only_issue(
        problems(write_scenario, mini_scenario_data), "agencies.gamma.missions[0].cost"
    )
    assert "no budget" in msg and "agencies.gamma.budget" in msg


def test_cost_without_budget_partner(write_scenario, mini_scenario_data):
    mini_scenario_data["agencies"]["gamma"] = {}
    lander(mini_scenario_data)["partners"] = {"gamma": 0.3}
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.cost")
    assert "partner gamma" in msg and "no budget" in msg


def test_free_mission_needs_no_budget(write_scenario, mini_scenario_data):
    mini_scenario_data["agencies"]["gamma"] = {
        "missions": [{"id": "x", "duration": 1, "success": 0.5, "achieves": ["landing"]}]
    }
    s = load_scenario(write_scenario(mini_scenario_data))
    assert s.agencies["gamma"].budget is None


# ---------------------------------------------------------------------------------------
# achieves, ids
# ---------------------------------------------------------------------------------------
def test_achieves_unknown_milestone(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["achieves"] = ["landng"]
    msg = only_issue(problems(write_scenario, mini_scenario_data), f"{LANDER}.achieves[0]")
    assert "no milestone 'landng'" in msg and "did you mean 'landing'" in msg


def test_duplicate_mission_id(write_scenario, mini_scenario_data):
    missions = mini_scenario_data["agencies"]["beta"]["missions"]
    missions.append(dict(missions[1]))  # a second 'probe'
    msg = only_issue(problems(write_scenario, mini_scenario_data), "agencies.beta.missions[3].id")
    assert "duplicate" in msg and "probe" in msg


def test_same_mission_id_in_two_agencies_is_fine(mini_scenario_path):
    s = load_scenario(mini_scenario_path)  # both alpha and beta have a 'lander'
    assert s.mission("alpha.lander")[0] == "alpha"
    assert s.mission("beta.lander")[0] == "beta"


@pytest.mark.parametrize("bad", ["2probe", "pro be", "probe.x"])
def test_bad_mission_identifier(write_scenario, mini_scenario_data, bad):
    mini_scenario_data["agencies"]["beta"]["missions"][1]["id"] = bad
    lander(mini_scenario_data)["requires"] = []
    msg = only_issue(problems(write_scenario, mini_scenario_data), "agencies.beta.missions[1].id")
    assert "not a valid identifier" in msg and repr(bad) in msg


def test_bad_agency_identifier(write_scenario, mini_scenario_data):
    mini_scenario_data["agencies"]["9x"] = {}
    err = problems(write_scenario, mini_scenario_data)
    assert len(err.issues) == 1, err.issues
    where, msg = err.issues[0]
    assert where.startswith("agencies.9x")
    assert "not a valid identifier" in msg


# ---------------------------------------------------------------------------------------
# all problems at once
# ---------------------------------------------------------------------------------------
def test_two_field_errors_give_two_issues(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["success"] = 1.3
    mini_scenario_data["agencies"]["alpha"]["missions"][0]["cost"] = -1
    err = problems(write_scenario, mini_scenario_data)
    assert len(err.issues) == 2, err.issues
    assert "between 0 and 1" in message_at(err, f"{LANDER}.success")
    assert ">= 0" in message_at(err, "agencies.alpha.missions[0].cost")
    assert "2 problems" in err.describe()


def test_two_reference_errors_give_two_issues(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["achieves"] = ["nowhere"]
    mini_scenario_data["agencies"]["alpha"]["missions"][1]["requires"] = ["nothing"]
    err = problems(write_scenario, mini_scenario_data)
    assert len(err.issues) == 2, err.issues
    message_at(err, f"{LANDER}.achieves[0]")
    message_at(err, "agencies.alpha.missions[1].requires[0]")


def test_field_error_and_reference_error_together(write_scenario, mini_scenario_data):
    lander(mini_scenario_data)["success"] = 1.3
    mini_scenario_data["agencies"]["alpha"]["missions"][1]["requires"] = ["nothing"]
    err = problems(write_scenario, mini_scenario_data)
    assert len(err.issues) == 2, err.issues


# ---------------------------------------------------------------------------------------
# the file itself
# ---------------------------------------------------------------------------------------
def test_yaml_syntax_error_gives_line(write_scenario):
    text = "name: x\nstart: 2023-01-01\nhorizon: [2030\nseed: 1\n"
    err = problems(write_scenario, text)
    assert len(err.issues) == 1
    assert "not valid YAML" in err.describe()
    assert re.search(r"line [34]\b", err.describe()), err.describe()


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "no such file" in str(info.value) and str(path) in str(info.value)


def test_file_is_a_folder(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    assert "folder" in str(info.value) and str(tmp_path) in str(info.value)


@pytest.mark.parametrize(
    "text", ["- a\n- b\n", "", "just a string\n"], ids=["list", "empty", "scalar"]
)
def test_top_level_not_a_mapping(write_scenario, text):
    err = problems(write_scenario, text)
    assert "mapping" in err.describe()


def test_duplicate_yaml_key(write_scenario, mini_scenario_text):
    text = mini_scenario_text.replace(
        "        success: 0.9\n", "        success: 0.9\n        success: 0.1\n"
    )
    problems(write_scenario, text)


def test_error_message_lists_one_problem_per_line(write_scenario, mini_scenario_data):
    # issue 11 section 1 item 8: a heading, then every problem on its own line
    lander(mini_scenario_data)["success"] = 1.3
    mini_scenario_data["agencies"]["alpha"]["missions"][0]["cost"] = -1
    lines = problems(write_scenario, mini_scenario_data).describe().splitlines()
    assert len(lines) == 3 and "2 problems" in lines[0]
    assert f"{LANDER}.success" in lines[2] and "cost" in lines[1]


# ---------------------------------------------------------------------------------------
# --set
# ---------------------------------------------------------------------------------------
def test_set_reaches_mission_by_id(mini_scenario_path):
    s = load_scenario(mini_scenario_path, ["agencies.beta.missions.lander.success=0.5"])
    assert s.agencies["beta"].missions[2].success == Dist.fixed(0.5)
    assert s.agencies["alpha"].missions[1].success.family == "beta"  # alpha's lander untouched


def test_set_reaches_mission_by_index(mini_scenario_path):
    s = load_scenario(mini_scenario_path, ["agencies.beta.missions[1].success=0.25"])
    assert s.agencies["beta"].missions[1].id == "probe"
    assert s.agencies["beta"].missions[1].success == Dist.fixed(0.25)


def test_set_top_level_and_budget(mini_scenario_path):
    s = load_scenario(mini_scenario_path, ["seed=99", "agencies.alpha.budget.annual=120"])
    assert s.seed == 99
    assert s.agencies["alpha"].budget.annual == Dist.fixed(120)


def test_set_creates_optional_key(mini_scenario_path):
    s = load_scenario(mini_scenario_path, ["agencies.alpha.missions.lander.not_before=2026-01-01"])
    assert str(s.agencies["alpha"].missions[1].not_before) == "2026-01-01"


def test_set_misspelt_mission_id_suggests(mini_scenario_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_scenario_path, ["agencies.beta.missions.landr.success=0.5"])
    err = info.value
    assert len(err.issues) == 1
    where, msg = err.issues[0]
    assert "--set" in where and "landr" in where
    assert "did you mean 'lander'" in msg
    assert str(mini_scenario_path) in err.describe()


def test_set_index_out_of_range(mini_scenario_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_scenario_path, ["agencies.beta.missions[7].success=0.5"])
    assert "precursor, probe, lander" in info.value.issues[0][1]


def test_set_bad_value_is_validated_like_the_file(mini_scenario_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_scenario_path, ["agencies.beta.missions.lander.success=1.3"])
    msg = only_issue(info.value, f"{LANDER}.success")
    assert "between 0 and 1" in msg


def test_set_unknown_field_is_reported(mini_scenario_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_scenario_path, ["agencies.beta.budget.anual=1"])
    msg = only_issue(info.value, "agencies.beta.budget.anual")
    assert "did you mean 'annual'" in msg


@pytest.mark.parametrize("override", ["agencies.btea.budget.annual=1", "milestones.landng.title=x"])
def test_set_misspelt_agency_or_milestone_key(mini_scenario_path, override):
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_scenario_path, [override])
    assert "did you mean" in info.value.describe()


def test_set_value_may_be_a_distribution(mini_scenario_path):
    s = load_scenario(
        mini_scenario_path, ["agencies.beta.missions.lander.success={beta: {a: 2, b: 3}}"]
    )
    assert s.agencies["beta"].missions[2].success == Dist("beta", (2.0, 3.0))


@pytest.mark.parametrize(
    "override", ["agencies.beta.missions.lander.success", "=0.5"], ids=["no-equals", "empty-path"]
)
def test_set_malformed(mini_scenario_path, override):
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_scenario_path, [override])
    assert len(info.value.issues) == 1
    where, msg = info.value.issues[0]
    assert where.startswith("--set")


def test_set_malformed_message_shows_the_form(mini_scenario_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_scenario_path, ["seed"])
    assert "PATH=VALUE" in info.value.describe()


def test_set_value_not_yaml(mini_scenario_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_scenario_path, ["agencies.beta.budget.annual=[1"])
    assert "not valid YAML" in info.value.describe()


def test_set_several_problems_all_reported(mini_scenario_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_scenario_path, ["agencies.beta.missions.landr.success=0.3", "oops"])
    assert len(info.value.issues) == 2


def test_set_does_not_touch_the_file(mini_scenario_path):
    before = mini_scenario_path.read_bytes()
    load_scenario(mini_scenario_path, ["agencies.beta.missions.lander.success=0.5"])
    assert mini_scenario_path.read_bytes() == before
    assert load_scenario(mini_scenario_path).agencies["beta"].missions[2].success == Dist.fixed(0.6)


# ---------------------------------------------------------------------------------------
# round trip
# ---------------------------------------------------------------------------------------
def test_to_yaml_round_trip(mini_scenario_path, write_scenario):
    s = load_scenario(mini_scenario_path)
    again = load_scenario(write_scenario(s.to_yaml(), "resolved.yaml"))
    assert again == s
    assert again.digest() == s.digest()
    assert from_data(yaml.safe_load(s.to_yaml())) == s


def test_round_trip_after_set(mini_scenario_path, write_scenario):
    s = load_scenario(
        mini_scenario_path,
        [
            "agencies.beta.missions.lander.success={beta: {a: 2, b: 3}}",
            "agencies.alpha.missions.lander.not_before=2026-01-01",
        ],
    )
    again = load_scenario(write_scenario(s.to_yaml(), "resolved.yaml"))
    assert again == s and again.digest() == s.digest()


def test_digest_changes_with_any_value(mini_scenario_path):
    s = load_scenario(mini_scenario_path)
    t = load_scenario(mini_scenario_path, ["agencies.beta.missions.lander.success=0.61"])
    assert s.digest() != t.digest()
    assert load_scenario(mini_scenario_path).digest() == s.digest()
