"""The v2 engine (engine/mechanisms.py, MechanismRace) re-states a mission's life
with hazards, transit, stand-downs and partial landings; with none of them in use it
must be the format-1 engine exactly.  The project's scenarios, run by both on the same
draws, agree replication by replication: reach times, attempts and the books."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import racesim
from racesim.engine.mechanisms import MechanismRace, race_class
from racesim.engine.missions import Race
from racesim.engine.plan import Plan
from racesim.run.streams import draw_chunk, draw_mechanisms

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "path", [ROOT / "scenarios" / "base.yaml", ROOT / "benchmarks" / "workload.yaml"]
)
def test_mechanism_race_without_mechanisms_is_the_plain_race(path):
    s = racesim.load(path)
    p = Plan.from_scenario(s)
    assert race_class(p) is Race  # a format-1 scenario runs the plain engine
    n = 120
    d = draw_chunk(p, 5, 0, n)
    d.mech = draw_mechanisms(p, 5, 0, n, d.success, d.factors)
    reached = 0
    for row in range(n):
        a = Race(p, d, row, 5, row).run()
        b = MechanismRace(p, d, row, 5, row).run()
        assert np.array_equal(a.reached, b.reached, equal_nan=True), row
        assert a.attempts == b.attempts, row
        assert [t.spent for t in a.treasuries] == [t.spent for t in b.treasuries], row
        reached += int(np.sum(~np.isnan(a.reached)))
    assert reached > n
