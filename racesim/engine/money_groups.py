"""The speed paths of big funding groups (``_ONE_PLAN_AN_INSTANT``, ``_SHARED_ONCE``).

Which path runs when is said in one place, racesim/engine/money.py's docstring (and
its switches are there); each is checked against the general path by
tests/test_fast_path.py on generated big linked groups.  :class:`BigGroups` is a part of
:class:`racesim.engine.money.Funding`.
"""

from __future__ import annotations

from racesim.engine import simpy_adapter as sim


class BigGroups:
    """Funding's paths for big groups (they use its ``trs``, ``devs`` and ``env``)."""

    __slots__ = ()

    def _plan_later(self) -> None:
        """The ``_ONE_PLAN_AN_INSTANT`` path: compute ahead after this instant's events
        (:meth:`_replan`), as for a start; the books stay at now until then.  The
        same plan as computing ahead at once (and, if a re-flight starts at this
        instant, rewinding to now and computing again), made once."""
        if not self.replan_due:
            self.replan_due = True
            sim.timer(self.env, 0.0).callbacks.append(self._replan)

    def _allocate_shared_once(self) -> None:
        """The ``_SHARED_ONCE`` path of :meth:`_allocate` (the runs start at their
        caps): the shared-run loop stops after its first pass, and only the payers of
        a shared development that shrank and of one they pay alone reserve again (for
        the latter's run).  The shared runs are settled after one pass: a second
        reserves for each exactly its shrunk run (the money before it in any payer's
        order only grows as runs shrink), so it would shrink none again, and a shared
        run stays within its reservations."""
        devs = self.devs
        for tr in self.trs:
            tr.reserve()
        shrunk = self._shrink(devs)
        if shrunk:
            alone = {d.shares[0][0].index for d in devs if len(d.shares) == 1}
            if alone:
                again = {tr.index: tr for d in shrunk for tr, _ in d.shares if tr.index in alone}
                for tr in again.values():
                    tr.reserve()
        self._within_reservations(devs, shared=False)

    @staticmethod
    def _shrink(devs) -> list:
        """Shorten each shared development's run to what its payers' reservations pay
        for; returns those that got shorter (beyond rounding)."""
        shrunk = []
        for d in devs:
            if len(d.shares) < 2:
                continue
            run = d.run
            for (tr, r), a in zip(d.shares, d.alloc):
                can = a / r
                if can < run:
                    run = can
                    short = tr
            if run < d.run - 1e-12:
                d.run = run
                d.short = short  # the payer that holds it back (for the story)
                shrunk.append(d)
        return shrunk
