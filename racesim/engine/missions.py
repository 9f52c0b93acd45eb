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

from racesim.engine import simpy_adapter as sim
from racesim.engine.events import StoryEvent
from racesim.engine.money import EPS, Development, Funding, Treasury
from racesim.engine.money_paths import Solo
from racesim.engine.plan import ATTEMPT_BLOCK, MissionPlan, Plan

_EARLY_STOP = True  # end a replication once every (milestone, agency) pair is decided
_SOLO = True  # a solo agency's books without a Funding (see money.py's docstring)

# a mission's states
WAITING = 0  # for the missions it requires
DEVELOPING = 1  # first development or a re-flight (funded by money.Funding)
READY = 2  # developed, waiting for its launch window (not_before)
SUCCEEDED = 3
FAILED = 4  # no attempts left, or it requires a mission that failed


class _Lane(Solo):
    """A solo agency's developments (``_SOLO``): its books (:class:`Solo`) and one
    timer for every completion, fired again for the next development (they never
    overlap); ``mission`` and ``attempt``: the development under way."""

    __slots__ = ("event", "callbacks", "mission", "attempt", "when")

    def __init__(self, race: Race, tr: Treasury):
        Solo.__init__(self, tr, race.plan.horizon)
        self.event = sim.reusable_timer(race.env)
        self.callbacks = [partial(race._solo_done, self)]
        self.mission = self.attempt = 0
        self.when = 0.0  # the time its timer fires


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
        tables = _tables(plan)
        self.plan = plan
        self.env = env = sim.environment()
        self.log = log
        self.seed = seed
        self.replication = replication
        self._draws = draws
        incomes = draws.income_rows(row)
        keys = tables.keys
        self._agency = tables.agency  # per mission, its agency
        self.treasuries = trs = [Treasury(a, key, incomes[a]) for a, key in enumerate(keys)]
        # per agency: its group's Funding, or (a solo agency) its own books
        n_ag = len(keys)
        self.fundings: list[Funding | None] = [None] * n_ag
        self._solo: list[_Lane | None] = [None] * n_ag
        solo = log is None and _SOLO and type(self)._develop is Race._develop
        for group in plan.components:
            a = group[0]
            if solo and tables.solo[a]:  # a group of one
                self._solo[a] = _Lane(self, trs[a])
                continue
            f = Funding(env, plan.horizon, [trs[a] for a in group], log, keys)
            for a in group:
                self.fundings[a] = f
        self._reach = [[math.nan] * n_ag for _ in plan.milestones]  # numpy after run()
        self.reached: np.ndarray | None = None
        self.attempts = [0] * len(plan.missions)
        # per mission (scenario order): draws and state
        self._p, self._dur, self._cost, u = draws.rows(row)
        self._u = u.tolist()  # attempt uniforms [mission][attempt]
        self._waiting = list(plan.n_requires)  # required missions not yet succeeded
        # WAITING, or READY past its start (credited as a success just below)
        self.state = list(tables.state)
        self._extra: dict[int, np.random.Generator] = {}
        # early stop: count, per (milestone, agency), the missions that could still
        # achieve it; the run ends when every pair is reached or out of reach
        self._live = [list(line) for line in plan.achievers]
        self._open = plan.n_achievable
        self._all_decided = env.event()
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
                if f is not None:
                    f.settle(now)
            for lane in self._solo:
                if lane is not None:
                    lane.settle(now)
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
            if f is not None:
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

    def _effort(self, i: int, k: int) -> tuple[float, float]:
        """Cost and duration (at full funding) of attempt ``k`` (from 0) of mission
        ``i``: the drawn ones, scaled by the re-flight's factors after the first."""
        if k == 0:
            return self._cost[i], self._dur[i]
        p = self.plan.missions[i]
        return self._cost[i] * p.refly_cost, self._dur[i] * p.refly_duration

    def _develop(self, i: int, k: int) -> None:
        """Begin attempt ``k`` (from 0) of mission ``i``: develop it (again), if it
        needs to."""
        self.state[i] = DEVELOPING
        p = self.plan.missions[i]
        cost, duration = self._effort(i, k)
        if duration > 0:
            now = self.env.now
            if self.log is not None:
                self.emit(now, p, "start", attempt=k + 1, years=duration, cost=cost)
            lane = self._solo[p.agency]
            if lane is not None:  # a solo agency
                self._lane_start(lane, i, k, cost, duration, now)
                return
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

    def _lane_start(
        self, lane: _Lane, i: int, k: int, cost: float, duration: float, now: float
    ) -> None:
        """Develop attempt ``k`` of mission ``i`` (``duration`` > 0 years of work,
        ``cost`` USD millions) from ``now`` on a solo agency's lane: its books compute
        the completion, its one timer fires then."""
        done = lane.develop(cost, duration, now)
        if done is not None:
            lane.mission = i
            lane.attempt = k
            delay = done - now
            lane.when = now + delay  # the event's time, as SimPy computes it
            sim.rearm(self.env, lane.event, delay, lane.callbacks)

    def _solo_done(self, lane: _Lane, _event) -> None:
        """A solo agency's development is complete: :meth:`_ready`, the first pass of
        :meth:`_attempt`, :meth:`_succeed` (with :meth:`_credit` and :meth:`_start`)
        and :meth:`_develop` on the same lane, inlined for performance reasons; the
        general methods take over for anything else (a launch window, attempts made
        at once, another agency's missions)."""
        now = lane.when
        lane.done(now)
        i = lane.mission
        k = lane.attempt
        p = self.plan.missions[i]
        state = self.state
        state[i] = READY
        if now < p.not_before:
            self.env.timeout(p.not_before - now).callbacks.append(partial(self._attempt, i, k))
            return
        self.attempts[i] += 1
        u = self._u[i][k] if k < ATTEMPT_BLOCK else self._extra_u(i)
        if self._p[i] > u:  # success: credit its milestones, start what waited for it
            state[i] = SUCCEEDED
            a = p.agency
            reach = self._reach
            for ms in p.achieves:
                line = reach[ms]
                old = line[a]
                if not (old <= now):  # nan or later
                    if old != old:  # nan: first time
                        self._decided()
                    line[a] = now
            waiting = self._waiting
            agency = self._agency
            for j in self.plan.dependents[i]:
                waiting[j] -= 1
                if waiting[j] == 0 and state[j] == WAITING:
                    if agency[j] == a and self._dur[j] > 0:  # the next on this lane
                        state[j] = DEVELOPING
                        self._lane_start(lane, j, 0, self._cost[j], self._dur[j], now)
                    else:
                        self._develop(j, 0)
            return
        if k + 1 >= p.attempts:
            self._fail(i)
            return
        k += 1
        cost, duration = self._effort(i, k)
        if duration > 0:  # a re-flight (now >= not_before, as checked above)
            state[i] = DEVELOPING
            self._lane_start(lane, i, k, cost, duration, now)
        else:  # no development: attempt again now
            self._attempt(i, k)

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


class _Tables:
    """What the engine derives from a plan, once per plan (:func:`_tables`)."""

    def __init__(self, plan: Plan):
        self.keys = [a.key for a in plan.agencies]
        self.agency = [m.agency for m in plan.missions]
        self.solo = solo_agencies(plan)
        self.state = [WAITING] * len(plan.missions)
        for i in plan.pre_succeeded_indices:
            self.state[i] = READY


def _tables(plan: Plan) -> _Tables:
    """The plan's :class:`_Tables`, kept in its ``__dict__`` (as
    ``functools.cached_property`` keeps its values)."""
    got = plan.__dict__.get("_race_tables")
    if got is None:
        got = plan.__dict__["_race_tables"] = _Tables(plan)
    return got


def solo_agencies(plan: Plan) -> tuple[bool, ...]:
    """For each agency: is it *solo* (``_SOLO``, see money.py's docstring)?  Alone in
    its funding group, so it pays alone for its own missions, and at most one of them
    can develop at a time: of any two that had not succeeded before the start, one
    requires the other (directly or through other missions).  Computed once per plan
    (kept in its ``__dict__``, as ``functools.cached_property`` keeps its values)."""
    got = plan.__dict__.get("_solo_agencies")
    if got is not None:
        return got
    pre = plan.pre_succeeded
    # per mission, the missions it waits for (transitively; an early success is no
    # wait), in an order where requirements come first (requires has no cycles)
    before: list[set[int]] = [set() for _ in plan.missions]
    waiting = list(plan.n_requires)
    ready = [m.index for m in plan.missions if not m.requires]
    while ready:
        j = ready.pop()
        for r in plan.missions[j].requires:
            if not pre[r]:
                before[j].add(r)
                before[j] |= before[r]
        for d in plan.dependents[j]:
            waiting[d] -= 1
            if waiting[d] == 0:
                ready.append(d)
    flags = [False] * len(plan.agencies)
    for group in plan.components:
        if len(group) == 1:
            own = [j for j in plan.agencies[group[0]].missions if not pre[j]]
            flags[group[0]] = all(
                i in before[j] or j in before[i] for x, i in enumerate(own) for j in own[x + 1 :]
            )
    got = plan.__dict__["_solo_agencies"] = tuple(flags)
    return got
