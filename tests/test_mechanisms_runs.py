"""Runs with every format-v2 mechanism (generated scenarios with hazards, partner
terms, transit, stand-downs, unlimited attempts, partial landings, factors and slip):
a replication does not depend on how it is run (alone or in a chunk, traced or silent,
with the speed paths on or off), and ``racesim trace`` says what each mechanism did."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import racesim
from racesim.output.story import tell
from racesim.run.replication import run_replication
from tests import engine
from tests.helpers import mission, scenario
from tests.scenario_gen_v2 import random_v2_full

BASE_DIR = Path(__file__).resolve().parent / "golden" / "scenarios"  # for record.file
SHIPPED = Path(__file__).resolve().parent.parent / "scenarios"
SCENARIOS = [engine.scenario_from_data(random_v2_full(5000 + k), BASE_DIR) for k in range(25)]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(np.isnan(a), np.isnan(b)) and np.allclose(a, b, equal_nan=True))


def test_the_generated_scenarios_use_hazards_and_partner_terms():
    kinds = set()
    for s in SCENARIOS:
        for ag in s.agencies.values():
            kinds |= {h.effect for h in ag.hazards}
            for m in ag.missions:
                for t in m.partner_terms().values():
                    kinds |= {t.shortfall}
                    kinds |= (
                        {"leave"} if not t.leave_rate.is_fixed or t.leave_rate.params[0] else set()
                    )
    assert kinds >= {"cancel", "pause", "owner_covers", "stall", "leave"}, kinds


def test_chunking_does_not_change_a_replication():
    for s in SCENARIOS:
        whole = engine.reach_times(s, 3, 12)
        assert _same(whole[4:9], engine.reach_times(s, 3, 5, first=4))


def test_traced_and_silent_runs_agree():
    for s in SCENARIOS:
        for i in range(4):
            assert _same(engine.traced_reach(s, 3, i), engine.untraced_reach(s, 3, i)), (s.name, i)


def test_the_speed_paths_change_nothing():
    for s in SCENARIOS[:12]:
        fast = engine.reach_times(s, 4, 8)
        with engine.shortcuts(all=False):
            slow = engine.reach_times(s, 4, 8)
        assert np.allclose(fast, slow, equal_nan=True, atol=1e-9), s.name
        assert np.array_equal(np.isnan(fast), np.isnan(slow))


def test_an_allocation_settled_by_its_first_guess_is_the_iterations_bit_for_bit():
    """shortfall._ONE_PASS: when everyone can pay in full, the owner_covers allocation
    skips its iteration; the numbers (reach times, and the books) are the same to the
    last bit as with the iteration, and the shortcut is really taken."""
    plans = [engine.plan(s) for s in SCENARIOS[:12]]
    plans.append(engine.plan(racesim.load(SHIPPED / "base.yaml")))

    def run():
        out = []
        for p in plans:
            out.append(engine.reach_times(p, 4, 8))
            for i in range(3):
                r = run_replication(p, 4, i)
                out += [r.reached, r.spent, r.received]
        return out

    with engine.counting("_settle_covering") as on:
        fast = run()
    with engine.shortcuts(_ONE_PASS=False), engine.counting("_settle_covering") as off:
        slow = run()
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(fast, slow))
    assert 0 < on[0] < off[0], (on[0], off[0])


def _words(s, n=30) -> str:
    return "\n".join(tell(s, i).text() for i in range(n))


def test_trace_tells_every_mechanism_in_words():
    text = _words(
        scenario(
            {
                "a": {
                    "name": "NASA",
                    "budget": {"annual": 100},
                    "hazards": [
                        {"name": "axe", "rate": 0.05},
                        {"name": "hold", "rate": 0.3, "effect": "pause", "pause": 1.5},
                    ],
                    "missions": [
                        mission(
                            "x",
                            duration=1.0,
                            cost=50,
                            success=0.3,
                            partial=0.2,
                            transit=0.02,
                            attempts="unlimited",
                            refly={"stand_down": 0.75},
                            partners={"b": {"share": 0.2, "leave_rate": 0.3}},
                        )
                    ],
                },
                "b": {"name": "ESA", "budget": {"annual": 100}},
            }
        )
    )
    assert "cancelled by hazard 'axe' (rate 5%/yr)" in text
    assert "paused by hazard 'hold' for 1.5 years" in text
    assert "partner ESA left; NASA pays its share" in text
    assert "stands down 0.8 years after the failure" in text  # 0.75, one decimal
    assert "partial landing (chance 20%)" in text
    import re

    launches = re.findall(r"launched (\d{4}-\d\d-\d\d); lands (\d{4}-\d\d-\d\d)", text)
    assert launches and all(a < b for a, b in launches)


@pytest.mark.parametrize("field", ["transit", "partial"])
def test_a_traced_v2_mission_left_undone_says_so(field):
    """The 'left undone' section lists a mission still developing at the horizon, and
    not one that a hazard cancelled."""
    kw = {"transit": 0.1} if field == "transit" else {"partial": 0.1, "success": 0.5}
    s = scenario(
        {
            "a": {
                "hazards": [{"name": "axe", "rate": 5.0, "missions": ["y"]}],
                "missions": [
                    mission("x", duration=100.0, **kw),
                    mission("y", duration=10.0, achieves=[]),
                ],
            }
        }
    )
    text = tell(s, 0).text()
    assert "unfinished at the horizon" in text
    assert "cancelled by hazard 'axe'" in text
    undone = text.split("Left undone")[1].split("Milestones")[0]
    assert " y " not in undone and " x " in undone


def test_run_and_sensitivity_take_a_v2_scenario(tmp_path):
    """The results folder, its report and sensitivity's default parameters accept
    every v2 field (a factor reference moves with its factor, so it is not varied on
    its own)."""
    import yaml

    from racesim.analysis.sensitivity import default_parameters
    from tests.helpers import invoke

    def rich(x) -> bool:
        text = repr(x.to_data())
        return "'factor':" in text and "'shortfall':" in text and "unlimited" in text

    s = next(x for x in SCENARIOS if rich(x))
    path = tmp_path / "v2.yaml"
    path.write_text(yaml.safe_dump(s.to_data(), sort_keys=False), encoding="utf-8")
    res = invoke("run", path, "-n", 50, "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "report.html").stat().st_size > 1000
    for p in default_parameters(s):
        assert "factor" not in str(p.base)
