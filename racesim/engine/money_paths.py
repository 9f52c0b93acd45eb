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
        lasts) inlined here for performance reasons."""
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
            # path: _PAID_IN_HAND.  The money in hand pays for the rest of the work:
            # done at full rate (the rule's first case, inlined for performance reasons)
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
                # path: _WHOLE_QUARTERS.  The same steps with span = QUARTER and fewer
                # checks (the loop above, inlined for performance reasons)
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
