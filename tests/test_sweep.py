"""Sweeps over a grid of field values on common random numbers (racesim.analysis.sweep)."""

from __future__ import annotations

import csv
import re

import pytest
from click.testing import CliRunner

from racesim.analysis.sweep import build_points, grid, rows, run_sweep, table_columns
from racesim.analysis.variants import parse_span
from racesim.cli import main
from racesim.scenario import ScenarioError

from .helpers import BASE, invoke, mission

ALPHA = "agencies.alpha.missions.x.success"


def toy_data() -> dict:
    return {
        **BASE,
        "agencies": {
            "alpha": {"missions": [mission("x", 1.0, 0.5, attempts=2)]},
            "beta": {"missions": [mission("y", 1.25, 0.5)]},
        },
    }


def sweep(*texts: str, n: int = 200, seed: int = 3):
    spans = [parse_span(t, "--vary", True) for t in texts]
    points, scenarios = build_points(toy_data(), spans)
    return spans, run_sweep(spans, points, scenarios, n, seed)


# ---------------------------------------------------------------------------------------
# PATH=LOW:HIGH:STEPS
# ---------------------------------------------------------------------------------------
def test_span_values_are_evenly_spaced_and_keep_whole_numbers():
    s = parse_span("agencies.a.missions.m.success=0.2:0.8:4", "--vary", True)
    assert s.parts == ("agencies", "a", "missions", "m", "success")
    assert s.values() == [0.2, 0.4, 0.6, 0.8]
    assert parse_span("x.attempts=1:3:3", "--vary", True).values() == [1, 2, 3]
    assert parse_span("x.y=0:1", "--range", False).values() == [0.0, 1.0]


@pytest.mark.parametrize(
    "text, words",
    [
        ("agencies.a.budget.annual", "no '='"),
        ("agencies.a.budget.annual=1:2", "PATH=LOW:HIGH:STEPS"),
        ("agencies.a.budget.annual=a:2:3", "must be numbers"),
        ("agencies.a.budget.annual=5:2:3", "greater than HIGH"),
        ("agencies.a.budget.annual=2:2:3", "LOW < HIGH"),
        ("agencies.a.budget.annual=1:2:1", "at least 2"),
        ("agencies.a.budget.annual=1:2:x", "whole number"),
        ("=1:2:3", "path before '=' is empty"),
    ],
)
def test_bad_vary_is_explained(text, words):
    with pytest.raises(ScenarioError, match=words):
        parse_span(text, "--vary", True)


def test_every_point_is_validated_before_running():
    spans = [parse_span(f"{ALPHA}=0.5:1.5:3", "--vary", True)]
    with pytest.raises(ScenarioError, match=r"at agencies\.alpha\.missions\.x\.success=1\.5"):
        build_points(toy_data(), spans)


# ---------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------
def test_p_first_never_falls_as_an_agency_s_own_success_rises():
    spans, s = sweep(f"{ALPHA}=0.1:0.9:9")
    table = rows(s)
    alpha = [r["p_first"] for r in table if r["agency"] == "alpha"]
    beta = [r["p_first"] for r in table if r["agency"] == "beta"]
    assert len(alpha) == 9
    assert all(x <= y for x, y in zip(alpha, alpha[1:])) and alpha[-1] > alpha[0] + 0.3
    assert all(x >= y for x, y in zip(beta, beta[1:]))


def test_grid_size_and_table_columns():
    spans, s = sweep(f"{ALPHA}=0.2:0.8:3", "agencies.beta.missions.y.duration=1:2:2", n=50)
    assert len(s.points) == 6 == len(grid(spans))
    assert s.points[:2] == [(0.2, 1), (0.2, 2)]
    table = rows(s)
    assert len(table) == 6 * 1 * 3  # points x milestones x (agencies + nobody)
    assert list(table[0]) == table_columns(spans)
    nobody = [r for r in table if r["agency"] == "none"]
    assert all(r["p_reached"] is None and r["median"] is None for r in nobody)
    for r in table:
        assert r["p_first_lo"] <= r["p_first"] <= r["p_first_hi"]


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------

SUCCESS = "agencies.beta.missions.lander.success"


def test_cli_sweep_writes_its_folder(mini_scenario_path, tmp_path):
    out = tmp_path / "sw"
    r = invoke(
        "sweep",
        mini_scenario_path,
        "--vary",
        f"{SUCCESS}=0.2:1:3",
        "--vary",
        "agencies.alpha.budget.annual=50:150:2",
        "-n",
        60,
        "--out",
        out,
    )
    assert r.exit_code == 0, r.output
    assert "P(first)" in r.output
    assert {"sweep.csv", "sweep.png", "sweep.svg", "scenario.yaml", "manifest.json"} <= {
        p.name for p in out.iterdir()
    }
    with open(out / "sweep.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        table = list(reader)
    assert reader.fieldnames[:4] == [SUCCESS, "agencies.alpha.budget.annual", "milestone", "agency"]
    assert {"p_first", "p_first_lo", "p_first_hi", "p_reached", "median"} <= set(reader.fieldnames)
    assert len(table) == 3 * 2 * 3
    again = invoke(
        "sweep", mini_scenario_path, "--vary", f"{SUCCESS}=0.2:1:2", "-n", 10, "--out", out
    )
    assert again.exit_code != 0 and "--force" in again.output


@pytest.mark.parametrize(
    "vary, words",
    [
        (f"{SUCCESS}=0.9:0.2:3", "greater than HIGH"),
        (f"{SUCCESS}=0.2:0.9:1", "at least 2"),
        (f"{SUCCESS}=0.2-0.9", "PATH=LOW:HIGH:STEPS"),
        ("agencies.beta.missions.landr.success=0.2:0.9:3", "no item 'landr'"),
        ("agencies.beta.budget.anual=1:2:2", "anual"),
        (f"{SUCCESS}=0.5:1.5:3", "1.5"),
        ("agencies.beta.missions.lander=0:1:2", "not a number"),
    ],
)
def test_cli_sweep_bad_input_fails_cleanly(mini_scenario_path, tmp_path, vary, words):
    r = invoke("sweep", mini_scenario_path, "--vary", vary, "-n", 10, "--out", tmp_path / "x")
    assert r.exit_code != 0 and isinstance(r.exception, SystemExit), r.output
    assert words in r.output and "Traceback" not in r.output
    assert not (tmp_path / "x").exists()


def test_sweep_figure_with_two_fields_is_readable(mini_scenario_path, tmp_path):
    """Two --vary fields: no legend on any plot (one compact legend for the figure,
    outside the plots), a line style per value of the second field, dates as years or
    months (never 2028.2), and nothing drawn over the titles."""
    from racesim.output.plots_analysis import sweep_figure
    from racesim.scenario import load_scenario

    spans = [
        parse_span(f"{SUCCESS}=0.2:1:3", "--vary", True),
        parse_span("agencies.alpha.budget.annual=50:200:4", "--vary", True),
    ]
    base = load_scenario(str(mini_scenario_path), ())
    data = base.to_data()
    points, scenarios = build_points(data, spans)
    table = rows(run_sweep(spans, points, scenarios, 60, 5))
    fig = sweep_figure(
        table,
        [s.path for s in spans],
        {k: m.title or k for k, m in base.milestones.items()},
        agencies=list(base.agencies),
        names={k: a.name or k for k, a in base.agencies.items()},
    )
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert len(labels) == 2 + 1 + 4  # alpha, beta, nobody; 4 budget values
    assert sum("annual = " in x for x in labels) == 4
    box = legend.get_window_extent(renderer)
    assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 + 1
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer))
        assert not box.overlaps(ax.title.get_window_extent(renderer))
    left, right = fig.axes[0], fig.axes[1]
    styles = {line.get_linestyle() for line in left.get_lines()}
    assert len(styles) == 4
    dates = [t.get_text() for t in right.get_yticklabels() if t.get_text()]
    assert dates and all(re.fullmatch(r"\d{4}(-\d\d)?", d) for d in dates), dates


def test_sweep_help_examples_are_not_rewrapped():
    r = CliRunner().invoke(main, ["sweep", "--help"], terminal_width=80)
    assert r.exit_code == 0
    for example in (
        "--vary agencies.isro.missions.lupex.success=0.4:0.9:6",
        "--vary agencies.roscosmos.budget.annual=50:250:5",
    ):
        assert example in r.output
    assert all(len(line) <= 80 for line in r.output.splitlines()), r.output


def test_headers_tell_apart_paths_that_end_the_same(mini_scenario_path, tmp_path):
    from racesim.analysis.sweep import short_paths

    assert short_paths(["agencies.alpha.budget.annual", "agencies.beta.budget.annual", ALPHA]) == [
        "alpha.budget.annual",
        "beta.budget.annual",
        "x.success",
    ]
    r = invoke(
        "sweep",
        mini_scenario_path,
        "--vary",
        "agencies.alpha.budget.annual=50:150:2",
        "--vary",
        "agencies.beta.budget.annual=80:120:2",
        "-n",
        20,
        "--out",
        tmp_path / "sw",
    )
    assert r.exit_code == 0, r.output
    header = next(line for line in r.output.splitlines() if "annual" in line)
    assert "alpha.budget.annual" in header and "beta.budget.annual" in header
