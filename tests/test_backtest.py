"""Backtests: events from an outcomes file, forecasts from reach times, and scores that
match hand computations (toy scenarios and toy outcomes in tmp_path)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from racesim.analysis import backtest as bt
from racesim.cli import main
from racesim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
HEAD = "id,date,event,agency,milestone,happened,source,status\n"
RECORD = (
    "id,mission,agency,operator,class,country,date,outcome,phase,latitude_deg,crewed,"
    "attempt_by_operator,notes,source\n"
    "r1,R1,x,X,government,X,2020-01-01,success,landed,0,0,2,,s\n"
    "r2,R2,x,X,government,X,2021-01-01,success,landed,0,0,3,,s\n"
    "r3,R3,x,X,government,X,2022-01-01,partial,landed,0,0,4,,s\n"
    "r4,R4,x,X,government,X,2023-01-01,failure,descent,,0,5,,s\n"
    "r5,R5,x,X,government,X,2031-01-01,failure,descent,,0,6,,s\n"  # after start: unused
)
R = 2.5 / 4  # (2 successes + 1 partial / 2) / 4 attempts up to the start


def toy(tmp_path: Path, alpha: list[dict], beta: list[dict], name="toy.yaml") -> Path:
    (tmp_path / "landings.csv").write_text(RECORD, encoding="utf-8")
    data = {
        "name": "toy",
        "start": "2030-01-01",
        "horizon": "2040-01-01",
        "seed": 3,
        "replications": 50,
        "record": {"file": "landings.csv"},
        "milestones": {"m": {"title": "M"}, "other": {"title": "not in the outcomes"}},
        "agencies": {"alpha": {"missions": alpha}, "beta": {"missions": beta}},
    }
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def outcomes(tmp_path: Path, rows: str, cutoff="2032-01-01") -> Path:
    path = tmp_path / "outcomes.csv"
    path.write_text(HEAD + rows + f"cutoff,{cutoff},end,,,yes,s,\n", encoding="utf-8")
    return path


def mission(id, **kw):
    return {"id": id, "duration": 1, "success": 1, "achieves": ["m"], **kw}


ALPHA_WINS = "a_m,2031-01-01,alpha lands,alpha,m,yes,s,verified\n"


def test_deterministic_scenario_scores_perfectly(tmp_path):
    path = toy(tmp_path, [mission("a1", not_before="2031-01-01")], [mission("b1", success=0)])
    s = load_scenario(path)
    facts = bt.read_outcomes(outcomes(tmp_path, ALPHA_WINS))
    reached, run = bt.reach_times(s, 20, 1)
    res = bt.backtest(s, facts, reached, base_dir=tmp_path, seed=run.seed)
    labels = [e.label() for e in res.events]
    assert labels == [
        "alpha reached m",
        "beta reached m",
        "first m: alpha",
        "first m: beta",
        "first m: nobody",
    ]
    assert [e.happened for e in res.events] == [True, False, True, False, False]
    assert res.p["racesim"].tolist() == [1, 0, 1, 0, 0]
    assert np.all(res.brier("racesim") == 0)
    assert np.allclose(res.log("racesim"), math.log(0.999))  # clipped at 1 - 1e-3
    assert np.allclose(res.brier("coin"), 0.25) and np.allclose(res.log("coin"), math.log(0.5))
    assert any("other" in n for n in res.notes)  # a scenario milestone the file lacks
    t = res.totals()
    assert t["racesim"]["brier"] == 0 and res.beats("coin") == {"brier": True, "log": True}
    assert res.compare("racesim") == {"brier": 0, "log": 0}  # a tie is neither


def test_known_probabilities_from_reach_times(tmp_path):
    path = toy(tmp_path, [mission("a1")], [mission("b1")])
    s = load_scenario(path)
    facts = bt.read_outcomes(outcomes(tmp_path, ALPHA_WINS))
    nan = np.nan
    other = [nan] * 4
    # reach times (years from 2030-01-01); the cut-off 2032-01-01 is day 730
    alpha = [0.5, 1.5, nan, 731 / 365.25]  # the day after the cut-off: does not count
    beta = [1.0, 0.2, nan, 730 / 365.25]  # on the cut-off day: counts
    reached = np.array([[[a, b], [o, o]] for a, b, o in zip(alpha, beta, other)])
    res = bt.backtest(s, facts, reached, base_dir=tmp_path)
    p = dict(zip([e.label() for e in res.events], res.p["racesim"]))
    assert p == {
        "alpha reached m": 0.5,
        "beta reached m": 0.75,
        "first m: alpha": 0.25,
        "first m: beta": 0.5,
        "first m: nobody": 0.25,
    }
    o = [1, 0, 1, 0, 0]
    q = [0.5, 0.75, 0.25, 0.5, 0.25]
    brier = [(pi - oi) ** 2 for pi, oi in zip(q, o)]
    log = [math.log(pi) if oi else math.log(1 - pi) for pi, oi in zip(q, o)]
    assert res.brier("racesim") == pytest.approx(brier)
    assert res.log("racesim") == pytest.approx(log)
    assert res.totals()["racesim"] == pytest.approx({"brier": sum(brier) / 5, "log": sum(log) / 5})
    assert res.totals("reached")["racesim"]["brier"] == pytest.approx((0.25 + 0.5625) / 2)


def test_base_rate_takes_announced_dates_at_their_word(tmp_path):
    path = toy(
        tmp_path,
        [
            mission("a1", not_before="2030-06-01"),
            mission("a2", not_before="2031-01-01"),
            mission("a3", not_before="2033-01-01"),
            mission("a4"),
        ],  # after D / no date
        [mission("b1", not_before="2030-09-01")],
    )
    s = load_scenario(path)
    facts = bt.read_outcomes(outcomes(tmp_path, ALPHA_WINS))
    reached = bt.reach_times(s, 10, 1)[0]
    res = bt.backtest(s, facts, reached, base_dir=tmp_path)
    assert (res.rate, res.rate_attempts) == (R, 4)
    p = dict(zip([e.label() for e in res.events], res.p["base_rate"]))
    # attempts in date order: a1 (2030-06), b1 (2030-09), a2 (2031-01), each at R
    assert p["alpha reached m"] == pytest.approx(1 - (1 - R) ** 2)
    assert p["beta reached m"] == pytest.approx(R)
    assert p["first m: alpha"] == pytest.approx(R + (1 - R) ** 2 * R)
    assert p["first m: beta"] == pytest.approx((1 - R) * R)
    assert p["first m: nobody"] == pytest.approx((1 - R) ** 3)
    assert p["first m: alpha"] + p["first m: beta"] + p["first m: nobody"] == pytest.approx(1)


def test_base_rate_counts_a_success_before_start(tmp_path):
    path = toy(
        tmp_path,
        [mission("a1", not_before="2030-06-01")],
        [{"id": "b0", "succeeded": "2029-05-01", "achieves": ["m"]}],
    )
    facts = bt.read_outcomes(outcomes(tmp_path, "b_m,2029-05-01,beta,beta,m,yes,s,v\n"))
    s = load_scenario(path)
    # settled before the start (2030-01-01): known to the forecaster, so not scored
    res = bt.backtest(s, facts, bt.reach_times(s, 10, 1)[0], base_dir=tmp_path)
    assert [e.label() for e in res.events if e.milestone == "m"] == ["alpha reached m"]
    assert any("m: settled before the scenario's start (b_m" in n for n in res.notes)
    assert any("beta reached m: known at the start" in n for n in res.notes)
    # the base rate itself still takes a success before the start as certain
    evs = [bt.ScoredEvent("reached", "m", "beta", True), bt.ScoredEvent("first", "m", "beta", True)]
    evs.append(bt.ScoredEvent("first", "m", "alpha", False))
    assert bt.base_rate(s, evs, facts.cutoff, R).tolist() == [1, 1, 0]


def test_partial_landings_strict_and_lenient(tmp_path):
    rows = (
        "b_part,2030-06-01,beta tips over,beta,m,yes,s,"
        '"verified; PARTIAL - counts for beta only under lenient scoring"\n'
        'b_none,2032-01-01,no full landing,beta,m,no,s,"STRICT-scoring row only"\n' + ALPHA_WINS
    )
    path = toy(tmp_path, [mission("a1")], [mission("b1")])
    s = load_scenario(path)
    facts = bt.read_outcomes(outcomes(tmp_path, rows))
    strict, _ = bt.events(s, facts, scoring="strict")
    lenient, _ = bt.events(s, facts, scoring="lenient")
    happened = {e.label(): e.happened for e in strict}
    assert happened["beta reached m"] is False and happened["first m: alpha"] is True
    happened = {e.label(): e.happened for e in lenient}
    assert happened["beta reached m"] is True and happened["first m: beta"] is True
    assert happened["first m: alpha"] is False


def test_an_earlier_until_and_contradictions(tmp_path):
    path = toy(tmp_path, [mission("a1")], [mission("b1")])
    s = load_scenario(path)
    facts = bt.read_outcomes(outcomes(tmp_path, ALPHA_WINS))
    evs, _ = bt.events(s, facts, until=bt.dt.date(2030, 12, 31))
    assert {e.label(): e.happened for e in evs}["first m: nobody"] is True
    with pytest.raises(bt.OutcomesError, match="after the outcomes file's cut-off"):
        bt.events(s, facts, until=bt.dt.date(2033, 1, 1))
    bad = bt.read_outcomes(outcomes(tmp_path, ALPHA_WINS + "none,2032-01-01,x,,m,no,s,\n"))
    with pytest.raises(bt.OutcomesError, match="row none says nobody"):
        bt.events(s, bad)


def test_bad_outcomes_files(tmp_path):
    with pytest.raises(bt.OutcomesError, match="not found"):
        bt.read_outcomes(tmp_path / "nope.csv")
    (tmp_path / "o.csv").write_text(HEAD + ALPHA_WINS, encoding="utf-8")
    with pytest.raises(bt.OutcomesError, match="cutoff"):
        bt.read_outcomes(tmp_path / "o.csv")
    (tmp_path / "o.csv").write_text(HEAD + "x,2031-01-01,e,alpha,m,maybe,s,\n")
    with pytest.raises(bt.OutcomesError, match="yes or no"):
        bt.read_outcomes(tmp_path / "o.csv")


def test_cli_prints_the_table_and_totals(tmp_path):
    path = toy(tmp_path, [mission("a1", not_before="2031-01-01")], [mission("b1", success=0)])
    out = outcomes(tmp_path, ALPHA_WINS)
    res = CliRunner().invoke(
        main, ["backtest", str(path), "--outcomes", str(out), "-n", "30", "--seed", "5"]
    )
    assert res.exit_code == 0, res.output
    assert "alpha reached m" in res.output and "first m: nobody" in res.output
    assert "mean over 5 events" in res.output and "seed 5" in res.output
    assert "racesim vs coin flip" in res.output and "better on both scores" in res.output
    res = CliRunner().invoke(main, ["backtest", str(path), "--outcomes", str(tmp_path / "x")])
    assert res.exit_code != 0 and "not found" in res.output


def test_the_real_outcomes_file_settles_the_base_events():
    facts = bt.read_outcomes(ROOT / "seeds" / "outcomes.csv")
    assert facts.cutoff == bt.dt.date(2026, 4, 13)
    s = load_scenario(ROOT / "scenarios" / "base.yaml")
    for scoring in bt.SCORINGS:
        evs, notes = bt.events(s, facts, scoring=scoring)
        yes = {e.label() for e in evs if e.happened}
        expected = {
            "isro reached south_polar_landing",
            "first south_polar_landing: isro",
            "first pole_landing: nobody",
            "first crewed_landing: nobody",
            "first crewed_south_pole_landing: nobody",
            "first research_station: nobody",
        }
        if scoring == "lenient":  # IM-1's tipped-over landing at 80S
            expected.add("nasa reached south_polar_landing")
        assert yes == expected
        # every milestone of the base is covered; the hindcast origins' milestones
        # (soft_landing, sample_return, ...) are only noted as not the base's
        extra = [m for m in facts.milestones() if m not in s.milestones]
        assert {"soft_landing", "sample_return", "far_side_landing"} <= set(extra)
        assert notes == [
            f"{m}: in the outcomes file but not a milestone of the scenario" for m in extra
        ]
