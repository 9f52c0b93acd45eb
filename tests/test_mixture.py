"""Mixtures (contract section 6, issue 10 section 1): a scenario file made of weighted
scenario files.  Each replication runs one component, drawn from its own stream with
the normalised weights, as that component's own replication *i* at the same seed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import racesim
from racesim.run.mixture import choose
from racesim.scenario.errors import ScenarioError

from .helpers import invoke, prop_se, within

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def component(name: str, success: float, milestones=("m",), start="2030-01-01", **agencies):
    """One agency ``a`` with mission ``x`` of the given chance, achieving every milestone."""
    agencies = agencies or {
        "a": {
            "name": "Alpha",
            "missions": [
                {"id": "x", "duration": 1.0, "success": success, "achieves": list(milestones)}
            ],
        }
    }
    return {
        "name": name,
        "start": start,
        "horizon": "2040-01-01",
        "seed": 99,  # not used: the mixture's seed rules
        "milestones": {m: {"title": m.upper()} for m in milestones},
        "agencies": agencies,
    }


@pytest.fixture
def sure_and_impossible(tmp_path: Path) -> Path:
    write(tmp_path / "sure.yaml", component("sure", 1.0))
    write(tmp_path / "never.yaml", component("never", 0.0))
    return write(
        tmp_path / "mix.yaml",
        {
            "name": "mix",
            "seed": 5,
            "replications": 100,
            "mixture": [
                {"file": "sure.yaml", "weight": 3},
                {"file": "never.yaml", "weight": 1},
            ],
        },
    )


def test_sure_and_impossible_gives_the_weight(sure_and_impossible):
    # P(a first) = 3 / (3 + 1): the sure component's normalised weight
    n = 4000
    run = racesim.simulate(sure_and_impossible, n=n)
    p = run.summary["milestones"]["m"]["first"]["a"]["p"]
    within(p, 0.75, prop_se(0.75, n))  # within 4 standard errors (0.027)
    parts = {c["name"]: c for c in run.summary["mixture"]}
    assert parts["sure"]["weight"] == 0.75 and parts["never"]["weight"] == 0.25
    assert parts["sure"]["replications"] + parts["never"]["replications"] == n
    # every replication of the sure component reaches it, none of the other
    comps = run.summary["milestones"]["m"]["components"]
    assert comps["sure"]["first"]["a"]["p"] == 1.0
    assert comps["never"]["first"]["a"]["p"] == 0.0
    assert p == parts["sure"]["replications"] / n


def test_choice_stream_follows_the_weights():
    # the component draw alone, on many replications: frequencies match the weights
    n = 20000
    k = choose([0.2, 0.5, 1.0], 3, 0, n)
    for c, w in enumerate([0.2, 0.3, 0.5]):
        within(float(np.mean(k == c)), w, prop_se(w, n))
    # replication i's component does not depend on the chunk it is drawn in
    assert (
        np.concatenate([choose([0.2, 0.5, 1.0], 3, a, 37) for a in range(0, 370, 37)]) == k[:370]
    ).all()


def test_a_replication_is_its_components_own(tmp_path):
    # replication i of the mixture is replication i of the drawn component run alone
    write(tmp_path / "p.yaml", component("p", 0.4))
    write(tmp_path / "q.yaml", component("q", 0.8))
    mix = write(
        tmp_path / "mix.yaml",
        {
            "name": "mix",
            "seed": 11,
            "mixture": [{"file": "p.yaml", "weight": 1}, {"file": "q.yaml", "weight": 1}],
        },
    )
    n = 300
    m = racesim.simulate(mix, n=n, keep_table=True)
    alone = {c: racesim.simulate(tmp_path / f"{c}.yaml", n=n, seed=11) for c in "pq"}
    comp = choose([0.5, 1.0], 11, 0, n)
    for c, name in enumerate("pq"):
        rows = comp == c
        assert rows.any()
        np.testing.assert_array_equal(m.reached[rows], alone[name].reached[rows])


def test_jobs_do_not_change_a_mixture(sure_and_impossible, tmp_path):
    a = invoke(
        "run", sure_and_impossible, "-n", 400, "--out", tmp_path / "a", "--no-plots", "--no-report"
    )
    b = invoke(
        "run",
        sure_and_impossible,
        "-n",
        400,
        "--out",
        tmp_path / "b",
        "--no-plots",
        "--no-report",
        "-j",
        2,
    )
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    for f in ("summary.json", "replications.csv", "dates.csv", "scenario.yaml"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_results_folder_of_a_mixture(sure_and_impossible, tmp_path):
    out = tmp_path / "res"
    r = invoke("run", sure_and_impossible, "-n", 200, "--out", out)
    assert r.exit_code == 0, r.output
    assert "a mixture of 2 scenarios" in r.output and "sure  weight 75.0%" in r.output
    with open(out / "replications.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "replication",
        "milestone",
        "agency",
        "date",
        "year",
        "first",
        "component",
    ]
    comp = choose([0.75, 1.0], 5, 0, 200)
    for row in rows:  # only the sure component's replications reach it
        assert row["component"] == "sure" == ["sure", "never"][comp[int(row["replication"])]]
    assert len(rows) == int(np.sum(comp == 0))
    # scenario.yaml is a mixture of the saved components: rerunning it gives the same
    again = tmp_path / "again"
    r2 = invoke(
        "run", out / "scenario.yaml", "-n", 200, "--out", again, "--no-plots", "--no-report"
    )
    assert r2.exit_code == 0, r2.output
    first, second = (json.loads((f / "summary.json").read_text()) for f in (out, again))
    assert [c.pop("file") for c in second["mixture"]] == [
        "components/1-sure.yaml",
        "components/2-never.yaml",
    ]
    assert [c.pop("file") for c in first["mixture"]] == ["sure.yaml", "never.yaml"]
    assert first == second
    assert sorted(p.name for p in (out / "components").iterdir()) == ["1-sure.yaml", "2-never.yaml"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "A mixture of scenarios" in html and "75.0%" in html
    back = racesim.open(out)
    assert back.summary == json.loads((out / "summary.json").read_text())
    assert list(back.table()["component"].unique()) == ["sure"]


def test_set_applies_to_every_component(sure_and_impossible):
    run = racesim.simulate(
        sure_and_impossible, n=200, overrides={"agencies.a.missions.x.success": 1.0}
    )
    assert run.summary["milestones"]["m"]["first"]["a"]["p"] == 1.0


def test_trace_names_the_component(sure_and_impossible):
    k = int(np.flatnonzero(choose([0.75, 1.0], 5, 0, 50) == 1)[0])
    r = invoke("trace", sure_and_impossible, "-r", k)
    assert r.exit_code == 0, r.output
    assert "runs component 2 of 2, 'never' (never.yaml, weight 25.0%)" in r.output


def test_validate_a_mixture(sure_and_impossible):
    r = invoke("validate", sure_and_impossible)
    assert r.exit_code == 0, r.output
    assert "mixture 'mix' of 2 scenarios (sure.yaml 75.0%, never.yaml 25.0%)" in r.output


def test_the_2026_mixture_validates():
    s = racesim.load(ROOT / "scenarios" / "2026-mixture.yaml")
    assert [c.weight for c in s.components] == pytest.approx([0.5, 0.3, 0.2])
    assert [c.name for c in s.components] == [
        "asof-2026",
        "asof-2026-artemis-slip",
        "asof-2026-china-accelerates",
    ]


def test_other_commands_refuse_a_mixture(sure_and_impossible, tmp_path):
    r = invoke(
        "compare",
        sure_and_impossible,
        "--set",
        "agencies.a.missions.x.success=0.5",
        "-n",
        10,
        "--out",
        tmp_path / "c",
    )
    assert r.exit_code == 2 and "this command takes one scenario" in r.output
    assert not (tmp_path / "c").exists()
    with pytest.raises(ScenarioError, match="takes one scenario"):
        racesim.sweep(sure_and_impossible, ["agencies.a.missions.x.success=0:1:2"], n=10)


# -- bad input: a clear message naming the file and field, nothing written ------------------
def refuses(tmp_path: Path, mix: dict, *expect: str, files: dict | None = None) -> str:
    write(tmp_path / "sure.yaml", component("sure", 1.0))
    for name, data in (files or {}).items():
        write(tmp_path / name, data)
    path = write(tmp_path / "bad.yaml", {"name": "bad", **mix})
    out = tmp_path / "out"
    r = invoke("run", path, "-n", 10, "--out", out)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and not out.exists()
    assert str(path) in r.output
    for e in expect:
        assert e in r.output, r.output
    return r.output


@pytest.mark.parametrize("weight", [0, -1, True, "heavy", float("inf")])
def test_weight_not_positive(tmp_path, weight):
    refuses(
        tmp_path,
        {"mixture": [{"file": "sure.yaml", "weight": weight}]},
        "mixture[0].weight",
        "positive number",
    )


def test_missing_component_file(tmp_path):
    refuses(
        tmp_path,
        {"mixture": [{"file": "sure.yaml", "weight": 1}, {"file": "gone.yaml", "weight": 1}]},
        "mixture[1].file",
        "no such scenario file: 'gone.yaml'",
    )


def test_component_with_other_milestones(tmp_path):
    refuses(
        tmp_path,
        {"mixture": [{"file": "sure.yaml", "weight": 1}, {"file": "two.yaml", "weight": 1}]},
        "mixture[1].file",
        "two.yaml has other milestones than sure.yaml",
        "it has n",
        files={"two.yaml": component("two", 1.0, milestones=("m", "n"))},
    )


def test_component_with_another_start(tmp_path):
    refuses(
        tmp_path,
        {"mixture": [{"file": "sure.yaml", "weight": 1}, {"file": "late.yaml", "weight": 1}]},
        "must share start and horizon",
        files={"late.yaml": component("late", 1.0, start="2031-01-01")},
    )


def test_mixture_of_mixtures_is_refused(tmp_path):
    inner = {"name": "inner", "mixture": [{"file": "sure.yaml", "weight": 1}]}
    refuses(
        tmp_path,
        {"mixture": [{"file": "inner.yaml", "weight": 1}]},
        "mixture[0].file",
        "inner.yaml is itself a mixture",
        files={"inner.yaml": inner},
    )


def test_bad_component_and_unknown_key(tmp_path):
    broken = component("broken", 1.0)
    broken["agencies"]["a"]["missions"][0]["success"] = 2
    text = refuses(
        tmp_path,
        {"mixtur": 1, "mixture": [{"file": "broken.yaml", "weight": 1}]},
        "mixtur: unknown field (did you mean 'mixture'?)",
        files={"broken.yaml": broken},
    )
    assert "mixture[0].file" not in text  # the mixture's own fields are checked first
    text = refuses(
        tmp_path,
        {"mixture": [{"file": "broken.yaml", "weight": 1}]},
        "in broken.yaml: agencies.a.missions[0].success",
        "success",
    )


def test_set_error_names_the_component(sure_and_impossible, tmp_path):
    out = tmp_path / "out"
    r = invoke("run", sure_and_impossible, "--set", "agencies.a.missions.x.success=7", "--out", out)
    assert r.exit_code == 2 and not out.exists()
    assert "in sure.yaml: agencies.a.missions[0].success (mission x)" in r.output, r.output
    assert "in never.yaml: agencies.a.missions[0].success" in r.output


def test_report_refuses_a_damaged_mixture_summary(sure_and_impossible, tmp_path):
    out = tmp_path / "res"
    assert invoke("run", sure_and_impossible, "-n", 40, "--out", out, "--no-plots").exit_code == 0
    summary = json.loads((out / "summary.json").read_text())
    for damage, words in (
        (lambda s: s["mixture"][0].update(weight="most"), "mixture[0].weight"),
        (
            lambda s: s["milestones"]["m"]["components"]["sure"]["first"]["a"].update(p=7),
            "milestones.m.components",
        ),
    ):
        bad = json.loads(json.dumps(summary))
        damage(bad)
        (out / "summary.json").write_text(json.dumps(bad))
        r = invoke("report", out, "--out", tmp_path / "r.html", "--force")
        assert r.exit_code != 0 and "Traceback" not in r.output
        assert words in r.output, r.output
