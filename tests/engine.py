"""The one place where the safety-net tests (golden outputs, oracle, fast path) reach
into racesim's internals.  When a refactor moves the engine, change the imports here
and nothing else.

Public entry points (``racesim.load``, ``racesim.simulate``, the command line) are used
directly by the tests; everything below is internal.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from racesim.engine import missions as _missions
from racesim.engine import money as _money
from racesim.engine import money_paths as _paths
from racesim.engine import shortfall as _shortfall
from racesim.engine.plan import ATTEMPT_BLOCK, Plan
from racesim.run.replication import run_chunk, run_replication
from racesim.run.streams import draw_chunk, draw_factors, extra_attempts
from racesim.scenario.schema import Scenario, from_data

__all__ = [
    "SHORTCUTS",
    "SharedInputs",
    "counting",
    "path_runs",
    "plan",
    "reach_times",
    "scenario_from_data",
    "shared_inputs",
    "shortcuts",
    "traced_reach",
    "untraced_reach",
]

#: the engine's private switches, each a speed path that can be off, and their modules
#: (racesim/engine/money.py's docstring says when each path is taken)
_SWITCHES = {
    "_EARLY_STOP": _missions,
    "_SOLO": _missions,
    "_ONE_DEVELOPMENT": _money,
    "_SKIP_AHEAD": _money,
    "_PAID_IN_HAND": _paths,
    "_WHOLE_QUARTERS": _paths,
    "_ONE_PAYER_EACH": _money,
    "_ONE_PASS": _shortfall,  # format v2 (owner_covers): tests/test_mechanisms_runs.py
    "_ONE_PLAN_AN_INSTANT": _money,
    "_SHARED_ONCE": _money,
}
SHORTCUTS = tuple(_SWITCHES)


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
    old = {k: getattr(_SWITCHES[k], k) for k in wanted}
    try:
        for k, v in wanted.items():
            setattr(_SWITCHES[k], k, v)
        yield
    finally:
        for k, v in old.items():
            setattr(_SWITCHES[k], k, v)


@contextlib.contextmanager
def counting(method: str) -> Iterator[list[int]]:
    """Count the calls of ``Funding.<method>`` (racesim/engine/money.py) inside the
    block (``box[0]``)."""
    box = [0]
    original = getattr(_money.Funding, method)

    def counted(self, *args, **kw):
        box[0] += 1
        return original(self, *args, **kw)

    setattr(_money.Funding, method, counted)
    try:
        yield box
    finally:
        setattr(_money.Funding, method, original)


@contextlib.contextmanager
def path_runs(name: str) -> Iterator[list[int]]:
    """Count, inside the block (``box[0]``), how often the speed path marked
    ``# path: NAME.`` in racesim/engine/money_paths.py runs: the first statement after the
    marker's comment.  (A line tracer: for the paths inlined for performance, which
    have no method to count.)"""
    path = inspect.getsourcefile(_paths)
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    marks = [i for i, line in enumerate(lines) if f"# path: {name}." in line]
    assert len(marks) == 1, f"no single '# path: {name}.' marker in {path}"
    target = next(
        i + 1 for i in range(marks[0] + 1, len(lines)) if not lines[i].strip().startswith("#")
    )
    box = [0]

    def local(frame, event, _arg):
        if event == "line" and frame.f_lineno == target:
            box[0] += 1
        return local

    def calls(frame, _event, _arg):
        return local if frame.f_code.co_filename == path else None

    old = sys.gettrace()
    sys.settrace(calls)
    try:
        yield box
    finally:
        sys.settrace(old)


class SharedInputs:
    """racesim's random numbers for one replication, in the oracle's terms (shared
    random numbers: the oracle and racesim are fed the same draws).

    Budgets come as their parts, so that the oracle does the budget arithmetic itself:
    the annual draw, the standard-normal noise of each year, and per shock the uniform
    that decides whether it applies each year and its factor each year.  Missions are
    numbered in scenario order (agency by agency, missions in listed order)."""

    def __init__(self, shared: _Chunk, row: int):
        self._c, self._row = shared, row

    def yearly(self, a: int, k: int) -> float:
        """racesim's amount for budget year ``k`` (for the workload oracle)."""
        return float(self._c.draws.yearly[a][self._row, k])

    def annual(self, a: int) -> float:
        return self._c.parts[a][0][self._row]

    def noise_z(self, a: int) -> list[float]:
        return self._c.parts[a][1][self._row]

    def shock_u(self, a: int, s: int) -> list[float]:
        return self._c.parts[a][2][s][0][self._row]

    def shock_factor(self, a: int, s: int) -> list[float]:
        return self._c.parts[a][2][s][1][self._row]

    def factor(self, name: str) -> float:
        """The replication's draw of factor ``name`` (format v2)."""
        return self._c.factors[name][self._row]

    def mission_u(self, j: int, slot: int) -> float:
        """Mission ``j``'s uniform for its success (0), duration (1) or cost (2)."""
        return self._c.mission_u[j][self._row][slot]

    def partial(self, j: int) -> float:
        """The chance of a partial landing (format v2; 0 without one)."""
        mech = self._c.draws.mech
        return 0.0 if mech is None else float(mech.partial[j, self._row])

    def transit(self, j: int) -> float:
        mech = self._c.draws.mech
        return 0.0 if mech is None else float(mech.transit[j, self._row])

    def stand_down_u(self, j: int, n: int) -> float:
        """The uniform of mission ``j``'s stand-down after its failure ``n`` (from 0)."""
        key = (j, self._row, "stand_down")
        got = self._c.extra_seen.setdefault(key, [])
        if not got:
            self._c.extra[key] = self._c.draws.stand_downs(j, self._c.first + self._row)
        while len(got) <= n:
            got.append(float(self._c.extra[key].random()))
        return got[n]

    def success(self, j: int) -> float:
        return float(self._c.draws.success[j, self._row])

    def duration(self, j: int) -> float:
        return float(self._c.draws.duration[j, self._row])

    def cost(self, j: int) -> float:
        return float(self._c.draws.cost[j, self._row])

    def attempt_u(self, j: int, k: int) -> float:
        """The uniform of attempt ``k`` (0-based) of mission ``j``: success if below
        the mission's chance."""
        if k < ATTEMPT_BLOCK:
            return float(self._c.draws.attempt_u[self._row, j, k])
        key = (j, self._row)
        gen = self._c.extra.get(key)
        if gen is None:
            gen = self._c.extra[key] = extra_attempts(
                self._c.seed, self._c.plan, j, self._c.first + self._row
            )
        got = self._c.extra_seen.setdefault(key, [])
        while len(got) <= k - ATTEMPT_BLOCK:  # in order, as racesim draws them
            got.append(float(gen.random()))
        return got[k - ATTEMPT_BLOCK]


class _Chunk:
    def __init__(self, p: Plan, seed: int, first: int, count: int):
        from scipy.special import ndtri

        from racesim.run.streams import uniforms

        self.plan, self.seed, self.first = p, seed, first
        self.draws = draw_chunk(p, seed, first, count)
        self.extra: dict = {}
        self.extra_seen: dict = {}
        y = p.n_years
        self.parts = []
        fac = draw_factors(p, seed, np.arange(first, first + count))
        self.factors = {name: fac[f].tolist() for f, (name, _) in enumerate(p.factors)}

        def value(spec, u):  # a factor's draw, or the spec at its uniforms
            if spec.is_factor:
                f = fac[p.factor_index[spec.ref]]
                return np.broadcast_to(f if u.ndim == 1 else f[:, None], u.shape)
            return spec.quantile(u)

        self.mission_u = [None] * len(p.missions)
        for ag in p.agencies:  # the block layout of racesim/streams.py
            u = uniforms(p, seed, ag.index, first, count)
            annual = np.maximum(value(ag.annual, u[:, 0]), 0.0).tolist()
            z = ndtri(np.clip(u[:, 1 : 1 + y], 1e-300, None)).tolist()
            pos, shocks = 1 + y, []
            for sh in ag.shocks:
                applies = u[:, pos : pos + y].tolist()
                factor = np.maximum(value(sh.factor, u[:, pos + y : pos + 2 * y]), 0.0)
                shocks.append((applies, factor.tolist()))
                pos += 2 * y
            for j in ag.missions:  # [success] [duration] [cost] [attempt x K]
                self.mission_u[j] = u[:, pos : pos + 3].tolist()
                pos += 3 + ATTEMPT_BLOCK
            self.parts.append((annual, z, shocks))


def shared_inputs(s: Scenario, seed: int, first: int, count: int) -> list[SharedInputs]:
    """racesim's random numbers for replications first..first+count-1."""
    c = _Chunk(plan(s), seed, first, count)
    return [SharedInputs(c, row) for row in range(count)]
