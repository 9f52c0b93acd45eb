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
from racesim.scenario.schema import Scenario
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


@dataclass(frozen=True)
class Plan:
    agencies: tuple[AgencyPlan, ...]
    missions: tuple[MissionPlan, ...]
    milestones: tuple[str, ...]
    horizon: float  # years
    n_years: int  # budget years drawn (covers the horizon)

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
        parent = list(range(len(self.agencies)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for m in self.missions:
            for a, _ in m.partners:
                parent[find(a)] = find(m.agency)
        groups: dict[int, list[int]] = {}
        for a in range(len(self.agencies)):
            groups.setdefault(find(a), []).append(a)
        return tuple(tuple(g) for g in groups.values())

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
                        attempts=m.attempts,
                        refly_cost=m.refly.cost,
                        refly_duration=m.refly.duration,
                        partners=tuple((agency_index[p], sh) for p, sh in m.partners.items()),
                        achieves=tuple(milestones.index(x) for x in m.achieves),
                    )
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
                )
            )
        return cls(tuple(agencies), tuple(missions), milestones, horizon, n_years)
