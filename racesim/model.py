"""The race as a SimPy discrete-event model (no I/O, no global state).

Processes
    one per mission: wait for ``requires``, develop (while funded), wait for
    ``not_before``, attempt, re-develop after a failure, credit milestones.
Funding
    :class:`Funding` holds every agency's treasury and every development in progress.
    Instead of stepping through time it *computes* when something changes: the next
    completion, the moment a payer's money runs out, or the start of the first quarter
    whose instalment cannot cover what is being spent.  Only then does it wake up
    (a single pending SimPy timeout), settle the books and re-plan.

Money rules (contract §2): a year's amount is paid in four equal instalments at the
start of each quarter; nobody spends money not yet received; unspent money carries
over.  Within a quarter each payer reserves money for the developments it pays for in
priority order (its own missions in listed order, then its shares of partners'
missions); a development runs at its full spend rate while every payer's reservation
lasts and stalls when one runs out, until the next instalment.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from .plan import ATTEMPT_BLOCK, MissionPlan, Plan

EPS = 1e-9  # years (about 0.03 s): time tolerance
QUARTER = 0.25


@dataclass(frozen=True)
class Event:
    """One line of a replication's story (see ``racesim trace``)."""

    time: float  # years from start
    agency: str
    mission: str  # mission id, or "" for agency-level events
    kind: str  # budget, start, stall, resume, complete, wait, attempt, success, failure,
    #            gave_up, milestone, blocked
    detail: str = ""


class Treasury:
    """An agency's money: quarterly instalments received lazily, spending recorded."""

    __slots__ = ("index", "key", "instalments", "next_q", "balance", "received", "spent",
                 "pays")

    def __init__(self, index: int, key: str, instalments: list[float]):
        self.index = index
        self.key = key
        self.instalments = instalments
        self.next_q = 0
        self.balance = 0.0
        self.received = 0.0
        self.spent = 0.0
        self.pays: list[tuple[Development, float]] = []  # priority order

    def receive_until(self, t: float) -> None:
        q = self.next_q
        inst = self.instalments
        n = len(inst)
        while q < n and q * QUARTER <= t + EPS:
            self.balance += inst[q]
            self.received += inst[q]
            q += 1
        self.next_q = q

    def income_before(self, t: float) -> float:
        """Instalments not yet received that arrive strictly before ``t``."""
        total = 0.0
        q = self.next_q
        inst = self.instalments
        while q < len(inst) and q * QUARTER < t - EPS:
            total += inst[q]
            q += 1
        return total


class Development:
    """One development (first attempt or re-flight) of a mission."""

    __slots__ = ("mission", "remaining", "shares", "done", "run", "running", "order",
                 "stalled_by")

    def __init__(self, mission: MissionRun, work: float, rate: float, order: int,
                 done: simpy.Event):
        self.mission = mission
        self.remaining = work  # years of development at full funding
        p = mission.plan
        shares = []
        if rate > 0:
            own = rate * p.owner_share
            if own > 0:
                shares.append((mission.owner, own))
            for a, share in p.partners:
                shares.append((mission.model.treasuries[a], rate * share))
        self.shares = shares
        self.done = done
        self.run = 0.0
        self.running: bool | None = None  # None until first planned
        self.order = order
        self.stalled_by: Treasury | None = None


class MissionRun:
    __slots__ = ("model", "plan", "owner", "succeeded", "p", "duration", "cost", "u",
                 "extra")

    def __init__(self, model: Model, plan: MissionPlan, row: int, draws):
        self.model = model
        self.plan = plan
        self.owner = model.treasuries[plan.agency]
        self.succeeded = model.env.event()
        i = plan.index
        self.p = float(draws.success[i, row])
        self.duration = float(draws.duration[i, row])
        self.cost = float(draws.cost[i, row])
        self.u = draws.attempt_u[i, row]
        self.extra = None


class Funding:
    """All treasuries and developments; decides who is funded until when."""

    def __init__(self, model: Model):
        self.model = model
        self.env = model.env
        self.treasuries = model.treasuries
        self.devs: list[Development] = []
        self.t_last = 0.0
        self._gen = 0
        self._orders = 0

    # -- public ---------------------------------------------------------------------
    def develop(self, mission: MissionRun, cost: float, duration: float) -> simpy.Event:
        """Start developing; the returned event fires when the work is complete."""
        now = self.env.now
        self._settle(now)
        done = self.env.event()
        rate = cost / duration if cost > 0 else 0.0
        d = Development(mission, duration, rate, mission.plan.index, done)
        self.devs.append(d)
        self.devs.sort(key=lambda x: x.order)
        for tr, r in d.shares:
            tr.pays.append((d, r))
            owner = tr.index
            # own missions first (listed order), then shares of others' missions
            tr.pays.sort(key=lambda x: (x[0].mission.plan.agency != owner, x[0].order))
        self._replan(now)
        return done

    def settle(self, now: float) -> None:
        """Bring every treasury up to ``now`` (for the end of a replication)."""
        self._settle(now)

    # -- internals ------------------------------------------------------------------
    def _settle(self, now: float) -> None:
        dt = now - self.t_last
        if dt > 0:
            for d in self.devs:
                if d.running:
                    d.remaining -= dt
                    for tr, r in d.shares:
                        spend = r * dt
                        tr.balance -= spend
                        tr.spent += spend
        for tr in self.treasuries:
            tr.receive_until(now)
            if tr.balance < 0:
                assert tr.balance > -1e-6 * max(1.0, tr.received), "overspent"
                tr.spent += tr.balance
                tr.balance = 0.0
        self.t_last = now

    def _on_timer(self, gen: int) -> Callable[[simpy.Event], None]:
        def fire(_event: simpy.Event) -> None:
            if gen == self._gen:
                now = self.env.now
                self._settle(now)
                self._replan(now)

        return fire

    def _replan(self, now: float) -> None:
        model = self.model
        # completions
        finished = [d for d in self.devs if d.remaining <= EPS]
        if finished:
            for d in finished:
                self.devs.remove(d)
                for tr, _ in d.shares:
                    tr.pays = [x for x in tr.pays if x[0] is not d]
                d.running = False
                d.done.succeed()
        devs = self.devs
        if not devs:
            self._gen += 1
            return
        quarter_end = (math.floor(now / QUARTER + EPS) + 1) * QUARTER
        span = quarter_end - now
        # reservations within this quarter, in each payer's priority order; a
        # development some payer cannot fund at all is dropped and the rest re-run
        blocked: set[Development] = set()
        while True:
            alloc: dict[tuple[int, int], float] = {}
            for tr in self.treasuries:
                avail = tr.balance
                for d, r in tr.pays:
                    if d in blocked:
                        continue
                    need = r * min(span, d.remaining)
                    give = need if need <= avail else avail
                    avail -= give
                    alloc[id(d), tr.index] = give
            newly = False
            for d in devs:
                if d in blocked:
                    continue
                run = min(span, d.remaining)
                d.stalled_by = None
                for tr, r in d.shares:
                    can = alloc[id(d), tr.index] / r
                    if can < run:
                        run = can
                        d.stalled_by = tr
                if run <= EPS:
                    blocked.add(d)
                    newly = True
                d.run = run
            if not newly:
                break
        constrained = False
        for d in devs:
            if d in blocked:
                d.run = 0.0
            if d.run < min(span, d.remaining) - EPS:
                constrained = True
            running = d.run > 0
            if running != d.running and model.log is not None:
                if d.running is not None or not running:
                    self._log_change(d, running, now)
            d.running = running
        if constrained:
            nxt = quarter_end
            for d in devs:
                if d.running and now + d.run < nxt:
                    nxt = now + d.run
        else:
            nxt = self._funded_until(now, quarter_end)
        if nxt > model.plan.horizon + EPS:
            self._gen += 1  # nothing more to decide inside the horizon
            return
        self._gen += 1
        ev = self.env.timeout(nxt - now)
        ev.callbacks.append(self._on_timer(self._gen))

    def _funded_until(self, now: float, quarter_end: float) -> float:
        """Everyone is funded this quarter: how long can it go on unchanged?

        Returns the first completion, or the start of the first later quarter in which
        some payer's balance would run dry.
        """
        stop = now + min(d.remaining for d in self.devs)
        horizon = self.model.plan.horizon
        if stop > horizon:
            stop = horizon + 2 * EPS
        for tr in self.treasuries:
            rate = sum(r for _, r in tr.pays)
            if rate <= 0:
                continue
            balance = tr.balance  # everything due before `quarter_end` has arrived
            q = tr.next_q
            inst = tr.instalments
            boundary = quarter_end
            while boundary < stop - EPS:
                # the low point of a quarter is just before the next instalment
                if balance - rate * (boundary - now) < -EPS * rate:
                    stop = max(boundary - QUARTER, quarter_end)
                    break
                while q < len(inst) and q * QUARTER <= boundary + EPS:
                    balance += inst[q]
                    q += 1
                boundary += QUARTER
            else:
                if balance - rate * (stop - now) < -EPS * rate:
                    stop = max(boundary - QUARTER, quarter_end)
        return stop

    def _log_change(self, d: Development, running: bool, now: float) -> None:
        m = d.mission
        if running:
            self.model.emit(now, m.plan, "resume", "funding available again")
            return
        tr = d.stalled_by
        if tr is None:
            tr = next((t for t, _ in d.shares if t.balance <= EPS), d.shares[0][0])
        if tr is m.owner:
            why = f"{tr.key} has no money left for it until the next instalment"
        else:
            why = f"partner {tr.key} cannot pay its share"
        self.model.emit(now, m.plan, "stall", why)


class Model:
    """One replication of the race. Build it, call :meth:`run`, read :attr:`reached`."""

    def __init__(self, plan: Plan, draws, row: int, seed: int, replication: int,
                 log: list[Event] | None = None):
        self.plan = plan
        self.env = simpy.Environment()
        self.log = log
        self.seed = seed
        self.replication = replication
        self.treasuries = [
            Treasury(a.index, a.key, draws.income[a.index][row].tolist())
            for a in plan.agencies
        ]
        self.funding = Funding(self)
        self.reached = np.full((len(plan.milestones), len(plan.agencies)), np.nan)
        self.attempts = np.zeros(len(plan.missions), dtype=np.int64)
        self.missions = [MissionRun(self, m, row, draws) for m in plan.missions]
        if log is not None:
            self._log_budgets(draws, row)
        for mr in self.missions:
            if mr.plan.succeeded is not None:
                self._credit(mr, mr.plan.succeeded)
                mr.succeeded.succeed()
            else:
                self.env.process(self._mission(mr))

    def run(self) -> Model:
        self.env.run(until=self.plan.horizon + 10 * EPS)
        self.funding.settle(min(self.env.now, self.plan.horizon))
        if self.log is not None:
            self._log_unfinished()
            self.log.sort(key=lambda e: e.time)  # stable: same-time events keep their order
        return self

    def emit(self, t: float, m: MissionPlan | None, kind: str, detail: str = "",
             agency: int | None = None) -> None:
        if self.log is not None and t <= self.plan.horizon + EPS:
            a = self.plan.agencies[m.agency if m else agency].key
            self.log.append(Event(t, a, m.id if m else "", kind, detail))

    # -- processes ------------------------------------------------------------------
    def _mission(self, mr: MissionRun):
        env = self.env
        p = mr.plan
        if p.requires:
            reqs = [self.missions[j].succeeded for j in p.requires]
            if len(reqs) == 1:
                yield reqs[0]
            else:
                yield env.all_of(reqs)
        for k in range(p.attempts):
            if k == 0:
                cost, duration = mr.cost, mr.duration
            else:
                cost, duration = mr.cost * p.refly_cost, mr.duration * p.refly_duration
            if duration > 0:
                if self.log is not None:
                    self.emit(env.now, p, "start",
                              f"{'development' if k == 0 else 're-flight ' + str(k)}: "
                              f"{duration:.2f} years at full funding, "
                              f"USD {cost:,.0f}M")
                yield self.funding.develop(mr, cost, duration)
                self.emit(env.now, p, "complete", "development complete")
            if env.now < p.not_before:
                self.emit(env.now, p, "wait", "waiting for its launch window")
                yield env.timeout(p.not_before - env.now)
            self.attempts[p.index] += 1
            if mr.p > self._attempt_u(mr, k):
                self.emit(env.now, p, "success", f"attempt {k + 1} succeeded "
                          f"(chance {mr.p:.0%})")
                self._credit(mr, env.now)
                mr.succeeded.succeed()
                return
            self.emit(env.now, p, "failure", f"attempt {k + 1} failed (chance {mr.p:.0%})")
        self.emit(env.now, p, "gave_up", f"no attempts left after {p.attempts}")

    def _attempt_u(self, mr: MissionRun, k: int) -> float:
        if k < ATTEMPT_BLOCK:
            return float(mr.u[k])
        if mr.extra is None:
            from .streams import extra_attempts

            mr.extra = extra_attempts(self.seed, self.plan, mr.plan.index, self.replication)
        return float(mr.extra.random())

    def _credit(self, mr: MissionRun, t: float) -> None:
        a = mr.plan.agency
        for ms in mr.plan.achieves:
            if not (self.reached[ms, a] <= t):  # nan or later
                self.reached[ms, a] = t
                if self.log is not None:
                    self.emit(t, mr.plan, "milestone",
                              f"{self.plan.agencies[a].key} reaches {self.plan.milestones[ms]}")

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
                applied = [sh.name for s, sh in enumerate(ag.shocks) if hits[s, k]]
                extra = f" ({', '.join(applied)} shock)" if applied else ""
                self.log.append(Event(float(k), ag.key, "", "budget",
                                      f"budget year {k + 1}: USD {amounts[k]:,.0f}M{extra}"))

    def _log_unfinished(self) -> None:
        h = self.plan.horizon
        for mr in self.missions:
            p = mr.plan
            if mr.succeeded.triggered or self.attempts[p.index] >= p.attempts:
                continue
            waiting = [self.plan.missions[j].ref for j in p.requires
                       if not self.missions[j].succeeded.triggered]
            if waiting:
                why = f"never started: still waiting for {', '.join(waiting)}"
            else:
                why = "unfinished at the horizon"
            self.log.append(Event(h, self.plan.agencies[p.agency].key, p.id, "blocked", why))
