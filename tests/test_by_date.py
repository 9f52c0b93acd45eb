"""P by a date (``--by DATE``): the chances on or before a date match closed-form CDFs,
agree with the summary at the horizon and with compare, and bad dates are refused with
nothing written."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
import yaml

import racesim
from racesim.analysis.compare import csv_rows
from racesim.analysis.summary import ByDateError
from racesim.scenario.timeutil import DAYS_PER_YEAR
from tests.helpers import invoke

START = dt.date(2030, 1, 1)
N = 20_000
SUCCESS = 0.7  # alpha's one attempt; beta always succeeds


def race() -> dict:
    """alpha: success 0.7 after a duration uniform on [1, 3] years; beta: success 1
    after a duration uniform on [2, 4] years (independent draws)."""
    return {
        "name": "cdf",
        "start": START.isoformat(),
        "horizon": "2040-01-01",
        "seed": 11,
        "replications": N,
        "milestones": {"m": {"title": "M"}},
        "agencies": {
            "alpha": {
                "missions": [
                    {
                        "id": "a",
                        "duration": {"uniform": {"low": 1, "high": 3}},
                        "success": SUCCESS,
                        "achieves": ["m"],
                    }
                ]
            },
            "beta": {
                "missions": [
                    {
                        "id": "b",
                        "duration": {"uniform": {"low": 2, "high": 4}},
                        "success": 1,
                        "achieves": ["m"],
                    }
                ]
            },
        },
    }


def closed_form(d: float) -> dict[str, float]:
    """For d in [2, 3] years: with Ta ~ U(1, 3) (alpha succeeds with 0.7) and
    Tb ~ U(2, 4), each outcome's chance on or before d."""
    assert 2 <= d <= 3
    # P(Ta <= d, Ta < Tb) = int_1^2 1/2 dt + int_2^d 1/2 (4 - t)/2 dt
    a_before_b = 0.5 + ((4 * d - d * d / 2) - 6) / 4
    # P(Tb <= d, Tb < Ta) = int_2^d 1/2 (3 - t)/2 dt
    b_before_a = ((3 * d - d * d / 2) - 4) / 4
    first_alpha = SUCCESS * a_before_b
    first_beta = (1 - SUCCESS) * (d - 2) / 2 + SUCCESS * b_before_a
    return {
        "first.alpha": first_alpha,
        "first.beta": first_beta,
        "first.none": 1 - first_alpha - first_beta,
        "reached.alpha": SUCCESS * (d - 1) / 2,
        "reached.beta": (d - 2) / 2,
    }


@pytest.fixture(scope="module")
def run():
    dates = [START + dt.timedelta(days=k) for k in (760, 913, 1050)]
    return racesim.simulate(race(), by=dates), dates


def test_by_matches_the_closed_form_cdf(run):
    r, dates = run
    for date in dates:
        # a reach counts when its calendar day is on or before the date: T < (days + 1) / year
        d = ((date - START).days + 1) / DAYS_PER_YEAR
        at = r.summary["milestones"]["m"]["by"][date.isoformat()]
        for key, want in closed_form(d).items():
            measure, who = key.split(".")
            got = at[measure][who]["p"]
            se = math.sqrt(max(want * (1 - want), 1e-4) / N)
            assert abs(got - want) < 4 * se, (date, key, got, want)
            lo, hi = at[measure][who]["ci95"]
            assert lo <= got <= hi
        assert sum(e["p"] for e in at["first"].values()) == pytest.approx(1, abs=1e-12)


def test_by_the_horizon_is_the_summary(tmp_path):
    data = race()
    data["replications"] = 500
    r = racesim.simulate(data, by=["2040-01-01"])
    ms = r.summary["milestones"]["m"]
    at = ms["by"]["2040-01-01"]
    for who in ("alpha", "beta", "none"):
        assert at["first"][who] == ms["first"][who]
    for who in ("alpha", "beta"):
        assert at["reached"][who]["p"] == ms["reached"][who]["p"]
    df = r.by()
    assert set(df["measure"]) == {"first", "reached"} and len(df) == 3 + 2
    # without by, the summary has no "by" (goldens unchanged)
    assert "by" not in racesim.simulate(data).summary["milestones"]["m"]


def test_run_writes_by_into_summary_table_and_report(tmp_path):
    data = race()
    data["replications"] = 400
    path = tmp_path / "cdf.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    r = invoke("run", path, "--by", "2032-07-01", "--by", "2031-01-01", "--out", out)
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["milestones"]["m"]["by"]) == ["2031-01-01", "2032-07-01"]
    api = racesim.simulate(path, by=["2031-01-01", "2032-07-01"]).summary
    assert summary == api
    assert "by 2032-07-01" in r.output and "chances on or before a date" in r.output
    assert "By 2032-07-01" in (out / "report.html").read_text()


def test_compare_by_is_each_side_by(tmp_path):
    data = race()
    data["replications"] = 600
    b = race()
    b["replications"] = 600
    b["agencies"]["alpha"]["missions"][0]["success"] = 0.4
    date = "2032-06-30"
    c = racesim.compare(data, b, by=[date])
    for side, scen in (("a", data), ("b", b)):
        want = racesim.simulate(scen, by=[date]).summary["milestones"]["m"]["by"][date]
        got = c.data["milestones"]["m"]["by"][date]
        for measure in ("first", "reached"):
            for who, e in want[measure].items():
                assert got[measure][who][side]["p"] == e["p"]
    rows = [r for r in csv_rows(c.data) if r[1].endswith(date)]
    assert {r[1] for r in rows} == {f"first by {date}", f"reached by {date}"}
    assert f"first by {date}" in c.text()


@pytest.mark.parametrize(
    "date, words",
    [
        ("2031-02-30", "is not an ISO date"),
        ("2029-12-31", "before the scenario's start"),
        ("2041-01-01", "after the scenario's horizon"),
    ],
)
def test_bad_by_dates_are_refused_and_nothing_is_written(tmp_path, date, words):
    path = tmp_path / "cdf.yaml"
    path.write_text(yaml.safe_dump(race()), encoding="utf-8")
    out = tmp_path / "out"
    r = invoke("run", path, "-n", 10, "--by", date, "--out", out)
    assert r.exit_code == 2
    assert words in r.output and "Traceback" not in r.output
    assert not out.exists()
    r = invoke("compare", path, path, "-n", 10, "--by", date)
    assert r.exit_code == 2 and words in r.output
    with pytest.raises(ByDateError, match=words.replace("'", ".")):
        racesim.simulate(race(), n=10, by=[date])


def test_report_refuses_a_damaged_by_entry(tmp_path):
    data = race()
    data["replications"] = 100
    path = tmp_path / "cdf.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("run", path, "--by", "2032-01-01", "--out", out, "--no-plots").exit_code == 0
    summary = json.loads((out / "summary.json").read_text())
    summary["milestones"]["m"]["by"]["2032-01-01"]["first"]["alpha"]["p"] = 1.5
    (out / "summary.json").write_text(json.dumps(summary))
    r = invoke("report", out)
    assert r.exit_code != 0 and "milestones.m.by.2032-01-01.first.alpha.p is 1.5" in r.output
