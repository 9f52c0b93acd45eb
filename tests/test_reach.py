"""Tables and plots leave out, milestone by milestone, the agencies with no mission
that can reach it (racesim.scenario.reach), and say so in one line; the run's last line
points at the report."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from racesim.output import plots
from racesim.output.results import load_run
from racesim.scenario import from_data
from racesim.scenario.reach import contenders

from .helpers import invoke


@pytest.fixture(scope="module")
def field(tmp_path_factory, mini_scenario_text) -> Path:
    """mini (alpha and beta land) plus an orbiter milestone only alpha can reach, and:
    delta, whose orbiter cannot succeed (success 0) and whose lander requires it;
    eps, whose lander may not fly before a date after the horizon;
    zeta, whose lander can succeed but takes 50 years (never by the 2035 horizon)."""
    data = yaml.safe_load(mini_scenario_text)
    data["milestones"]["orbit"] = {"title": "First orbiter"}
    data["agencies"]["alpha"]["missions"][0]["achieves"] = ["orbit"]
    data["agencies"]["delta"] = {
        "name": "Delta",
        "missions": [
            {"id": "orb", "duration": 1, "success": 0, "achieves": ["orbit"]},
            {
                "id": "land",
                "duration": 1,
                "success": 0.9,
                "requires": ["orb"],
                "achieves": ["landing"],
            },
        ],
    }
    data["agencies"]["eps"] = {
        "name": "Eps",
        "missions": [
            {
                "id": "late",
                "duration": 1,
                "success": 0.9,
                "not_before": "2040-01-01",
                "achieves": ["landing"],
            }
        ],
    }
    data["agencies"]["zeta"] = {
        "name": "Zeta",
        "missions": [{"id": "slow", "duration": 50, "success": 0.9, "achieves": ["landing"]}],
    }
    path = tmp_path_factory.mktemp("reach") / "field.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(field, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "field"
    r = invoke("run", field, "-n", 200, "--seed", 3, "--out", out, "--svg", "--plots", "all")
    assert r.exit_code == 0, r.output
    return out, r.output


def test_contenders_from_the_rules(field, mini_scenario_data):
    data = yaml.safe_load(field.read_text())
    expected = {"landing": ["alpha", "beta", "zeta"], "orbit": ["alpha"]}
    assert contenders(data) == expected
    assert contenders(from_data(data)) == expected  # the same from a Scenario
    assert contenders(None) is None
    # a success given by a distribution is never ruled out; a success before start
    # reaches whatever its chance
    d = copy.deepcopy(data)
    d["agencies"]["delta"]["missions"][0]["success"] = {"beta": {"a": 1, "b": 50}}
    assert contenders(d)["orbit"] == ["alpha", "delta"]
    assert contenders(d)["landing"] == ["alpha", "beta", "delta", "zeta"]
    d["agencies"]["eps"]["missions"][0].update(succeeded="2020-01-01", not_before=None)
    assert "eps" in contenders(d)["landing"]


def _block(output: str, key: str) -> list[str]:
    lines = output.splitlines()
    i = next(k for k, x in enumerate(lines) if f"  [{key}]" in x)
    j = next((k for k in range(i + 1, len(lines)) if not lines[k].strip()), len(lines))
    return lines[i + 1 : j]


def test_the_table_leaves_them_out(run):
    _, output = run
    landing = _block(output, "landing")
    names = [re.split(r"  +", x.strip())[0] for x in landing[1:]]
    assert names[-1] == "no mission that can reach it: Delta, Eps"
    assert sorted(names[:-1]) == ["(nobody)", "Alpha", "Beta", "Zeta"]
    zeta = next(x for x in landing if x.strip().startswith("Zeta"))
    assert re.search(r"Zeta +0\.0% +\[0\.0, \d\.\d\] +0\.0%  -$", zeta), zeta
    orbit = _block(output, "orbit")
    assert [re.split(r"  +", x.strip())[0] for x in orbit[1:]] == [
        "Alpha",
        "(nobody)",
        "no mission that can reach it: Beta, Delta, Eps, Zeta",
    ]


def test_summary_keeps_every_agency(run):
    folder, _ = run
    summary = json.loads((folder / "summary.json").read_text())
    for ms in summary["milestones"].values():
        assert set(ms["first"]) == {"alpha", "beta", "delta", "eps", "zeta", "none"}
        assert ms["first"]["delta"]["p"] == 0 and ms["reached"]["eps"]["p"] == 0


def _ids(svg: Path) -> set[str]:
    return set(re.findall(r'id="(racesim-[a-z]+-[a-z]+-[a-z]+)"', svg.read_text()))


def test_the_plots_leave_them_out(run):
    folder, _ = run
    for kind in ("first", "reached", "dates"):
        landing = _ids(folder / "plots" / f"landing_{kind}.svg")
        assert {f"racesim-{kind}-landing-{a}" for a in ("alpha", "beta", "zeta")} <= landing
        assert not {f"racesim-{kind}-landing-{a}" for a in ("delta", "eps")} & landing
        orbit = _ids(folder / "plots" / f"orbit_{kind}.svg")
        assert f"racesim-{kind}-orbit-alpha" in orbit
        assert not {f"racesim-{kind}-orbit-{a}" for a in ("beta", "delta", "eps", "zeta")} & orbit
    # the same figures as `racesim plot` and the API draw them; colours stay by position
    figs = plots.figure_set(load_run(folder))
    labels = [t.get_text() for t in figs["orbit_first"].axes[0].get_yticklabels()]
    assert labels == ["Alpha", "nobody"]
    # without a scenario, a plot function still shows every agency it is given
    ax = plots.plot_first(load_run(folder)["summary"], "orbit")
    assert len(ax.get_yticklabels()) == 6


def test_the_report_leaves_them_out(run):
    folder, _ = run
    html = (folder / "report.html").read_text()
    landing = html[html.index('id="m-landing"') : html.index('id="m-orbit"')]
    assert "No mission that can reach it: Delta, Eps." in landing
    rows = re.findall(r"<tr><td class=nw>.*?</span>([A-Za-z]+)</td>", landing)
    assert sorted(rows) == ["Alpha", "Beta", "Zeta"]


def test_the_last_line_points_at_the_report(field, tmp_path):
    out = tmp_path / "r"
    r = invoke("run", field, "-n", 50, "--out", out, "--no-plots")
    assert r.exit_code == 0, r.output
    last = r.output.rstrip("\n").splitlines()[-1]
    assert last == f"report: {out / 'report.html'} (open it in a browser)"
    assert (out / "report.html").is_file()
    r = invoke("run", field, "-n", 50, "--out", tmp_path / "q", "--no-report", "--no-plots")
    assert "report" not in r.output.rstrip("\n").splitlines()[-1]
    assert "results in" in r.output.rstrip("\n").splitlines()[-1]


def test_compare_lists_differences_and_hides_rows(field):
    r = invoke(
        "compare",
        field,
        "-n",
        100,
        "--set",
        "agencies.eps.missions.late.not_before=2030-01-01",
    )
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    i = lines.index("B differs from A in:")
    assert re.split(r"  +", lines[i + 2].strip()) == [
        "agencies.eps.missions.late.not_before",
        "2040-01-01",
        "2030-01-01",
    ]
    assert not lines[i + 3].strip()  # one difference
    landing = _block(r.output, "landing")
    shown = {re.split(r"  +", x.strip())[0] for x in landing}
    assert {"Eps", "Zeta", "Alpha", "Beta"} <= shown  # Eps can reach it in B
    assert "Delta" not in shown
    assert landing[-1].strip() == "no mission that can reach it, in A or B: Delta"


def test_sweep_leaves_out_those_that_cannot_reach_it_at_any_point(field, tmp_path):
    """delta's orbiter cannot succeed at success 0 but can at 0.5: a sweep over that
    chance shows delta (it can at one point); eps can at none."""
    out = tmp_path / "sw"
    r = invoke(
        "sweep",
        field,
        "--vary",
        "agencies.delta.missions.orb.success=0:0.5:2",
        "-n",
        50,
        "--out",
        out,
    )
    assert r.exit_code == 0, r.output
    orbit = _block(r.output, "orbit")
    assert orbit[0].split() == ["orb.success", "alpha", "delta", "(nobody)"]
    assert orbit[-1] == "  no mission that can reach it: beta, eps, zeta"
    landing = _block(r.output, "landing")
    assert landing[0].split() == ["orb.success", "alpha", "beta", "delta", "zeta", "(nobody)"]
    assert landing[-1] == "  no mission that can reach it: eps"
    ids = set(
        re.findall(r'id="racesim-sweep-p_first-([a-z]+)-([a-z]+)"', (out / "sweep.svg").read_text())
    )
    assert {a for m, a in ids if m == "orbit"} == {"alpha", "delta", "none"}
    assert {a for m, a in ids if m == "landing"} == {"alpha", "beta", "delta", "zeta", "none"}
