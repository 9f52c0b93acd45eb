"""The Python API writes the folders the command line writes, and reads them back.

Each analysis runs once through the command line (``--out``) and once through its
``racesim.<command>(...)`` function and ``.save(folder)``; every file but the manifest
and the dated report must be the same byte for byte. ``racesim.open`` reads a run's
folder back as the Run that ``racesim.simulate`` returned.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import racesim
from tests.helpers import invoke

EXCLUDED = {"manifest.json", "report.html"}
CHANGE = "agencies.beta.missions.lander.success=0.9"
RANGES = ["agencies.beta.missions.lander.success=0.3:0.9", "agencies.alpha.budget.annual=50:150"]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in EXCLUDED
    }


def _same(cli: Path, api: Path, expect: set[str]) -> None:
    a, b = _files(cli), _files(api)
    assert expect <= set(a), sorted(a)
    assert set(a) == set(b), (sorted(a), sorted(b))
    differ = sorted(name for name in a if a[name] != b[name])
    assert not differ, f"the API's folder differs from the command line's in {differ}"


def _cli(*args) -> str:
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    return r.output


def test_run_save_writes_the_folder_run_writes(tmp_path, mini_scenario_path):
    _cli("run", mini_scenario_path, "-n", 60, "--out", tmp_path / "cli")
    racesim.simulate(str(mini_scenario_path), n=60).save(tmp_path / "api")
    _same(tmp_path / "cli", tmp_path / "api", {"summary.json", "replications.csv", "dates.csv"})


def test_compare_save_writes_the_folder_compare_writes(tmp_path, mini_scenario_path):
    printed = _cli(
        "compare", mini_scenario_path, "--set", CHANGE, "-n", 60, "--out", tmp_path / "cli"
    )
    result = racesim.compare(str(mini_scenario_path), overrides_b=[CHANGE], n=60)
    result.save(tmp_path / "api")
    _same(tmp_path / "cli", tmp_path / "api", {"compare.json", "compare.csv", "scenario_b.yaml"})
    assert printed.startswith(result.text())
    table = result.table()
    data = json.loads((tmp_path / "api" / "compare.json").read_text())
    assert len(table) == sum(
        len(ms["first"]) + len(ms["reached"]) for ms in data["milestones"].values()
    )


def test_sweep_save_writes_the_folder_sweep_writes(tmp_path, mini_scenario_path):
    vary = "agencies.beta.missions.lander.success=0.3:0.9:3"
    printed = _cli("sweep", mini_scenario_path, "--vary", vary, "-n", 40, "--out", tmp_path / "cli")
    result = racesim.sweep(str(mini_scenario_path), [vary], n=40)
    result.save(tmp_path / "api")
    _same(tmp_path / "cli", tmp_path / "api", {"sweep.csv", "sweep.png", "sweep.svg"})
    assert result.text() in printed
    # one row per point x milestone x (agencies + none); the varied values as given
    assert len(result.table()) == 3 * 1 * 3
    assert sorted(set(result.table()[vary.split("=")[0]])) == [0.3, 0.6, 0.9]


def test_sensitivity_save_writes_the_folder_sensitivity_writes(tmp_path, mini_scenario_path):
    args = ["-m", "landing", "--range", RANGES[0], "--range", RANGES[1], "-n", 40]
    printed = _cli("sensitivity", mini_scenario_path, *args, "--out", tmp_path / "cli")
    result = racesim.sensitivity(str(mini_scenario_path), "landing", ranges=RANGES, n=40)
    result.save(tmp_path / "api")
    _same(tmp_path / "cli", tmp_path / "api", {"sensitivity.csv", "tornado.png", "tornado.svg"})
    assert result.text() in printed
    assert list(result.table()["path"]) == [r["path"] for r in result.rows]


def test_sobol_save_writes_the_folder_sensitivity_writes(tmp_path, mini_scenario_path):
    pytest.importorskip("SALib")
    args = ["-m", "landing", "--method", "sobol", "--samples", 8, "-n", 20]
    args += ["--range", RANGES[0], "--range", RANGES[1]]
    _cli("sensitivity", mini_scenario_path, *args, "--out", tmp_path / "cli")
    result = racesim.sensitivity(
        str(mini_scenario_path), "landing", ranges=RANGES, method="sobol", samples=8, n=20
    )
    result.save(tmp_path / "api")
    _same(tmp_path / "cli", tmp_path / "api", {"sobol_points.csv", "sobol.svg"})


def test_backtest_prints_what_the_command_prints(tmp_path):
    scenario = "scenarios/base.yaml"
    printed = _cli("backtest", scenario, "-n", 200)
    result = racesim.backtest(scenario, n=200)
    assert printed == result.text() + "\n"
    events = result.events()
    assert len(events) == len(result.backtest.events)
    # racesim's Brier score of each event is (p - o)^2, and the mean is the printed total
    o = events["happened"].to_numpy()
    assert np.allclose(events["racesim_brier"], (events["racesim_p"] - o) ** 2)
    assert np.isclose(events["racesim_brier"].mean(), result.totals()["racesim"]["brier"])


@pytest.mark.parametrize("table", ["csv", "csv.gz"])
def test_open_reads_a_run_back(tmp_path, mini_scenario_path, table):
    folder = tmp_path / "cli"
    _cli("run", mini_scenario_path, "-n", 80, "--seed", 3, "--table", table, "--out", folder)
    run = racesim.simulate(str(mini_scenario_path), n=80, seed=3)
    opened = racesim.open(folder)
    assert opened.summary == json.loads((folder / "summary.json").read_text())
    assert opened.summary == run.summary
    assert opened.n == 80 and opened.seed == 3
    assert np.array_equal(opened.tally.hist, run.tally.hist)
    assert np.array_equal(opened.tally.first, run.tally.first)
    assert opened.table().equals(run.table())
    assert opened.dates().equals(run.dates())
    opened.save(tmp_path / "again", table=table)
    _same(folder, tmp_path / "again", {"summary.json", "dates.csv", f"replications.{table}"})


def test_open_without_a_table(tmp_path, mini_scenario_path):
    folder = tmp_path / "cli"
    _cli("run", mini_scenario_path, "-n", 30, "--table", "none", "--out", folder)
    opened = racesim.open(folder)
    assert opened.reached is None
    with pytest.raises(ValueError, match="keep_table"):
        opened.table()


def test_backtests_save_writes_the_folder_backtest_writes(tmp_path):
    from tests.test_backtest import ALPHA_WINS, mission, outcomes, toy

    one = toy(tmp_path, [mission("a1", success=0.6)], [mission("b1", success=0.4)])
    facts = outcomes(tmp_path, ALPHA_WINS)
    printed = _cli("backtest", one, one, "--outcomes", facts, "-n", 40, "--out", tmp_path / "cli")
    result = racesim.backtests([str(one), str(one)], facts, n=40)
    result.save(tmp_path / "api")
    _same(tmp_path / "cli", tmp_path / "api", {"scores.csv", "calibration.png"})
    assert printed.startswith(result.text())
    assert len(result.scores()) == 2 * len(result.origins[0].events)


def test_mixture_with_worlds_save_writes_the_folder_run_writes(tmp_path, mini_scenario_path):
    from tests.test_determinism import _mini_mixture

    mix = _mini_mixture(tmp_path, mini_scenario_path)
    _cli("run", mix, "-n", 60, "--worlds", 6, "--out", tmp_path / "cli")
    run = racesim.simulate(mix, n=60, worlds=6)
    run.save(tmp_path / "api")
    _same(tmp_path / "cli", tmp_path / "api", {"summary.json", "replications.csv", "scenario.yaml"})
    back = racesim.open(tmp_path / "api")
    assert back.summary == run.summary and back.worlds == 6
    assert back.table().equals(run.table())
