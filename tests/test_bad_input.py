"""Bad input never crashes (issue 13 sections 2 and 3, issue 11 section 1 items 1, 7, 8).

Each input below either runs, with the answer the model's rules give, or stops with a
:class:`ScenarioError` (on the command line: exit 2, one message, no traceback, nothing
written) that names the field.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path

import numpy as np
import pytest
import yaml

from racesim.scenario.errors import ScenarioError
from racesim.scenario.loading import from_data, load_scenario
from racesim.scenario.overrides import MAX_SET_PARTS, parse_override
from racesim.scenario.schema import MAX_ATTEMPTS

from .helpers import BASE, invoke, mission, prop_se, reached, scenario, within

BUDGET = {"annual": 100}


def one(m: dict, budget=BUDGET, **top):
    """A scenario with one agency ``a`` flying mission ``m``."""
    return scenario({"a": {"budget": budget, "missions": [m]}}, **top)


def issues_of(fn, *args, **kw) -> dict[str, str]:
    with pytest.raises(ScenarioError) as info:
        fn(*args, **kw)
    return dict(info.value.issues)


def data_issues(data: dict) -> dict[str, str]:
    return issues_of(from_data, data)


def base_data(**missions_kw) -> dict:
    d = copy.deepcopy(BASE)
    d["agencies"] = {"a": {"budget": dict(BUDGET), "missions": [mission("x", **missions_kw)]}}
    return d


def cli_refuses(tmp_path: Path, *args) -> str:
    """Run the command line; it must refuse cleanly and write nothing."""
    out = tmp_path / "out"
    r = invoke(*args, "--out", out, "-n", 10, "--no-plots", "--no-report")
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert not out.exists()
    assert len(r.output) < 5000
    return r.output


# ---------------------------------------------------------------------------------------
# issue 13 section 2: validate said ok and run crashed
# ---------------------------------------------------------------------------------------
def test_zero_time_reflights_do_not_recurse():
    # 5000 attempts that take no time follow one another at once (a loop, not calls)
    s = one(mission("x", success=0.0, attempts=5000, refly={"cost": 0, "duration": 0}))
    assert np.isnan(reached(s, 5)).all()


def test_zero_time_reflights_count_every_attempt():
    # P(some success in 3000 attempts at p) = 1 - (1 - p)^3000
    p, k, n = 0.0005, 3000, 400
    s = one(mission("x", success=p, attempts=k, refly={"cost": 0, "duration": 0}))
    hit = (~np.isnan(reached(s, n)[:, 0, 0])).mean()
    expected = 1 - (1 - p) ** k
    within(hit, expected, prop_se(expected, n))


@pytest.mark.parametrize("duration", [1e-9, 1e-12, 1e-300])
def test_tiny_duration_with_a_cost_completes_at_once(duration):
    # once its development is within EPS years of done it completes: the money for
    # those last moments is forgiven, so a development shorter than that is free
    s = one(mission("x", cost=100.0, duration=duration, success=1.0), budget={"annual": 1})
    r = reached(s, 3)[:, 0, 0]
    assert (r < 1e-6).all()


@pytest.mark.parametrize(
    "kw",
    [
        {"cost": 1e-20, "duration": 1e308},  # the spend rate underflows to 0
        {"cost": 1e300, "duration": 1e-300},  # ... or overflows
        {"cost": 10, "duration": {"lognormal": {"median": 1, "sigma": 1e300}}},
        {"cost": {"lognormal": {"median": 1e300, "sigma": 50}}, "duration": 1},
    ],
)
def test_extreme_spend_rates_run(kw):
    s = one(mission("x", success=0.5, attempts=3, **kw))
    r = reached(s, 20)[:, 0, 0]
    when = r[~np.isnan(r)]
    assert ((when >= 0) & (when <= 30.0 + 1e-6)).all()  # within start .. horizon
    if kw["duration"] == 1e308:
        assert np.isnan(r).all()  # 1e308 years of work never end
    if kw["duration"] == 1e-300:
        assert (when < 1e-6).all() and len(when) > 0  # done at once, money forgiven


def test_reflight_duration_infinity_is_refused():
    issues = data_issues(base_data(refly={"duration": math.inf}))
    assert "finite" in issues["agencies.a.missions[0].refly.duration (mission x)"]


@pytest.mark.parametrize(
    "field, value",
    [("volatility", math.inf), ("volatility", 1.4e154), ("growth", math.inf), ("growth", math.nan)],
)
def test_non_finite_or_absurd_budget_parameters_are_refused(field, value):
    d = base_data()
    d["agencies"]["a"]["budget"][field] = value
    assert f"agencies.a.budget.{field}" in data_issues(d)


def test_absurd_but_finite_budgets_stay_finite():
    # 1e300 a year growing tenfold: held below 1e100, the books never turn NaN
    s = one(mission("x", cost=10, duration=1), budget={"annual": 1e300, "growth": 10})
    r = reached(s, 5)[:, 0, 0]
    assert np.isfinite(r).all()


def test_horizon_bounded_to_200_years():
    d = base_data()
    d["horizon"] = "9999-12-31"
    msg = data_issues(d)["horizon"]
    assert "200 years" in msg or "2999" in msg
    d["horizon"] = "2229-12-31"  # 199.99 years after 2030-01-01: fine
    assert from_data(d).horizon.year == 2229


def test_succeeded_long_before_start_is_refused():
    d = base_data()
    d["agencies"]["a"]["missions"][0]["succeeded"] = "0001-01-01"
    assert "200 years" in data_issues(d)["agencies.a.missions[0].succeeded (mission x)"]


def test_memory_need_is_checked_before_running():
    d = copy.deepcopy(BASE)
    d["horizon"] = "2229-01-01"
    d["milestones"] = {f"m{i}": {"title": "M"} for i in range(5)}
    d["agencies"] = {f"a{i}": {} for i in range(400)}  # 400 x 5 x 73,000 days
    with pytest.raises(ScenarioError) as info:
        from_data(d)
    assert "GiB" in info.value.describe()
    d["agencies"] = {f"a{i}": {} for i in range(100)}
    from_data(d)  # a quarter of that is fine


def test_attempts_are_bounded():
    assert "attempts" in " ".join(data_issues(base_data(attempts=10_000_000)))
    from_data(base_data(attempts=MAX_ATTEMPTS))


# --set values: YAML 1.2, and forms that YAML 1.1 reads otherwise are refused
@pytest.mark.parametrize("raw", ["1:30", "1_000", "012", "0b11", "yes", "No", "on", "OFF"])
def test_set_values_that_yaml_versions_disagree_on_are_refused(raw):
    with pytest.raises(ScenarioError) as info:
        parse_override(f"agencies.a.budget.annual={raw}")
    assert "ambiguous" in info.value.describe()


@pytest.mark.parametrize(
    "raw, value",
    [("0o12", 10), ("0x1A", 26), ("1e3", 1000.0), ("90", 90), ("-1.5", -1.5), ("true", True)],
)
def test_set_values_read_with_yaml_1_2(raw, value):
    _, v = parse_override(f"x={raw}")
    assert v == value and type(v) is type(value)


def test_ambiguous_value_in_a_file_names_its_line(write_scenario, mini_scenario_text):
    text = mini_scenario_text.replace("annual: 100", "annual: 1:30")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(text))
    (where, msg), *_ = info.value.issues
    assert where == "line 14, column 15" and "ambiguous" in msg  # annual: 1:30


# ---------------------------------------------------------------------------------------
# issue 13 section 3: tracebacks on mistakes
# ---------------------------------------------------------------------------------------
def test_mapping_or_list_where_a_name_is_expected():
    d = base_data()
    d["agencies"]["a"]["missions"][0]["id"] = {"a": 1}
    assert "agencies.a.missions[0].id" in data_issues(d)
    issues = data_issues(base_data(achieves=[{"a": 1}]))
    assert "agencies.a.missions[0].achieves[0] (mission x)" in issues
    issues = data_issues(base_data(requires=[["y"]]))
    assert "agencies.a.missions[0].requires[0] (mission x)" in issues


@pytest.mark.parametrize(
    "text",
    [
        "? [a, b]\n: c\n",  # a complex key
        "agencies: {a: {missions: [{id: x, partners: {[a]: 0.5}}]}}\n",
        "title: &a [*a]\n",  # a recursive list
        "title: " + "[" * 3000 + "]" * 3000 + "\n",  # nested beyond reason
    ],
)
def test_yaml_structures_that_are_not_scenarios(write_scenario, text):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario("name: t\n" + text))
    assert len(info.value.describe()) < 1000


@pytest.mark.parametrize("file", ["", "folder", "/dev/zero", ["a"]])
def test_record_file_that_is_not_a_csv_file(tmp_path, file):
    if file == "/dev/zero" and not os.path.exists(file):
        pytest.skip("no /dev/zero here")
    if file == "folder":
        (tmp_path / "folder").mkdir()
    d = base_data(success={"record": "all"})
    d["record"] = {"file": file}
    issues = issues_of(from_data, d, base_dir=tmp_path)
    assert "record.file" in issues


def test_a_set_path_of_20000_parts(mini_scenario_path, tmp_path):
    out = cli_refuses(tmp_path, "run", mini_scenario_path, "--set", ".".join(["a"] * 20_000) + "=1")
    assert f"at most {MAX_SET_PARTS}" in out


def alias_bomb(levels: int = 9) -> str:
    """YAML whose aliases expand to 9**levels strings (a 'billion laughs')."""
    names = "abcdefghijklmnop"
    parts = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        n, prev = names[i], names[i - 1]
        parts.append(f"{n}: &{n} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "{" + ", ".join(parts) + "}"


def test_alias_bomb_in_set_gives_a_short_message(mini_scenario_path, tmp_path):
    bomb = alias_bomb()
    assert len(bomb) < 500
    out = cli_refuses(tmp_path, "run", mini_scenario_path, "--set", f"title={bomb}")
    assert "--set title" in out and "values" in out


def test_alias_bomb_in_a_file(write_scenario):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(f"name: t\ntitle: {alias_bomb()}\n"))
    assert len(info.value.describe()) < 1000


def test_a_long_bad_value_is_quoted_briefly():
    d = base_data(success="x" * 100_000)
    (msg,) = data_issues(d).values()
    assert len(msg) < 500


def test_many_problems_are_listed_up_to_a_bound():
    d = copy.deepcopy(BASE)
    d["agencies"] = {"a": {"missions": [{"id": f"m{i}", "zzz": 1} for i in range(500)]}}
    with pytest.raises(ScenarioError) as info:
        from_data(d)
    text = info.value.describe()
    assert "more" in text.splitlines()[-1] and len(text.splitlines()) < 60


# ---------------------------------------------------------------------------------------
# issue 11 section 1: reserved keys (1), extends parents (7), every problem at once (8)
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["none", "first", "None", "NA", "nan", "anybody"])
def test_agency_keys_that_collide_with_results_words_are_refused(key):
    d = base_data()
    d["agencies"] = {key: d["agencies"]["a"]}
    assert "reserved" in data_issues(d)[f"agencies.{key}"]


def test_error_in_a_parent_names_the_parent_and_its_position(tmp_path):
    parent = {**copy.deepcopy(BASE), "name": "p"}
    parent["agencies"] = {
        "a": {
            "budget": dict(BUDGET),
            "missions": [mission("x"), mission("y", success=1.5), mission("z")],
        }
    }
    (tmp_path / "sub").mkdir()
    (tmp_path / "parent.yaml").write_text(yaml.safe_dump(parent))
    child = {
        "extends": "../parent.yaml",
        "name": "c",
        "agencies": {
            "a": {
                "missions": [
                    {"id": "x", "remove": True},
                    {"id": "z", "cost": -1},
                    {"id": "w", "duration": 1, "success": 2.0},
                ]
            }
        },
    }
    path = tmp_path / "sub" / "child.yaml"
    path.write_text(yaml.safe_dump(child))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    issues = dict(info.value.issues)
    # y is the parent's missions[1] (missions[0] in the merged list)
    parent_file = str(path.parent / "../parent.yaml")
    assert f"in {parent_file}: agencies.a.missions[1].success (mission y)" in issues
    # z's cost is the child's missions[1]; w is the child's missions[2]
    assert "agencies.a.missions[1].cost (mission z)" in issues
    assert "agencies.a.missions[2].success (mission w)" in issues
    assert str(path) in info.value.describe()


def test_validate_reports_every_problem_at_once_one_per_line(write_scenario, tmp_path):
    d = copy.deepcopy(BASE)
    d["horizon"] = "2020-01-01"  # before start: a cross-check
    d["agencies"] = {
        "a": {
            "missions": [
                mission("x", success=1.5),  # a field error
                mission("y", requires=["nope"]),  # a reference
                mission("z", cost=5),  # costs money, no budget: a cross-check
                {"id": "v", "achieves": ["m"]},  # success and duration required
            ]
        }
    }
    r = invoke("validate", write_scenario(d))
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert "6 problems" in lines[0]
    assert len(lines) == 7
    for needle in ("horizon", "[0].success", "requires[0]", "[2].cost", "[3].success"):
        assert sum(needle in line for line in lines[1:]) == 1, needle


def test_set_problems_reported_with_the_scenarios(write_scenario):
    d = base_data(success=2.0)
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(d), ["agencies.zz.budget.annual=1"])
    paths = [p for p, _ in info.value.issues]
    assert paths[0].startswith("--set agencies.zz") and len(paths) == 2


@pytest.mark.parametrize("name", ["a\0b", "a" * 5000])
def test_paths_that_the_system_cannot_use(write_scenario, name):
    # a NUL byte or a name too long: a message naming the field, not an OSError
    child = write_scenario({"extends": name, "name": "c"})
    assert "usable path" in issues_of(load_scenario, child)["extends"]
    d = base_data(success={"record": "all"})
    d["record"] = {"file": name}
    assert "usable path" in data_issues(d)["record.file"]


@pytest.mark.parametrize("path", ["²", "agencies.alpha.missions[١]", "x.٣"])
def test_set_path_with_non_ascii_digits(mini_scenario_path, path):
    # found by the fuzz: '²'.isdigit() is true but int('²') fails
    assert issues_of(load_scenario, mini_scenario_path, [f"{path}=1"])


def test_saved_scenario_loads_back_unchanged_under_yaml_1_2(write_scenario):
    # text that YAML 1.2 reads as a number is quoted when racesim writes scenario.yaml
    d = base_data()
    d["title"], d["description"] = "1e3", "0o12"
    s = from_data(d)
    again = load_scenario(write_scenario(s.to_yaml()))
    assert (again.title, again.description) == ("1e3", "0o12")
    assert again.digest() == s.digest()


def test_triangular_with_huge_bounds_draws_within_them():
    # found by the fuzz: (high - low) * (mode - low) overflowed to inf beyond 1e154
    from racesim.scenario.distributions import parse

    d = parse({"triangular": {"low": 0, "mode": 1e308, "high": 1.5e308}}, 0.0)
    u = np.linspace(0, 0.999999, 1001)
    x = d.quantile(u)
    assert np.isfinite(x).all() and (x >= 0).all() and (x <= 1.5e308).all()
    assert (np.diff(x) >= 0).all()  # monotone in u
    # the scaled form agrees with the ordinary one where both apply
    small = parse({"triangular": {"low": 0, "mode": 1, "high": 1.5}}, 0.0)
    assert np.allclose(x / 1e308, small.quantile(u), rtol=1e-12)
