"""The benchmark workload as an idiomatic SimPy model: what a competent SimPy user writes.

- one budget process pays every agency's quarterly instalment (the year's amount is
  drawn when the year begins) and signals it with one event, which wakes every
  stalled development;
- one process per agency runs its missions in sequence; a development works for as
  long as the money in hand lasts (one timeout; instalments paid meanwhile simply add
  to the balance), and when broke stalls on the next instalment's event: no
  quarter-by-quarter stepping while nothing happens;
- random numbers are drawn on demand from one numpy Generator per replication
  (``SeedSequence([seed, i, 2])``: independent of the other models' streams);
- every replication runs to the horizon, so every agency's reach times are known.

Same rules as racesim for this workload (README "Semantics the reference models
follow"): four equal instalments a year, nobody spends money not yet received, unspent
money carries over, full spend rate while funded, re-flights at the fractions of
``refly``, a success at the horizon counts.  One development at a time per agency and
no partners, so funding priorities never come into play.

    python benchmarks/idiomatic_simpy.py [-n N] [--seed S]
"""

from __future__ import annotations

import math

import numpy as np
import simpy

try:
    from workload_params import QUARTER, Params, command_line, load
except ImportError:  # imported as benchmarks.idiomatic_simpy
    from .workload_params import QUARTER, Params, command_line, load

EPS = 1e-9  # years
STREAM = 2  # third word of the replication's SeedSequence


class Budget:
    """The agencies' treasuries and the event that fires at the next instalment."""

    def __init__(self, env: simpy.Environment, n_agencies: int):
        self.balance = [0.0] * n_agencies  # USD millions
        self.paid = env.event()

    def pay(self, env: simpy.Environment, quarterly: list[float]) -> None:
        for a, amount in enumerate(quarterly):
            self.balance[a] += amount
        paid, self.paid = self.paid, env.event()
        paid.succeed()  # wakes every stalled development


def budgets(env, rng, params: Params, budget: Budget):
    """Each budget year: draw every agency's amount, pay it in four instalments."""
    for year in range(params.n_years):
        quarterly = []
        for p in params.agencies:
            amount = p.annual * (1.0 + p.growth) ** year
            if p.volatility > 0:  # lognormal noise, mean 1, log-sd `volatility`
                amount *= rng.lognormal(-(p.volatility**2) / 2, p.volatility)
            for sh in p.shocks:
                if rng.random() < sh.probability:
                    amount *= rng.uniform(sh.low, sh.high)
            quarterly.append(amount / 4)
        for _ in range(4):
            budget.pay(env, quarterly)
            yield env.timeout(QUARTER)


def develop(env, budget: Budget, a: int, work: float, rate: float):
    """Develop ``work`` years at full funding, spending ``rate`` per year: work for as
    long as the money in hand lasts (instalments paid meanwhile add to it), and when
    broke stall until the next instalment."""
    balance = budget.balance
    remaining = work
    while remaining > EPS:
        if balance[a] <= rate * EPS:
            yield budget.paid  # broke: stall until the next instalment
            continue
        step = min(remaining, balance[a] / rate)
        yield env.timeout(step)
        balance[a] = max(0.0, balance[a] - rate * step)
        remaining -= step


def agency(env, rng, params: Params, a: int, budget: Budget, reach: np.ndarray):
    """Agency ``a``'s missions, each starting when the previous one succeeds."""
    for j, m in enumerate(params.missions):
        duration = rng.lognormal(math.log(m.median), m.sigma)
        for attempt in range(m.attempts):
            if attempt == 0:
                work, cost = duration, m.cost
            else:  # a re-flight
                work, cost = duration * m.refly_duration, m.cost * m.refly_cost
            yield from develop(env, budget, a, work, cost / work)
            if rng.random() < m.success:
                ms = params.ms_of_mission[j]
                if ms >= 0 and env.now <= params.horizon:
                    reach[ms, a] = env.now
                break
        else:
            return  # never succeeded: every later mission is blocked


def replication(params: Params, seed: int, i: int) -> np.ndarray:
    """Reach times (M, A) in years of replication ``i``; NaN = not by the horizon."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, i, STREAM]))
    env = simpy.Environment()
    reach = np.full((len(params.milestones), len(params.agencies)), np.nan)
    budget = Budget(env, len(params.agencies))
    env.process(budgets(env, rng, params, budget))
    for a in range(len(params.agencies)):
        env.process(agency(env, rng, params, a, budget, reach))
    env.run(until=params.horizon + EPS)
    return reach


def run(n: int, seed: int | None = None, params: Params | None = None) -> np.ndarray:
    """Replications 0..n-1: reach times, shape (n, M, A)."""
    params = params or load()
    seed = params.seed if seed is None else seed
    return np.stack([replication(params, seed, i) for i in range(n)])


if __name__ == "__main__":
    command_line(run, __doc__, default_n=2000)
