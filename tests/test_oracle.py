"""racesim against its oracles, replication by replication, on shared random numbers.

Two straightforward SimPy models written from the README's rules, independently of
racesim's engine, are fed racesim's own random numbers (tests/engine.py,
SharedInputs) and must give the same reach times:

* tests/oracle/simple_simpy.py, the benchmark baseline, on the benchmark workload
  (six agencies of five sequential missions, many re-flights, a war shock);
* tests/oracle/general.py, for any scenario: priorities among an agency's missions,
  partners' shares, re-flights (beyond racesim's fixed block of attempt numbers too),
  ``not_before``, requirements within and across agencies, missions that succeeded
  before the start, and budgets with growth, volatility and shocks (windows and
  probabilities) computed by the oracle itself from their random parts.  It runs on
  the workload and on 60 generated scenarios.

The models add the same amounts in different orders, so a reach time may differ in
its last bits; TOL allows for that and nothing more (a real disagreement is a stall, a
quarter, a re-flight: far larger).  Which pairs are reached must agree exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import racesim
from benchmarks import workload_params
from tests import engine
from tests.oracle import general, simple_simpy
from tests.scenario_gen import random_scenario

TOL = 1e-6  # years (about 30 s)
ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = ROOT / "benchmarks" / "workload.yaml"
BASE_DIR = Path(__file__).resolve().parent / "golden" / "scenarios"  # for record.file
N_GENERATED = 100


def _disagreements(racesim_reach: np.ndarray, oracle_reach: np.ndarray) -> list[int]:
    """Rows (replications) in which the two disagree."""
    x, y = racesim_reach, oracle_reach
    differ = np.isnan(x) != np.isnan(y)
    both = ~(np.isnan(x) | np.isnan(y))
    differ |= both & (np.abs(np.where(both, x - y, 0.0)) > TOL)
    return sorted({int(i) for i in np.argwhere(differ)[:, 0]})


def test_workload_simple_oracle():
    params = workload_params.load(WORKLOAD)
    s = racesim.load(WORKLOAD)
    seed, n = params.seed, 60
    nk = len(params.missions)
    inputs = engine.shared_inputs(s, seed, 0, n)
    got = np.empty((n, len(params.milestones), len(params.agencies)))
    for row, x in enumerate(inputs):

        class Fed(simple_simpy.Agency):
            def draw_budget(self, year, x=x):
                return x.yearly(self.index, year)

            def draw_duration(self, j, x=x):
                return x.duration(self.index * nk + j)

            def draw_attempt(self, j, k, x=x):
                return x.attempt_u(self.index * nk + j, k)

        got[row] = simple_simpy.replication(params, seed, row, agency=Fed)
    want = engine.reach_times(s, seed, n)
    assert not _disagreements(want, got), _disagreements(want, got)
    assert np.sum(~np.isnan(want)) > n  # the race is run, not empty


def _oracle(s, seed: int, n: int) -> np.ndarray:
    return np.array([general.replication(s, x) for x in engine.shared_inputs(s, seed, 0, n)])


def test_workload_general_oracle():
    s = racesim.load(WORKLOAD)
    want = engine.reach_times(s, 1, 40)
    bad = _disagreements(want, _oracle(s, 1, 40))
    assert not bad, f"the workload: racesim and the oracle differ in replications {bad}"


#: every scenario file of the project but the mixtures (their components are here too)
PLAIN = [
    p
    for p in sorted((ROOT / "scenarios").glob("*.yaml"))
    if "\nmixture:" not in p.read_text(encoding="utf-8")
]


def _expressible(s):
    """``s`` without what the general oracle does not express (hazards and partner terms,
    whose closed forms are in tests/test_mechanisms.py): hazards dropped, each partner
    reduced to its plain share, and factors that only those named dropped with them.
    racesim and the oracle then run the same, smaller scenario."""
    data = s.to_data()
    for ag in data["agencies"].values():
        ag.pop("hazards", None)
        for m in ag["missions"]:
            m["partners"] = {
                k: (v["share"] if isinstance(v, dict) else v) for k, v in m["partners"].items()
            }
    text = json.dumps({k: v for k, v in data.items() if k != "factors"})
    named = {f for f in data.get("factors", {}) if f'"{f}"' in text}
    data["factors"] = {k: v for k, v in data.get("factors", {}).items() if k in named}
    return engine.scenario_from_data(data, ROOT)


@pytest.mark.parametrize("path", PLAIN, ids=lambda p: p.stem)
def test_project_scenarios_general_oracle(path):
    s = _expressible(racesim.load(path))
    want = engine.reach_times(s, 7, 30)
    bad = _disagreements(want, _oracle(s, 7, 30))
    assert not bad, f"{path.name}: racesim and the oracle differ in replications {bad}"


@pytest.fixture(scope="module")
def generated():
    out = []
    for k in range(N_GENERATED):
        data = random_scenario(9000 + k)
        out.append((k, data, engine.scenario_from_data(data, BASE_DIR)))
    return out


def test_generated_scenarios_exercise_every_mechanism(generated):
    """The scenarios below use what the oracle is there to check."""
    seen = set()
    for _, data, _ in generated:
        for ag in data["agencies"].values():
            b = ag.get("budget") or {}
            seen |= {"growth", "volatility"} & set(b)
            for sh in b.get("shocks", []):
                seen.add("shock")
                if "from" in sh or "until" in sh:
                    seen.add("shock window")
                if "probability" in sh:
                    seen.add("shock probability")
            costly = [m for m in ag["missions"] if m.get("cost", 0) != 0]
            if len(costly) > 1:
                seen.add("priorities")
            for m in ag["missions"]:
                seen |= {k for k in ("partners", "not_before", "succeeded") if k in m}
                if m.get("attempts", 1) > 8:
                    seen.add("re-flights beyond the block")
                elif m.get("attempts", 1) > 1:
                    seen.add("re-flights")
                for r in m.get("requires", []):
                    seen.add("requires across agencies" if "." in r else "requires")
    assert seen >= {
        "growth", "volatility", "shock", "shock window", "shock probability", "priorities",
        "partners", "not_before", "succeeded", "re-flights", "re-flights beyond the block",
        "requires", "requires across agencies",
    }, seen  # fmt: skip


def against_the_oracle(generated, made_by: str) -> tuple[list[str], int]:
    """racesim and the oracle on each generated ``(k, data, scenario)`` at seed 5, 10
    replications: the disagreements (naming ``made_by(k)``) and how many reach times
    racesim gave (so that a test can say the scenarios reach something)."""
    bad, reached = [], 0
    for k, _, s in generated:
        want = engine.reach_times(s, 5, 10)
        reached += int(np.sum(~np.isnan(want)))
        rows = _disagreements(want, _oracle(s, 5, 10))
        if rows:
            bad.append(f"{made_by}({k}) replications {rows}")
    return bad, reached


def test_generated_scenarios_general_oracle(generated):
    bad, reached = against_the_oracle(
        [(9000 + k, d, s) for k, d, s in generated], "random_scenario"
    )
    assert not bad, "racesim and the oracle differ (seed 5): " + "; ".join(bad)
    assert reached > 1500
