"""The benchmark workload as a vectorised numpy computation: the yardstick.

All replications and agencies advance together, one quarter at a time: at the start of
quarter q every treasury receives its instalment; then, inside the quarter, every
(replication, agency) whose development is still going advances by

    step = min(time left in the quarter, remaining work, balance / spend rate)

and the ones whose development completed make their attempt (success: credit the
milestone, start the next mission at once, mid-quarter; failure: start the re-flight)
and go round again.  Those out of money stall until the next quarter, the rest stop at
the quarter's end.

Speed: the first step of a quarter is one pass of a dozen in-place operations over the
(compacted) state of every development still going; only the few that completed inside
the quarter go round again, gathered into small arrays.  Agencies that have finished
(or are blocked) are dropped from the state arrays every so often, and each budget
year is drawn when it begins, only for the agencies still developing.

Same model as racesim and simple_simpy.py (the README's "How missions run");
independent random numbers (one numpy Generator for the whole batch, from
SeedSequence([seed, n])).

    python benchmarks/vectorized.py [-n N] [--seed S]
"""

from __future__ import annotations

import math

import numpy as np

try:
    from workload_params import QUARTER, Params, command_line, load
except ImportError:  # imported as benchmarks.vectorized
    from .workload_params import QUARTER, Params, command_line, load

EPS = 1e-9  # years


class _Budgets:
    """Each budget year's quarterly instalment, drawn when the year begins and only for
    the elements still in play (flat index ``agency * n + replication``)."""

    def __init__(self, params: Params, rng: np.random.Generator, n: int):
        self.params, self.rng, self.n = params, rng, n
        self.vol = np.array([ag.volatility for ag in params.agencies])

    def __call__(self, year: int, ids: np.ndarray) -> np.ndarray:
        p, rng = self.params, self.rng
        ag = ids // self.n
        base = np.array([a.annual / 4 * (1.0 + a.growth) ** year for a in p.agencies])
        amount = base[ag]
        if self.vol.any():  # lognormal noise, mean 1, log-sd `volatility`
            v = self.vol[ag]
            z = rng.standard_normal(ids.size)
            z *= v
            z -= v * v / 2
            amount *= np.exp(z, out=z)
        for a, agp in enumerate(p.agencies):
            if agp.shocks:
                at = np.flatnonzero(ag == a)
                for sh in agp.shocks:
                    factor = rng.uniform(sh.low, sh.high, size=at.size)
                    if sh.probability < 1:
                        factor[rng.random(at.size) >= sh.probability] = 1.0
                    amount[at] *= factor
        return amount


def run(n: int, seed: int | None = None, params: Params | None = None, draws=None) -> np.ndarray:
    """``n`` replications: reach times, shape (n, M, A) in years, NaN = not reached.

    ``draws`` (for checking against another model replication by replication) replaces
    the random numbers: ``draws.income(year, elements)`` the year's quarterly instalments,
    ``draws.duration`` (M_missions, A*n) and ``draws.attempt(elements, mission, k)``
    uniforms for attempt k (0-based); elements are flat (agency, replication) indices
    ``agency * n + replication``.
    """
    params = params or load()
    seed = params.seed if seed is None else seed
    rng = np.random.default_rng(np.random.SeedSequence([seed, n]))
    na, nm = len(params.agencies), len(params.missions)
    e = n * na  # elements: (agency, replication) flattened, agency-major
    missions = params.missions
    m_cost = np.array([m.cost for m in missions])
    m_p = np.array([m.success for m in missions])
    m_att = np.array([m.attempts for m in missions])
    m_rc = np.array([m.refly_cost for m in missions])
    m_rd = np.array([m.refly_duration for m in missions])
    m_ms = np.array(params.ms_of_mission)  # milestone credited by each mission (-1: none)
    if (m_cost <= 0).any() or (m_rc <= 0).any() or (m_rd <= 0).any():
        raise ValueError("vectorized: every development must cost money and take time")

    # first-attempt durations, one row per mission, plus a row for "finished" (inf work)
    dur = np.full((nm + 1, e), np.inf)
    if draws is None:
        income = _Budgets(params, rng, n)
        for j, m in enumerate(missions):
            z = rng.standard_normal(e)
            z *= m.sigma
            z += math.log(m.median)
            np.exp(z, out=dur[j])
    else:
        income = draws.income
        dur[:nm] = draws.duration

    rate0 = np.zeros((nm + 1, e))  # first-attempt spend rates; 0 for "finished"
    np.divide(m_cost[:, None], dur[:nm], out=rate0[:nm])
    m_rr = m_rc / m_rd  # a re-flight's spend rate relative to the first attempt's

    # per element (global, touched only at completions)
    mission = np.zeros(e, dtype=np.int64)  # nm once finished or blocked
    attempt = np.zeros(e, dtype=np.int64)  # attempts made by the current mission
    reach = np.full((len(params.milestones), e), np.nan)
    # compacted state of the elements still in play; a finished element keeps
    # rem = bal = inf and r = 0 (inert) until the next compaction
    ids = np.arange(e)
    rem = dur[0].copy()  # years of work left at full funding
    r = rate0[0].copy()  # spend rate, USD M / year
    bal = np.zeros(e)  # treasury
    step = np.empty(e)
    n_dead = 0

    horizon = params.horizon
    n_quarters = int(math.floor(horizon / QUARTER)) + 1  # quarters beginning by the horizon
    with np.errstate(divide="ignore", invalid="ignore"):
        for q in range(n_quarters):
            if ids.size == 0:
                break
            t0 = q * QUARTER
            if q % 4 == 0:
                inc = income(q // 4, ids)
            bal += inc
            # first step of the quarter, for everybody, in place
            np.divide(bal, r, out=step)  # how long the money lasts
            np.minimum(step, rem, out=step)
            np.minimum(step, QUARTER, out=step)
            rem -= step
            step *= r
            bal -= step
            np.maximum(bal, 0.0, out=bal)
            go = np.flatnonzero(rem <= EPS)  # developments complete in this quarter
            if go.size == 0:
                continue
            left = QUARTER - np.divide(step[go], r[go])  # time left after completing
            while go.size:  # attempts, then the next development, within the quarter
                gi = ids[go]
                mj = mission[gi]
                if draws is None:
                    u = rng.random(go.size)
                else:
                    u = draws.attempt(gi, mj, attempt[gi])
                ok = u < m_p[mj]
                if ok.any():  # credit milestones (a success at the horizon counts)
                    t = t0 + QUARTER - left[ok]
                    ms = m_ms[mj[ok]]
                    c = (ms >= 0) & (t <= horizon)
                    reach[ms[c], gi[ok][c]] = t[c]
                att = np.where(ok, 0, attempt[gi] + 1)
                attempt[gi] = att
                blocked = att >= m_att[mj]  # failed with no attempts left: stops for good
                nxt = np.where(blocked, nm, mj + ok)
                mission[gi] = nxt
                work = dur[nxt, gi]  # a finished element gets inf work at rate 0
                rate = rate0[nxt, gi]
                refly = ~ok & ~blocked
                if refly.any():
                    mf = mj[refly]
                    work[refly] *= m_rd[mf]
                    rate[refly] *= m_rr[mf]
                dead = nxt == nm
                if dead.any():
                    bal[go[dead]] = np.inf
                    n_dead += int(np.count_nonzero(dead))
                r[go] = rate
                rem[go] = work
                # go on within the quarter while there is time and money
                b = bal[go]
                keep = (left > EPS) & (b > rate * EPS) & ~dead
                if not keep.all():
                    go, left, b, work, rate = go[keep], left[keep], b[keep], work[keep], rate[keep]
                s = np.minimum(np.minimum(left, work), b / rate)
                left -= s
                work -= s
                rem[go] = work
                b -= rate * s
                bal[go] = np.maximum(b, 0.0, out=b)
                fin = work <= EPS
                go, left = go[fin], left[fin]
            if n_dead * 4 > ids.size:  # drop finished elements
                live = np.isfinite(rem)
                ids, rem, r, bal = ids[live], rem[live], r[live], bal[live]
                inc = inc[live]
                step = np.empty(ids.size)
                n_dead = 0
    return reach.reshape(len(params.milestones), na, n).transpose(2, 0, 1).copy()


if __name__ == "__main__":
    command_line(run, __doc__, default_n=20000)
