"""A mission's life, and one replication of the race built from them.

A mission is a small state machine (README, "How missions run"):

    WAITING --requires succeeded--> DEVELOPING --work funded and done--> READY
    READY --not_before passed--> attempt: SUCCEEDED (credit its milestones, start the
    missions that waited for it), or a re-flight (DEVELOPING again, per ``refly``), or,
    with no attempts left, FAILED (and so is every mission that requires it).

Each step is a callback on the SimPy event that ends the previous one (a development's
completion, a launch window's timeout): the schedule of a process per mission, without
resuming a generator at each step.  Money is :mod:`racesim.engine.money`'s; the story
is data (:mod:`racesim.engine.events`), recorded only in a traced run.

A replication stops early once every (milestone, agency) pair is decided: reached, or no
longer reachable because every mission that could achieve it has failed for good
(``_EARLY_STOP``, a private switch for tests/test_fast_path.py; a traced run always
runs to the horizon, to tell the whole story).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import simpy

from racesim.engine import simpy_adapter as sim
from racesim.engine.events import StoryEvent
from racesim.engine.money import EPS, Development, Funding, Treasury
from racesim.engine.plan import ATTEMPT_BLOCK, MissionPlan, Plan

_EARLY_STOP = True  # end a replication once every (milestone, agency) pair is decided

# a mission's states
WAITING = 0  # for the missions it requires
DEVELOPING = 1  # first development or a re-flight (funded by money.Funding)
READY = 2  # developed, waiting for its launch window (not_before)
SUCCEEDED = 3
FAILED = 4  # no attempts left, or it requires a mission that failed


class Race:
    """One replication of the race. Build it, call :meth:`run`, read :attr:`reached`.

    ``draws`` are the replication's random numbers (row ``row`` of a chunk drawn by
    :mod:`racesim.run.streams`; the engine only reads them); ``log``, when a list,
    receives the story (:class:`StoryEvent`)."""

    def __init__(
        self,
        plan: Plan,
        draws,
        row: int,
        seed: int,
        replication: int,
        log: list[StoryEvent] | None = None,
    ):
        self.plan = plan
        self.env = simpy.Environment()
        self.log = log
        self.seed = seed
        self.replication = replication
        self._draws = draws
        incomes = draws.income_rows(row)
        self.treasuries = [Treasury(a.index, a.key, incomes[a.index]) for a in plan.agencies]
        keys = [a.key for a in plan.agencies]
        self.fundings: list[Funding] = [None] * len(plan.agencies)  # type: ignore
        for group in plan.components:
            f = Funding(self.env, plan.horizon, [self.treasuries[a] for a in group], log, keys)
            for a in group:
                self.fundings[a] = f
        n_ms, n_ag = len(plan.milestones), len(plan.agencies)
        self._reach = [[math.nan] * n_ag for _ in range(n_ms)]  # numpy after run()
        self.reached: np.ndarray | None = None
        self.attempts = [0] * len(plan.missions)
        # per mission (scenario order): draws and state
        self._p, self._dur, self._cost, u = draws.rows(row)
        self._u = u.tolist()  # attempt uniforms [mission][attempt]
        self._waiting = list(plan.n_requires)  # required missions not yet succeeded
        self.state = [WAITING] * len(plan.missions)
        for i in plan.pre_succeeded_indices:
            self.state[i] = READY  # past its start; credited as a success just below
        self._extra: dict[int, np.random.Generator] = {}
        # early stop: count, per (milestone, agency), the missions that could still
        # achieve it; the run ends when every pair is reached or out of reach
        self._live = [list(line) for line in plan.achievers]
        self._open = plan.n_achievable
        self._all_decided = self.env.event()
        if log is not None:
            self._log_budgets(draws, row)
        for i in plan.pre_succeeded_indices:
            self._succeed(i, plan.missions[i].succeeded)
        for i in plan.ready_at_start:
            self._start(i)

    def run(self, books: bool = True) -> Race:
        """Run to the horizon, or until every milestone is decided.  With ``books``
        (the default) the treasuries are brought up to the end, for their totals; a
        caller that only needs :attr:`reached` may skip that."""
        end = self.plan.horizon + 10 * EPS
        if self.log is None and self._open == 0 and _EARLY_STOP:
            self.reached = np.array(self._reach)
            self._dismantle()
            return self
        if self.log is None and _EARLY_STOP:
            self.env.timeout(end).callbacks.append(self._stop)
            self.env.run(until=self._all_decided)
        else:  # tell the whole story up to the horizon
            self.env.run(until=end)
        if books or self.log is not None:
            now = min(self.env.now, self.plan.horizon)
            for f in set(self.fundings):
                f.settle(now)
        if self.log is not None:
            self._log_unfinished()
            self.log.sort(key=lambda e: e.time)  # stable: same-time events keep order
        self.reached = np.array(self._reach)
        self._dismantle()
        return self

    def _dismantle(self) -> None:
        """Break the reference cycles among the run's objects (the model, its fundings,
        treasuries, developments and pending events), so that they are freed at once
        instead of piling up for the cyclic garbage collector."""
        sim.drop_pending(self.env)
        for f in self.fundings:
            f.dismantle()

    def _stop(self, _event=None) -> None:
        if not self._all_decided.triggered:
            self._all_decided.succeed()

    def emit(self, t: float, m: MissionPlan, kind: str, **fields) -> None:
        if self.log is not None and t <= self.plan.horizon + EPS:
            self.log.append(StoryEvent(t, self.plan.agencies[m.agency].key, m.id, kind, **fields))

    # -- a mission's life, driven by its events ------------------------------------
    def _start(self, i: int) -> None:
        if self.state[i] == WAITING:
            self._develop(i, 0)

    def _develop(self, i: int, k: int) -> None:
        """Begin attempt ``k`` (from 0) of mission ``i``: develop it (again), if it
        needs to."""
        self.state[i] = DEVELOPING
        p = self.plan.missions[i]
        if k == 0:
            cost, duration = self._cost[i], self._dur[i]
        else:
            cost = self._cost[i] * p.refly_cost
            duration = self._dur[i] * p.refly_duration
        if duration > 0:
            now = self.env.now
            if self.log is not None:
                self.emit(now, p, "start", attempt=k + 1, years=duration, cost=cost)
            funding = self.fundings[p.agency]
            dev, wake, gen = funding.develop(p, cost, duration, now, self.treasuries)
            wake.callbacks.append(partial(self._developed, i, k, dev, gen))
        else:
            self._ready(i, k)

    def _developed(self, i: int, k: int, dev: Development, gen: int, _event) -> None:
        funding = self.fundings[dev.mission.agency]
        if gen:
            funding.woken(gen)
        if not dev.finished:  # the plan changed: wait for the work to be done
            funding.done_event(dev).callbacks.append(partial(self._developed, i, k, dev, 0))
            return
        if self.log is not None:
            self.emit(self.env.now, dev.mission, "complete")
        self._ready(i, k)

    def _ready(self, i: int, k: int) -> None:
        self.state[i] = READY
        p = self.plan.missions[i]
        now = self.env.now
        if now < p.not_before:
            if self.log is not None:
                self.emit(now, p, "wait")
            self.env.timeout(p.not_before - now).callbacks.append(partial(self._attempt, i, k))
        else:
            self._attempt(i, k)

    def _attempt(self, i: int, k: int, _event=None) -> None:
        p = self.plan.missions[i]
        now = self.env.now
        log = self.log
        chance = self._p[i]
        # a loop, not a call chain: re-flights that take no time follow one another
        # at once, and there may be thousands of them
        while True:
            self.attempts[i] += 1
            u = self._u[i][k] if k < ATTEMPT_BLOCK else self._extra_u(i)
            if chance > u:
                if log is not None:
                    self.emit(now, p, "success", attempt=k + 1, chance=chance)
                self._succeed(i, now)
                return
            if log is not None:
                self.emit(now, p, "failure", attempt=k + 1, chance=chance)
            if k + 1 >= p.attempts:
                break
            k += 1
            if self._dur[i] * p.refly_duration > 0 or now < p.not_before:
                self._develop(i, k)  # develops, or waits for the launch window
                return
            # no development and the launch window is open: attempt again now
        if log is not None:
            self.emit(now, p, "gave_up", attempt=p.attempts)
        self._fail(i)

    def _extra_u(self, i: int) -> float:
        """An attempt beyond the fixed block: from the mission's extra stream."""
        gen = self._extra.get(i)
        if gen is None:
            gen = self._extra[i] = self._draws.extra_attempts(i, self.replication)
        return float(gen.random())

    def _succeed(self, i: int, t: float) -> None:
        """Mission ``i`` succeeded at ``t``: credit its milestones, start the missions
        it was the last requirement of."""
        self.state[i] = SUCCEEDED
        self._credit(self.plan.missions[i], t)
        waiting = self._waiting
        for j in self.plan.dependents[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                self._start(j)

    def _credit(self, m: MissionPlan, t: float) -> None:
        a = m.agency
        for ms in m.achieves:
            line = self._reach[ms]
            old = line[a]
            if not (old <= t):  # nan or later
                if old != old:  # nan: first time
                    self._decided()
                line[a] = t
                if self.log is not None:
                    self.emit(t, m, "milestone", milestone=self.plan.milestones[ms])

    def _fail(self, i: int) -> None:
        """Mission ``i`` can never succeed: neither can anything that requires it."""
        stack = [i]
        deps = self.plan.dependents
        state = self.state
        while stack:
            j = stack.pop()
            if state[j] >= SUCCEEDED:  # a success stands whatever came before
                continue
            state[j] = FAILED
            m = self.plan.missions[j]
            a = m.agency
            for ms in m.achieves:
                self._live[ms][a] -= 1
                if self._live[ms][a] == 0 and math.isnan(self._reach[ms][a]):
                    self._decided()
            stack.extend(deps[j])

    def _decided(self) -> None:
        self._open -= 1
        if self._open == 0:
            self._stop()

    # -- story ----------------------------------------------------------------------
    def _log_budgets(self, draws, row: int) -> None:
        for ag in self.plan.agencies:
            if not ag.has_budget:
                continue
            amounts = draws.yearly[ag.index][row]
            hits = draws.shocks_hit[ag.index][row]
            for k in range(self.plan.n_years):
                if k > self.plan.horizon:
                    break
                applied = tuple(sh.name for s, sh in enumerate(ag.shocks) if hits[s, k])
                self.log.append(
                    StoryEvent(
                        float(k),
                        ag.key,
                        "",
                        "budget",
                        year=k + 1,
                        amount=float(amounts[k]),
                        shocks=applied,
                    )
                )

    def _log_unfinished(self) -> None:
        h = self.plan.horizon
        for p in self.plan.missions:
            if self.state[p.index] == SUCCEEDED or self.attempts[p.index] >= p.attempts:
                continue
            waiting = tuple(
                self.plan.missions[j].ref for j in p.requires if self.state[j] != SUCCEEDED
            )
            self.log.append(
                StoryEvent(
                    h, self.plan.agencies[p.agency].key, p.id, "blocked", waiting_for=waiting
                )
            )
