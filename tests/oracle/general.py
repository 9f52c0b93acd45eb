"""The README's rules for any scenario, written the straightforward way in SimPy.

This is the oracle for tests/test_oracle.py: an independent statement of how a race
runs (README "Scenario file", "How missions run"), made for reading, not for speed.
It shares nothing with racesim's engine but the random numbers it is given (see
tests/engine.py, SharedInputs), and it reads the validated scenario (``racesim.load``).

* Money.  Budget year k begins k years (of 365.25 days) after the start; its amount is
  annual x (1 + growth)^k x the noise factor exp(volatility z - volatility^2 / 2) x the
  factor of every shock whose window holds the year's first day and whose uniform that
  year is below its probability.  It is paid in four equal instalments, at the start of
  each quarter.  Nobody spends money not yet received; what is left carries over.
* Missions.  A mission process waits until everything it requires has succeeded, then
  develops (the funding process below), waits for ``not_before``, attempts (success
  when the attempt's uniform is below the chance), and after a failure develops again
  for the ``refly`` fractions of its first cost and duration, until its attempts are
  used up.  A success credits the mission's milestones to its agency.
* Funding.  Agencies linked by partner shares (directly or through others) form a
  group; each group has one funding process, and groups never affect each other.  In a
  group, at each quarter's start, at each completion and whenever a development
  starts, every payer reserves, for the rest of the quarter,
  money for the developments it pays for in priority order: its own missions in listed
  order, then its shares of other agencies' missions in scenario order.  A development
  runs at its full spend rate while every one of its payers' reservations lasts, then
  stalls until the next re-allocation.  A shared development that one payer can fund
  for less time needs less from the others, so reservations are made again with the
  shorter time, until nothing changes.
* Format v2 (contract 5), the parts expressed here: a field ``{factor: NAME}`` takes the
  replication's draw of that factor, and ``slip`` (the mission's, else its agency's)
  multiplies its durations; an attempt launches when developed and ``not_before`` has
  passed, and its outcome comes ``transit`` years later; it succeeds below the chance,
  lands partially below chance + partial (the mission ends, its dependents may start,
  only milestones with ``partial_counts`` are reached), and after a failure the
  re-flight is developed after a ``stand_down``; ``attempts: unlimited`` goes on until
  the horizon.  (Hazards and partner terms are not expressed here: their closed forms
  are in tests/test_mechanisms.py.)
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import simpy

YEAR_DAYS = 365.25
QUARTER = 0.25
EPS = 1e-9  # years


def years(start: dt.date, date: dt.date) -> float:
    return (date - start).days / YEAR_DAYS


class Development:
    def __init__(self, mission: int, work: float, payers: list[tuple[int, float]], done):
        self.mission = mission  # global index: priority among its owner's missions
        self.remaining = work  # years at full funding
        self.payers = payers  # (agency, USD millions per year)
        self.done = done  # event: the work is complete
        self.run = 0.0  # funded time in the current allocation


class Race:
    def __init__(self, scenario, inputs):
        self.s = scenario
        self.x = inputs
        self.env = simpy.Environment()
        self.agencies = list(scenario.agencies)
        self.missions = [  # (agency index, agency key, mission), scenario order
            (a, key, m)
            for a, (key, ag) in enumerate(scenario.agencies.items())
            for m in ag.missions
        ]
        self.index = {f"{key}.{m.id}": j for j, (_, key, m) in enumerate(self.missions)}
        self.horizon = years(scenario.start, scenario.horizon)
        self.n_years = math.floor(self.horizon) + 1
        self.milestones = list(scenario.milestones)
        self.reach = [[math.nan] * len(self.agencies) for _ in self.milestones]
        self.balance = [0.0] * len(self.agencies)
        self.instalments = [self.budget(a) for a in range(len(self.agencies))]
        self.paid = [0] * len(self.agencies)  # instalments received so far
        self.group = list(range(len(self.agencies)))  # agency -> its group's number
        for a, _, m in self.missions:
            for p in m.partners:
                old, new = self.group[self.agencies.index(p)], self.group[a]
                self.group = [new if g == old else g for g in self.group]
        self.devs = {g: [] for g in set(self.group)}  # per group: developments running
        self.starting = {g: [] for g in self.devs}  # ... and those just started
        self.changed = {g: self.env.event() for g in self.devs}
        self.succeeded = [self.env.event() for _ in self.missions]
        for g in self.devs:
            self.env.process(self.funding(g))
        for j in range(len(self.missions)):
            self.env.process(self.mission(j))

    # -- money ----------------------------------------------------------------------
    def budget(self, a: int) -> list[float]:
        """Each budget year's quarterly instalment."""
        b = self.s.agencies[self.agencies[a]].budget
        if b is None:
            return [0.0] * self.n_years
        out = []
        for k in range(self.n_years):
            amount = self.x.annual(a) * (1 + b.growth) ** k
            if b.volatility > 0:
                z = self.x.noise_z(a)[k]
                amount *= math.exp(b.volatility * z - b.volatility**2 / 2)
            first_day = self.s.start + dt.timedelta(days=math.floor(k * YEAR_DAYS + 1e-6))
            for s, sh in enumerate(b.shocks):
                inside = (sh.from_ is None or first_day >= sh.from_) and (
                    sh.until is None or first_day <= sh.until
                )
                if inside and self.x.shock_u(a, s)[k] < sh.probability:
                    amount *= self.x.shock_factor(a, s)[k]
            out.append(amount / 4)
        return out

    def receive(self, now: float) -> None:
        """Pay every instalment due by ``now`` (into any agency: they are due anyway)."""
        for a, amounts in enumerate(self.instalments):
            while self.paid[a] < 4 * self.n_years and self.paid[a] * QUARTER <= now + EPS:
                self.balance[a] += amounts[self.paid[a] // 4]
                self.paid[a] += 1

    def priority(self, devs, a: int) -> list[tuple[Development, float, int]]:
        """What agency ``a`` pays for, in the order it reserves money."""
        mine = [(d, r, k) for d in devs for k, (b, r) in enumerate(d.payers) if b == a]
        own = self.missions
        return sorted(mine, key=lambda x: (own[x[0].mission][0] != a, x[0].mission))

    def allocate(self, g: int, span: float) -> None:
        devs = self.devs[g]
        for d in devs:
            d.run = min(d.remaining, span)
        while True:
            got = {}
            for a in [a for a in range(len(self.agencies)) if self.group[a] == g]:
                left = self.balance[a]
                for d, r, k in self.priority(devs, a):
                    give = min(r * d.run, left)
                    left -= give
                    got[id(d), k] = give
            changed = False
            for d in devs:
                can = min([got[id(d), k] / r for k, (_, r) in enumerate(d.payers)] + [d.run])
                if len(d.payers) > 1 and can < d.run - 1e-12:
                    d.run = can
                    changed = True
            if not changed:
                break
        for d in devs:
            d.run = min([got[id(d), k] / r for k, (_, r) in enumerate(d.payers)] + [d.run])

    def funding(self, g: int):
        env = self.env
        devs = self.devs[g]
        while True:
            now = env.now
            self.receive(now)
            devs.extend(self.starting[g])
            self.starting[g].clear()
            if not devs:
                yield self.changed[g]
                continue
            q_end = (math.floor(now / QUARTER + EPS) + 1) * QUARTER
            self.allocate(g, q_end - now)
            until = q_end
            for d in devs:
                if d.run >= d.remaining - EPS:
                    until = min(until, now + d.remaining)
            # until the quarter ends, a development completes, or one starts
            yield env.timeout(until - now) | self.changed[g]
            elapsed = env.now - now
            for d in devs:
                progress = min(d.run, elapsed)
                if d.run >= d.remaining - EPS and env.now >= now + d.remaining - EPS:
                    progress = d.remaining  # fully funded to its end: complete now
                d.remaining -= progress
                for a, r in d.payers:
                    self.balance[a] -= r * progress
            for d in [d for d in devs if d.remaining <= EPS]:
                devs.remove(d)
                d.done.succeed()

    def develop(self, j: int, cost: float, work: float) -> simpy.Event:
        a, _, m = self.missions[j]
        rate = cost / work
        payers = []
        if rate > 0:
            own = 1 - sum(m.partners.values())
            if own > 0:
                payers.append((a, rate * own))
            payers += [(self.agencies.index(p), rate * f) for p, f in m.partners.items()]
        d = Development(j, work, payers, self.env.event())
        g = self.group[a]
        self.starting[g].append(d)
        if not self.changed[g].triggered:
            self.changed[g].succeed()
            self.changed[g] = self.env.event()
        return d.done

    # -- missions -------------------------------------------------------------------
    def mission(self, j: int):
        env = self.env
        a, key, m = self.missions[j]
        if m.succeeded is not None:
            self.credit(j, years(self.s.start, m.succeeded))
            return
        requires = [self.index[r if "." in r else f"{key}.{r}"] for r in m.requires]
        if requires:
            yield simpy.AllOf(env, [self.succeeded[r] for r in requires])
        cost0, work0, chance = (
            self.draw(j, "cost"),
            self.draw(j, "duration"),
            self.draw(j, "success"),
        )
        slip = m.slip or self.s.agencies[key].slip
        if slip is not None:
            work0 *= max(self.x.factor(slip), 0.0)
        partial = self.x.partial(j)
        transit = self.x.transit(j)
        attempts = math.inf if m.attempts == "unlimited" else m.attempts
        k = 0
        while k < attempts:
            cost, work = cost0, work0
            if k > 0:
                cost, work = cost0 * m.refly.cost, work0 * m.refly.duration
            if work > 0:
                yield self.develop(j, cost, work)
            if m.not_before is not None:
                wait = years(self.s.start, m.not_before) - env.now
                if wait > 0:
                    yield env.timeout(wait)
            if transit > 0:  # launched now; the outcome comes later
                yield env.timeout(transit)
            u = self.x.attempt_u(j, k)
            if u < chance:
                self.credit(j, env.now)
                return
            if u < chance + partial:
                self.credit(j, env.now, partial=True)
                return
            k += 1
            if k < attempts:
                wait = self.stand_down(j, k - 1)
                if wait > 0:
                    yield env.timeout(wait)

    def draw(self, j: int, field: str) -> float:
        """The mission's success, duration or cost in this replication: its factor's
        draw, or its spec at its uniform; clipped to the field's range."""
        spec = getattr(self.missions[j][2], field)
        if spec.is_factor:
            v = self.x.factor(spec.ref)
        else:
            u = self.x.mission_u(j, ("success", "duration", "cost").index(field))
            v = float(spec.quantile(np.array([u]))[0])
        return min(max(v, 0.0), 1.0) if field == "success" else max(v, 0.0)

    def stand_down(self, j: int, n: int) -> float:
        """The stand-down after failure ``n`` (from 0) of mission ``j``, years."""
        spec = self.missions[j][2].refly.stand_down
        if spec.is_factor:
            return max(self.x.factor(spec.ref), 0.0)
        if spec.is_fixed:
            return max(spec.params[0], 0.0)
        return max(float(spec.quantile(np.array([self.x.stand_down_u(j, n)]))[0]), 0.0)

    def credit(self, j: int, t: float, partial: bool = False) -> None:
        a, _, m = self.missions[j]
        for ms in m.achieves:
            if partial and not self.s.milestones[ms].partial_counts:
                continue
            line = self.reach[self.milestones.index(ms)]
            if not line[a] <= t:
                line[a] = t
        self.succeeded[j].succeed()

    def run(self) -> list[list[float]]:
        self.env.run(until=self.horizon + 10 * EPS)
        return self.reach


def replication(scenario, inputs) -> list[list[float]]:
    """Reach times [milestone][agency] in years from start (NaN: not by the horizon)."""
    return Race(scenario, inputs).run()
