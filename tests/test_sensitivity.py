"""Sensitivity analysis: one at a time and Sobol (racesim.analysis.sensitivity)."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import sys

import pytest
from click.testing import CliRunner

from racesim.analysis.sensitivity import (
    default_parameters,
    one_at_a_time,
    range_parameters,
    sobol,
)
from racesim.analysis.variants import parse_span
from racesim.cli import main
from racesim.scenario import ScenarioError
from racesim.scenario.distributions import Dist

from .helpers import invoke, mission, scenario

HAS_SALIB = importlib.util.find_spec("SALib") is not None


def toy():
    """alpha (t = 1, success 0.5) wins unless gamma (t = 0.9, success 0.1) lands first;
    beta comes too late to matter: P(alpha first) = 0.9 x alpha's success.  At -20%
    alpha's duration (0.8) beats gamma, at +20% gamma's (1.08) comes after alpha."""
    return scenario(
        {
            "alpha": {"missions": [mission("x", 1.0, 0.5)]},
            "beta": {"missions": [mission("y", 3.0, 0.5)]},
            "gamma": {"missions": [mission("z", 0.9, 0.1)]},
        }
    )


def by_path(params):
    return {p.path: p for p in params}


# ---------------------------------------------------------------------------------------
# default parameters
# ---------------------------------------------------------------------------------------
def test_default_parameters_move_each_value_by_20_percent():
    s = scenario(
        {
            "a": {
                "budget": {
                    "annual": {"uniform": {"low": 100, "high": 200}},
                    "volatility": 0.1,
                    "shocks": [{"name": "cut", "factor": 0.5, "probability": 1.0}],
                },
                "missions": [
                    mission("m1", {"uniform": {"low": 1, "high": 2}}, 0.9, cost=50),
                    mission("m2", 2.0, {"beta": {"a": 6, "b": 4}}, attempts=2),
                    {"id": "old", "succeeded": "2020-01-01", "achieves": ["m"]},
                ],
            }
        }
    )
    p = by_path(default_parameters(s))
    b, m1, m2 = "agencies.a.budget", "agencies.a.missions.m1", "agencies.a.missions.m2"
    assert p[f"{b}.annual"].low == {"uniform": {"low": 80.0, "high": 160.0}}
    assert p[f"{b}.annual"].high == {"uniform": {"low": 120.0, "high": 240.0}}
    assert (p[f"{b}.volatility"].low, p[f"{b}.volatility"].high) == (0.08, 0.12)
    assert (p[f"{b}.shocks[0].factor"].low, p[f"{b}.shocks[0].factor"].high) == (0.4, 0.6)
    assert (p[f"{b}.shocks[0].probability"].low, p[f"{b}.shocks[0].probability"].high) == (
        0.8,
        1.0,
    )  # a chance stays within [0, 1]
    assert (p[f"{m1}.success"].low, p[f"{m1}.success"].high) == (0.72, 1.0)
    assert p[f"{m1}.duration"].high == {"uniform": {"low": 1.2, "high": 2.4}}
    assert (p[f"{m1}.cost"].low, p[f"{m1}.cost"].high) == (40.0, 60.0)
    beta_high = Dist("beta", tuple(p[f"{m2}.success"].high["beta"].values()))
    assert beta_high.mean() == pytest.approx(0.72) and sum(beta_high.params) == 10
    assert (p[f"{m2}.refly.duration"].low, p[f"{m2}.refly.duration"].high) == (0.4, 0.6)
    # zero values (growth, m2's cost) and missions done before the start are left out
    assert f"{b}.growth" not in p and f"{m2}.cost" not in p
    assert not any(".old." in k for k in p)


def test_range_parameters_keep_whole_number_fields_whole():
    s = toy()
    spans = [
        parse_span("agencies.alpha.missions.x.attempts=1:3", "--range", False),
        parse_span("agencies.alpha.missions.x.success=0.2:0.8", "--range", False),
    ]
    a, b = range_parameters(s, spans)
    assert (a.low, a.high) == (1, 3) and isinstance(a.low, int)
    assert (b.low, b.high) == (0.2, 0.8)


# ---------------------------------------------------------------------------------------
# one at a time
# ---------------------------------------------------------------------------------------
def test_the_parameter_that_matters_ranks_first():
    r = one_at_a_time(toy(), "m", n=600, seed=2)
    assert r.agency == "alpha"  # the most likely winner by default
    top = r.rows[0]
    assert top["path"] == "agencies.alpha.missions.x.success"
    assert top["p_low"] < r.base < top["p_high"] and top["clear"]
    assert top["swing"] == pytest.approx(0.9 * 0.2, abs=0.05)
    # then the timing of alpha and gamma (swing 0.05 each), then gamma's success (0.02)
    assert {x["path"] for x in r.rows[1:3]} == {
        "agencies.alpha.missions.x.duration",
        "agencies.gamma.missions.z.duration",
    }
    assert r.rows[3]["path"] == "agencies.gamma.missions.z.success"
    assert r.rows[3]["swing"] < 0 and r.rows[3]["clear"]
    # beta comes after everyone: moving it changes no replication at all
    for row in r.rows:
        if ".beta." in row["path"]:
            assert row["p_low"] == row["p_high"] == r.base
            assert (row["swing_lo"], row["swing_hi"]) == (0.0, 0.0)
    assert [row["rank"] for row in r.rows] == list(range(1, len(r.rows) + 1))


def test_unknown_milestone_or_agency_is_refused():
    with pytest.raises(ScenarioError, match="did you mean 'alpha'"):
        one_at_a_time(toy(), "m", agency="alpah", n=10)
    with pytest.raises(ScenarioError, match="no milestone 'landing'"):
        one_at_a_time(toy(), "landing", n=10)


# ---------------------------------------------------------------------------------------
# Sobol
# ---------------------------------------------------------------------------------------
def test_sobol_needs_two_parameters():
    span = parse_span("agencies.alpha.missions.x.success=0.2:0.8", "--range", False)
    with pytest.raises(ScenarioError, match="at least two"):
        sobol(toy(), "m", range_parameters(toy(), [span]))


@pytest.mark.skipif(not HAS_SALIB, reason="SALib is not installed")
def test_sobol_indices_on_a_tiny_problem():
    spans = [
        parse_span("agencies.alpha.missions.x.success=0.1:0.9", "--range", False),
        parse_span("agencies.beta.missions.y.success=0.1:0.9", "--range", False),
    ]
    r = sobol(toy(), "m", range_parameters(toy(), spans), agency="alpha", samples=8, n=100)
    assert len(r.points) == 8 * (2 + 2)
    first, second = r.rows
    assert first["path"] == spans[0].path and first["ST"] > 0.5
    assert second["S1"] == pytest.approx(0, abs=1e-9)  # beta never matters for alpha


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------


def test_cli_sensitivity_writes_table_and_tornado(mini_scenario_path, tmp_path):
    out = tmp_path / "sens"
    r = invoke(
        "sensitivity", mini_scenario_path, "-m", "landing", "-n", 80, "--top", 5, "--out", out
    )
    assert r.exit_code == 0, r.output
    assert "swing" in r.output and "more parameters in sensitivity.csv" in r.output
    assert {
        "sensitivity.csv",
        "sensitivity.json",
        "tornado.png",
        "tornado.svg",
        "scenario.yaml",
        "manifest.json",
    } <= {p.name for p in out.iterdir()}
    with open(out / "sensitivity.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 10 and rows[0]["rank"] == "1"
    data = json.loads((out / "sensitivity.json").read_text())
    assert data["method"] == "oat" and data["milestone"] == "landing"


def test_cli_sensitivity_with_ranges(mini_scenario_path, tmp_path):
    out = tmp_path / "sens"
    r = invoke(
        "sensitivity",
        mini_scenario_path,
        "-m",
        "landing",
        "-a",
        "alpha",
        "-n",
        50,
        "--range",
        "agencies.beta.missions.lander.success=0.3:0.9",
        "--out",
        out,
    )
    assert r.exit_code == 0, r.output
    with open(out / "sensitivity.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(x["path"], x["low"], x["high"]) for x in rows] == [
        ("agencies.beta.missions.lander.success", "0.3", "0.9")
    ]
    assert float(rows[0]["swing"]) < 0  # a better beta lander hurts alpha


@pytest.mark.parametrize(
    "args, words",
    [
        (["-m", "landin"], "did you mean 'landing'"),
        (["-m", "landing", "-a", "gamma"], "no agency 'gamma'"),
        (["-m", "landing", "--range", "agencies.beta.budget.annual=9:1"], "greater than HIGH"),
        (
            [
                "-m",
                "landing",
                "--method",
                "sobol",
                "--range",
                "agencies.beta.missions.lander.success=0.3:0.9",
            ],
            "at least two",
        ),
    ],
)
def test_cli_sensitivity_bad_input_fails_cleanly(mini_scenario_path, tmp_path, args, words):
    r = invoke("sensitivity", mini_scenario_path, *args, "-n", 10, "--out", tmp_path / "x")
    assert r.exit_code != 0 and isinstance(r.exception, SystemExit), r.output
    assert words in r.output and "Traceback" not in r.output
    assert not (tmp_path / "x").exists()


def test_cli_sobol_without_salib_says_how_to_install(mini_scenario_path, tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "SALib" or m.startswith("SALib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "SALib", None)  # import SALib now fails
    r = invoke(
        "sensitivity",
        mini_scenario_path,
        "-m",
        "landing",
        "--method",
        "sobol",
        "--range",
        "agencies.beta.missions.lander.success=0.3:0.9",
        "--range",
        "agencies.alpha.budget.annual=50:150",
        "--out",
        tmp_path / "x",
    )
    assert r.exit_code != 0 and "racesim[sensitivity]" in r.output, r.output


@pytest.mark.skipif(not HAS_SALIB, reason="SALib is not installed")
def test_cli_sobol_writes_indices_and_points(mini_scenario_path, tmp_path):
    out = tmp_path / "sob"
    r = invoke(
        "sensitivity",
        mini_scenario_path,
        "-m",
        "landing",
        "--method",
        "sobol",
        "--range",
        "agencies.beta.missions.lander.success=0.3:0.9",
        "--range",
        "agencies.alpha.missions.lander.attempts=1:3",
        "--samples",
        4,
        "-n",
        30,
        "--out",
        out,
    )
    assert r.exit_code == 0, r.output
    assert "S1" in r.output
    assert {"sensitivity.csv", "sobol_points.csv", "sobol.png", "sobol.svg"} <= {
        p.name for p in out.iterdir()
    }
    with open(out / "sobol_points.csv", newline="") as fh:
        points = list(csv.DictReader(fh))
    assert len(points) == 4 * 4
    assert {p["agencies.alpha.missions.lander.attempts"] for p in points} <= {"1", "2", "3"}


def test_cli_sensitivity_reports_progress_without_a_terminal(mini_scenario_path, tmp_path):
    """Not on a terminal (CliRunner's stderr is not a tty), a run prints the scenario
    count first and then plain progress lines on stderr, never on stdout."""
    r = invoke(
        "sensitivity",
        mini_scenario_path,
        "-m",
        "landing",
        "-n",
        200,
        "--range",
        "agencies.beta.missions.lander.success=0.3:0.9",
        "--out",
        tmp_path / "sens",
    )
    assert r.exit_code == 0, r.output
    assert "3 scenarios" in r.stderr.splitlines()[0]
    progress = [x for x in r.stderr.splitlines() if x.startswith("sensitivity: ")]
    assert progress and progress[-1].startswith("sensitivity: 100% (200 of 200 replications")
    assert "sensitivity: " not in r.stdout


@pytest.mark.skipif(not HAS_SALIB, reason="SALib is not installed")
def test_cli_sobol_counts_the_same_scenarios_before_and_after(mini_scenario_path, tmp_path):
    r = invoke(
        "sensitivity",
        mini_scenario_path,
        "-m",
        "landing",
        "--method",
        "sobol",
        "--range",
        "agencies.beta.missions.lander.success=0.3:0.9",
        "--range",
        "agencies.alpha.missions.lander.attempts=1:3",
        "--samples",
        4,
        "-n",
        20,
        "--out",
        tmp_path / "sob",
    )
    assert r.exit_code == 0, r.output
    counts = set(re.findall(r"(\d[\d,]*) scenarios", r.output))
    assert counts == {"17"}, r.output  # the base and 4 x (2 + 2) samples, both times


def test_sensitivity_help_examples_are_not_rewrapped():
    r = CliRunner().invoke(main, ["sensitivity", "--help"], terminal_width=80)
    assert r.exit_code == 0
    assert "--range agencies.nasa.missions.artemis3.success=0.5:0.95" in r.output
    assert all(len(line) <= 80 for line in r.output.splitlines()), r.output


@pytest.mark.parametrize("step", [0.025, 0.1, 0.005])
def test_tornado_ticks_read_exactly_at_any_spacing(step):
    # ticks 2.5% apart must not read 2%, 5%, 8%: every label is its tick's value
    pytest.importorskip("matplotlib")
    from matplotlib.ticker import MultipleLocator

    from racesim.output.plots_analysis import plot_tornado

    row = {"label": "p", "path": "a.b", "range": "0 .. 1", "low": "0", "high": "1"}
    ax = plot_tornado([{**row, "p_low": 0.40, "p_high": 0.40 + 6 * step}], 0.40 + step)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.figure.draw_without_rendering()
    ticks = [(t.get_loc(), t.label1.get_text()) for t in ax.xaxis.get_major_ticks()]
    ticks = [(x, s) for x, s in ticks if ax.get_xlim()[0] <= x <= ax.get_xlim()[1]]
    assert len(ticks) >= 3
    for x, text in ticks:
        assert float(text.rstrip("%")) == pytest.approx(100 * x, abs=1e-6), ticks
    assert len({s for _, s in ticks}) == len(ticks)


def test_sobol_text_warns_when_an_index_is_outside_0_1():
    from racesim.analysis.sensitivity import SobolResult
    from racesim.output.text_analysis import format_sobol

    def result(s1: float) -> SobolResult:
        row = {"rank": 1, "path": "a.b", "label": "budget", "low": "0", "high": "1"}
        rows = [{**row, "S1": s1, "S1_conf": 0.2, "ST": 0.9, "ST_conf": 0.2}]
        return SobolResult("s", "landing", "alpha", 100, 1, 8, rows, [])

    assert "warning" not in format_sobol(result(0.6))
    assert "warning" not in format_sobol(result(-0.1))  # noise within its interval
    text = format_sobol(result(1.4))
    assert "warning: S1 = 1.40 for budget outside 0..1" in text and "--samples" in text
    assert "S1 = -0.50" in format_sobol(result(-0.5))
