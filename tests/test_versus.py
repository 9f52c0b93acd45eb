"""Head to head (``racesim run --versus A:B``, ``simulate(versus=...)``): P(A before B)
against a closed form, the lead time's distribution, the files, the plot, bad pairs."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import racesim
from racesim.analysis.versus import parse_pairs
from racesim.run.versus import CASES, VersusTally
from tests.helpers import invoke, prop_se, scenario, within

# A: one mission, development U(1, 3) years, success PA; B: U(2, 4) years, success PB.
# No money (cost 0), one attempt each, independent streams.  With D = T_A - T_B
# (triangular on [-3, 1], mode -1), P(T_A > T_B) = integral_0^1 (1 - d)/4 dd = 1/8.
PA, PB = 0.6, 0.5
P_B_LATER = 7 / 8  # P(T_A < T_B) when both get there
N = 20_000


def _race():
    return scenario(
        {
            "a": {
                "budget": {"annual": 100},
                "missions": [
                    {
                        "id": "x",
                        "duration": {"uniform": {"low": 1, "high": 3}},
                        "success": PA,
                        "achieves": ["m"],
                    }
                ],
            },
            "b": {
                "budget": {"annual": 100},
                "missions": [
                    {
                        "id": "y",
                        "duration": {"uniform": {"low": 2, "high": 4}},
                        "success": PB,
                        "achieves": ["m"],
                    }
                ],
            },
        },
        replications=N,
    )


@pytest.fixture(scope="module")
def run():
    return racesim.simulate(_race(), N, seed=11, versus=["a:b"], keep_table=False)


def test_p_a_before_b_matches_the_closed_form(run):
    v = run.summary["versus"]["a:b"]["milestones"]["m"]
    both = PA * PB
    expect = {
        "a_first": both * P_B_LATER + PA * (1 - PB),
        "b_first": both * (1 - P_B_LATER) + PB * (1 - PA),
        "neither": (1 - PA) * (1 - PB),
        "same_time": 0.0,
    }
    for key, p in expect.items():
        within(v[key]["p"], p, prop_se(p, N))
        lo, hi = v[key]["ci95"]
        assert lo <= v[key]["p"] <= hi
    # the six cases cover every run exactly once
    assert sum(v["runs"].values()) == N
    within(v["runs"]["only_a"] / N, PA * (1 - PB), prop_se(PA * (1 - PB), N))
    # among the runs where one of them gets there
    either = 1 - expect["neither"]
    within(v["a_first_if_either"]["p"], expect["a_first"] / either, prop_se(0.7, N * either))


def test_lead_time_distribution_matches_the_closed_form(run):
    """T_B - T_A is triangular on [-1, 3] with mode 1: mean 1, median 1, variance 2/3;
    its 10% quantile q solves (q + 1)^2 / 8 = 0.1."""
    lead = run.summary["versus"]["a:b"]["milestones"]["m"]["lead_years"]
    n_both = lead["runs"]
    within(n_both / N, PA * PB, prop_se(PA * PB, N))
    se = np.sqrt(2 / 3 / n_both)
    within(lead["mean"], 1.0, se)
    within(lead["median"], 1.0, 2 * se)  # a median's SE is about 1.25x the mean's here
    q10 = np.sqrt(0.8) - 1
    within(lead["p10"], q10, 3 * se)
    within(lead["p90"], 2 - q10, 3 * se)  # symmetric about 1


def test_versus_tally_cases_and_lead_by_hand():
    """Four hand-made replications: every case counted once, leads in days."""
    y = 1 / 365.25
    nan = np.nan
    reached = np.array(
        [[[10 * y, 20 * y]], [[30 * y, 5 * y]], [[7 * y, nan]], [[nan, nan]], [[3 * y, 3 * y]]]
    )
    vt = VersusTally.empty([(0, 1)], 1, 50)
    vt.add(reached[:2])
    vt.add(reached[2:])  # in two parts: the same integers
    cases = dict(zip(CASES, vt.cases[0, 0].tolist()))
    assert cases == {
        "a_earlier": 1,
        "b_earlier": 1,
        "same_time": 1,
        "only_a": 1,
        "only_b": 0,
        "neither": 1,
    }
    leads = {k - 50: int(c) for k, c in enumerate(vt.lead[0, 0]) if c}
    assert leads == {10: 1, -25: 1, 0: 1}


def test_results_do_not_depend_on_jobs():
    s = _race()
    one = racesim.simulate(s, 400, seed=3, versus=[("a", "b")], jobs=1)
    two = racesim.simulate(s, 400, seed=3, versus=[("a", "b")], jobs=2)
    assert one.summary["versus"] == two.summary["versus"]


def test_bad_pairs_are_refused_in_words():
    s = _race()
    for bad, words in [
        ("a", "not a pair"),
        ("a:c", "no agency 'c'"),
        ("a:a", "against itself"),
        ("a:", "not a pair"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse_pairs(s, [bad])
    with pytest.raises(ValueError, match="twice"):
        parse_pairs(s, ["a:b", "a:b"])


def test_cli_versus_writes_summary_csv_plot_and_report(tmp_path, mini_scenario_path):
    out = tmp_path / "v"
    r = invoke("run", mini_scenario_path, "-n", 300, "--versus", "beta:alpha", "--out", out)
    assert r.exit_code == 0, r.output
    assert "Head to head: Beta against Alpha" in r.output
    summary = json.loads((out / "summary.json").read_text())
    v = summary["versus"]["beta:alpha"]["milestones"]["landing"]
    # the same run from Python, its reach times counted directly
    same = racesim.simulate(str(mini_scenario_path), 300, keep_table=True)
    tb, ta = same.reached[:, 0, 1], same.reached[:, 0, 0]
    b_first = np.count_nonzero((tb < ta) | (~np.isnan(tb) & np.isnan(ta)))
    assert v["a_first"]["p"] * 300 == pytest.approx(b_first)
    assert v["neither"]["p"] * 300 == np.count_nonzero(np.isnan(tb) & np.isnan(ta))
    lead_rows = list(csv.DictReader(open(out / "versus.csv")))
    assert sum(int(r["runs"]) for r in lead_rows) == v["lead_years"]["runs"]
    assert (out / "plots" / "versus_beta_alpha.png").is_file()
    report = (out / "report.html").read_text()
    assert "Head to head" in report and 'id="plot-versus_beta_alpha"' in report


def test_cli_bad_versus_writes_nothing(tmp_path, mini_scenario_path):
    out = tmp_path / "v"
    r = invoke("run", mini_scenario_path, "-n", 10, "--versus", "beta:gamma", "--out", out)
    assert r.exit_code != 0
    assert "--versus beta:gamma" in r.output and "no agency 'gamma'" in r.output
    assert "Traceback" not in r.output
    assert not out.exists()


def test_open_reads_versus_back(tmp_path, mini_scenario_path):
    out = tmp_path / "v"
    run = racesim.simulate(str(mini_scenario_path), 200, versus=["alpha:beta"])
    run.save(out, plots=False, report=False)
    back = racesim.open(out)
    assert back.summary["versus"] == json.loads(json.dumps(run.summary["versus"]))
    assert back.head_to_head().equals(run.head_to_head())
