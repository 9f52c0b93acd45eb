"""The one place where the safety-net tests (golden outputs, oracle, fast path) reach
into racesim's internals.  When a refactor moves the engine, change the imports here
and nothing else.

Public entry points (``racesim.load``, ``racesim.simulate``, the command line) are used
directly by the tests; everything below is internal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from racesim import model as _model
from racesim.plan import ATTEMPT_BLOCK, Plan
from racesim.replication import run_chunk, run_replication
from racesim.scenario import Scenario, from_data
from racesim.streams import draw_chunk, extra_attempts

__all__ = [
    "ATTEMPT_BLOCK",
    "SHORTCUTS",
    "Plan",
    "draw_chunk",
    "extra_attempts",
    "plan",
    "reach_times",
    "scenario_from_data",
    "shortcuts",
    "traced_reach",
]

#: the model's private switches (racesim/model.py), each a fast path that can be off
SHORTCUTS = ("_EARLY_STOP", "_ONE_DEVELOPMENT", "_SKIP_AHEAD", "_PAID_IN_HAND", "_WHOLE_QUARTERS")


def scenario_from_data(data: dict, base_dir: Path) -> Scenario:
    return from_data(data, base_dir=base_dir)


def plan(s: Scenario) -> Plan:
    return Plan.from_scenario(s)


def reach_times(s: Scenario | Plan, seed: int, n: int, first: int = 0) -> np.ndarray:
    """Replications first..first+n-1 as the silent (fast) run computes them: (n, M, A)
    years from start, NaN = not reached by the horizon."""
    p = s if isinstance(s, Plan) else plan(s)
    return run_chunk(p, seed, first, n)


def traced_reach(s: Scenario | Plan, seed: int, i: int) -> np.ndarray:
    """Replication ``i`` as ``racesim trace`` runs it (with its story, books kept)."""
    return run_replication(s, seed, i, log=[]).reached


def untraced_reach(s: Scenario | Plan, seed: int, i: int) -> np.ndarray:
    """Replication ``i`` alone (a chunk of one), silent, with the books kept."""
    return run_replication(s, seed, i).reached


@contextlib.contextmanager
def shortcuts(**on: bool) -> Iterator[None]:
    """Turn model shortcuts on or off inside the block: ``shortcuts(_SKIP_AHEAD=False)``;
    ``shortcuts(all=False)`` turns every one off."""
    every = on.pop("all", None)
    wanted = {k: every for k in SHORTCUTS} if every is not None else {}
    wanted.update(on)
    unknown = set(wanted) - set(SHORTCUTS)
    assert not unknown, f"no such shortcut: {unknown}"
    old = {k: getattr(_model, k) for k in wanted}
    try:
        for k, v in wanted.items():
            setattr(_model, k, v)
        yield
    finally:
        for k, v in old.items():
            setattr(_model, k, v)


@contextlib.contextmanager
def counting(method: str) -> Iterator[list[int]]:
    """Count the calls of ``Funding.<method>`` inside the block (``box[0]``)."""
    box = [0]
    original = getattr(_model.Funding, method)

    def counted(self, *args, **kw):
        box[0] += 1
        return original(self, *args, **kw)

    setattr(_model.Funding, method, counted)
    try:
        yield box
    finally:
        setattr(_model.Funding, method, original)
