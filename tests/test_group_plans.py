"""How a funding group's plan depends on its events (racesim/engine/money.py), and why
a re-plan cannot be confined to the developments an event touches (issue 13 §5).

At every start and completion in a group the books are planned again: each payer
reserves its money in hand for the rest of the quarter, and in the first pass a shared
development is reserved for at its full run even where another payer holds it back.  As
the quarter goes on that reservation shrinks with the time left, so a payer's money
behind a held-back development is released a little at every plan, and the events of
*other* agencies change how long its later developments run.  These tests pin that
(the goldens pin it too, in bits), so that a faster re-plan keeps it.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import simpy

import racesim
from racesim.engine.money import PLAN_LATER_AT, Funding, Treasury
from racesim.engine.plan import Plan

ROOT = Path(__file__).resolve().parents[1]


def _progress_of_y(with_unrelated_completion: bool) -> float:
    """Agency A gets 10 a quarter.  X (A's, half paid by B, who has nothing) is held
    back; Y (A's, half paid by the rich C) comes after X in A's priority order and
    needs 40 a year from A.  W is C's own, done at 0.1.  Y's work done by 0.24."""
    env = simpy.Environment()
    a = Treasury(0, "A", [10.0] + [0.0] * 9)
    b = Treasury(1, "B", [0.0] * 10)
    c = Treasury(2, "C", [4000.0] * 10)
    f = Funding(env, 10.0, [a, b, c])
    x = SimpleNamespace(index=0, agency=0, payers=((0, 0.5), (1, 0.5)))
    y = SimpleNamespace(index=1, agency=0, payers=((0, 0.5), (2, 0.5)))
    w = SimpleNamespace(index=2, agency=2, payers=((2, 1.0),))
    f.develop(x, 20.0, 1.0, 0.0, f.trs)
    dev_y, _, _ = f.develop(y, 80.0, 1.0, 0.0, f.trs)
    if with_unrelated_completion:
        f.develop(w, 1.0, 0.1, 0.0, f.trs)
    env.run(until=0.24)
    f.settle(0.24)
    return 1.0 - dev_y.remaining


def test_an_unrelated_completion_changes_a_shared_developments_run():
    # alone: A reserves 2.5 for X (its quarter at 10 a year), 7.5 for Y: Y runs
    # 7.5 / 40 = 0.1875 years.  Re-planned at 0.1 (W's completion): A has 6 left and
    # X's reservation is 1.5, so Y gets 4.5 / 40 more: 0.1 + 0.1125 = 0.2125
    assert abs(_progress_of_y(False) - 0.1875) < 1e-12
    assert abs(_progress_of_y(True) - 0.2125) < 1e-12


def _largest_group(path: Path) -> int:
    """The most missions of one funding group (each has at most one development at a
    time) in a scenario file, or in any scenario of a mixture file."""
    s = racesim.load(path)
    scenarios = [c.scenario for c in s.components] if hasattr(s, "components") else [s]
    most = 0
    for one in scenarios:
        p = Plan.from_scenario(one)
        for group in p.components:
            members = set(group)
            most = max(most, sum(1 for m in p.missions if m.agency in members))
    return most


def test_the_goldens_and_shipped_scenarios_keep_the_general_path():
    """Their groups stay below PLAN_LATER_AT developments, so the goldens and the
    reference runs check the general path in bits."""
    files = sorted(
        [*(ROOT / "tests" / "golden").glob("*/*.yaml"), *(ROOT / "scenarios").glob("*.yaml")]
    )
    assert len(files) > 50
    sizes = {f.name: _largest_group(f) for f in files}
    assert max(sizes.values()) < PLAN_LATER_AT, sizes
