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

import math
from collections.abc import Iterator, Sequence

import numpy as np

from racesim.engine.plan import STALL, Plan, joined
from racesim.run.montecarlo import execute_many as _execute_many
from racesim.scenario.distributions import Dist


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
    "v2_engine",
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
_HAZARD_FIELDS = (
    "name", "index", "rate", "t_from", "t_until", "missions", "cancel", "pause",
)  # fmt: skip
_SHOCK_FIELDS = ("name", "factor", "first_year", "last_year", "probability")
#: private switch: False runs every variant whole (tests compare the two ways)
_SHARE = True
_ZERO = Dist.fixed(0.0)


def _names(x) -> tuple[str, ...]:
    from dataclasses import fields

    return tuple(f.name for f in fields(x))


def _known(plan: Plan) -> bool:
    """Does :func:`subplan` know every field of ``plan``?  Format-2 fields are known:
    a factor is drawn from its own stream keyed by its name (whoever else names it),
    hazards, partner terms and the mechanisms' draws from streams keyed by their own
    agency and mission, and a piece of a format-2 plan runs on the format-2 engine
    whether or not its own agencies use a mechanism (``Plan.v2_engine``: the two
    engines can differ in the last bit of a launch held to ``not_before``)."""
    if not isinstance(plan, Plan) or _names(plan) != _PLAN_FIELDS:
        return False
    return (
        all(_names(a) == _AGENCY_FIELDS for a in plan.agencies)
        and all(_names(m) == _MISSION_FIELDS for m in plan.missions)
        and all(_names(h) == _HAZARD_FIELDS for a in plan.agencies for h in a.hazards)
        and all(_names(s) == _SHOCK_FIELDS for a in plan.agencies for s in a.shocks)
    )


def linked(plan: Plan) -> list[set[int]]:
    """Groups of agencies that can affect each other: linked by partner shares (their
    treasuries) or by ``requires`` across agencies.  Replication *i* of one group
    draws from its own agencies' streams only, so it is the same whoever else runs."""
    links = [(a, m.agency) for m in plan.missions for a, _ in m.partners]
    links += [(plan.missions[r].agency, m.agency) for m in plan.missions for r in m.requires]
    return [set(g) for g in joined(len(plan.agencies), links)]


def factors_named(plan: Plan, agencies: Sequence[int]) -> set[str]:
    """The factors that ``agencies`` (indices) and their missions name: in a field
    (``{factor: NAME}``: budgets, shocks, hazards, success, duration, cost, the
    mechanisms' fields, partner terms) or as a ``slip``."""
    from dataclasses import fields, is_dataclass

    out: set[str] = set()

    def walk(x) -> None:
        if isinstance(x, Dist):
            if x.is_factor:
                out.add(x.ref)
        elif isinstance(x, tuple):
            for y in x:
                walk(y)
        elif is_dataclass(x):
            for f in fields(x):
                walk(getattr(x, f.name))

    for a in agencies:
        ag = plan.agencies[a]
        walk(ag)
        for j in ag.missions:
            m = plan.missions[j]
            walk(m)
            if m.slip is not None:
                out.add(plan.factors[m.slip][0])
    return out


def subplan(plan: Plan, keep: Sequence[int]) -> Plan:
    """``plan`` with only the agencies ``keep`` (indices; a union of :func:`linked`
    groups) and the factors they name, re-indexed: the same replications of those
    agencies (every stream is keyed by names, not positions)."""
    from dataclasses import replace

    keep = sorted(keep)
    amap = {a: i for i, a in enumerate(keep)}
    kept = [m for m in plan.missions if m.agency in amap]
    mmap = {m.index: i for i, m in enumerate(kept)}
    named = factors_named(plan, keep)
    factors = tuple(f for f in plan.factors if f[0] in named)
    fmap = {name: i for i, (name, _) in enumerate(factors)}
    missions = tuple(
        replace(
            m,
            index=mmap[m.index],
            agency=amap[m.agency],
            requires=tuple(mmap[r] for r in m.requires),
            partners=tuple((amap[a], s) for a, s in m.partners),
            slip=None if m.slip is None else fmap[plan.factors[m.slip][0]],
        )
        for m in kept
    )
    agencies = tuple(
        replace(
            ag,
            index=amap[a],
            missions=tuple(mmap[j] for j in ag.missions),
            hazards=tuple(
                replace(h, missions=tuple(mmap[j] for j in h.missions)) for h in ag.hazards
            ),
        )
        for a, ag in ((a, plan.agencies[a]) for a in keep)
    )
    # a piece runs on its plan's engine (see Plan.v2_engine), mechanisms or not
    return replace(
        plan, agencies=agencies, missions=missions, factors=factors, v2_engine=plan.uses_v2
    )


def _closures(plan: Plan) -> list[set[int]]:
    """Per mission, every mission it requires, directly or through others."""
    out: list[set[int] | None] = [None] * len(plan.missions)
    for root in range(len(plan.missions)):
        # depth first with an explicit stack: a mission's set once all it requires have theirs
        todo = [root]
        while todo:
            j = todo[-1]
            if out[j] is not None:
                todo.pop()
                continue
            pending = [r for r in plan.missions[j].requires if out[r] is None]
            if pending:
                todo.extend(pending)
                continue
            acc: set[int] = set()
            for r in plan.missions[j].requires:
                acc.add(r)
                acc |= out[r]  # type: ignore[operator]
            out[j] = acc
            todo.pop()
    return out  # type: ignore[return-value]


def after_decided(plan: Plan, milestone: int) -> set[int]:
    """Missions that cannot change anyone's reach time of ``milestone``: each waits
    for a mission ``r`` (it requires, directly or through others) whose success or
    partial landing reaches the milestone for ``r``'s agency, and no other agency of
    its :func:`linked` group can reach the milestone at all.  Such a mission starts
    (and spends, or moves anyone's money) only once every agency it can affect has
    its reach time of the milestone fixed.  (A partial landing starts the missions
    waiting for it; it reaches the milestone only if ``partial_counts`` says so.)"""
    can = {a for a in range(len(plan.agencies)) if plan.achievers[milestone][a]}
    counts = bool(plan.partial_counts) and plan.partial_counts[milestone]
    decides = [
        milestone in m.achieves and (m.succeeded is not None or m.partial is None or counts)
        for m in plan.missions
    ]
    group_of = {a: g for g in linked(plan) for a in g}
    out = set()
    for j, before in enumerate(_closures(plan)):
        others = group_of[plan.missions[j].agency] & can
        if any(decides[r] and others <= {plan.missions[r].agency} for r in before):
            out.add(j)
    return out


def for_milestone(plan: Plan, milestone: int) -> Plan:
    """``plan`` as far as its reach times of ``milestone`` go (the other milestones'
    become NaN): missions achieve only that milestone, and every mission of
    :func:`after_decided` becomes a stub that achieves nothing, costs nothing and fails
    at its first attempt (the missions waiting for it fail too: all of them are
    after_decided as well).  A stub keeps its partners' names (with no share), so the
    funding groups stay as they were: a group's treasuries are planned together, and
    planning them apart rounds differently (tests/test_lockstep_share.py catches it).
    Hazards act on the other missions only.  A stub keeps its place among its
    agency's missions, so every other quantity keeps its random numbers; scenarios
    that differ only in what became stubs (and in the other milestones) become equal,
    so they share their runs, and a replication ends as soon as the milestone is
    decided."""
    from dataclasses import replace

    stubs = after_decided(plan, milestone)

    def kept(m):
        if m.index in stubs:
            return replace(
                m, success=None, duration=None, cost=_ZERO, not_before=-math.inf, attempts=1,
                refly_cost=1.0, refly_duration=1.0, achieves=(), slip=None, partial=None,
                transit=None, stand_down=None, partners=tuple((a, 0.0) for a, _ in m.partners),
                partner_terms=((STALL, None),) * len(m.partners),
            )  # fmt: skip
        return replace(m, achieves=(milestone,) if milestone in m.achieves else ())

    def hazard(h):
        left = tuple(j for j in h.missions if j not in stubs)
        if left:
            return replace(h, missions=left)
        return replace(h, rate=_ZERO, t_from=0.0, t_until=0.0, missions=(), cancel=True, pause=None)

    agencies = tuple(
        replace(a, hazards=tuple(hazard(h) for h in a.hazards)) if a.hazards else a
        for a in plan.agencies
    )
    partial_counts = tuple(c and k == milestone for k, c in enumerate(plan.partial_counts))
    return replace(
        plan,
        agencies=agencies,
        missions=tuple(kept(m) for m in plan.missions),
        partial_counts=partial_counts,
        v2_engine=plan.uses_v2,
    )


def shared_runs(
    plans: Sequence[Plan], milestone: int
) -> tuple[list[Plan], list[list[tuple[int, tuple[int, ...] | None]]]]:
    """What to run so that every plan's reach times of ``milestone`` are known, each
    piece run once however many plans share it.

    A plan is first reduced to the milestone (:func:`for_milestone`), then cut into its
    :func:`linked` groups, and only the groups that can reach the milestone are kept
    (:func:`subplan`, with the factors they name); two plans whose group is the same
    (a variant that changes only another agency, or a mission that can only start
    once the milestone is decided; a Sobol point that shares half its values with
    another) share its run.  Returns ``runs`` (the plans to run) and per
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
        p = for_milestone(p, milestone)
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
