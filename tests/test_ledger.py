"""The forecast ledger: ``seeds/forecasts-2026.csv`` holds racesim's pre-registered
answers to the crowd's questions for ``scenarios/2026.yaml``.  This test recomputes them
at the file's own seed and number of replications: a change that moves a
pre-registered forecast fails here, so it is made on purpose (rewrite the ledger with
``racesim crowd scenarios/2026.yaml --since 2026-05-27 --out seeds/forecasts-2026.csv
--force`` and say
why in the commit)."""

from __future__ import annotations

import csv
from pathlib import Path

import racesim
from racesim.analysis.crowd import LEDGER_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
LEDGER = ROOT / "seeds" / "forecasts-2026.csv"


def test_the_2026_ledger_still_matches_the_2026_scenario():
    with open(LEDGER, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == LEDGER_COLUMNS
        rows = list(reader)
    assert rows, "the ledger is empty"
    (seed,), (n,) = {r["seed"] for r in rows}, {r["replications"] for r in rows}
    since = min(r["crowd_date"] for r in rows)  # the ledger asks from its earliest question on
    now = racesim.crowd(
        ROOT / "scenarios" / "2026.yaml",
        ROOT / "seeds" / "crowd.csv",
        int(n),
        int(seed),
        since=since,
    )
    got = {a.question.id: a.p for a in now.answers}
    moved = {
        r["id"]: (float(r["p"]), got.get(r["id"]))
        for r in rows
        if got.get(r["id"]) != float(r["p"])
    }
    assert not moved, (
        f"pre-registered forecasts moved (ledger p, now): {moved}; if on purpose, rewrite "
        "the ledger (see this file's docstring)"
    )
    assert {r["scenario"] for r in rows} == {now.scenario.name}
