"""The money rule's speed paths: labelled copies of :meth:`money.Treasury.reserve`.

Which path runs when is said in one place, racesim/engine/money.py's docstring; each
copy is checked against the general path by tests/test_fast_path.py, with its switch
on and off.  :class:`SpeedPaths` is a part of :class:`racesim.engine.money.Funding`.
"""

from __future__ import annotations

import math

EPS = 1e-9  # years (about 0.03 s): time tolerance
QUARTER = 0.25  # years between instalments
MAX_RATE = 1e250  # USD millions per year: a bound on spend rates, to stay finite

# Private switches, for tests only (tests/test_fast_path.py): see money.py's docstring.
_PAID_IN_HAND = True
_WHOLE_QUARTERS = True


class SpeedPaths:
    """Funding's speed paths (they use its ``trs``, ``devs``, ``t`` and ``horizon``)."""

    __slots__ = ()

    def _reserve_once(self) -> None:
        """:meth:`_allocate` when no development has more than one payer: one
        reservation per payer settles every run (the shared-run loop would end after
        its first pass).  :meth:`Treasury.reserve` inlined for performance reasons."""
        for tr in self.trs:
            avail = tr.balance
            for d, r, _ in tr.pays:
                need = r * d.run
                if need <= avail:
                    avail -= need
                else:  # the first it cannot cover gets what is left; the rest nothing
                    d.run = avail / r
                    d.short = tr
                    avail = 0.0

    def _funded_until(self, t: float, q_end: float, target: float) -> float:
        """With every development at full rate from ``t``, the latest time up to
        ``target`` until which that goes on: ``target`` itself, or the first quarter
        boundary at which some payer cannot reserve the whole next quarter for everyone
        it pays for, or the start of a quarter in which its money would run dry (never
        before ``q_end``).  Derived from :meth:`Treasury.reserve` (the rule, as a
        look-ahead): inlined here for performance reasons."""
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
        """:meth:`_forward` for one development with at most one payer: the rule
        (:meth:`Treasury.reserve` with one development: it runs while ``balance / r``
        lasts), computed by :func:`walk`."""
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
        self.t, d.remaining, done = walk(tr, r, rem, t, until, stop, self.horizon)
        return done


def walk(tr, r: float, rem: float, t: float, until: float | None, stop: float, horizon: float):
    """One development of ``rem`` years of work at ``r`` USD millions a year, paid by
    ``tr`` alone, from ``t`` (its instalments due by ``t`` received): up to ``until``, or
    (None) up to its completion, at most to ``stop``.  The rule (:meth:`Treasury.reserve`
    with one development: it runs while ``balance / r`` lasts) inlined here for
    performance reasons.  Updates ``tr``'s books; returns ``(t, rem, done)``: the time
    the books now describe, the work left and the completion time (None: none, or
    after ``horizon``)."""
    balance = tr.balance
    if until is None and r * rem <= balance and t + rem <= stop and _PAID_IN_HAND:
        # path: _PAID_IN_HAND.  The money in hand pays for the rest of the work:
        # done at full rate (the rule's first case, inlined for performance reasons)
        spend = r * rem
        tr.balance = balance - spend
        tr.spent += spend
        return t + rem, 0.0, t + rem
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
            # path: _WHOLE_QUARTERS.  The same steps with span = QUARTER and fewer
            # checks (the loop above, inlined for performance reasons): the m whole
            # quarters from t to stop, each but the last followed by its instalment
            # while there are any.  Boundaries t + j/4 are exact in floating point,
            # and so is 4 * stop: t + m/4 <= stop exactly when 4t + m <= 4 * stop.
            need = r * QUARTER
            m = math.floor(stop * 4.0) - int(t * 4.0)
            paid = n_inst - q
            if paid > m - 1:
                paid = m - 1
            t0 = t
            q0 = q
            j = -1  # the quarter in which the work is done (-1: none of the m)
            for q in range(q0, q0 + paid):
                if rem <= QUARTER and rem <= balance / r + EPS:
                    j = q - q0
                    break
                if balance > need:
                    balance -= need
                    rem -= QUARTER
                else:
                    rem -= balance / r
                    balance = 0.0
                got = quarterly[q >> 2]
                balance += got
                recv += got
            else:
                q = q0 + paid
                for k in range(paid, m):  # the quarters after the last instalment
                    if rem <= QUARTER and rem <= balance / r + EPS:
                        j = k
                        break
                    if balance > need:
                        balance -= need
                        rem -= QUARTER
                    else:
                        rem -= balance / r
                        balance = 0.0
            if j >= 0:  # done in quarter j
                balance -= r * rem
                t = t0 + j * QUARTER + rem
                rem = 0.0
                if until is None:
                    done_at = t
                break
            t = t0 + m * QUARTER
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
    done = done_at if done_at is not None and done_at <= horizon + EPS else None
    return t, rem, done


class Solo:
    """The books of a *solo* agency (``_SOLO``, see money.py's docstring): alone in its
    funding group, it pays alone for one development at a time, so nothing can change
    a plan before it is done.  What :class:`Funding` does for such an agency (its
    ``_ONE_DEVELOPMENT`` path: settle, save, :meth:`_forward_one`, and at the
    completion settle and plan again), with the same arithmetic in the same order, and
    no planner, generation numbers or :class:`Development` object.

    ``tr``: the agency's :class:`Treasury`; ``t``: the time the books describe (years);
    ``busy``: a development is in the books (``rem`` years of work left at ``r`` USD
    millions a year); ``saved``: the books at its start, to rewind to when the run ends
    before its completion (``settle``)."""

    __slots__ = ("tr", "t", "stop", "horizon", "busy", "rem", "r", "saved")

    def __init__(self, tr, horizon: float):
        self.tr = tr
        self.t = 0.0
        self.horizon = horizon
        self.stop = horizon + 2 * EPS  # where computing ahead stops (as Funding's)
        self.busy = False
        self.rem = 0.0
        self.r = 0.0
        self.saved = None

    def develop(self, cost: float, duration: float, now: float) -> float | None:
        """Start, at ``now``, ``duration`` years of work (> 0) costing ``cost`` (USD
        millions): :meth:`Funding.develop` on its lone path.  Returns the completion
        time (None: not by the horizon)."""
        tr = self.tr
        t = self.t
        if t < now:  # Funding._settle(now) with no development: instalments to t
            if tr.next_q < tr.n_q and tr.next_q * QUARTER <= t + EPS:
                tr.receive_until(t)
            t = now
        # (books ahead of now by rounding, below 1e-12 years, stay there, as Funding's)
        rate = cost / duration if cost > 0 else 0.0
        if rate > MAX_RATE:
            rate = MAX_RATE
        self.saved = (t, tr.balance, tr.next_q, tr.received, tr.spent, duration)
        self.busy = True
        self.r = rate
        if tr.next_q < tr.n_q and tr.next_q * QUARTER <= t + EPS:
            tr.receive_until(t)
        if rate > 0:
            self.t, self.rem, done = walk(tr, rate, duration, t, None, self.stop, self.horizon)
            return done
        end = t + duration  # costs nothing: runs straight through
        if end > self.stop:
            self.rem = duration - (self.stop - t)
            self.t = self.stop
            return None
        self.rem = 0.0
        self.t = end
        return end

    def done(self, now: float) -> None:
        """The development's completion time ``now`` has come (:meth:`Funding.woken`):
        settle the books to ``now`` and take it out of them."""
        t = self.t
        if t < now:  # a rounding gap: instalments due by t, and nothing else changes
            tr = self.tr
            if tr.next_q < tr.n_q and tr.next_q * QUARTER <= t + EPS:
                tr.receive_until(t)
            self.t = now
        self.busy = False

    def settle(self, now: float) -> None:
        """Bring the books to ``now`` (:meth:`Funding.settle`), rewinding a development
        computed ahead."""
        t = self.t
        if t == now:
            return
        tr = self.tr
        if t > now + 1e-12:  # computed ahead: rewind and recompute up to now
            t, tr.balance, tr.next_q, tr.received, tr.spent, self.rem = self.saved
        if t < now:
            if tr.next_q < tr.n_q and tr.next_q * QUARTER <= t + EPS:
                tr.receive_until(t)
            if self.busy and self.r > 0:
                t, self.rem, _ = walk(tr, self.r, self.rem, t, now, now, self.horizon)
            else:
                t = now
        self.t = t
