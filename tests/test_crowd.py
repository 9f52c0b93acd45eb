"""The crowd beside the forecast (``racesim crowd``): racesim's answer to a question is
the ``--by`` chance of the same outcome, questions dated before the start are left
out, the ledger carries the scenario's hash, and a bad crowd row is named by file, row
and column with nothing written."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
import yaml

import racesim
from racesim.analysis.crowd import LEDGER_COLUMNS, CrowdError, read_crowd
from tests.helpers import invoke

HEAD = "id,question,milestone,agency,measure,by,date,p,source,url\n"
ROWS = (
    "q_alpha,Alpha lands by mid-2032?,m,alpha,reached,2032-06-30,2030-03-01,0.4,s,u\n"
    "q_beta_first,Beta first by 2033?,m,beta,first,2032-12-31,2030-02-01,0.2,s,u\n"
    "q_any,Anybody by 2031-06?,m,any,reached,2031-06-30,2030-01-01,0.5,s,u\n"
    "q_old,Before the start,m,alpha,reached,2031-06-30,2029-12-31,0.9,s,u\n"
)


def race(name="crowdrace") -> dict:
    return {
        "name": name,
        "start": "2030-01-01",
        "horizon": "2040-01-01",
        "seed": 5,
        "replications": 800,
        "milestones": {"m": {"title": "M"}},
        "agencies": {
            "alpha": {
                "missions": [
                    {
                        "id": "a",
                        "duration": {"uniform": {"low": 1, "high": 3}},
                        "success": 0.7,
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


@pytest.fixture
def project(tmp_path):
    """A project's layout: scenarios/race.yaml and seeds/crowd.csv."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "seeds").mkdir()
    path = tmp_path / "scenarios" / "race.yaml"
    path.write_text(yaml.safe_dump(race(), sort_keys=False), encoding="utf-8")
    crowd = tmp_path / "seeds" / "crowd.csv"
    crowd.write_text(HEAD + ROWS, encoding="utf-8")
    return path, crowd


def test_crowd_matches_by_for_the_same_question(project):
    path, crowd = project
    c = racesim.crowd(path, crowd)
    dates = ["2032-06-30", "2032-12-31", "2031-06-30"]
    by = racesim.simulate(path, by=dates).summary["milestones"]["m"]["by"]
    got = {a.question.id: a.p for a in c.answers}
    assert got == {
        "q_alpha": by["2032-06-30"]["reached"]["alpha"]["p"],
        "q_beta_first": by["2032-12-31"]["first"]["beta"]["p"],
        "q_any": 1 - by["2031-06-30"]["first"]["none"]["p"],
    }
    # largest |racesim - crowd| first; the question dated before the start is left out
    diffs = [abs(a.diff) for a in c.answers]
    assert diffs == sorted(diffs, reverse=True)
    r = invoke("crowd", path, "--questions", crowd)
    assert r.exit_code == 0, r.output
    assert "Alpha lands by mid-2032?" in r.output and "Before the start" not in r.output
    lines = [x for x in r.output.splitlines() if x.startswith("  ") and "?" in x]
    assert [x.split()[0] for x in lines][0] == c.answers[0].question.question.split()[0]


def test_a_run_answers_the_crowd_in_its_folder_and_report(project, tmp_path):
    path, crowd = project
    out = tmp_path / "out"
    r = invoke("run", path, "--out", out)
    assert r.exit_code == 0, r.output
    with open(out / "crowd.csv", newline="") as fh:
        rows = {row["id"]: row for row in csv.DictReader(fh)}
    c = racesim.crowd(path, crowd)
    assert set(rows) == {"q_alpha", "q_beta_first", "q_any"}
    for a in c.answers:
        assert float(rows[a.question.id]["p"]) == a.p
    html = (out / "report.html").read_text()
    assert "The crowd beside the forecast" in html and "Beta first by 2033?" in html
    # the summary is not changed by the crowd's questions (no "by" without --by)
    assert '"by"' not in (out / "summary.json").read_text()


def test_the_ledger_has_the_hash_version_and_date(project, tmp_path):
    path, crowd = project
    ledger = tmp_path / "ledger.csv"
    r = invoke("crowd", path, "--questions", crowd, "-n", 300, "--out", ledger)
    assert r.exit_code == 0, r.output
    with open(ledger, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == LEDGER_COLUMNS
    s = racesim.load(path)
    assert {r["scenario_sha256"] for r in rows} == {s.digest()}
    assert {r["racesim"] for r in rows} == {racesim.__version__}
    assert {r["replications"] for r in rows} == {"300"} and {r["seed"] for r in rows} == {"5"}
    assert {r["made"] for r in rows} == {dt.datetime.now(dt.UTC).date().isoformat()}
    assert [r["id"] for r in rows] == ["q_alpha", "q_beta_first", "q_any"]  # file order
    again = invoke("crowd", path, "--questions", crowd, "-n", 300, "--out", ledger)
    assert again.exit_code == 2 and "--force" in again.output
    forced = invoke("crowd", path, "--questions", crowd, "-n", 300, "--out", ledger, "--force")
    assert forced.exit_code == 0


@pytest.mark.parametrize(
    "row, words",
    [
        ("x,Q,mm,alpha,reached,2032-06-30,2030-03-01,0.4,s,u", "column milestone: 'mm' is not"),
        ("x,Q,m,alpah,reached,2032-06-30,2030-03-01,0.4,s,u", "did you mean 'alpha'"),
        ("x,Q,m,alpha,reached,2032-06-31,2030-03-01,0.4,s,u", "column by: '2032-06-31' is not"),
        ("x,Q,m,alpha,reached,2032-06-30,03/01/2030,0.4,s,u", "column date: '03/01/2030'"),
        ("x,Q,m,alpha,reached,2032-06-30,2030-03-01,1.4,s,u", "column p: '1.4' is not a prob"),
        ("x,Q,m,alpha,reached,2032-06-30,2030-03-01,-0.1,s,u", "column p: '-0.1'"),
        ("x,Q,m,alpha,won,2032-06-30,2030-03-01,0.4,s,u", "column measure: 'won'"),
    ],
)
def test_a_bad_crowd_row_is_named_and_nothing_is_written(project, tmp_path, row, words):
    path, crowd = project
    crowd.write_text(HEAD + ROWS + row + "\n", encoding="utf-8")
    ledger = tmp_path / "ledger.csv"
    r = invoke("crowd", path, "--questions", crowd, "-n", 20, "--out", ledger)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert f"{crowd}, row 5 (line 6, id x), " in r.output
    assert words in r.output
    assert not ledger.exists()
    with pytest.raises(CrowdError):
        racesim.crowd(path, crowd, n=20)


def test_a_bad_crowd_file_stops_a_run_before_anything_is_written(project, tmp_path):
    path, crowd = project
    crowd.write_text(HEAD + "x,Q,m,alpha,reached,2032-06-30,2030-03-01,2,s,u\n")
    out = tmp_path / "out"
    r = invoke("run", path, "-n", 20, "--out", out)
    assert r.exit_code == 2 and "column p" in r.output
    assert not out.exists()


def test_the_project_crowd_file_reads():
    rows = read_crowd(Path(__file__).resolve().parents[1] / "seeds" / "crowd.csv")
    assert rows and all(r.url.startswith("http") and r.source for r in rows)


def test_a_run_with_crowd_and_by_writes_the_same_bytes_twice(project, tmp_path):
    path, _ = project
    files = []
    for k in ("one", "two"):
        out = tmp_path / k
        r = invoke("run", path, "-n", 100, "--by", "2031-06-30", "--out", out, "--no-plots")
        assert r.exit_code == 0, r.output
        files.append({n: (out / n).read_bytes() for n in ("crowd.csv", "summary.json")})
    assert files[0] == files[1]


def test_open_reads_the_crowd_back_and_save_writes_it_again(project, tmp_path):
    path, _ = project
    out = tmp_path / "out"
    assert invoke("run", path, "-n", 100, "--out", out, "--no-plots").exit_code == 0
    run = racesim.open(out)
    assert [a.question.id for a in run.crowd] == [
        a.question.id for a in racesim.simulate(path, n=100).crowd
    ]
    run.save(tmp_path / "again", plots=False)
    assert (tmp_path / "again" / "crowd.csv").read_bytes() == (out / "crowd.csv").read_bytes()
