"""The scenario compiled into the flat, numeric form the model runs on.

A :class:`Plan` is built once per scenario (it holds no random numbers) and shared by
every replication; it lists agencies and missions in scenario order, times in years
from ``start``, and references as indices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from racesim.scenario.distributions import Dist
from racesim.scenario.schema import UNLIMITED_ATTEMPTS, Scenario
from racesim.scenario.timeutil import to_date, years_between

#: attempt outcomes drawn in the replication's fixed block; later ones come from an
#: extra stream per mission (see :mod:`racesim.run.streams`)
ATTEMPT_BLOCK = 8


@dataclass(frozen=True)
class ShockPlan:
    name: str
    factor: Dist
    first_year: int  # budget years k with first_year <= k <= last_year may be hit
    last_year: int
    probability: float


#: a partner's shortfall policies (contract 5), as stored in ``MissionPlan.partner_terms``
STALL, OWNER_COVERS = 0, 1


@dataclass(frozen=True)
class HazardPlan:
    """A hazard of one agency (format v2): a Poisson process of ``rate`` events per
    year in ``[t_from, t_until]`` (years from start) that cancels or pauses
    ``missions`` (global indices)."""

    name: str
    index: int  # within its agency (the stream's key)
    rate: Dist  # drawn once per replication
    t_from: float
    t_until: float
    missions: tuple[int, ...]
    cancel: bool  # effect: cancel (else pause)
    pause: Dist | None  # years, drawn at each event (effect: pause)


@dataclass(frozen=True)
class MissionPlan:
    index: int  # global index, scenario order
    agency: int
    local: int  # index within its agency
    id: str
    name: str
    ref: str  # "agency.id"
    success: Dist | None
    duration: Dist | None
    cost: Dist
    not_before: float  # years; -inf when unset
    succeeded: float | None  # years (<= 0) when it succeeded before start
    requires: tuple[int, ...]
    attempts: int
    refly_cost: float
    refly_duration: float
    partners: tuple[tuple[int, float], ...]  # (agency index, share of cost)
    achieves: tuple[int, ...]
    # format v2 (None / () / 0: not used; the mission runs as in format 1)
    slip: int | None = None  # index of the factor multiplying development times
    partial: Dist | None = None  # chance an attempt ends in a partial landing
    transit: Dist | None = None  # years from launch to the outcome
    stand_down: Dist | None = None  # years from a failure to re-development
    #: per partner (as ``partners``): (shortfall policy, leave rate per year or None)
    partner_terms: tuple[tuple[int, Dist | None], ...] = ()

    @property
    def unlimited(self) -> bool:
        return self.attempts >= UNLIMITED_ATTEMPTS

    @cached_property
    def uses_v2(self) -> bool:
        """Does this mission use a format-v2 mechanism of the engine?  (Factors in
        its distributions and ``slip`` are not: the draws resolve them.)"""
        return (
            self.partial is not None
            or self.transit is not None
            or self.stand_down is not None
            or any(pol != STALL or rate is not None for pol, rate in self.partner_terms)
        )

    @cached_property
    def owner_share(self) -> float:
        return max(0.0, 1.0 - sum(s for _, s in self.partners))

    @cached_property
    def payers(self) -> tuple[tuple[int, float], ...]:
        """(agency index, fraction of the spend rate) for every agency that pays."""
        own = ((self.agency, self.owner_share),) if self.owner_share > 0 else ()
        return own + self.partners


@dataclass(frozen=True)
class AgencyPlan:
    index: int
    key: str
    name: str
    has_budget: bool
    annual: Dist
    growth: float
    volatility: float
    shocks: tuple[ShockPlan, ...]
    missions: tuple[int, ...]  # global mission indices
    hazards: tuple[HazardPlan, ...] = ()  # format v2


def joined(n: int, links) -> list[list[int]]:
    """The groups of ``0 .. n-1`` that the pairs ``links`` join (union-find), each in
    increasing order, the groups in the order of their first member."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in links:
        parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for a in range(n):
        groups.setdefault(find(a), []).append(a)
    return list(groups.values())


@dataclass(frozen=True)
class Plan:
    agencies: tuple[AgencyPlan, ...]
    missions: tuple[MissionPlan, ...]
    milestones: tuple[str, ...]
    horizon: float  # years
    n_years: int  # budget years drawn (covers the horizon)
    #: format v2: the factors (name, spec), in scenario order, and for each milestone
    #: whether a partial landing reaches it
    factors: tuple[tuple[str, Dist], ...] = ()
    partial_counts: tuple[bool, ...] = ()
    #: run on the format-2 engine even without a mechanism: a piece of a format-2 plan
    #: (run/lockstep.py), so that it gives the whole plan's numbers to the last bit (the
    #: two engines differ in the last bit of a launch held to ``not_before``)
    v2_engine: bool = False

    @cached_property
    def factor_index(self) -> dict[str, int]:
        return {name: i for i, (name, _) in enumerate(self.factors)}

    @cached_property
    def uses_v2(self) -> bool:
        """Does any mission or agency use a format-v2 mechanism?  (If not, the
        replication runs exactly the format-1 code: contract 5.)"""
        return (
            self.v2_engine
            or any(m.uses_v2 or m.unlimited for m in self.missions)
            or any(a.hazards for a in self.agencies)
        )

    @property
    def n_quarters(self) -> int:
        return 4 * self.n_years

    @cached_property
    def dependents(self) -> tuple[tuple[int, ...], ...]:
        """For each mission, the missions that require it."""
        out: list[list[int]] = [[] for _ in self.missions]
        for m in self.missions:
            for r in m.requires:
                out[r].append(m.index)
        return tuple(tuple(x) for x in out)

    @cached_property
    def n_requires(self) -> tuple[int, ...]:
        return tuple(len(m.requires) for m in self.missions)

    @cached_property
    def pre_succeeded(self) -> tuple[bool, ...]:
        return tuple(m.succeeded is not None for m in self.missions)

    @cached_property
    def pre_succeeded_indices(self) -> tuple[int, ...]:
        return tuple(m.index for m in self.missions if m.succeeded is not None)

    @cached_property
    def ready_at_start(self) -> tuple[int, ...]:
        """Missions to start at once: nothing required and not already succeeded."""
        return tuple(m.index for m in self.missions if not m.requires and m.succeeded is None)

    @cached_property
    def achievers(self) -> tuple[tuple[int, ...], ...]:
        """[milestone][agency]: how many missions could achieve it."""
        out = [[0] * len(self.agencies) for _ in self.milestones]
        for m in self.missions:
            for ms in m.achieves:
                out[ms][m.agency] += 1
        return tuple(tuple(x) for x in out)

    @cached_property
    def n_achievable(self) -> int:
        return sum(1 for line in self.achievers for x in line if x)

    @cached_property
    def components(self) -> tuple[tuple[int, ...], ...]:
        """Groups of agencies whose money is linked by partner shares (each group's
        treasuries are planned together; separate groups never affect each other)."""
        links = ((a, m.agency) for m in self.missions for a, _ in m.partners)
        return tuple(tuple(g) for g in joined(len(self.agencies), links))

    @cached_property
    def tracked_terms(self) -> tuple[tuple[int, float, tuple[tuple[int, float, bool], ...]], ...]:
        """Format v2: the missions whose partner terms a replication follows (a partner
        whose shortfall its owner covers, or that may leave): (mission index, owner's
        fraction, ((partner agency, share, owner covers), ...) as ``partners``)."""
        return tuple(
            (
                m.index,
                m.owner_share,
                tuple(
                    (a, f, pol == OWNER_COVERS)
                    for (a, f), (pol, _) in zip(m.partners, m.partner_terms)
                ),
            )
            for m in self.missions
            if any(pol == OWNER_COVERS or r is not None for pol, r in m.partner_terms)
        )

    @cached_property
    def live_hazards(self) -> tuple[tuple[int, int, HazardPlan], ...]:
        """Format v2: the hazards that can strike, (agency index, index within the
        agency, hazard): those with a window and missions (a replication's drawn rate
        may still be 0)."""
        return tuple(
            (ag.index, k, h)
            for ag in self.agencies
            for k, h in enumerate(ag.hazards)
            if h.t_until >= h.t_from and h.missions
        )

    @classmethod
    def from_scenario(cls, s: Scenario) -> Plan:
        start = s.start
        horizon = years_between(start, s.horizon)
        n_years = int(math.floor(horizon)) + 1
        milestones = tuple(s.milestones)
        agency_index = {k: i for i, k in enumerate(s.agencies)}
        refs: dict[str, int] = {}
        for a, ag in s.agencies.items():
            for m in ag.missions:
                refs[f"{a}.{m.id}"] = len(refs)

        def anniversary(k: int):
            return to_date(start, k)

        def window(sh) -> tuple[int, int]:
            # budget year k begins (and pays its first instalment) k years of 365.25
            # days after start
            ks = [
                k
                for k in range(n_years)
                if (sh.from_ is None or anniversary(k) >= sh.from_)
                and (sh.until is None or anniversary(k) <= sh.until)
            ]
            return (ks[0], ks[-1]) if ks else (n_years, -1)

        factor_index = {name: i for i, name in enumerate(s.factors)}

        def years(d) -> float:
            return years_between(start, d)

        def fixed_zero(d: Dist) -> bool:
            return d.is_fixed and d.params[0] == 0.0

        agencies, missions = [], []
        for ai, (a, ag) in enumerate(s.agencies.items()):
            b = ag.budget
            shocks = ()
            if b:
                shocks = tuple(
                    ShockPlan(sh.name, sh.factor, *window(sh), sh.probability) for sh in b.shocks
                )
            own = []
            for li, m in enumerate(ag.missions):
                gi = refs[f"{a}.{m.id}"]
                own.append(gi)
                slip = m.slip if m.slip is not None else ag.slip
                terms = m.partner_terms()
                missions.append(
                    MissionPlan(
                        index=gi,
                        agency=ai,
                        local=li,
                        id=m.id,
                        name=m.name or m.id,
                        ref=f"{a}.{m.id}",
                        success=m.success,
                        duration=m.duration,
                        cost=m.cost,
                        not_before=(
                            -math.inf
                            if m.not_before is None
                            else years_between(start, m.not_before)
                        ),
                        succeeded=(
                            None if m.succeeded is None else years_between(start, m.succeeded)
                        ),
                        requires=tuple(refs[r if "." in r else f"{a}.{r}"] for r in m.requires),
                        attempts=UNLIMITED_ATTEMPTS if m.attempts == "unlimited" else m.attempts,
                        refly_cost=m.refly.cost,
                        refly_duration=m.refly.duration,
                        partners=tuple((agency_index[p], t.share) for p, t in terms.items()),
                        achieves=tuple(milestones.index(x) for x in m.achieves),
                        slip=None if slip is None else factor_index[slip],
                        partial=m.partial,
                        transit=None if fixed_zero(m.transit) else m.transit,
                        stand_down=None if fixed_zero(m.refly.stand_down) else m.refly.stand_down,
                        partner_terms=tuple(
                            (
                                OWNER_COVERS if t.shortfall == "owner_covers" else STALL,
                                None if fixed_zero(t.leave_rate) else t.leave_rate,
                            )
                            for t in terms.values()
                        ),
                    )
                )
            local = {m.id: refs[f"{a}.{m.id}"] for m in ag.missions}
            hazards = tuple(
                HazardPlan(
                    name=h.name,
                    index=k,
                    rate=h.rate,
                    t_from=0.0 if h.from_ is None else max(0.0, years(h.from_)),
                    t_until=horizon if h.until is None else min(horizon, years(h.until)),
                    missions=tuple(own)
                    if h.missions is None
                    else tuple(local[x] for x in h.missions),
                    cancel=h.effect == "cancel",
                    pause=h.pause,
                )
                for k, h in enumerate(ag.hazards)
            )
            agencies.append(
                AgencyPlan(
                    index=ai,
                    key=a,
                    name=ag.name or a,
                    has_budget=b is not None,
                    annual=b.annual if b else Dist.fixed(0.0),
                    growth=b.growth if b else 0.0,
                    volatility=b.volatility if b else 0.0,
                    shocks=shocks,
                    missions=tuple(own),
                    hazards=hazards,
                )
            )
        return cls(
            tuple(agencies),
            tuple(missions),
            milestones,
            horizon,
            n_years,
            factors=tuple(s.factors.items()),
            partial_counts=tuple(ms.partial_counts for ms in s.milestones.values()),
        )
