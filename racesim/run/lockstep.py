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


# -- variants that differ in a few agencies: run only what changed --------------------
#: the fields of a plan this module knows how to re-index; a plan with others (a new
#: mechanism) is always run whole, so a shortcut can never silently go wrong
_PLAN_FIELDS = (
    "agencies", "missions", "milestones", "horizon", "n_years", "factors", "partial_counts",
)  # fmt: skip
_AGENCY_FIELDS = (
    "index", "key", "name", "has_budget", "annual", "growth", "volatility", "shocks",
    "missions", "hazards",
)  # fmt: skip
_MISSION_FIELDS = (
    "index", "agency", "local", "id", "name", "ref", "success", "duration", "cost",
    "not_before", "succeeded", "requires", "attempts", "refly_cost", "refly_duration",
    "partners", "achieves", "slip", "partial", "transit", "stand_down", "partner_terms",
)  # fmt: skip
#: private switch: False runs every variant whole (tests compare the two ways)
_SHARE = True


def _known(plan: Plan) -> bool:
    from dataclasses import fields

    def names(x) -> tuple[str, ...]:
        return tuple(f.name for f in fields(x))

    # the format-2 fields must hold their defaults: a factor links agencies in ways the
    # groups do not show, and the mechanisms run another engine (contract 5)
    return (
        names(plan) == _PLAN_FIELDS
        and all(names(a) == _AGENCY_FIELDS for a in plan.agencies)
        and all(names(m) == _MISSION_FIELDS for m in plan.missions)
        and not plan.factors
        and not any(plan.partial_counts)
        and not plan.uses_v2
    )


def linked(plan: Plan) -> list[set[int]]:
    """Groups of agencies that can affect each other: linked by partner shares (their
    treasuries) or by ``requires`` across agencies.  Replication *i* of one group
    draws from its own agencies' streams only, so it is the same whoever else runs."""
    parent = list(range(len(plan.agencies)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for m in plan.missions:
        for a, _ in m.partners:
            parent[find(a)] = find(m.agency)
        for r in m.requires:
            parent[find(plan.missions[r].agency)] = find(m.agency)
    groups: dict[int, set[int]] = {}
    for a in range(len(plan.agencies)):
        groups.setdefault(find(a), set()).add(a)
    return list(groups.values())


def subplan(plan: Plan, keep: Sequence[int]) -> Plan:
    """``plan`` with only the agencies ``keep`` (indices; a union of :func:`linked`
    groups), re-indexed: the same replications of those agencies."""
    from dataclasses import replace

    keep = sorted(keep)
    amap = {a: i for i, a in enumerate(keep)}
    kept = [m for m in plan.missions if m.agency in amap]
    mmap = {m.index: i for i, m in enumerate(kept)}
    missions = tuple(
        replace(
            m,
            index=mmap[m.index],
            agency=amap[m.agency],
            requires=tuple(mmap[r] for r in m.requires),
            partners=tuple((amap[a], s) for a, s in m.partners),
        )
        for m in kept
    )
    agencies = tuple(
        replace(plan.agencies[a], index=amap[a], missions=tuple(mmap[j] for j in ag.missions))
        for a, ag in ((a, plan.agencies[a]) for a in keep)
    )
    return replace(plan, agencies=agencies, missions=missions)


def shared_runs(
    plans: Sequence[Plan], milestone: int
) -> tuple[list[Plan], list[list[tuple[int, tuple[int, ...] | None]]]]:
    """What to run so that every plan's reach times of ``milestone`` are known, each
    piece run once however many plans share it.

    A plan is cut into its :func:`linked` groups, and only the groups that can reach
    the milestone are kept (:func:`subplan`); two plans whose group is the same (a
    variant that changes only another agency; a Sobol point that shares half its
    values with another) share its run.  Returns ``runs`` (the plans to run) and per
    plan its pieces ``(run, columns)``: ``runs[run]`` gives the reach times of the
    plan's agencies ``columns`` (None: all of them, the plan run whole — a plan with
    fields :func:`subplan` does not know)."""
    runs: list[Plan] = []
    index: dict[Plan, int] = {}

    def add(p: Plan) -> int:
        if p not in index:
            index[p] = len(runs)
            runs.append(p)
        return index[p]

    views = []
    for p in plans:
        if not (_SHARE and _known(p)):
            views.append([(add(p), None)])
            continue
        can = {a for a in range(len(p.agencies)) if p.achievers[milestone][a]}
        pieces = []
        for g in sorted(linked(p), key=min):
            if g & can:
                cols = tuple(sorted(g))
                pieces.append((add(subplan(p, cols)), cols))
        views.append(pieces)
    if not runs:  # nobody can reach it anywhere: one run, for the chunks' sizes
        add(plans[0])
    return runs, views


def reach_of(
    chunk: Sequence[np.ndarray], pieces: Sequence[tuple[int, tuple[int, ...] | None]], m: int,
    agencies: int,
) -> np.ndarray:  # fmt: skip
    """One plan's reach times of milestone ``m`` in a chunk of :func:`shared_runs`'
    runs: shape (count, agencies), NaN where not reached."""
    if len(pieces) == 1 and pieces[0][1] is None:
        return chunk[pieces[0][0]][:, m, :]
    out = np.full((chunk[0].shape[0], agencies), np.nan)
    for run, cols in pieces:
        out[:, list(cols)] = chunk[run][:, m, :]
    return out
