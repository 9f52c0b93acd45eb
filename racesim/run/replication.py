"""One replication: a pure function of (plan, seed, replication number).

Replication *i* draws its random numbers from its own streams (:mod:`racesim.run.streams`),
builds its own SimPy environment (:class:`racesim.engine.missions.Race`, or
:class:`racesim.engine.mechanisms.MechanismRace` for a plan with v2 mechanisms), runs it and
returns a small result; nothing else is shared, so replications may run anywhere, in
any order (:mod:`racesim.run.executors`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from racesim.engine.events import StoryEvent
from racesim.engine.mechanisms import race_class
from racesim.engine.plan import Plan
from racesim.run.streams import Draws, draw_chunk
from racesim.scenario.schema import Scenario


@dataclass(frozen=True)
class ReplicationResult:
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


def replicate(
    plan: Plan, draws: Draws, row: int, seed: int, log: list[StoryEvent] | None = None
) -> ReplicationResult:
    """Replication ``draws.first + row`` from its drawn random numbers, books kept."""
    i = draws.first + row
    race = race_class(plan)(plan, draws, row, seed, i, log).run()
    tr = race.treasuries
    return ReplicationResult(
        i,
        race.reached,
        np.array(race.attempts),
        np.array([t.spent for t in tr]),
        np.array([t.received for t in tr]),
    )


def run_replication(
    scenario: Scenario | Plan, seed: int, i: int, log: list[StoryEvent] | None = None
) -> ReplicationResult:
    """Replication ``i`` of ``scenario`` at root ``seed``; pass ``log=[]`` for its story."""
    plan = plan_of(scenario)
    return replicate(plan, draw_chunk(plan, seed, i, 1), 0, seed, log)


def run_chunk(
    plan: Plan, seed: int, first: int, count: int, factor_keys: np.ndarray | None = None
) -> np.ndarray:
    """Replications ``first .. first+count-1``: reached times, shape (count, M, A).
    ``factor_keys``: which draw of the factors each replication gets (default its own
    index; ``--worlds`` passes world indices: :func:`racesim.run.streams.draw_factors`)."""
    draws = draw_chunk(plan, seed, first, count, factor_keys)
    out = np.empty((count, len(plan.milestones), len(plan.agencies)))
    race = race_class(plan)
    for row in range(count):
        out[row] = race(plan, draws, row, seed, first + row).run(books=False).reached
    return out


def run_chunks(plans: tuple[Plan, ...], seed: int, first: int, count: int) -> list[np.ndarray]:
    """The same replications of several plans (paired: see :mod:`racesim.run.lockstep`)."""
    return [run_chunk(p, seed, first, count) for p in plans]
