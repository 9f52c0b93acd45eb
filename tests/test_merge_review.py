"""Defects an independent review found where the session's branches met, each with the
check that would have caught it: --json and --quiet keep stdout clean, the inputs of a
worlds run share each world's factors, the mechanisms' draws are in the inputs, and
combinations whose intervals are not yet right are refused before anything is written."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import racesim
from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.yaml"


def test_json_is_all_that_stdout_holds_and_quiet_prints_nothing(tmp_path):
    r = invoke("run", BASE, "-n", 40, "--json", "--no-plots", "--out", tmp_path / "j")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["replications"] == 40  # one JSON document, nothing else
    r = invoke("run", BASE, "-n", 40, "--quiet", "--no-plots", "--out", tmp_path / "q")
    assert r.exit_code == 0, r.output
    assert r.stdout == ""


def test_inputs_of_a_worlds_run_share_each_worlds_factors(tmp_path):
    run = racesim.simulate(BASE, n=40, seed=3, worlds=4, keep_table=True)
    frame = run.inputs()
    slip = frame["factors.nasa_slip"].to_numpy()
    # replication i is in world i * 4 // 40: ten replications per world, one draw each
    assert len(set(slip.tolist())) == 4
    assert all(len(set(slip[w * 10 : (w + 1) * 10].tolist())) == 1 for w in range(4))
    run.save(tmp_path / "w", inputs=True, plots=False, report=False)
    written = np.loadtxt(
        tmp_path / "w" / "inputs.csv", delimiter=",", skiprows=1, usecols=_column(tmp_path)
    )
    assert np.allclose(written, slip)


def _column(tmp_path) -> int:
    head = (tmp_path / "w" / "inputs.csv").read_text(encoding="utf-8").split("\n")[0]
    return head.split(",").index("factors.nasa_slip")


def test_a_mixture_refuses_inputs_in_words_not_a_traceback():
    run = racesim.simulate(ROOT / "scenarios" / "2026-mixture.yaml", n=20, keep_table=True)
    with pytest.raises(ValueError, match="mixture"):
        run.inputs()


def test_the_inputs_hold_the_hazard_rates_drawn_per_replication():
    """base.yaml's crewed-cancellation rate for CNSA is lognormal(median 0.073, sigma
    0.69): the inputs' column has that median, within 4 standard errors of a sample
    median (sd of the log-median ~ 1.2533 sigma / sqrt(n))."""
    n = 2000
    frame = racesim.simulate(BASE, n=n, seed=5, keep_table=True).inputs()
    s = racesim.load(BASE)
    k = [h.name for h in s.agencies["cnsa"].hazards].index("crewed landing programme cancelled")
    col = frame[f"agencies.cnsa.hazards[{k}].rate"].to_numpy()
    se = 1.2533 * 0.69 / math.sqrt(n)
    assert abs(math.log(np.median(col)) - math.log(0.073)) < 4 * se


@pytest.mark.parametrize("extra", [("--by", "2030-12-31"), ("--versus", "cnsa:nasa")])
def test_worlds_with_by_or_versus_is_refused_and_nothing_is_written(tmp_path, extra):
    out = tmp_path / "w"
    r = invoke("run", BASE, "-n", 40, "--worlds", 4, *extra, "--out", out)
    assert r.exit_code != 0 and "--worlds" in r.output and "Traceback" not in r.output
    assert not out.exists()
