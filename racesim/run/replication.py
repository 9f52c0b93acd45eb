"""One replication: a pure function of (plan, seed, replication number)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from racesim.engine.model import Event, Model
from racesim.engine.plan import Plan
from racesim.run.streams import Draws, draw_chunk
from racesim.scenario.schema import Scenario


@dataclass(frozen=True)
class Record:
    """What one replication decided.

    ``reached[m, a]``: years from start at which agency ``a`` reached milestone ``m``
    (NaN if not by the horizon).  ``attempts[j]``: attempts made by mission ``j``.
    ``spent``/``received``: USD millions per agency over the run.
    """

    replication: int
    reached: np.ndarray
    attempts: np.ndarray
    spent: np.ndarray
    received: np.ndarray


def plan_of(scenario: Scenario | Plan) -> Plan:
    return scenario if isinstance(scenario, Plan) else Plan.from_scenario(scenario)


def simulate(
    plan: Plan, draws: Draws, row: int, seed: int, log: list[Event] | None = None
) -> Record:
    i = draws.first + row
    model = Model(plan, draws, row, seed, i, log).run()
    tr = model.treasuries
    return Record(
        i,
        model.reached,
        np.array(model.attempts),
        np.array([t.spent for t in tr]),
        np.array([t.received for t in tr]),
    )


def run_replication(
    scenario: Scenario | Plan, seed: int, i: int, log: list[Event] | None = None
) -> Record:
    """Replication ``i`` of ``scenario`` at root ``seed``; pass ``log=[]`` for its story."""
    plan = plan_of(scenario)
    return simulate(plan, draw_chunk(plan, seed, i, 1), 0, seed, log)


def run_chunk(plan: Plan, seed: int, first: int, count: int) -> np.ndarray:
    """Replications ``first .. first+count-1``: reached times, shape (count, M, A)."""
    draws = draw_chunk(plan, seed, first, count)
    out = np.empty((count, len(plan.milestones), len(plan.agencies)))
    for row in range(count):
        out[row] = Model(plan, draws, row, seed, first + row).run(books=False).reached
    return out


def run_chunks(plans: tuple[Plan, ...], seed: int, first: int, count: int) -> list[np.ndarray]:
    """The same replications of several plans (paired: see :mod:`racesim.run.lockstep`)."""
    return [run_chunk(p, seed, first, count) for p in plans]
