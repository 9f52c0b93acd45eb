"""The benchmark workload as a straightforward, unoptimised SimPy model.

This is how a competent person would write the README's model ("How missions run", the
budget rules) for this workload without trying to make it fast: per agency a budget
process (a yearly event draws the year's amount and pays it in four quarterly
instalments) and a mission process that
steps each development through the funding, quarter by quarter:

    progress = min(time left in the quarter, remaining work, balance / spend rate)

and stalls until the next instalment when the balance is empty.  Random numbers are
drawn on demand from one numpy Generator per replication (SeedSequence([seed, i])).

    python -m tests.oracle.simple_simpy [-n N] [--seed S]      (from the repository root)

It is the oracle for the workload in tests/test_oracle.py (racesim must give the same
reach times, replication by replication, on the same random numbers) and the baseline
of benchmarks/bench.py.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from benchmarks.workload_params import QUARTER, AgencyParams, Params, command_line, load

EPS = 1e-9  # years


class Agency:
    def __init__(
        self,
        env: simpy.Environment,
        rng: np.random.Generator,
        params: Params,
        index: int,
        reach: np.ndarray,
    ):
        self.env = env
        self.rng = rng
        self.params = params
        self.p: AgencyParams = params.agencies[index]
        self.index = index
        self.reach = reach  # (M, A) years, NaN = not reached
        self.balance = 0.0
        self.paid = env.event()  # fires at every instalment
        env.process(self.budget())
        env.process(self.missions())

    # -- money ------------------------------------------------------------------------
    def budget(self):
        env = self.env
        for year in range(self.params.n_years):
            amount = self.draw_budget(year)
            for _ in range(4):
                self.balance += amount / 4
                paid, self.paid = self.paid, env.event()
                paid.succeed()
                yield env.timeout(QUARTER)

    def draw_budget(self, year: int) -> float:
        p, rng = self.p, self.rng
        amount = p.annual * (1.0 + p.growth) ** year
        if p.volatility > 0:  # lognormal noise with mean 1 and log-sd `volatility`
            amount *= rng.lognormal(-(p.volatility**2) / 2, p.volatility)
        for sh in p.shocks:
            if rng.random() < sh.probability:
                amount *= rng.uniform(sh.low, sh.high)
        return amount

    def draw_duration(self, j: int) -> float:
        m = self.params.missions[j]
        return self.rng.lognormal(math.log(m.median), m.sigma)

    def draw_attempt(self, j: int, k: int) -> float:
        return self.rng.random()

    # -- missions ---------------------------------------------------------------------
    def missions(self):
        env = self.env
        for j, m in enumerate(self.params.missions):  # each requires the previous one
            duration = self.draw_duration(j)
            work, cost = duration, m.cost
            for attempt in range(m.attempts):
                if attempt > 0:  # a re-flight
                    work, cost = duration * m.refly_duration, m.cost * m.refly_cost
                if work > 0:
                    yield from self.develop(work, cost / work)
                if self.draw_attempt(j, attempt) < m.success:
                    ms = self.params.ms_of_mission[j]
                    if ms >= 0 and env.now <= self.params.horizon:
                        self.reach[ms, self.index] = env.now
                    break
            else:
                return  # never succeeded: every later mission is blocked

    def develop(self, work: float, rate: float):
        """Develop ``work`` years at full funding, spending ``rate`` per year."""
        env = self.env
        remaining = work
        while remaining > EPS:
            if rate > 0 and self.balance <= rate * EPS:
                yield self.paid  # out of money: stall until the next instalment
                continue
            now = env.now
            quarter_end = (math.floor(now / QUARTER + EPS) + 1) * QUARTER
            step = min(quarter_end - now, remaining)
            if rate > 0:
                step = min(step, self.balance / rate)
            yield env.timeout(step)
            self.balance = max(0.0, self.balance - rate * step)
            remaining -= step


def replication(params: Params, seed: int, i: int, agency=Agency) -> np.ndarray:
    """Reach times (M, A) in years of replication ``i``; NaN = not by the horizon.

    ``agency``: a subclass of :class:`Agency` may override its ``draw_*`` methods (to
    feed in another model's random numbers when checking it replication by replication).
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, i]))
    env = simpy.Environment()
    reach = np.full((len(params.milestones), len(params.agencies)), np.nan)
    for a in range(len(params.agencies)):
        agency(env, rng, params, a, reach)
    env.run(until=params.horizon + EPS)
    return reach


def run(n: int, seed: int | None = None, params: Params | None = None) -> np.ndarray:
    """Replications 0..n-1: reach times, shape (n, M, A)."""
    params = params or load()
    seed = params.seed if seed is None else seed
    return np.stack([replication(params, seed, i) for i in range(n)])


if __name__ == "__main__":
    command_line(run, __doc__, default_n=500)
