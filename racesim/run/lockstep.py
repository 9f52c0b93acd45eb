"""Several scenarios on the same replications, chunk by chunk (common random numbers).

Comparisons, sweeps and sensitivity analyses run K variants of a scenario at one root
seed.  Replication *i* of every variant draws its uniforms from the same streams (keyed
by agency name and *i*, see :mod:`racesim.run.streams`), so the variants are paired: their
differences come from the changed parameters, not from different luck.

:func:`execute_many` yields each chunk of replications for all K variants at once, in
replication order, so callers stream them into counts and memory stays bounded
whatever N is.  Like :func:`racesim.run.montecarlo.execute`, the result does not depend on
``jobs``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from racesim.engine.plan import Plan
from racesim.run.montecarlo import execute_many as _execute_many


def execute_many(
    plans: Sequence[Plan], seed: int, n: int, jobs: int = 1
) -> Iterator[tuple[int, list[np.ndarray]]]:
    """Yield ``(first, [reached_k for each plan])`` for replications 0..n-1, in order.

    ``reached_k`` has shape (count, M_k, A_k): years from start, NaN = not reached.
    ``jobs`` > 1 runs chunks in a process pool; results are the same for any ``jobs``.
    """
    return _execute_many(plans, seed, 0, n, jobs)


def layout(plan: Plan, agency: int) -> tuple:
    """What fixes the positions of an agency's random numbers: if two scenarios agree on
    it, that agency's draws are paired quantity by quantity."""
    ag = plan.agencies[agency]
    return (plan.n_years, len(ag.shocks), tuple(plan.missions[m].id for m in ag.missions))


def unpaired_agencies(a: Plan, b: Plan) -> list[str]:
    """Agencies in both plans whose random numbers are NOT paired between them (their
    shocks or missions differ in number or order, or the horizon changes the years)."""
    index_b = {ag.key: ag.index for ag in b.agencies}
    return [
        ag.key
        for ag in a.agencies
        if ag.key in index_b and layout(a, ag.index) != layout(b, index_b[ag.key])
    ]
