"""Paired comparison on common random numbers (racesim.analysis.compare, racesim compare)."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from racesim.analysis.compare import compare, paired_interval, unpaired_interval
from racesim.cli import main
from racesim.engine.plan import Plan
from racesim.run.lockstep import execute_many
from racesim.run.montecarlo import run_many as simulate
from racesim.run.stats import wilson

from .helpers import invoke, mission, scenario

WHO = ["alpha", "beta", "none"]


def toy(p_alpha: float, p_beta: float = 0.5):
    """alpha attempts at t = 1 and (after a failure) t = 1.5; beta once at t = 1.25."""
    return scenario(
        {
            "alpha": {"missions": [mission("x", 1.0, p_alpha, attempts=2)]},
            "beta": {"missions": [mission("y", 1.25, p_beta)]},
        }
    )


def closed_form(p: float, q: float) -> dict[str, float]:
    """P(first) in the toy: alpha wins at its first attempt, or at its second if beta
    failed in between; beta wins if alpha's first attempt failed and its own succeeds."""
    return {"alpha": p + (1 - p) * (1 - q) * p, "beta": (1 - p) * q, "none": (1 - p) ** 2 * (1 - q)}


def first(result, who: str) -> dict:
    return result["milestones"]["m"]["first"][who]


def half(e: dict) -> float:
    return (e["ci95"][1] - e["ci95"][0]) / 2


# ---------------------------------------------------------------------------------------
# the interval
# ---------------------------------------------------------------------------------------
def test_paired_interval_is_zero_width_without_discordant_pairs():
    assert paired_interval(0, 0, 500) == (0.0, 0.0)


def test_paired_interval_is_antisymmetric_and_brackets_the_estimate():
    lo, hi = paired_interval(10, 40, 1000)
    assert lo < 0.03 < hi
    assert paired_interval(40, 10, 1000) == pytest.approx((-hi, -lo))


def test_paired_interval_coverage_on_simulated_tables():
    rng = np.random.default_rng(5)
    n, p10, p01 = 400, 0.02, 0.07  # a small, mostly one-sided change
    cells = rng.multinomial(n, [p10, p01, 1 - p10 - p01], size=4000)
    hits = sum(lo <= p01 - p10 <= hi for lo, hi in (paired_interval(a, b, n) for a, b, _ in cells))
    assert 0.93 <= hits / len(cells) <= 0.975


def test_unpaired_interval_matches_its_definition():
    lo, hi = unpaired_interval(50, 100, 60, 100)
    la, ua = wilson(50, 100)
    lb, ub = wilson(60, 100)
    assert lo == pytest.approx(0.1 - np.hypot(0.6 - lb, ua - 0.5))
    assert hi == pytest.approx(0.1 + np.hypot(ub - 0.6, 0.5 - la))


# ---------------------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------------------
def test_a_scenario_compared_with_itself_differs_nowhere():
    r = compare(toy(0.5), toy(0.5), 300, seed=3).to_dict()
    for measure in ("first", "reached"):
        for e in r["milestones"]["m"][measure].values():
            assert e["diff"] == 0 and e["ci95"] == [0.0, 0.0] and not e["clear"]
            assert e["a"] == e["b"]


def test_pairing_narrows_the_interval_compared_with_independent_runs():
    n, seed = 2000, 11
    paired = compare(toy(0.5), toy(0.6), n, seed).to_dict()
    a = simulate(toy(0.5), n, seed).tally
    b = simulate(toy(0.6), n, seed + 1).tally  # an independent run
    for j, who in enumerate(WHO):
        lo, hi = unpaired_interval(int(a.first[0, j]), n, int(b.first[0, j]), n)
        assert half(first(paired, who)) < 0.7 * (hi - lo) / 2, who


def test_a_known_effect_is_found_with_its_direction_and_size():
    n, p, q = 3000, 0.5, 0.5
    r = compare(toy(p), toy(p + 0.1), n, seed=4).to_dict()
    before, after = closed_form(p, q), closed_form(p + 0.1, q)
    for who in WHO:
        e = first(r, who)
        truth = after[who] - before[who]
        assert e["ci95"][0] <= truth <= e["ci95"][1], (who, e, truth)
        assert e["clear"] and np.sign(e["diff"]) == np.sign(truth)
        assert e["a"]["p"] == pytest.approx(before[who], abs=4 * np.sqrt(0.25 / n))
    # beta's own chance of landing did not change: no replication differs
    assert r["milestones"]["m"]["reached"]["beta"]["ci95"] == [0.0, 0.0]


def test_an_agency_only_in_b_counts_as_never_reaching_in_a():
    b = scenario(
        {
            "alpha": {"missions": [mission("x", 1.0, 0.5, attempts=2)]},
            "beta": {"missions": [mission("y", 1.25, 0.5)]},
            "gamma": {"missions": [mission("z", 0.5, 0.3)]},
        }
    )
    c = compare(toy(0.5), b, 400, seed=2)
    r = c.to_dict()["milestones"]["m"]
    assert r["first"]["gamma"]["a"]["p"] == 0 and r["first"]["gamma"]["b"]["p"] > 0.2
    assert r["reached"]["alpha"]["diff"] == 0  # alpha's luck is paired: unaffected
    assert c.unpaired == []


def test_lockstep_results_do_not_depend_on_jobs():
    plans = [Plan.from_scenario(toy(0.5)), Plan.from_scenario(toy(0.7))]
    serial = [np.concatenate(x) for x in zip(*(r for _, r in execute_many(plans, 5, 240, 1)))]
    pooled = [np.concatenate(x) for x in zip(*(r for _, r in execute_many(plans, 5, 240, 2)))]
    for s, p in zip(serial, pooled):
        np.testing.assert_array_equal(s, p)


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------


def test_cli_compare_prints_and_writes_the_comparison(mini_scenario_path, tmp_path):
    out = tmp_path / "cmp"
    change = "agencies.beta.missions.lander.success=0.8"
    r = invoke("compare", mini_scenario_path, "--set", change, "-n", 400, "--out", out)
    assert r.exit_code == 0, r.output
    assert "B-A" in r.output and "Beta" in r.output and "*" in r.output
    data = json.loads((out / "compare.json").read_text())
    assert data["replications"] == 400 and data["b"]["overrides"] == [change]
    beta = data["milestones"]["landing"]["first"]["beta"]
    assert beta["diff"] > 0 and beta["clear"]
    with open(out / "compare.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["measure"], r["agency"]) for r in rows} == {
        ("first", "alpha"),
        ("first", "beta"),
        ("first", "none"),
        ("reached", "alpha"),
        ("reached", "beta"),
    }
    assert {"scenario_a.yaml", "scenario_b.yaml", "manifest.json"} <= {
        p.name for p in out.iterdir()
    }
    again = invoke("compare", mini_scenario_path, "--set", change, "-n", 50, "--out", out)
    assert again.exit_code != 0 and "--force" in again.output
    forced = invoke(
        "compare", mini_scenario_path, "--set", change, "-n", 50, "--out", out, "--force"
    )
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "compare.json").read_text())["replications"] == 50


def test_cli_compare_of_a_file_with_itself_shows_no_change(mini_scenario_path):
    r = invoke("compare", mini_scenario_path, mini_scenario_path, "-n", 100)
    assert r.exit_code == 0, r.output
    assert "(no change)" in r.output and "*" not in r.output.split("B-A and")[0]


def test_cli_compare_bad_input_fails_cleanly(mini_scenario_path, tmp_path):
    for args in (
        ["--set", "agencies.beta.missions.lander.success=1.5"],
        ["--set", "agencies.beta.missions.nosuch.success=0.5"],
        [tmp_path / "missing.yaml"],
    ):
        r = invoke("compare", mini_scenario_path, *args, "-n", 10)
        assert r.exit_code != 0 and isinstance(r.exception, SystemExit), r.output
        assert "Traceback" not in r.output and "racesim:" in r.output


def test_cli_compare_without_b_or_set_is_an_error(mini_scenario_path, tmp_path):
    """A alone would be compared with itself: refused with a clear message, exit 2."""
    r = invoke("compare", mini_scenario_path, "-n", 10, "--out", tmp_path / "cmp")
    assert r.exit_code == 2 and isinstance(r.exception, SystemExit), r.output
    assert "racesim:" in r.output and "--set" in r.output and "B" in r.output
    assert "Traceback" not in r.output and "B-A" not in r.output
    assert not (tmp_path / "cmp").exists()
    # changing only A is a real comparison (A' against the file as it is)
    r = invoke(
        "compare",
        mini_scenario_path,
        "--set-a",
        "agencies.beta.missions.lander.success=0.8",
        "-n",
        50,
    )
    assert r.exit_code == 0, r.output


def test_cli_compare_table_columns_line_up(mini_scenario_path):
    """Every row's interval ends at least two spaces before its dates, and the dates
    start where the header's "median date" does."""
    r = invoke(
        "compare",
        mini_scenario_path,
        "--set",
        "agencies.beta.missions.lander.success=0.95",
        "-n",
        400,
    )
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    header = next(x for x in lines if "median date A -> B" in x)
    col = header.index("median date")
    dated = [x for x in lines if re.search(r"\d{4}-\d\d-\d\d ->", x)]
    assert dated
    for line in dated:
        assert line[col - 2 : col] == "  ", line
        assert re.match(r"\s*\d{4}-\d\d-\d\d ->", line[col - 2 :]), line
    assert not re.search(r"[\])*]\d{4}-", r.stdout)  # no "*2033-09-26"


def test_compare_help_examples_are_not_rewrapped():
    r = CliRunner().invoke(main, ["compare", "--help"], terminal_width=80)
    assert r.exit_code == 0
    assert "--set agencies.roscosmos.budget.annual=120" in r.output
    assert all(len(line) <= 80 for line in r.output.splitlines()), r.output


@pytest.mark.parametrize(
    "change, paired",
    [({"agencies.beta.missions.lander.success": 0.5}, True), ({"horizon": "2040-12-31"}, False)],
)
def test_the_header_says_paired_only_when_it_is(mini_scenario_path, change, paired):
    # a new horizon changes every agency's years: nothing pairs, and the header must
    # not call the replications paired
    import racesim

    c = racesim.compare(mini_scenario_path, overrides_b=change, n=50)
    header = c.text().splitlines()[2]
    assert bool(c.data["unpaired_agencies"]) is not paired
    if paired:
        assert "paired (common random numbers)" in header and "not paired" not in header
    else:
        assert "not paired" in header and "(common random numbers)" not in header
        assert "not paired" not in c.text().splitlines()[3]  # said once
