"""The race as a SimPy discrete-event model (no I/O, no global state).

Missions
    each mission starts when its ``requires`` have succeeded, then develops (while
    funded), waits for ``not_before``, attempts, re-develops after a failure and
    credits its milestones.  Every step is a callback on the SimPy event that ends the
    previous one (a development's completion, a launch window's timeout): the
    schedule of a process per mission, without resuming a generator at each step.
Funding
    Money links agencies only through partner shares, so agencies fall into groups
    (:attr:`Plan.components`), each with its own :class:`Funding`.  A Funding does not
    step through time: when its set of developments changes it *computes* the money
    flow forward, quarter by quarter in plain arithmetic, up to the first completion,
    and sets a single SimPy timeout for it.  If something changes first (a new
    development starts), it rewinds to the saved state and recomputes up to now.

Money rules (contract §2): a year's amount is paid in four equal instalments at the
start of each quarter; nobody spends money not yet received; unspent money carries
over.  Within a quarter each payer reserves money for the developments it pays for in
priority order (its own missions in listed order, then its shares of partners'
missions, in scenario order); a development runs at its full spend rate while every
payer's reservation lasts, and stalls when one runs out, until the next instalment.

A replication stops early once every (milestone, agency) pair is decided: reached, or
no longer reachable because every mission that could achieve it has failed for good.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np
import simpy
from simpy.core import NORMAL

from racesim.engine.plan import ATTEMPT_BLOCK, MissionPlan, Plan

EPS = 1e-9  # years (about 0.03 s): time tolerance
QUARTER = 0.25
MAX_RATE = 1e250  # USD millions per year: a bound on spend rates, to stay finite
#: OWED: a development whose remaining work is within EPS of what the money in hand
#: pays for completes; the money it would still owe for those last EPS years is
#: forgiven (a payer's balance never goes below 0).  That is rounding for any real
#: spend rate, and the whole cost for a development shorter than EPS.

# Private switches, for tests only (tests/test_fast_path.py): each turns one shortcut
# off, so that the general path can be checked to give the same reach times.
_EARLY_STOP = True  # end a replication once every (milestone, agency) pair is decided
_ONE_DEVELOPMENT = True  # a group's lone development with one payer: _forward_one
_SKIP_AHEAD = True  # _forward: jump over the quarters in which everyone is fully funded
_PAID_IN_HAND = True  # _forward_one: the money in hand pays for the rest of the work
_WHOLE_QUARTERS = True  # _forward_one: the inner loop over whole quarters


@dataclass(frozen=True)
class Event:
    """One line of a replication's story (see ``racesim trace``)."""

    time: float  # years from start
    agency: str
    mission: str  # mission id, or "" for agency-level events
    kind: str  # budget, start, stall, resume, complete, wait, success, failure,
    #            gave_up, milestone, blocked
    detail: str = ""


class Treasury:
    """An agency's money: quarterly instalments, received as time reaches them."""

    __slots__ = (
        "index",
        "key",
        "quarterly",
        "n_q",
        "next_q",
        "balance",
        "received",
        "spent",
        "pays",
    )

    def __init__(self, index: int, key: str, quarterly: list[float]):
        self.index = index
        self.key = key
        self.quarterly = quarterly  # per budget year: the amount of each instalment
        self.n_q = 4 * len(quarterly)  # instalment q is paid at q / 4 years
        self.next_q = 0
        self.balance = 0.0
        self.received = 0.0
        self.spent = 0.0
        # (development, spend rate, index of this payer in development.shares)
        self.pays: list[tuple[Development, float, int]] = []

    def receive_until(self, t: float) -> None:
        q = self.next_q
        n = self.n_q
        if q < n and q * QUARTER <= t + EPS:
            quarterly = self.quarterly
            got = 0.0
            while q < n and q * QUARTER <= t + EPS:
                got += quarterly[q >> 2]
                q += 1
            self.balance += got
            self.received += got
            self.next_q = q


class Development:
    """One development (first attempt or re-flight) of a mission."""

    __slots__ = (
        "mission",
        "remaining",
        "shares",
        "done",
        "finished",
        "run",
        "running",
        "order",
        "short",
        "alloc",
    )

    def __init__(self, mission: MissionPlan, work: float, shares: list[tuple[Treasury, float]]):
        self.mission = mission
        self.order = mission.index
        self.remaining = work  # years of development at full funding
        self.shares = shares  # (payer, its spend rate, USD millions per year)
        self.done: simpy.Event | None = None  # made when someone waits on it
        self.finished = False
        self.run = 0.0  # funded time in the current quarter segment (when planning)
        self.running = True  # for the story: stalled or not
        self.short: Treasury | None = None  # the payer whose money ran out


def _by_order(d: Development) -> int:
    return d.order


class Funding:
    """The treasuries of one group of agencies and the developments they pay for."""

    def __init__(self, model: Model, treasuries: list[Treasury]):
        self.model = model
        self.env = model.env
        self.horizon = model.plan.horizon
        self.plan_stop = self.horizon + 2 * EPS  # where computing ahead stops
        self.trs = treasuries
        self.devs: list[Development] = []
        self.coupled = False  # some development has more than one payer
        self.t = 0.0  # the time the state below describes
        self.saved = None  # state at the last plan, to rewind to
        self.pending: list[Event] = []  # story lines computed ahead of time
        self.gen = 0

    # -- public ---------------------------------------------------------------------
    def develop(
        self, mission: MissionPlan, cost: float, duration: float
    ) -> tuple[Development, simpy.Event, int]:
        """Start developing. Returns the development, an event to wait for and a plan
        number: when the event fires, call :meth:`woken` with that number (if it is not
        0), then ``development.finished`` tells whether the work is complete (if not,
        wait for :meth:`done_event`)."""
        now = self.env._now
        if self.t != now or self.pending:
            self._settle(now)
        payers = mission.payers
        # the spend rate, USD millions per year: a rate that underflows to 0 costs
        # nothing; one beyond MAX_RATE (a cost in no time at all) is held there, so the
        # arithmetic below stays finite
        rate = cost / duration if cost > 0 else 0.0
        if rate > 0:
            if rate > MAX_RATE:
                rate = MAX_RATE
            trs = self.model.treasuries
            if len(payers) == 1:
                a, f = payers[0]
                shares = [(trs[a], rate * f)]
            else:
                shares = [(trs[a], rate * f) for a, f in payers]
        else:
            shares = []
        d = Development(mission, duration, shares)
        devs = self.devs
        if not devs and len(shares) <= 1 and self.model.log is None and _ONE_DEVELOPMENT:
            # the common case: the only development of its group, one payer at most;
            # its timer wakes the waiting process directly (see woken)
            devs.append(d)
            if shares:
                tr, r = shares[0]
                tr.pays = [(d, r, 0)]
            self.gen += 1
            self._save()
            t_done = self._forward_one(None, self.plan_stop)
            if t_done is None:
                return d, self.done_event(d), 0
            return d, self._timer(t_done - now), self.gen
        devs.append(d)
        if len(devs) > 1:
            devs.sort(key=_by_order)
        if len(d.shares) > 1:
            self.coupled = True
        for k, (tr, r) in enumerate(d.shares):
            pays = tr.pays
            pays.append((d, r, k))
            if len(pays) > 1:
                own = tr.index
                # own missions first (listed order), then shares of others' missions
                pays.sort(key=lambda x: (x[0].mission.agency != own, x[0].order))
        timer = self._plan(now)
        if timer is not None and len(devs) == 1:
            # the only development here: the plan's timer is its completion (if a new
            # development changes the plan first, the waiter finds it unfinished)
            return d, timer, 0
        return d, self.done_event(d), 0

    def woken(self, gen: int) -> None:
        """The timer of plan ``gen`` fired: if nothing changed the plan since, a
        development is complete now; settle the books and plan again."""
        if gen == self.gen:
            now = self.env.now
            if self.t != now or self.pending:
                self._settle(now)
            self._plan(now)

    def done_event(self, d: Development) -> simpy.Event:
        if d.done is None:
            d.done = self.env.event()
            if d.finished:
                d.done.succeed()
        return d.done

    def settle(self, now: float) -> None:
        """Bring the books up to ``now``."""
        self._settle(now)

    # -- planning -------------------------------------------------------------------
    def _save(self) -> None:
        """Remember the books, to rewind to if the plan changes before it is done."""
        trs, devs = self.trs, self.devs
        if len(trs) == 1 and len(devs) == 1:  # the common case, without loops
            tr, d = trs[0], devs[0]
            self.saved = (
                self.t,
                ((tr.balance, tr.next_q, tr.received, tr.spent),),
                ((d.remaining, d.running),),
            )
        else:
            self.saved = (
                self.t,
                [(tr.balance, tr.next_q, tr.received, tr.spent) for tr in trs],
                [(d.remaining, d.running) for d in devs],
            )

    def _timer(self, delay: float, gen: int | None = None) -> simpy.Event:
        """An event ``delay`` years from now (a timeout without its checks); with
        ``gen``, it re-plans when it fires, unless the plan has changed since."""
        ev = simpy.Event(self.env)
        ev._ok = True
        ev._value = None
        if gen is not None:
            ev.callbacks.append(lambda _event: self.woken(gen))
        self.env.schedule(ev, NORMAL, delay)
        return ev

    def _restore(self) -> None:
        self.t, trs, devs = self.saved
        for tr, (b, q, rec, sp) in zip(self.trs, trs):
            tr.balance, tr.next_q, tr.received, tr.spent = b, q, rec, sp
        for d, (rem, running) in zip(self.devs, devs):
            d.remaining, d.running = rem, running

    def _settle(self, now: float) -> None:
        if self.t == now and not self.pending:
            self.saved = None
            return
        if self.t > now + 1e-12:  # computed ahead: rewind and recompute up to now
            self._restore()
            self.pending.clear()
        if self.t < now:
            self._forward(now)
        if self.pending:
            self.model.log.extend(self.pending)
            self.pending.clear()
        self.saved = None

    def _plan(self, now: float) -> simpy.Event | None:
        """Handle completions, then compute ahead to the next one and set a timer."""
        self.gen += 1
        devs = self.devs
        if len(devs) == 1 and devs[0].remaining <= EPS:  # the common case, quickly
            d = devs.pop()
            for tr, _ in d.shares:
                tr.pays = []
            self.coupled = False
            self._finished(d)
            return None
        finished = [d for d in devs if d.remaining <= EPS]
        if finished:
            for d in finished:
                devs.remove(d)
                for tr, _ in d.shares:
                    tr.pays = [x for x in tr.pays if x[0] is not d]
                self._finished(d)
            if self.coupled:
                self.coupled = any(len(d.shares) > 1 for d in devs)
        if not devs:
            return None
        self._save()
        t_done = self._forward(None)
        if t_done is None:
            return None
        return self._timer(t_done - now, self.gen)

    @staticmethod
    def _finished(d: Development) -> None:
        d.finished = True
        if d.done is not None:
            d.done.succeed()

    def _forward(self, until: float | None) -> float | None:
        """Compute the money flow from ``self.t``: up to ``until``, or (None) up to the
        first completion, whose time is returned (None if none before the horizon)."""
        stop = self.plan_stop if until is None else until
        trs = self.trs
        devs = self.devs
        log = self.model.log is not None
        t = self.t
        if len(devs) == 1 and len(devs[0].shares) <= 1 and not log and _ONE_DEVELOPMENT:
            return self._forward_one(until, stop)
        while True:
            for tr in trs:
                if tr.next_q < tr.n_q and tr.next_q * QUARTER <= t + EPS:
                    tr.receive_until(t)
            if not devs:
                t = stop
                break
            q_end = (math.floor((t + EPS) / QUARTER) + 1) * QUARTER
            seg_end = q_end if q_end < stop else stop
            # reservations always run to the next instalment, wherever this pass stops,
            # so that computing up to any time retraces the same path
            span = q_end - t
            self._allocate(span)
            t_c = math.inf
            constrained = False
            for d in devs:
                rem = d.remaining
                if rem <= EPS:  # finished (when computing up to a given time)
                    continue
                if d.run >= rem - EPS:
                    if t + rem < t_c:
                        t_c = t + rem
                elif d.run < span - EPS:
                    constrained = True
            if not constrained and _SKIP_AHEAD:
                # everyone runs at full rate: skip ahead over the quarters in which
                # that goes on (no stalls, no completion) in one step
                t_next = t + min(
                    [d.remaining for d in devs if d.remaining > EPS], default=math.inf
                )  # the next completion
                jump = self._funded_until(t, q_end, min(t_next, stop))
                if jump > seg_end + EPS:
                    dt = jump - t
                    if log:
                        for d in devs:
                            self._story(d, t, dt, dt)  # resumes, if any
                    for d in devs:
                        if d.remaining <= EPS:
                            continue
                        d.remaining -= dt
                        for tr, r in d.shares:
                            tr.balance -= r * dt
                            tr.spent += r * dt
                    for tr in trs:
                        tr.receive_until(jump)
                    t = jump
                    if until is None and jump >= t_next - EPS:
                        break
                    if t >= stop - EPS:
                        t = stop
                        break
                    continue
            step_end = t_c if t_c < seg_end else seg_end
            dt = step_end - t
            for d in devs:
                run = d.run
                prog = run if run < dt else dt
                if prog > 0:
                    d.remaining -= prog
                    for tr, r in d.shares:
                        spend = r * prog
                        tr.balance -= spend
                        tr.spent += spend
                if log:
                    self._story(d, t, prog, dt)
            t = step_end
            if until is None and t_c <= seg_end:
                break
            if t >= stop - EPS:
                t = stop
                break
        for tr in trs:
            if tr.balance < 0:  # the last EPS years of a development (see OWED)
                tr.spent += tr.balance
                tr.balance = 0.0
        self.t = t
        if until is None and t <= self.horizon + EPS and devs:
            return t
        return None

    def _funded_until(self, t: float, q_end: float, target: float) -> float:
        """With every development at full rate from ``t``, the latest time up to
        ``target`` until which that goes on: ``target`` itself, or the first quarter
        boundary at which some payer cannot reserve the whole next quarter for everyone
        it pays for, or the start of a quarter in which its money would run dry (never
        before ``q_end``)."""
        limit = target
        for tr in self.trs:
            pays = [(r, d.remaining) for d, r, _ in tr.pays if d.remaining > EPS]
            rate = 0.0
            for r, _ in pays:
                rate += r
            if rate <= 0:
                continue
            tol = EPS * rate
            balance = tr.balance  # received so far; spending is subtracted below
            q = tr.next_q  # the instalment due at q_end
            b = q_end
            while b < limit - EPS:
                low = balance - rate * (b - t)  # just before the instalment at b
                if low < -tol:
                    limit = max(b - QUARTER, q_end)
                    break
                got = tr.quarterly[q >> 2] if q < tr.n_q else 0.0
                # at b, everyone it pays for reserves the coming quarter
                elapsed = b - t
                need = 0.0
                for r, rem in pays:
                    left = rem - elapsed
                    need += r * (left if left < QUARTER else QUARTER)
                if low + got < need - tol:
                    limit = b
                    break
                balance += got
                q += 1
                b += QUARTER
            else:
                if balance - rate * (limit - t) < -tol:
                    limit = max(b - QUARTER, q_end)
        return limit

    def _forward_one(self, until: float | None, stop: float) -> float | None:
        """:meth:`_forward` for the common case of one development with at most one
        payer: the same arithmetic, without the bookkeeping."""
        d = self.devs[0]
        t = self.t
        rem = d.remaining
        for tr in self.trs:
            if tr.next_q < tr.n_q and tr.next_q * QUARTER <= t + EPS:
                tr.receive_until(t)
        if not d.shares:  # costs nothing: runs straight through
            end = t + rem
            if until is None:
                if end > stop:
                    d.remaining = rem - (stop - t)
                    self.t = stop
                    return None
                d.remaining = 0.0
                self.t = end
                return end
            d.remaining = rem - (until - t)
            self.t = until
            return None
        tr, r = d.shares[0]
        balance = tr.balance
        if until is None and r * rem <= balance and t + rem <= stop and _PAID_IN_HAND:
            # the money in hand pays for the rest of it: done at full rate
            spend = r * rem
            tr.balance = balance - spend
            tr.spent += spend
            d.remaining = 0.0
            self.t = t + rem
            return self.t
        b0 = balance
        recv = 0.0
        q = tr.next_q  # the instalment due at the next boundary (earlier ones arrived)
        quarterly = tr.quarterly
        n_inst = tr.n_q
        done_at = None
        # quarter boundaries are multiples of 0.25: exact in binary floating point
        seg_end = (math.floor((t + EPS) / QUARTER) + 1) * QUARTER
        full = True  # after the first segment, whole quarters until the last one
        while True:
            if seg_end > stop:
                seg_end = stop
                full = False
            span = seg_end - t
            cap = balance / r  # funded time the money in hand buys
            if rem <= span and rem <= cap + EPS:  # completes in this segment
                balance -= r * rem
                t += rem
                rem = 0.0
                if until is None:
                    done_at = t
                break
            elif span < cap:
                balance -= r * span
                rem -= span
            else:  # runs out of money: stalls until the next instalment
                balance = 0.0
                rem -= cap
            if seg_end >= stop - EPS:
                t = stop
                break
            t = seg_end
            if q < n_inst:
                got = quarterly[q >> 2]
                balance += got
                recv += got
                q += 1
            if full and t + QUARTER <= stop and _WHOLE_QUARTERS:
                # whole quarters: the same steps with span = QUARTER, fewer checks
                need = r * QUARTER
                while True:
                    if rem <= QUARTER and rem <= balance / r + EPS:
                        balance -= r * rem
                        t += rem
                        rem = 0.0
                        if until is None:
                            done_at = t
                        break
                    if balance > need:
                        balance -= need
                        rem -= QUARTER
                    else:
                        rem -= balance / r
                        balance = 0.0
                    t += QUARTER
                    if t + QUARTER > stop:
                        break
                    if q < n_inst:
                        got = quarterly[q >> 2]
                        balance += got
                        recv += got
                        q += 1
                if rem == 0.0:
                    break
                if t >= stop - EPS:
                    t = stop
                    break
                if q < n_inst:  # the instalment at t, then the last partial segment
                    got = quarterly[q >> 2]
                    balance += got
                    recv += got
                    q += 1
            seg_end = t + QUARTER
        if until is not None and rem == 0.0:
            t = stop  # done before `until`: nothing more happens up to it
        if balance < 0:  # the last EPS years of a development (see OWED)
            balance = 0.0
        tr.received += recv
        tr.spent += b0 + recv - balance
        tr.balance = balance
        tr.next_q = q
        d.remaining = rem
        self.t = t
        return done_at if done_at is not None and done_at <= self.horizon + EPS else None

    def _allocate(self, span: float) -> None:
        """Each development's funded time ``run`` in the next ``span`` years, from the
        payers' reservations in priority order."""
        devs = self.devs
        for d in devs:
            d.run = d.remaining if d.remaining < span else span
            d.short = None
        if not self.coupled:
            for tr in self.trs:
                avail = tr.balance
                for d, r, _ in tr.pays:
                    need = r * d.run
                    if need <= avail:
                        avail -= need
                    else:
                        d.run = avail / r
                        d.short = tr
                        avail = 0.0
            return
        # shared developments run only while every share is paid: one that a payer
        # can fund for less time needs less from the others, so reserve again for the
        # shorter run (releasing money to later developments) until the shared runs
        # settle; they only ever shrink, so this ends
        for d in devs:
            d.alloc = [0.0] * len(d.shares)
        while True:
            for tr in self.trs:
                avail = tr.balance
                for d, r, k in tr.pays:
                    need = r * d.run
                    give = need if need <= avail else avail
                    avail -= give
                    d.alloc[k] = give
            changed = False
            for d in devs:
                if len(d.shares) < 2:
                    continue
                run = d.run
                alloc = d.alloc
                for k, (tr, r) in enumerate(d.shares):
                    can = alloc[k] / r
                    if can < run:
                        run = can
                        short = tr
                if run < d.run - 1e-12:
                    d.run = run
                    d.short = short  # the payer that holds it back (for the story)
                    changed = True
            if not changed:
                break
        for d in devs:  # every development's run within its reservations
            run = d.run
            for k, (tr, r) in enumerate(d.shares):
                can = d.alloc[k] / r
                if can < run - 1e-12 * (1.0 + run):  # not a rounding tie
                    run = can
                    d.short = tr
            d.run = run if run > EPS else 0.0

    def _story(self, d: Development, t: float, prog: float, dt: float) -> None:
        """Stall/resume lines for one development over one step."""
        m = d.mission
        if prog > EPS and not d.running:
            self.pending.append(
                Event(t, self.model.agency_key(m), m.id, "resume", "funding available again")
            )
            d.running = True
        if prog < dt - EPS and d.remaining > EPS and d.running:
            tr = d.short
            owner = self.model.treasuries[m.agency]
            if tr is None or tr is owner:
                why = f"{owner.key} has no money left for it until the next instalment"
            else:
                why = f"partner {tr.key} cannot pay its share"
            if t + prog <= self.horizon:
                self.pending.append(Event(t + prog, self.model.agency_key(m), m.id, "stall", why))
            d.running = False


class Model:
    """One replication of the race. Build it, call :meth:`run`, read :attr:`reached`."""

    def __init__(
        self,
        plan: Plan,
        draws,
        row: int,
        seed: int,
        replication: int,
        log: list[Event] | None = None,
    ):
        self.plan = plan
        self.env = simpy.Environment()
        self.log = log
        self.seed = seed
        self.replication = replication
        incomes = draws.income_rows(row)
        self.treasuries = [Treasury(a.index, a.key, incomes[a.index]) for a in plan.agencies]
        self.fundings: list[Funding] = [None] * len(plan.agencies)  # type: ignore
        for group in plan.components:
            f = Funding(self, [self.treasuries[a] for a in group])
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
        self._started = list(plan.pre_succeeded)
        self._succeeded = [False] * len(plan.missions)
        self._dead = [False] * len(plan.missions)  # failed for good, or needs one that did
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

    def agency_key(self, m: MissionPlan) -> str:
        return self.plan.agencies[m.agency].key

    def run(self, books: bool = True) -> Model:
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
        self.env._queue.clear()
        for tr in self.treasuries:
            tr.pays = []
        for f in self.fundings:
            f.model = None
            f.devs = []
            f.saved = None

    def _stop(self, _event=None) -> None:
        if not self._all_decided.triggered:
            self._all_decided.succeed()

    def emit(self, t: float, m: MissionPlan, kind: str, detail: str = "") -> None:
        if self.log is not None and t <= self.plan.horizon + EPS:
            self.log.append(Event(t, self.agency_key(m), m.id, kind, detail))

    # -- processes ------------------------------------------------------------------
    # -- a mission's life, driven by its events ------------------------------------
    # develop -> (funded work done) -> wait for not_before -> attempt -> success, or a
    # re-flight, or giving up.  Each step is a callback on the SimPy event that ends
    # the previous one: the same schedule as a process per mission, without the cost
    # of resuming a generator at every step.
    def _start(self, i: int) -> None:
        if not self._started[i] and not self._dead[i]:
            self._started[i] = True
            self._develop(i, 0)

    def _develop(self, i: int, k: int) -> None:
        """Begin attempt ``k`` of mission ``i``: develop it (again), if it needs to."""
        p = self.plan.missions[i]
        if k == 0:
            cost, duration = self._cost[i], self._dur[i]
        else:
            cost = self._cost[i] * p.refly_cost
            duration = self._dur[i] * p.refly_duration
        if duration > 0:
            if self.log is not None:
                self.emit(
                    self.env.now,
                    p,
                    "start",
                    f"{'development' if k == 0 else 're-flight ' + str(k)}: "
                    f"{duration:.2f} years at full funding, USD {cost:,.0f}M",
                )
            dev, wake, gen = self.fundings[p.agency].develop(p, cost, duration)
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
            self.emit(self.env.now, dev.mission, "complete", "development complete")
        self._ready(i, k)

    def _ready(self, i: int, k: int) -> None:
        p = self.plan.missions[i]
        now = self.env.now
        if now < p.not_before:
            if self.log is not None:
                self.emit(now, p, "wait", "waiting for its launch window")
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
                    self.emit(now, p, "success", f"attempt {k + 1} succeeded (chance {chance:.0%})")
                self._succeed(i, now)
                return
            if log is not None:
                self.emit(now, p, "failure", f"attempt {k + 1} failed (chance {chance:.0%})")
            if k + 1 >= p.attempts:
                break
            k += 1
            if self._dur[i] * p.refly_duration > 0 or now < p.not_before:
                self._develop(i, k)  # develops, or waits for the launch window
                return
            # no development and the launch window is open: attempt again now
        if log is not None:
            self.emit(now, p, "gave_up", f"no attempts left after {p.attempts}")
        self._kill(i)

    def _extra_u(self, i: int) -> float:
        """An attempt beyond the fixed block: from the mission's extra stream."""
        gen = self._extra.get(i)
        if gen is None:
            from racesim.run.streams import extra_attempts

            gen = self._extra[i] = extra_attempts(self.seed, self.plan, i, self.replication)
        return float(gen.random())

    def _succeed(self, i: int, t: float) -> None:
        """Mission ``i`` succeeded at ``t``: credit its milestones, start the missions
        it was the last requirement of."""
        self._succeeded[i] = True
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
                    self.emit(
                        t,
                        m,
                        "milestone",
                        f"{self.plan.agencies[a].key} reaches {self.plan.milestones[ms]}",
                    )

    def _kill(self, i: int) -> None:
        """Mission ``i`` can never succeed: neither can anything that requires it."""
        stack = [i]
        deps = self.plan.dependents
        dead = self._dead
        while stack:
            j = stack.pop()
            if dead[j] or self._succeeded[j]:  # a success stands whatever came before
                continue
            dead[j] = True
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
                applied = [sh.name for s, sh in enumerate(ag.shocks) if hits[s, k]]
                extra = f" ({', '.join(applied)} shock)" if applied else ""
                self.log.append(
                    Event(
                        float(k),
                        ag.key,
                        "",
                        "budget",
                        f"budget year {k + 1}: USD {amounts[k]:,.0f}M{extra}",
                    )
                )

    def _log_unfinished(self) -> None:
        h = self.plan.horizon
        for p in self.plan.missions:
            if self._succeeded[p.index] or self.attempts[p.index] >= p.attempts:
                continue
            waiting = [self.plan.missions[j].ref for j in p.requires if not self._succeeded[j]]
            if waiting:
                why = f"never started: still waiting for {', '.join(waiting)}"
            else:
                why = "unfinished at the horizon"
            self.log.append(Event(h, self.plan.agencies[p.agency].key, p.id, "blocked", why))
