"""Several forecast origins (``racesim backtest S1 S2 ...``): each scored on the events
after its own start, pooled means and reliability bins equal to hand computations on a
toy outcomes file, the scores.csv / calibration files, and bad input."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
import yaml

from racesim.analysis import backtest as bt
from racesim.analysis.calibration import SCORE_COLUMNS, Backtests, reliability
from racesim.scenario import load_scenario
from tests.helpers import invoke
from tests.test_backtest import ALPHA_WINS, mission, outcomes, toy

NAN = math.nan


def origins(tmp_path):
    """Origin 1 starts 2030-01-01 (alpha lands 2031-01-01, after it); origin 2 starts
    2031-06-01, after alpha's landing: alpha's events are settled and not scored."""
    one = toy(tmp_path, [mission("a1")], [mission("b1")], name="one.yaml")
    two = toy(tmp_path, [mission("a1")], [mission("b1")], name="two.yaml")
    data = yaml.safe_load(two.read_text())
    data.update(name="two", start="2031-06-01")
    two.write_text(yaml.safe_dump(data, sort_keys=False))
    facts = bt.read_outcomes(outcomes(tmp_path, ALPHA_WINS))
    return load_scenario(one), load_scenario(two), facts


def hand_made(tmp_path) -> Backtests:
    s1, s2, facts = origins(tmp_path)
    # 4 replications, years from start; milestones (m, other), agencies (alpha, beta)
    r1 = np.full((4, 2, 2), NAN)
    r1[:3, 0, 0] = 0.5  # alpha reaches m in 3 of 4: p = 0.75
    r1[0, 0, 1] = 0.2  # beta reaches m in 1, before alpha: first beta 0.25, alpha 0.5
    r2 = np.full((4, 2, 2), NAN)
    r2[:2, 0, 1] = 0.1  # beta reaches m in 2 of 4: p = 0.5
    return Backtests(
        [
            bt.backtest(s1, facts, r1, base_dir=tmp_path),
            bt.backtest(s2, facts, r2, base_dir=tmp_path),
        ]
    )


def test_each_origin_is_scored_on_what_happened_after_its_start(tmp_path):
    res = hand_made(tmp_path)
    one, two = res.origins
    assert [e.label() for e in one.events] == [
        "alpha reached m",
        "beta reached m",
        "first m: alpha",
        "first m: beta",
        "first m: nobody",
    ]
    assert one.p["racesim"].tolist() == [0.75, 0.25, 0.5, 0.25, 0.25]
    # alpha landed before origin two's start: only beta's reach is still open
    assert [e.label() for e in two.events] == ["beta reached m"]
    assert two.p["racesim"].tolist() == [0.5]
    assert any("settled before the scenario's start (a_m on 2031-01-01)" in n for n in two.notes)


def test_pooling_equals_hand_computation(tmp_path):
    res = hand_made(tmp_path)
    assert res.n_events == 6
    t1, t2 = (b.totals() for b in res.origins)
    # origin one: Brier (0.25^2 + 0.25^2 + 0.5^2 + 0.25^2 + 0.25^2) / 5 = 0.1
    assert t1["racesim"]["brier"] == pytest.approx(0.5 / 5)
    assert t2["racesim"]["brier"] == pytest.approx(0.25)
    pooled = res.pooled()
    # every event once: (0.5 + 0.25) / 6, not the mean of the two origins' means
    assert pooled["racesim"]["brier"] == pytest.approx(0.75 / 6)
    assert pooled["racesim"]["log"] == pytest.approx((4 * math.log(0.75) + 2 * math.log(0.5)) / 6)
    assert pooled["coin"] == pytest.approx({"brier": 0.25, "log": math.log(0.5)})
    beats = res.beats("coin")
    assert beats["pooled"] == {"brier": True, "log": True}
    assert beats["two"] == {"brier": False, "log": False}  # 0.25 vs 0.25: not better


def test_reliability_bins_equal_hand_computation(tmp_path):
    bins = hand_made(tmp_path).reliability()
    assert [b.count for b in bins] == [0, 0, 3, 0, 0, 2, 0, 1, 0, 0]
    full = {round(b.low, 1): (b.mean_p, b.observed) for b in bins if b.count}
    # p 0.25 (x3, none happened); 0.5 (first alpha: yes; beta in origin two: no); 0.75 (yes)
    assert full == {0.2: (0.25, 0.0), 0.5: (0.5, 0.5), 0.7: (0.75, 1.0)}
    edges = reliability([0.0, 1.0, 0.999, 0.1], [False, True, True, False])
    assert [b.count for b in edges] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]


def test_cli_writes_scores_and_the_calibration_plot(tmp_path):
    s1 = toy(tmp_path, [mission("a1", not_before="2031-01-01")], [mission("b1", success=0)])
    s2 = tmp_path / "two.yaml"
    data = yaml.safe_load(s1.read_text())
    data.update(name="two", start="2030-06-01")
    s2.write_text(yaml.safe_dump(data, sort_keys=False))
    facts = outcomes(tmp_path, ALPHA_WINS)
    out = tmp_path / "bt"
    args = ("backtest", s1, s2, "--outcomes", facts, "-n", 20)
    r = invoke(*args, "--out", out)
    assert r.exit_code == 0, r.output
    assert "Backtest of 2 forecast origins" in r.output and "pooled" in r.output
    with open(out / "scores.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == SCORE_COLUMNS
    assert len(rows) == 1 + 5 + 5
    assert {r[0] for r in rows[1:]} == {"toy", "two"}
    first = dict(zip(rows[0], rows[2]))  # toy: beta reached m (never: success 0)
    assert first["event"] == "beta reached m" and first["outcome"] == "0"
    assert float(first["p"]) == 0 and float(first["brier_coin"]) == 0.25
    for name in ("calibration.png", "calibration.svg", "calibration.csv", "manifest.json"):
        assert (out / name).is_file()
    # folder safety: no silent replacement; --force replaces racesim's own folder
    again = invoke(*args, "--out", out)
    assert again.exit_code == 2 and "--force" in again.output
    assert invoke(*args, "--out", out, "--force").exit_code == 0
    (out / "notes.txt").write_text("mine")
    assert invoke(*args, "--out", out, "--force").exit_code == 2
    assert (out / "notes.txt").read_text() == "mine"


def test_one_origin_prints_its_full_table(tmp_path):
    s1 = toy(tmp_path, [mission("a1", not_before="2031-01-01")], [mission("b1", success=0)])
    r = invoke("backtest", s1, "--outcomes", outcomes(tmp_path, ALPHA_WINS), "-n", 10)
    assert r.exit_code == 0, r.output
    assert "first m: nobody" in r.output and "mean over 5 events" in r.output


def test_bad_input_is_refused_clearly_and_nothing_is_written(tmp_path):
    s1 = toy(tmp_path, [mission("a1")], [mission("b1")])
    out = tmp_path / "bt"
    bad_date = outcomes(tmp_path, "a_m,2031-13-01,alpha lands,alpha,m,yes,s,verified\n")
    r = invoke("backtest", s1, "--outcomes", bad_date, "-n", 10, "--out", out)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "outcomes.csv, line 2: date must be an ISO date" in r.output
    assert not out.exists()
    typo = outcomes(tmp_path, "a_m,2031-01-01,alpha lands,alpha,otherr,yes,s,verified\n")
    r = invoke("backtest", s1, "--outcomes", typo, "-n", 10, "--out", out)
    assert r.exit_code == 2, r.output
    assert "row a_m: milestone 'otherr' is not a milestone of any scenario given" in r.output
    assert "did you mean 'other'" in r.output
    assert not out.exists()
