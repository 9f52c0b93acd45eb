"""Money: the treasuries and the funding policy.

The rule (README, "How missions run" and the budget paragraph)
    A budget year's amount is paid in four equal instalments at the start of each
    quarter; nobody spends money not yet received; unspent money carries over.  Within
    a quarter each payer reserves its money in hand, in priority order (its own missions
    in listed order, then its shares of partners' missions, in scenario order), for the
    spend of each development it pays for up to the next instalment; a development
    runs at its full spend rate while every payer's reservation for it lasts, and
    stalls when one runs out, until the next instalment.

    The reservation is :meth:`Treasury.reserve`, stated once.  :meth:`Funding._allocate`
    applies it to every payer of a group (for shared developments, until the shared
    runs agree), and :meth:`Funding._forward` steps the books through time with it.

How the books move
    Money links agencies only through partner shares, so agencies fall into groups
    (:attr:`Plan.components`), each with its own :class:`Funding`.  A Funding does not
    step through time in SimPy: when its set of developments changes it *computes* the
    money flow forward, quarter by quarter in plain arithmetic, up to the first
    completion, and sets a single SimPy timer for it.  If something changes first (a new
    development starts), it rewinds to the saved state and recomputes up to now.  The
    developments that start at one instant are planned once, together, by a timer of
    no delay (after the instant's events already scheduled): the plan depends only on
    which developments run, in priority order, not on the order they started in.

Which path computes the flow (the one place that says so)
    Every speed path below gives the same results as the general path, the rule
    applied step by step; ``tests/test_fast_path.py`` checks each one with its private
    switch on and off (the switches are for those tests only).

    - **general path** (:meth:`Funding._forward` stepping with :meth:`_allocate`): every
      group with several developments, or a shared one, and every traced run.
    - ``_ONE_DEVELOPMENT``: a silent run, and the group has one development with at most
      one payer (:meth:`Funding._lone`): :meth:`_forward_one`, a copy of the rule for
      one development, and its timer wakes the mission directly (no re-plan).

      - ``_PAID_IN_HAND``: computing to the completion, the money in hand already pays
        for the rest of the work: done at full rate.
      - ``_WHOLE_QUARTERS``: between the first and the last, partial, quarter the steps
        are whole quarters, with fewer checks.

      (Each is marked ``# path: NAME`` at its spot in :func:`money_paths.walk`, the
      arithmetic of :meth:`_forward_one`; these speed paths live in
      ``money_paths.py``.)
    - ``_SOLO`` (in missions.py): a silent run of the plain engine (not
      ``MechanismRace``), and an agency alone in its funding group of which at most
      one mission can develop at a time (:func:`missions.solo_agencies`): no
      Funding at all.  Its books are a :class:`money_paths.Solo` (the lone path's
      arithmetic, :func:`money_paths.walk`, without planner, rewinds or
      Development objects), and one reused timer per agency fires at each
      completion (``missions._Lane``).
    - ``_SKIP_AHEAD``: on the general path, when in the current quarter no development
      is held back (and no owner covers a partner: the look-ahead knows only the
      shares' full rates), :meth:`_funded_until` finds how long everyone keeps running at full
      rate (a look-ahead derived from the rule) and the books jump there in one step.
    - ``_ONE_PLAN_AN_INSTANT``: a silent run, and a group of at least
      ``PLAN_LATER_AT`` developments: after a completion, the books are computed
      ahead once the instant's events are in (:meth:`_plan_later`, money_groups.py),
      so that the re-flights it starts are planned with it (one plan, not a plan and
      a rewind and a plan).
    - ``_SHARED_ONCE``: the same big groups, silent: :meth:`_allocate` stops after
      the first pass of the shared-run loop (:meth:`_allocate_shared_once`, in
      money_groups.py; a second would confirm it).
    - ``_ONE_PAYER_EACH``: when no development of the group is shared
      (``Funding.coupled`` false), :meth:`_allocate` reserves once, with the rule
      inlined (:meth:`_reserve_once`), instead of iterating until the shared runs
      agree.
    - ``_ONE_PASS`` (shortfall.py, format v2): when some owner covers a partner and
      every payer's money in hand pays all it pays for in full, the allocation is its
      first guess (:meth:`Shortfalls._paid_in_full`), without the iteration.

OWED: a development whose remaining work is within EPS of what the money in hand pays
for completes; the money it would still owe for those last EPS years is forgiven (a
payer's balance never goes below 0).  That is rounding for any real spend rate, and the
whole cost for a development shorter than EPS.
"""

from __future__ import annotations

import math

import simpy

from racesim.engine import simpy_adapter as sim
from racesim.engine.events import StoryEvent
from racesim.engine.money_groups import BigGroups
from racesim.engine.money_paths import EPS, MAX_RATE, QUARTER, SpeedPaths
from racesim.engine.plan import MissionPlan
from racesim.engine.shortfall import Shortfalls

# Private switches, for tests only (tests/test_fast_path.py): each turns one speed path
# off, so that the general path can be checked to give the same results (the two
# inside _forward_one, _PAID_IN_HAND and _WHOLE_QUARTERS, are in money_paths.py).
_ONE_DEVELOPMENT = True
_SKIP_AHEAD = True
_ONE_PAYER_EACH = True
_ONE_PLAN_AN_INSTANT = True
_SHARED_ONCE = True

#: the ``_ONE_PLAN_AN_INSTANT`` and ``_SHARED_ONCE`` paths are taken from this many
#: developments in a group (the goldens' and the shipped scenarios' groups stay below)
PLAN_LATER_AT = 32


class Treasury:
    """An agency's money: quarterly instalments, received as time reaches them.
    Amounts in USD millions."""

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
        # in priority order: (development, spend rate, index of this payer in its shares)
        self.pays: list[tuple[Development, float, int]] = []

    def receive_until(self, t: float) -> None:
        """Receive every instalment due by ``t``."""
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

    def reserve(self) -> None:
        """THE MONEY RULE: the money in hand is reserved in priority order; each
        development gets the spend of its funded time ``run`` (rate x run) while the
        money lasts, the first it cannot cover in full gets what is left, and those
        after it get nothing.  Sets ``development.alloc[k]`` (USD millions)."""
        avail = self.balance
        for d, r, k in self.pays:
            need = r * d.run
            give = need if need <= avail else avail
            avail -= give
            d.alloc[k] = give


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
        self.alloc = [0.0] * len(shares)  # each payer's reservation (Treasury.reserve)


class Covered(Development):
    """A development whose owner (``shares[0]``) covers what the partners at
    ``cover`` (indices into ``shares``) cannot pay (format v2, ``shortfall:
    owner_covers``; the allocation is :meth:`Shortfalls._allocate_covering`).
    ``base``: the shares at full rates; ``shares`` holds, after each allocation, the
    rates actually paid (the owner's raised by what it covers)."""

    __slots__ = ("cover", "base")

    def __init__(self, mission, work, shares, cover):
        super().__init__(mission, work, shares)
        self.cover = cover
        self.base = shares


def _by_order(d: Development) -> int:
    return d.order


class Funding(BigGroups, SpeedPaths, Shortfalls):
    """The treasuries of one group of agencies and the developments they pay for
    (the speed paths, :class:`SpeedPaths`, are in money_paths.py, those of big groups,
    :class:`BigGroups`, in money_groups.py; the format-v2
    shortfall policy and withdrawals, :class:`Shortfalls`, in shortfall.py).

    ``log``, in a traced run, receives the stalls and resumes (:class:`StoryEvent`);
    ``keys`` are the agencies' keys (by index) for them."""

    def __init__(
        self,
        env: simpy.Environment,
        horizon: float,
        treasuries: list[Treasury],
        log: list[StoryEvent] | None = None,
        keys: list[str] | None = None,
    ):
        self.env = env
        self.horizon = horizon
        self.plan_stop = horizon + 2 * EPS  # where computing ahead stops
        self.trs = treasuries
        self.devs: list[Development] = []
        self.coupled = False  # some development has more than one payer
        self.covers = False  # some development's owner covers a partner (shortfall.py)
        self.t = 0.0  # the time the state below describes
        self.saved = None  # state at the last plan, to rewind to
        self.log = log
        self.keys = keys
        self.traced = log is not None
        self.lone_ok = not self.traced and _ONE_DEVELOPMENT  # see _lone
        self.pending: list[StoryEvent] = []  # stalls and resumes computed ahead of time
        self.gen = 0
        self.replan_due = False  # a plan for this instant's starts is scheduled

    # -- public ---------------------------------------------------------------------
    def develop(
        self,
        mission: MissionPlan,
        cost: float,
        duration: float,
        now: float,
        treasuries: list[Treasury],
        payers: tuple[tuple[int, float], ...] | None = None,
        cover: tuple[int, ...] = (),
    ) -> tuple[Development, simpy.Event, int]:
        """Start developing, at ``now``, ``duration`` years of work (at full funding)
        costing ``cost`` (USD millions).  Returns the development, an event to wait for
        and a plan number: when the event fires, call :meth:`woken` with that number
        (if it is not 0), then ``development.finished`` tells whether the work is
        complete (if not, wait for :meth:`done_event`).

        ``payers`` (agency, fraction of the spend rate) default to the mission's; with
        ``cover`` (format v2: indices into ``payers`` of partners whose shortfall the
        owner, ``payers[0]``, covers) the development is a :class:`Covered` one."""
        if self.t != now or self.pending:
            self._settle(now)
        if payers is None:
            payers = mission.payers
        # the spend rate, USD millions per year: a rate that underflows to 0 costs
        # nothing; one beyond MAX_RATE (a cost in no time at all) is held there, so the
        # arithmetic stays finite
        rate = cost / duration if cost > 0 else 0.0
        if rate > 0:
            if rate > MAX_RATE:
                rate = MAX_RATE
            if len(payers) == 1:
                a, f = payers[0]
                shares = [(treasuries[a], rate * f)]
            else:
                shares = [(treasuries[a], rate * f) for a, f in payers]
        else:
            shares = []
        if cover and shares:
            d = Covered(mission, duration, shares, cover)
            self.covers = True
        else:
            d = Development(mission, duration, shares)
        devs = self.devs
        lone = not devs and len(shares) <= 1 and self.lone_ok  # _lone(), once d is in
        devs.append(d)
        if lone:
            # its timer wakes the waiting mission directly (see woken)
            if shares:
                tr, r = shares[0]
                tr.pays = [(d, r, 0)]
            self.gen += 1
            self._save()
            t_done = self._forward_one(None, self.plan_stop)
            if t_done is None:
                return d, self.done_event(d), 0
            return d, sim.timer(self.env, t_done - now), self.gen
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
        # plan once for all the developments that start at this instant (with many
        # at once, planning after each start made the cost grow with its square)
        self.gen += 1  # the plan computed so far no longer holds
        if not self.replan_due:
            self.replan_due = True
            sim.timer(self.env, 0.0).callbacks.append(self._replan)
        return d, self.done_event(d), 0

    def _replan(self, _event) -> None:
        """After this instant's starts: settle the books and plan again."""
        self.replan_due = False
        now = self.env.now
        if self.t != now or self.pending:
            self._settle(now)
        self._plan(now, at_once=True)

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

    def dismantle(self) -> None:
        """Drop the references among the books' objects (see Race.dismantle)."""
        for tr in self.trs:
            tr.pays = []
        self.devs = []
        self.saved = None

    # -- planning -------------------------------------------------------------------
    def _lone(self) -> bool:
        """The condition of the ``_ONE_DEVELOPMENT`` path (see the module docstring)."""
        devs = self.devs
        return len(devs) == 1 and len(devs[0].shares) <= 1 and self.lone_ok

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
            self.log.extend(self.pending)
            self.pending.clear()
        self.saved = None

    def _plan(self, now: float, at_once: bool = False) -> simpy.Event | None:
        """Handle completions, then compute ahead to the next one and set a timer
        (``_ONE_PLAN_AN_INSTANT``, unless ``at_once``: a big group computes ahead after
        the instant's events, so that the re-flights its completions start are planned
        with it, in one plan instead of two)."""
        self.gen += 1
        devs = self.devs
        if len(devs) == 1 and devs[0].remaining <= EPS:  # the common case, quickly
            d = devs.pop()
            for tr, _ in d.shares:
                tr.pays = []
            self.coupled = self.covers = False
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
            if self.covers:
                self.covers = any(isinstance(d, Covered) for d in devs)
        if not devs:
            return None
        if not at_once and len(devs) >= PLAN_LATER_AT and not self.traced and _ONE_PLAN_AN_INSTANT:
            self._plan_later()
            return None
        self._save()
        t_done = self._forward(None)
        if t_done is None:
            return None
        ev = sim.timer(self.env, t_done - now)
        gen = self.gen
        ev.callbacks.append(lambda _event: self.woken(gen))
        return ev

    @staticmethod
    def _finished(d: Development) -> None:
        d.finished = True
        if d.done is not None:
            d.done.succeed()

    # -- the general path: the rule, step by step ----------------------------------
    def _forward(self, until: float | None) -> float | None:
        """Compute the money flow from ``self.t``: up to ``until``, or (None) up to the
        first completion, whose time is returned (None if none before the horizon)."""
        stop = self.plan_stop if until is None else until
        if self._lone():
            return self._forward_one(until, stop)
        trs = self.trs
        devs = self.devs
        log = self.traced
        t = self.t
        while True:
            for tr in trs:
                q = tr.next_q
                if q < tr.n_q and q * QUARTER <= t + EPS:
                    # Treasury.receive_until(t), inlined for performance reasons
                    n, quarterly, got = tr.n_q, tr.quarterly, 0.0
                    while q < n and q * QUARTER <= t + EPS:
                        got += quarterly[q >> 2]
                        q += 1
                    tr.balance += got
                    tr.received += got
                    tr.next_q = q
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
            if not constrained and _SKIP_AHEAD and not self.covers:
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

    def _allocate(self, span: float) -> None:
        """Each development's funded time ``run`` in the next ``span`` years: every
        payer reserves by the rule (:meth:`Treasury.reserve`); a development runs as
        long as its smallest reservation pays for."""
        if self.covers:  # format v2: an owner covers a partner's shortfall
            self._allocate_covering(span)
            return
        devs = self.devs
        for d in devs:
            d.run = d.remaining if d.remaining < span else span
            d.short = None
        if not self.coupled and _ONE_PAYER_EACH:
            self._reserve_once()
            return
        if len(devs) >= PLAN_LATER_AT and _SHARED_ONCE and not self.traced:
            self._allocate_shared_once()
            return
        # shared developments run only while every share is paid: one that a payer
        # can fund for less time needs less from the others, so reserve again for the
        # shorter run (releasing money to later developments) until the shared runs
        # settle; they only ever shrink, so this ends
        while True:
            for tr in self.trs:
                tr.reserve()
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
        self._within_reservations(devs)

    @staticmethod
    def _within_reservations(devs: list[Development], shared: bool = True) -> None:
        """Every development's run within its reservations (``shared`` false: the
        shared ones' runs already are), and a run of at most EPS none at all."""
        for d in devs:
            run = d.run
            if shared or len(d.shares) < 2:
                for k, (tr, r) in enumerate(d.shares):
                    can = d.alloc[k] / r
                    if can < run - 1e-12 * (1.0 + run):  # not a rounding tie
                        run = can
                        d.short = tr
            d.run = run if run > EPS else 0.0

    def _story(self, d: Development, t: float, prog: float, dt: float) -> None:
        """Stalls and resumes of one development over one step (a traced run); held in
        ``pending`` until the books are settled past them."""
        m = d.mission
        if prog > EPS and not d.running:
            self.pending.append(StoryEvent(t, self.keys[m.agency], m.id, "resume"))
            d.running = True
        if prog < dt - EPS and d.remaining > EPS and d.running:
            tr = d.short  # None: the owner's own money (it pays alone)
            payer = self.keys[m.agency] if tr is None else tr.key
            if t + prog <= self.horizon:
                self.pending.append(
                    StoryEvent(t + prog, self.keys[m.agency], m.id, "stall", payer=payer)
                )
            d.running = False
