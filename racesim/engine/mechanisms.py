"""The format-v2 mechanisms of a mission's life (contract 5; README, "Mechanisms").

:class:`MechanismRace` is :class:`racesim.engine.missions.Race` with hazards, partner
terms, persistence, transit and partial landings.  A plan that uses none of them runs
the plain :class:`Race` (:func:`race_class`), so format-1 scenarios keep their results
and their speed; factors and ``slip`` need no engine at all (the draws resolve them).

A mission's life, with the v2 steps (the states are missions.py's; the extra facts are
per-mission flags here):

    DEVELOPING --done--> READY --not_before passed, not paused--> LAUNCH
    LAUNCH --transit years later--> outcome: success (milestones), partial landing
    (ends the mission, satisfies ``requires``, reaches only ``partial_counts``
    milestones), or failure: a re-flight after ``stand_down`` years (DEVELOPING
    again), or, with no attempts left, FAILED.
    A cancel hazard: a mission not yet succeeded stops for good (FAILED; the money of
    its development stays with its payers); a lander already launched comes to its
    outcome first, and a failure then ends the mission.
    A pause hazard: development is taken out of the books and resumes with the work
    left when the pause ends; a launch due waits; a lander in flight flies on.
    A partner leaving: from then the owner pays its share (the development running
    then is re-planned with the new shares).

Judgement (stated in the README): cancel and pause act on launches, not on landers
already on their way.  Re-flights that take no time at all (no development, stand-down
or transit) follow one another at once, at most ``MAX_ATTEMPTS`` at one instant.
"""

from __future__ import annotations

import math
from functools import partial

from racesim.engine import simpy_adapter as sim
from racesim.engine.events import StoryEvent
from racesim.engine.missions import DEVELOPING, READY, SUCCEEDED, Race
from racesim.engine.plan import ATTEMPT_BLOCK, HazardPlan, Plan
from racesim.scenario.schema import MAX_ATTEMPTS


def race_class(plan: Plan) -> type[Race]:
    """The engine for ``plan``: the plain one unless it uses a v2 mechanism."""
    return MechanismRace if plan.uses_v2 else Race


class MechanismRace(Race):
    """One replication with the format-v2 mechanisms (see the module docstring)."""

    def __init__(self, plan: Plan, draws, row: int, seed: int, replication: int, log=None):
        n = len(plan.missions)
        self._q, self._transit, self._leave, self._rates = draws.mech.row(row)
        self._fac = draws.factor_row(row)
        self._paused_until = [-math.inf] * n
        self._resume: list = [None] * n  # what to do when a pause ends
        self._epoch = [0] * n  # bumped to make a mission's pending callbacks stale
        self._dev: list = [None] * n  # the development running
        self._k = [0] * n  # the attempt under way (from 0)
        self._flying = [False] * n
        self._cancel_due: list = [None] * n  # (hazard, rate) at a lander's outcome
        self._partial_landed = [False] * n
        self._ended = [False] * n  # gave up or cancelled (for the story)
        self._stand_down_gen: dict = {}
        # per mission with partner terms: [owner's fraction, [agency, share, covers, in]]
        self._terms: list = [None] * n
        for i, own, parts in plan.tracked_terms:
            self._terms[i] = [own, [[a, f, covers, True] for a, f, covers in parts]]
        super().__init__(plan, draws, row, seed, replication, log)
        env = self.env
        rates = self._rates
        for a, k, h in plan.live_hazards:
            rate = rates[a][k]
            if rate <= 0:
                continue
            gen = draws.hazard_events(a, k, replication)
            t = h.t_from + float(gen.exponential()) / rate
            if t <= h.t_until:
                sim.timer(env, t).callbacks.append(partial(self._hazard, h, rate, gen))
        horizon = plan.horizon
        for i, times in enumerate(self._leave):
            for j, t in enumerate(times):
                if t <= horizon:
                    sim.timer(env, t).callbacks.append(partial(self._partner_left, i, j))

    # -- development, launch, outcome -------------------------------------------------
    def _develop(self, i: int, k: int, work: float | None = None) -> None:
        """Develop attempt ``k`` of mission ``i`` (``work``: years left of a
        development interrupted by a pause or a partner leaving)."""
        if self.state[i] >= SUCCEEDED:
            return
        self.state[i] = DEVELOPING
        self._k[i] = k
        if self.env.now < self._paused_until[i]:  # paused: develop when it ends
            self._resume[i] = partial(self._develop, i, k, work)
            return
        p = self.plan.missions[i]
        cost, duration = self._effort(i, k)
        if work is not None and work < duration:
            cost = cost * (work / duration)
            duration = work
        if duration > 0:
            now = self.env.now
            if self.log is not None and work is None:
                self.emit(now, p, "start", attempt=k + 1, years=duration, cost=cost)
            payers, cover = self._payers(i)
            funding = self.fundings[p.agency]
            dev, wake, gen = funding.develop(p, cost, duration, now, self.treasuries, payers, cover)
            self._dev[i] = dev
            wake.callbacks.append(partial(self._developed, i, k, dev, gen, self._epoch[i]))
        else:
            self._ready(i, k)

    def _payers(self, i: int):
        terms = self._terms[i]
        if terms is None:
            return None, ()
        p = self.plan.missions[i]
        own, parts = terms
        payers = [(p.agency, own)]
        cover = []
        for a, f, covers, present in parts:
            if present:
                payers.append((a, f))
                if covers:
                    cover.append(len(payers) - 1)
        if not cover and own <= 0:  # as MissionPlan.payers: an owner paying nothing
            payers = payers[1:]
        return tuple(payers), tuple(cover)

    def _developed(self, i: int, k: int, dev, gen: int, epoch: int, _event) -> None:
        funding = self.fundings[dev.mission.agency]
        if gen:
            funding.woken(gen)
        if epoch != self._epoch[i]:  # withdrawn (paused, cancelled, re-planned)
            return
        if not dev.finished:
            funding.done_event(dev).callbacks.append(partial(self._developed, i, k, dev, 0, epoch))
            return
        self._dev[i] = None
        if self.log is not None:
            self.emit(self.env.now, dev.mission, "complete")
        self._ready(i, k)

    def _ready(self, i: int, k: int, epoch: int | None = None, _event=None) -> None:
        if epoch is not None and epoch != self._epoch[i]:
            return
        if self.state[i] >= SUCCEEDED:
            return
        self.state[i] = READY
        self._k[i] = k
        if self.env.now < self._paused_until[i]:  # paused: get ready when it ends
            self._resume[i] = partial(self._ready, i, k)
            return
        p = self.plan.missions[i]
        now = self.env.now
        if now < p.not_before:
            if self.log is not None and epoch is None:
                self.emit(now, p, "wait")
            sim.timer(self.env, p.not_before - now).callbacks.append(
                partial(self._ready, i, k, self._epoch[i])
            )
        else:
            self._launch(i, k)

    def _launch(self, i: int, k: int) -> None:
        """Attempt ``k`` launches now; its outcome comes ``transit`` years later.  A
        loop, not a call chain: re-flights that take no time follow one another."""
        p = self.plan.missions[i]
        transit = self._transit[i]
        at_once = 0
        while True:
            self.attempts[i] += 1
            if transit > 0:
                self._flying[i] = True
                if self.log is not None:
                    self.emit(self.env.now, p, "launch", attempt=k + 1, years=transit)
                sim.timer(self.env, transit).callbacks.append(partial(self._landed, i, k))
                return
            nxt = self._outcome(i, k)
            if nxt is None:
                return
            at_once += 1
            if at_once >= MAX_ATTEMPTS:  # see the module docstring
                if self.log is not None:
                    self.emit(self.env.now, p, "gave_up", attempt=self.attempts[i])
                self._ended[i] = True
                self._fail(i)
                return
            k = nxt

    def _landed(self, i: int, k: int, _event) -> None:
        self._flying[i] = False
        nxt = self._outcome(i, k)
        if nxt is not None:
            self._launch(i, nxt)

    def _outcome(self, i: int, k: int) -> int | None:
        """The outcome of attempt ``k`` of mission ``i``, now.  Returns the next
        attempt if it is to be made at once (no time needed), else None."""
        p = self.plan.missions[i]
        now = self.env.now
        log = self.log
        chance = self._p[i]
        u = self._u[i][k] if k < ATTEMPT_BLOCK else self._extra_u(i)
        if chance > u:
            if log is not None:
                self.emit(now, p, "success", attempt=k + 1, chance=chance)
            self._succeed(i, now)
            return None
        if chance + self._q[i] > u:
            if log is not None:
                self.emit(now, p, "partial", attempt=k + 1, chance=self._q[i])
            self._partial(i, now)
            return None
        if log is not None:
            self.emit(now, p, "failure", attempt=k + 1, chance=chance)
        due = self._cancel_due[i]
        if due is not None:
            self._cancel_now(i, *due)
            return None
        if k + 1 >= p.attempts:
            if log is not None:
                self.emit(now, p, "gave_up", attempt=self.attempts[i])
            self._ended[i] = True
            self._fail(i)
            return None
        k += 1
        self._k[i] = k
        wait = self._stand_down(i)
        if wait > 0:
            self.state[i] = DEVELOPING
            if log is not None:
                self.emit(now, p, "stand_down", years=wait)
            sim.timer(self.env, wait).callbacks.append(
                partial(self._stood_down, i, k, self._epoch[i])
            )
            return None
        if self._dur[i] * p.refly_duration > 0 or now < p.not_before or now < self._paused_until[i]:
            self._develop(i, k)
            return None
        return k

    def _stand_down(self, i: int) -> float:
        d = self.plan.missions[i].stand_down
        if d is None:
            return 0.0
        if d.is_factor:
            x = self._fac[self.plan.factor_index[d.ref]]
        else:
            gen = self._stand_down_gen.get(i)
            if gen is None:
                gen = self._stand_down_gen[i] = self._draws.stand_downs(i, self.replication)
            x = float(d.quantile(gen.random()))
        return x if x > 0 else 0.0

    def _stood_down(self, i: int, k: int, epoch: int, _event) -> None:
        if epoch == self._epoch[i]:
            self._develop(i, k)

    # -- outcomes ---------------------------------------------------------------------
    def _succeed(self, i: int, t: float) -> None:
        self._cancel_due[i] = None
        super()._succeed(i, t)

    def _partial(self, i: int, t: float) -> None:
        """A partial landing: the mission ends, ``requires`` is satisfied, and only
        milestones with ``partial_counts`` are reached."""
        self.state[i] = SUCCEEDED
        self._partial_landed[i] = True
        self._cancel_due[i] = None
        m = self.plan.missions[i]
        a = m.agency
        counts = self.plan.partial_counts
        for ms in m.achieves:
            if counts[ms]:
                self._credit_one(m, ms, t)
            else:  # this mission can no longer reach it
                self._live[ms][a] -= 1
                if self._live[ms][a] == 0 and math.isnan(self._reach[ms][a]):
                    self._decided()
        waiting = self._waiting
        for j in self.plan.dependents[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                self._start(j)

    def _credit_one(self, m, ms: int, t: float) -> None:
        line = self._reach[ms]
        old = line[m.agency]
        if not (old <= t):
            if old != old:
                self._decided()
            line[m.agency] = t
            if self.log is not None:
                self.emit(t, m, "milestone", milestone=self.plan.milestones[ms])

    # -- hazards and partners ---------------------------------------------------------
    def _hazard(self, h: HazardPlan, rate: float, gen, _event) -> None:
        now = self.env.now
        if h.cancel:  # the first event cancels; there is no second
            for i in h.missions:
                self._cancel(i, h.name, rate)
            return
        d = h.pause
        if d is None:
            years = 0.0
        elif d.is_factor:
            years = max(self._fac[self.plan.factor_index[d.ref]], 0.0)
        else:
            years = max(float(d.quantile(gen.random())), 0.0)
        for i in h.missions:
            self._pause(i, now + years, h.name, years)
        t = now + float(gen.exponential()) / rate
        if t <= h.t_until:
            sim.timer(self.env, t - now).callbacks.append(partial(self._hazard, h, rate, gen))

    def _withdraw(self, i: int) -> float | None:
        """Take mission ``i``'s development out of the books (None: none ran)."""
        self._epoch[i] += 1
        dev = self._dev[i]
        if dev is None:
            return None
        self._dev[i] = None
        return self.fundings[dev.mission.agency].withdraw(dev, self.env.now)

    def _cancel(self, i: int, hazard: str, rate: float) -> None:
        if self.state[i] >= SUCCEEDED:  # a success (or a failure) before it stands
            return
        if self._flying[i]:  # the lander on its way comes to its outcome first
            self._cancel_due[i] = (hazard, rate)
            return
        self._cancel_now(i, hazard, rate)

    def _cancel_now(self, i: int, hazard: str, rate: float) -> None:
        self._withdraw(i)
        self._ended[i] = True
        self._resume[i] = None
        if self.log is not None:
            self.emit(self.env.now, self.plan.missions[i], "cancelled", hazard=hazard, rate=rate)
        self._fail(i)

    def _pause(self, i: int, until: float, hazard: str, years: float) -> None:
        if self.state[i] >= SUCCEEDED:
            return
        now = self.env.now
        if self.log is not None:
            self.emit(now, self.plan.missions[i], "paused", hazard=hazard, years=years)
        if until <= self._paused_until[i] or until <= now:
            return
        already = now < self._paused_until[i]
        self._paused_until[i] = until
        sim.timer(self.env, until - now).callbacks.append(partial(self._unpause, i, until))
        if already or self._flying[i]:
            return
        k = self._k[i]
        if self.state[i] == DEVELOPING and self._dev[i] is not None:
            rem = self._withdraw(i)
            self._resume[i] = partial(self._develop, i, k, rem)
        elif self.state[i] == READY:  # waiting for its launch window
            self._epoch[i] += 1
            self._resume[i] = partial(self._ready, i, k)
        # waiting for its requirements, or standing down: its next step waits

    def _unpause(self, i: int, until: float, _event) -> None:
        if until != self._paused_until[i]:  # extended by a later event
            return
        self._paused_until[i] = -math.inf
        then = self._resume[i]
        self._resume[i] = None
        if then is not None and self.state[i] < SUCCEEDED:
            then()

    def _partner_left(self, i: int, j: int, _event) -> None:
        terms = self._terms[i]
        part = terms[1][j]
        part[3] = False
        terms[0] += part[1]  # the owner pays its share from now on
        if self.state[i] >= SUCCEEDED:
            return
        p = self.plan.missions[i]
        if self.log is not None:
            self.emit(self.env.now, p, "partner_left", payer=self.plan.agencies[part[0]].key)
        if self.state[i] == DEVELOPING and self._dev[i] is not None:
            k = self._k[i]
            rem = self._withdraw(i)
            self._develop(i, k, rem)

    # -- story ------------------------------------------------------------------------
    def _log_unfinished(self) -> None:
        h = self.plan.horizon
        for p in self.plan.missions:
            i = p.index
            if self.state[i] == SUCCEEDED or self._ended[i] or self.attempts[i] >= p.attempts:
                continue
            waiting = tuple(
                self.plan.missions[j].ref for j in p.requires if self.state[j] != SUCCEEDED
            )
            key = self.plan.agencies[p.agency].key
            self.log.append(StoryEvent(h, key, p.id, "blocked", waiting_for=waiting))
