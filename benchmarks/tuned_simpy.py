"""The benchmark workload as a tuned SimPy model: what a SimPy model of this kind can do.

Still one ``simpy.Environment`` per replication and one SimPy process per agency, with
the six techniques of issue 12:

1. random numbers are pre-drawn for blocks of ``BLOCK`` replications (one numpy
   Generator per block, ``SeedSequence([seed, block, 3])``) and turned into flat
   Python lists once per block;
2. no budget process: an agency credits its instalments lazily from the known
   schedule, after each of its own events;
3. "work until broke, then wait for money" is no event of its own: the agency walks
   its known instalments quarter by quarter in plain arithmetic (work while the money
   lasts, stall until the next instalment) and sets a single timeout for the
   development's completion;
4. nothing is scheduled at or beyond the horizon, so the queue simply empties;
5. no per-step allocations besides SimPy's own (local floats and ints, flat lists);
6. a replication stops once every milestone has a winner.

Because of 6 only the winners' reach times are known: :func:`run` returns reach times
(n, M, A) with the winner's time filled in and NaN elsewhere, which is enough for
P(first) and the first date of each milestone.  racesim computes more: every agency's
reach times (P(reached), dates per agency), so it runs on until every agency's
milestones are decided.  ``run(..., every=True)`` does the same here (technique 6 off:
the replication ends when the queue empties), for a like-for-like comparison.

Same rules as racesim for this workload (see idiomatic_simpy.py and the README).

    python benchmarks/tuned_simpy.py [-n N] [--seed S]
"""

from __future__ import annotations

import math

import numpy as np
import simpy
from simpy.core import StopSimulation

try:
    from workload_params import Params, command_line, load
except ImportError:  # imported as benchmarks.tuned_simpy
    from .workload_params import Params, command_line, load

EPS = 1e-9  # years
BLOCK = 1000  # replications whose random numbers are drawn at once
ATTEMPTS = 8  # attempt uniforms pre-drawn per mission and replication (then _more)
STREAM = 3  # third word of the block's SeedSequence


def draw_block(params: Params, seed: int, block: int, count: int):
    """The block's random numbers as flat lists, replication-major:
    durations [(r * A + a) * M + j], quarterly instalments [(r * A + a) * Y + year],
    attempt uniforms [((r * A + a) * M + j) * ATTEMPTS + k] for attempt k of mission j."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, block, STREAM]))
    na, nm, ny = len(params.agencies), len(params.missions), params.n_years
    dur = np.empty((count, na, nm))
    for j, m in enumerate(params.missions):
        dur[:, :, j] = rng.lognormal(math.log(m.median), m.sigma, size=(count, na))
    inst = np.empty((count, na, ny))
    years = np.arange(ny)
    for a, p in enumerate(params.agencies):
        amount = np.broadcast_to(p.annual / 4 * (1.0 + p.growth) ** years, (count, ny)).copy()
        if p.volatility > 0:
            amount *= rng.lognormal(-(p.volatility**2) / 2, p.volatility, size=(count, ny))
        for sh in p.shocks:
            factor = rng.uniform(sh.low, sh.high, size=(count, ny))
            if sh.probability < 1:
                factor[rng.random((count, ny)) >= sh.probability] = 1.0
            amount *= factor
        inst[:, a, :] = amount
    u = rng.random((count, na, nm, ATTEMPTS))
    return dur.ravel().tolist(), inst.ravel().tolist(), u.ravel().tolist()


def _more(seed: int, i: int, a: int, j: int) -> np.random.Generator:
    """Attempt uniforms of mission ``j`` of agency ``a`` in replication ``i`` beyond its
    pre-drawn ATTEMPTS (0.3^8: one mission in 15,000 needs them)."""
    return np.random.default_rng(np.random.SeedSequence([seed, i, a, j, STREAM]))


class Replication:
    """One replication: the agencies' processes and the winners (with ``every``, every
    agency's reach times, and no early stop)."""

    def __init__(self, params: Params, lists, row: int, seed: int, i: int, every: bool, more=_more):
        self.env = env = simpy.Environment()
        self.params = params
        self.seed, self.i = seed, i
        self.more = more  # more(seed, i, a, j): a source of further attempt uniforms
        m = len(params.milestones)
        self.winner = [-1] * m
        self.when = [math.nan] * m
        self.every = [[math.nan] * len(params.agencies) for _ in range(m)] if every else None
        self.open = m if not every else -1  # milestones without a winner; -1: never stop
        self.stop = env.event()
        self.stop.callbacks.append(StopSimulation.callback)
        for a in range(len(params.agencies)):
            env.process(self.agency(a, lists, row))

    def run(self) -> None:
        self.env.run()  # ends at the stop event or when the queue is empty

    def credit(self, ms: int, a: int, t: float) -> None:
        if self.every is not None:
            self.every[ms][a] = t
        w = self.winner[ms]
        if w < 0 or t < self.when[ms] or (t == self.when[ms] and a < w):
            if w < 0:
                self.open -= 1
            self.winner[ms], self.when[ms] = a, t
            if self.open == 0 and not self.stop.triggered:
                self.stop.succeed()

    def agency(self, a: int, lists, row: int):
        params = self.params
        env = self.env
        timeout = env.timeout
        dur_l, inst_l, u_l = lists
        na, nm, ny = len(params.agencies), len(params.missions), params.n_years
        d0 = (row * na + a) * nm
        i0 = (row * na + a) * ny
        u0 = (row * na + a) * nm * ATTEMPTS
        horizon = params.horizon
        nq = 4 * ny  # instalment q is paid at q / 4 years
        EPS = 1e-9  # a local copy, for speed
        ms_of = params.ms_of_mission
        bal = 0.0  # treasury, USD millions
        q = 0  # next instalment (paid at q / 4 years)
        t = 0.0  # the time the books describe
        for j, m in enumerate(params.missions):
            duration = dur_l[d0 + j]
            work, rate = duration, m.cost / duration
            cost, p_ok = m.cost, m.success
            for k in range(m.attempts):
                if k:  # a re-flight
                    work = duration * m.refly_duration
                    rate = cost * m.refly_cost / work
                while q < nq and q * 0.25 <= t + EPS:  # instalments due: credit them
                    bal += inst_l[i0 + (q >> 2)]
                    q += 1
                while bal < rate * (work - EPS):  # the money in hand does not finish it
                    if q == nq:
                        return  # no more money: stalled for good
                    t_q = q * 0.25  # the next instalment
                    run = bal / rate
                    if t + run < t_q - EPS:  # broke first: work, then wait for money
                        work -= run
                        bal = 0.0
                    else:  # the instalment comes first
                        run = t_q - t
                        work -= run
                        bal -= rate * run
                    t = t_q
                    bal += inst_l[i0 + (q >> 2)]
                    q += 1
                bal = max(0.0, bal - rate * work)
                t += work
                if t > horizon:
                    return
                # one timeout for the whole development, stalls included
                yield timeout(t - env._now)
                if k < ATTEMPTS:
                    u = u_l[u0 + j * ATTEMPTS + k]
                else:
                    if k == ATTEMPTS:
                        more = self.more(self.seed, self.i, a, j)
                    u = more.random()
                if u < p_ok:
                    ms = ms_of[j]
                    if ms >= 0:
                        self.credit(ms, a, t)
                    break
            else:
                return  # never succeeded: every later mission is blocked


def run(
    n: int,
    seed: int | None = None,
    params: Params | None = None,
    every: bool = False,
    draws=None,
    more=_more,
) -> np.ndarray:
    """Replications 0..n-1: reach times (n, M, A), the winner's only (NaN elsewhere).

    ``every``: without technique 6, every agency's reach times, as racesim computes
    them (its summary has each agency's chance and dates of reaching each milestone).
    ``draws(first, count)`` and ``more(seed, i, a, j)`` replace the random numbers
    (lists as :func:`draw_block` makes them, and a source of further attempt uniforms),
    to check the model against racesim replication by replication
    (``paired_check_tuned.py``)."""
    params = params or load()
    seed = params.seed if seed is None else seed
    reach = np.full((n, len(params.milestones), len(params.agencies)), np.nan)
    for b, first in enumerate(range(0, n, BLOCK)):
        count = min(BLOCK, n - first)
        if draws is None:
            lists = draw_block(params, seed, b, count)
        else:
            lists = draws(first, count)
        for row in range(count):
            rep = Replication(params, lists, row, seed, first + row, every, more)
            rep.run()
            if every:
                reach[first + row] = rep.every
                continue
            for ms, a in enumerate(rep.winner):
                if a >= 0:
                    reach[first + row, ms, a] = rep.when[ms]
    return reach


if __name__ == "__main__":
    command_line(run, __doc__, default_n=10000)
