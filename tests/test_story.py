"""`racesim trace`: one replication's story, the same as that replication of a run."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from racesim.cli import main
from racesim.output.story import tell
from racesim.scenario import load_scenario

from .helpers import invoke

# Tight budgets, so developments stall; partners that cannot always pay; re-flights;
# requirements within and across agencies; a shock; a mission that succeeded before start.
STORY_YAML = """\
name: story
title: A tight race with partners
start: 2024-01-01
horizon: 2036-12-31
seed: 11
replications: 40
milestones:
  orbit: {title: Lunar orbit}
  landing: {title: Soft landing}
  crew: {title: Crewed landing}
agencies:
  red:
    name: Red Agency
    budget:
      annual: {uniform: {low: 60, high: 140}}
      volatility: 0.2
      shocks:
        - name: crisis
          factor: {uniform: {low: 0.3, high: 0.7}}
          from: 2025-01-01
          until: 2030-12-31
          probability: 0.3
    missions:
      - id: orbiter
        name: Red Orbiter
        cost: 80
        duration: 1.5
        success: 0.8
        attempts: 2
        achieves: [orbit]
      - id: lander
        name: Red Lander
        cost: 200
        duration: {triangular: {low: 1.5, mode: 2.5, high: 4}}
        requires: [orbiter]
        success: 0.6
        attempts: 3
        refly: {cost: 0.6, duration: 0.4}
        achieves: [landing]
      - id: crew
        name: Red Crew
        cost: 600
        duration: 4
        requires: [lander]
        not_before: 2030-01-01
        success: 0.7
        partners: {blue: 0.3}
        achieves: [crew]
  blue:
    name: Blue Agency
    budget:
      annual: {uniform: {low: 50, high: 150}}
      growth: 0.03
      volatility: 0.15
    missions:
      - id: pathfinder
        name: Blue Pathfinder
        succeeded: 2019-01-03
        achieves: [orbit]
      - id: probe
        name: Blue Probe
        cost: 60
        duration: 1
        success: 0.85
        attempts: 2
        achieves: [landing]
      - id: lander
        name: Blue Lander
        cost: 250
        duration: 2
        requires: [probe]
        not_before: 2027-09-01
        success: {beta: {a: 6, b: 4}}
        attempts: 2
        partners: {red: 0.25}
        achieves: [landing]
      - id: crew
        name: Blue Crew
        cost: 500
        duration: 5
        requires: [lander, red.lander]
        success: 0.6
        achieves: [crew]
"""
NAMES = {"Red Agency": "red", "Blue Agency": "blue"}
SEED = 5
EVENT = re.compile(r"^  (\d{4}-\d\d-\d\d)  (.+?) {2,}")
MILESTONE = re.compile(
    r"^  (\d{4}-\d\d-\d\d)  (.+?) {2,}.*\bMILESTONE +reaches (\S+?)"
    r"(, the first to do so)?( \(|$)"
)


@pytest.fixture
def story_path(tmp_path: Path) -> Path:
    path = tmp_path / "story.yaml"
    path.write_text(STORY_YAML, encoding="utf-8")
    return path


def quiet() -> list[str]:
    """Skip plots and the report in `racesim run`, where the command has the options."""
    opts = {o for p in main.commands["run"].params for o in p.opts}
    return [o for o in ("--no-plots", "--no-report") if o in opts]


def run_table(scenario: Path, out: Path, n: int, jobs: int) -> dict[int, list[tuple]]:
    result = invoke(
        "run", scenario, "-n", n, "--jobs", jobs, "--seed", SEED, "--out", out, *quiet()
    )
    assert result.exit_code == 0, result.output
    rows: dict[int, list[tuple]] = {}
    with open(out / "replications.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows.setdefault(int(r["replication"]), []).append(
                (r["milestone"], r["agency"], r["date"], int(r["first"]))
            )
    return rows


def trace_text(scenario: Path, k: int, *extra) -> str:
    result = invoke("trace", scenario, "--replication", k, "--seed", SEED, *extra)
    assert result.exit_code == 0, result.output
    return result.output


def milestone_lines(text: str) -> list[tuple]:
    """(milestone, agency, date, first) of the trace's MILESTONE lines, ordered like
    replications.csv (milestone, then agency, in scenario order)."""
    out = []
    for line in text.splitlines():
        m = MILESTONE.match(line)
        if m:
            out.append((m.group(3), NAMES[m.group(2).strip()], m.group(1), int(bool(m.group(4)))))
    order_m = {k: i for i, k in enumerate(["orbit", "landing", "crew"])}
    order_a = {"red": 0, "blue": 1}
    return sorted(out, key=lambda r: (order_m[r[0]], order_a[r[1]]))


# ---------------------------------------------------------------------------------------
def test_trace_milestones_are_the_run_rows_whatever_n_and_jobs(story_path, tmp_path):
    serial = run_table(story_path, tmp_path / "a", 40, 1)
    parallel = run_table(story_path, tmp_path / "b", 64, 3)
    for k in range(40):
        text = trace_text(story_path, k)
        assert milestone_lines(text) == serial.get(k, []) == parallel.get(k, []), k
    # the later replications of the bigger run too
    for k in (40, 51, 63):
        assert milestone_lines(trace_text(story_path, k)) == parallel.get(k, []), k


def test_the_scenario_exercises_every_kind_of_event(story_path):
    s = load_scenario(story_path)
    kinds: Counter = Counter()
    details: set[str] = set()
    events = []
    for k in range(40):
        story = tell(s, k, SEED)
        kinds.update(e.kind for e in story.events)
        details.update(story.text().splitlines())
        events.extend(story.events)
    for kind in (
        "budget",
        "start",
        "stall",
        "resume",
        "complete",
        "wait",
        "success",
        "failure",
        "gave_up",
        "milestone",
        "blocked",
    ):
        assert kinds[kind] > 0, kind
    # as data: a partner's stall, an agency's own, a shock, a re-flight
    assert any(e.kind == "stall" and e.payer != e.agency for e in events)
    assert any(e.kind == "stall" and e.payer == e.agency for e in events)
    assert any(e.kind == "budget" and "crisis" in e.shocks for e in events)
    assert any(e.kind == "start" and e.attempt > 1 for e in events)
    # and in words
    assert any("cannot pay its share" in d for d in details)
    assert any("has no money left" in d for d in details)
    assert any("crisis shock" in d for d in details)
    assert any("starts re-flight" in d for d in details)


def test_story_reaches_equal_the_run_table(story_path):
    import numpy as np

    from racesim.engine.plan import Plan
    from racesim.run.replication import run_chunk
    from racesim.run.stats import first_index

    s = load_scenario(story_path)
    reached = run_chunk(Plan.from_scenario(s), SEED, 0, 30)
    win = first_index(reached)
    ms, ags = list(s.milestones), list(s.agencies)
    for k in range(30):
        want = [
            (ms[m], ags[a], int(np.floor(reached[k, m, a] * 365.25 + 1e-6)), bool(win[k, m] == a))
            for m, a in np.argwhere(~np.isnan(reached[k]))
        ]
        got = [
            (r.milestone, r.agency, (r.date - s.start).days, r.first)
            for r in tell(s, k, SEED).reaches()
        ]
        assert got == want, k


def test_trace_reads_in_date_order_with_one_event_per_line(story_path):
    text = trace_text(story_path, 3)
    lines = text.splitlines()
    assert lines[0].startswith("Replication 3 of 'story'")
    assert "seed 5" in lines[1]
    dates = [EVENT.match(line).group(1) for line in lines if EVENT.match(line)]
    assert dates == sorted(dates) and len(dates) > 20
    assert "Budget year 1, from 2024-01-01" in text
    assert "Milestones (first to reach each)" in text
    # the mission that succeeded before the start opens the story
    assert "Before the start" in text
    before = [line for line in lines if "Blue Pathfinder" in line]
    assert before[0].startswith("  2019-01-03  Blue Agency")
    assert "succeeded before the start" in before[0]
    assert re.search(r"MILESTONE +reaches orbit, the first to do so", before[1])
    # every event line names a known agency
    for line in lines:
        m = EVENT.match(line)
        if m:
            assert m.group(2).strip() in NAMES, line


def test_trace_says_why_a_mission_never_started(story_path):
    s = load_scenario(story_path, ["agencies.red.missions.orbiter.success=0"])
    text = tell(s, 0, SEED).text()
    assert re.search(r"Red Orbiter +FAILURE +attempt 2 failed", text)
    assert "never started: needs Red Orbiter (failed for good)" in text
    assert "never started: needs Red Lander (never started)" in text
    assert "Left undone at the horizon (2036-12-31)" in text


def test_trace_only_one_agency(story_path):
    text = trace_text(story_path, 7, "--only", "Red Agency")
    assert "only Red Agency" in text
    shown = set()
    for line in text.splitlines():
        m = EVENT.match(line)
        if m:
            who = NAMES[m.group(2).strip()]
            shown.add(who)
            if who == "blue":  # only blue's missions that red helps pay for
                assert "Blue Lander" in line, line
    assert "red" in shown
    assert trace_text(story_path, 7, "--only", "red") == text
    # money: only the chosen agency
    assert "Blue Agency  received" not in text


def test_trace_set_and_seed(story_path):
    base = trace_text(story_path, 2)
    never = trace_text(
        story_path,
        2,
        "--set",
        "agencies.red.missions.orbiter.success=0",
        "--set",
        "agencies.blue.missions.probe.success=0",
    )
    assert "reaches landing" not in never
    assert base != never
    other = invoke("trace", story_path, "-r", 2, "--seed", SEED + 1)
    assert other.exit_code == 0 and other.output != base


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--only", "green"], "no agency 'green'"),
        (["--replication", "-1"], "replication"),
        (["--set", "agencies.red.budget.anual=3"], "annual"),
    ],
)
def test_trace_bad_options_fail_cleanly(story_path, args, needle):
    if "--replication" not in args:
        args = ["-r", "0", *args]
    result = invoke("trace", story_path, *args)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert needle in result.output
    assert "Traceback" not in result.output


def test_trace_needs_a_replication(story_path):
    result = invoke("trace", story_path)
    assert result.exit_code == 2 and "--replication" in result.output


def test_story_dates_are_the_model_dates(story_path):
    s = load_scenario(story_path)
    story = tell(s, 1, SEED)
    for e in story.events:
        assert story.date(e.time) == s.start + dt.timedelta(days=int((e.time * 365.25 + 1e-6) // 1))


def test_base_scenario_trace_matches_its_run(tmp_path):
    base = Path(__file__).resolve().parents[1] / "scenarios" / "base.yaml"
    if not base.exists():
        pytest.skip("no scenarios/base.yaml")
    s = load_scenario(base)
    rows = run_table(base, tmp_path / "base", 6, 2)
    for k in range(6):
        story = tell(s, k, SEED)
        got = [(r.milestone, r.agency, r.date.isoformat(), int(r.first)) for r in story.reaches()]
        assert got == rows.get(k, []), k
        text = story.text()
        assert text.count("MILESTONE") == len(got)


def test_trace_header_shows_the_overrides(mini_scenario_path):
    from .helpers import invoke

    change = "agencies.beta.missions.lander.success=0.5"
    plain = invoke("trace", mini_scenario_path, "-r", 2)
    changed = invoke("trace", mini_scenario_path, "-r", 2, "--set", change)
    assert plain.exit_code == changed.exit_code == 0, changed.output
    head = changed.output.splitlines()[:3]
    assert head[:2] == plain.output.splitlines()[:2]
    assert head[2] == f"changed with --set: {change}"
    assert "--set" not in plain.output
