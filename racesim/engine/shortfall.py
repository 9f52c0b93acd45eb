"""Format-v2 money mechanisms: a partner's shortfall covered by the owner, and a
development taken out of the books (cancelled, paused, or its payers changed).

:class:`Shortfalls` is a part of :class:`racesim.engine.money.Funding`; none of it runs
for a plan without these mechanisms (``Funding.covers`` stays false, nobody
withdraws).

The rule for ``shortfall: owner_covers`` (README, "Mechanisms")
    Each payer reserves its money in hand in priority order, as in
    :meth:`money.Treasury.reserve`.  For a development whose owner covers partners, the
    owner's reservation at the mission's priority is its own share plus whatever the
    covered partners did not reserve for theirs.  The development runs for the longest
    time ``T`` (up to the quarter's end) in which every partner that stalls is paid,
    and the owner's reservation pays its own share and the covered partners' gaps:
    ``r0 T + sum_j max(0, rj T - aj) <= a0``.  A shorter run needs less from everyone,
    so the reservations are made again until nothing changes.  The partners pay what
    they reserved (at most their share), the owner the rest of the spend.
"""

from __future__ import annotations

from racesim.engine import simpy_adapter as sim
from racesim.engine.money_paths import EPS

#: the reservations are made again at most this often per allocation (they settle in
#: two or three passes; the bound only keeps a pathological case finite)
MAX_PASSES = 60

#: Private switch, for tests only (tests/test_fast_path.py): off, every allocation runs
#: the iteration even when the first guess settles it (:meth:`Shortfalls._paid_in_full`)
_ONE_PASS = True


def covered_time(r0: float, a0: float, parts: list[tuple[float, float]], run: float) -> float:
    """The longest ``T <= run`` with ``r0 T + sum max(0, r T - a) <= a0`` over the
    covered partners' ``parts`` (spend rate r, reservation a): the left side grows
    piecewise linearly in T, so walk its pieces."""
    need = r0 * run
    for r, a in parts:
        gap = r * run - a
        if gap > 0:
            need += gap
    if need <= a0 + 1e-12 * (1.0 + a0):
        return run
    t = f = 0.0
    slope = r0
    for b, r in sorted((a / r, r) for r, a in parts if r > 0):
        if b >= run:
            break
        if b > t:
            f_b = f + slope * (b - t)
            if f_b > a0:
                return t + (a0 - f) / slope
            f, t = f_b, b
        slope += r
    return t + (a0 - f) / slope if slope > 0 else run


class Shortfalls:
    """Funding's format-v2 mechanisms (they use its ``trs``, ``devs`` and books)."""

    __slots__ = ()

    def withdraw(self, d, now: float) -> float:
        """Take development ``d`` out of the books at ``now``: it spends nothing more
        and its payers' money goes to their other developments (from the next plan,
        made at this instant).  Returns the work left, years at full funding (0 if it
        was already complete)."""
        if d.finished or d not in self.devs:
            return 0.0
        if self.t != now or self.pending:
            self._settle(now)
        rem = d.remaining if d.remaining > 0 else 0.0
        devs = self.devs
        devs.remove(d)
        for tr, _ in d.shares:
            tr.pays = [x for x in tr.pays if x[0] is not d]
        self.coupled = any(len(x.shares) > 1 for x in devs)
        self.covers = any(hasattr(x, "cover") for x in devs)
        self.gen += 1  # the plan computed so far no longer holds
        if devs and not self.replan_due:
            self.replan_due = True
            sim.timer(self.env, 0.0).callbacks.append(self._replan)
        return rem

    def _allocate_covering(self, span: float) -> None:
        """:meth:`Funding._allocate` when some development's owner covers a partner:
        the rule in the module docstring.  Sets every development's ``run`` and, for a
        covered one, the rates paid (``shares``).

        It starts from a first guess, everyone paying its full share for the whole
        run.  When that guess already settles the allocation (:meth:`_paid_in_full`)
        the iteration (:meth:`_settle_covering`) is skipped: it would end after its
        first pass with the guess unchanged, bit for bit."""
        devs = self.devs
        covered = []  # (development, its cover) for the covered ones
        settled = _ONE_PASS  # by the first guess (see _paid_in_full)
        for d in devs:
            base = getattr(d, "base", None)
            if base is not None:
                d.shares = base
                covered.append((d, d.cover))
            run = d.remaining if d.remaining < span else span
            d.run = run
            d.short = None
            alloc = d.alloc
            floor = run - 1e-12 * (1.0 + run)  # _funded_time's tolerance
            k = 0
            for _, r in d.shares:
                a = alloc[k] = r * run  # the first guess: everyone pays in full
                if r > 0 and a / r < floor:  # it funds less than the run (underflow)
                    settled = False
                k += 1
        if not (settled and self._paid_in_full()):
            self._settle_covering()
        for d, cover in covered:
            run = d.run if d.run > EPS else 0.0
            d.run = run
            if run > 0:
                shares = list(d.base)
                alloc = d.alloc
                extra = 0.0
                for j in cover:
                    tr, r = shares[j]
                    paid = alloc[j] / run
                    if paid < r:
                        extra += r - paid
                        shares[j] = (tr, paid)
                shares[0] = (shares[0][0], shares[0][1] + extra)
                d.shares = shares
        for d in devs:
            if d.run <= EPS:
                d.run = 0.0

    def _paid_in_full(self) -> bool:
        """Does every payer's money in hand cover, in priority order, all it pays for
        at the first guess of :meth:`_allocate_covering`?  Then the first pass of
        :meth:`_reserve_covering` reserves exactly the guess (no gap needs covering)
        and, each share funding its run (checked with the guess), :meth:`_funded_time`
        shortens nothing (its covered case needs just the owner's reservation): the
        allocation is settled.  The rule's first pass, as a check: it writes
        nothing."""
        for tr in self.trs:
            avail = tr.balance
            for d, r, _ in tr.pays:
                need = r * d.run
                if need > avail:
                    return False
                avail -= need
        return True

    def _settle_covering(self) -> None:
        """The iteration of :meth:`_allocate_covering` from its first guess (see the
        module docstring): sets every development's ``run`` (not yet cut at EPS)."""
        devs = self.devs
        for _ in range(MAX_PASSES):
            # reserve until the reservations agree (an owner's cover needs its partners'
            # reservations), then shorten the runs they cannot pay for, and again
            for _ in range(MAX_PASSES):
                if not self._reserve_covering():
                    break
            shorter = False
            for d in devs:
                run = self._funded_time(d)
                if run < d.run - 1e-12:
                    d.run = run
                    shorter = True
            if not shorter:
                break

    def _reserve_covering(self) -> bool:
        """Every payer reserves once, in priority order (:meth:`Treasury.reserve`, with
        an owner's cover added at its covered developments).  Returns whether any
        reservation changed."""
        changed = False
        for tr in self.trs:
            avail = tr.balance
            for d, r, k in tr.pays:
                need = r * d.run
                cover = getattr(d, "cover", None) if k == 0 else None
                if cover:
                    for j in cover:
                        gap = d.shares[j][1] * d.run - d.alloc[j]
                        if gap > 0:
                            need += gap
                give = need if need <= avail else avail
                avail -= give
                if abs(give - d.alloc[k]) > 1e-12 * (1.0 + give):
                    changed = True
                d.alloc[k] = give
        return changed

    @staticmethod
    def _funded_time(d) -> float:
        """How long development ``d`` runs on its payers' reservations ``alloc``."""
        run = d.run
        shares, alloc = d.shares, d.alloc
        cover = getattr(d, "cover", ())
        if cover:
            parts = [(shares[j][1], alloc[j]) for j in cover]
            can = covered_time(shares[0][1], alloc[0], parts, run)
            if can < run - 1e-12 * (1.0 + run):
                run = can
                d.short = shares[0][0]
        for k, (tr, r) in enumerate(shares):
            if r <= 0 or (cover and (k == 0 or k in cover)):
                continue
            can = alloc[k] / r
            if can < run - 1e-12 * (1.0 + run):
                run = can
                d.short = tr
        return run
