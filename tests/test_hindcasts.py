"""The hindcast origins (scenarios/hindcast-*.yaml) keep the cut-off rule of
seeds/README.md: no fact announced after the origin, the landing record cut at it,
and every covered milestone settled by seeds/outcomes.csv."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from racesim.analysis import backtest as bt
from racesim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
HINDCASTS = sorted((ROOT / "scenarios").glob("hindcast-*.yaml"))
ORIGINS = {
    "hindcast-2007.yaml": "2007-01-01",
    "hindcast-2013.yaml": "2013-01-01",
    "hindcast-2019.yaml": "2019-01-01",
}


def announced() -> dict[str, str]:
    """Row id -> announced date ("" when unknown), over programmes.csv and budgets.csv."""
    out = {}
    for name in ("programmes.csv", "budgets.csv"):
        with open(ROOT / "seeds" / name, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                out[row["id"]] = row["announced"]
    return out


def body(path: Path) -> str:
    """The file after its header comment: the lines the numbers stand on (the header
    also names later rows, to say they are not used)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    return "\n".join(lines[first:])


def test_the_three_origins_exist():
    assert [p.name for p in HINDCASTS] == sorted(ORIGINS)


@pytest.mark.parametrize("path", HINDCASTS, ids=lambda p: p.name)
def test_an_origin_stands_alone_and_cuts_the_record_at_its_start(path):
    s = load_scenario(path)
    assert "\nextends:" not in path.read_text(encoding="utf-8")
    assert s.start.isoformat() == ORIGINS[path.name]
    assert s.record.until == s.start - dt.timedelta(days=1)


@pytest.mark.parametrize("path", HINDCASTS, ids=lambda p: p.name)
def test_every_cited_row_was_announced_before_the_origin(path):
    start = ORIGINS[path.name]
    rows = announced()
    text = body(path)
    cited = {i for i in rows if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)}
    assert len(cited) >= 8  # the numbers do cite their rows
    late = {i: rows[i] for i in cited if not rows[i] or rows[i] > start}
    assert late == {}, f"{path.name} cites rows announced after {start}: {late}"


@pytest.mark.parametrize("path", HINDCASTS, ids=lambda p: p.name)
def test_an_origin_never_cites_an_outcome(path):
    with open(ROOT / "seeds" / "outcomes.csv", newline="", encoding="utf-8") as fh:
        ids = {r["id"] for r in csv.DictReader(fh)} - {"cutoff"}
    text = body(path)
    assert [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)] == []


@pytest.mark.parametrize("path", HINDCASTS, ids=lambda p: p.name)
@pytest.mark.parametrize("scoring", bt.SCORINGS)
def test_the_outcomes_file_covers_every_milestone_of_an_origin(path, scoring):
    s = load_scenario(path)
    facts = bt.read_outcomes(ROOT / "seeds" / "outcomes.csv")
    evs, notes = bt.events(s, facts, scoring=scoring)
    assert not [n for n in notes if "no row in the outcomes file" in n]
    assert {e.milestone for e in evs} == set(s.milestones)
    # exactly one "first" event per milestone happened
    for m in s.milestones:
        assert sum(e.happened for e in evs if e.kind == "first" and e.milestone == m) == 1


def test_the_outcomes_settle_the_hindcast_milestones_as_history_did():
    facts = bt.read_outcomes(ROOT / "seeds" / "outcomes.csv")
    first = {}
    for scoring in bt.SCORINGS:
        for m in (
            "soft_landing",
            "sample_return",
            "far_side_landing",
            "fourth_country_landing",
            "commercial_landing",
        ):
            yes = bt.reached_by(facts, m, facts.cutoff, scoring)
            first[scoring, m] = min(yes, key=lambda a: yes[a].date), yes
    assert first["strict", "soft_landing"][0] == "cnsa"
    assert first["strict", "sample_return"][1]["cnsa"].date == dt.date(2020, 12, 16)
    assert first["strict", "far_side_landing"][1]["cnsa"].date == dt.date(2019, 1, 3)
    assert first["strict", "fourth_country_landing"][0] == "isro"
    # partial landings: SLIM and IM-1 count only under lenient scoring
    assert "jaxa" not in first["strict", "soft_landing"][1]
    assert first["lenient", "soft_landing"][1]["jaxa"].date == dt.date(2024, 1, 19)
    assert first["strict", "commercial_landing"][1]["nasa"].date == dt.date(2025, 3, 2)
    assert first["lenient", "commercial_landing"][1]["nasa"].date == dt.date(2024, 2, 22)


@pytest.mark.parametrize("name", ["programmes.csv", "budgets.csv", "outcomes.csv"])
def test_every_seed_row_has_the_header_fields_and_a_unique_id(name):
    with open(ROOT / "seeds" / name, newline="", encoding="utf-8") as fh:
        head, *rows = list(csv.reader(fh))
    assert [r[0] for r in rows if len(r) != len(head)] == []
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids))
    dates = [r[head.index("announced" if name != "outcomes.csv" else "date")] for r in rows]
    assert [d for d in dates if d and not re.fullmatch(r"\d{4}-\d\d-\d\d", d)] == []
