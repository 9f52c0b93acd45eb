"""Replication-by-replication check of tuned_simpy.py: fed racesim's random numbers,
the tuned model (with ``every=True``: every agency's reach times) must give racesim's
reach times (to rounding); with its stop at the winners, racesim's winners and first
dates.

Like paired_check.py this reaches into racesim's internals (racesim.engine.plan.Plan,
racesim.run.streams.draw_chunk / extra_attempts / ATTEMPT_BLOCK, racesim.run.replication.run_chunk);
if those change, this script needs updating, not racesim.

    python benchmarks/paired_check_tuned.py [--first 0] [-n 2000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import tuned_simpy  # noqa: E402
from workload_params import WORKLOAD, first_index, load  # noqa: E402

TOL = 1e-6  # years (about 30 s)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--seed", type=int)
    args = ap.parse_args()

    from racesim.engine.plan import ATTEMPT_BLOCK, Plan
    from racesim.run.replication import run_chunk
    from racesim.run.streams import draw_chunk, extra_attempts
    from racesim.scenario import load_scenario

    params = load()
    plan = Plan.from_scenario(load_scenario(WORKLOAD))
    seed = params.seed if args.seed is None else args.seed
    first, n = args.first, args.n
    na, nk = len(params.agencies), len(params.missions)
    assert [m.index for m in plan.missions] == list(range(na * nk))  # agency-major order
    assert tuned_simpy.ATTEMPTS == ATTEMPT_BLOCK

    def draws(start: int, count: int):
        """racesim's draws for replications first+start.., as tuned_simpy's lists."""
        d = draw_chunk(plan, seed, first + start, count)
        dur = d.duration.T.reshape(count, na, nk)  # global mission a * nk + j
        inst = np.stack(d.income, axis=1)  # (count, na, years): quarterly instalments
        u = d.attempt_u.reshape(count, na, nk, ATTEMPT_BLOCK)
        return dur.ravel().tolist(), inst.ravel().tolist(), u.ravel().tolist()

    def more(_seed: int, i: int, a: int, j: int):
        return extra_attempts(seed, plan, a * nk + j, first + i)

    reach_r = run_chunk(plan, seed, first, n)
    ok = True
    for every in (True, False):
        reach_t = tuned_simpy.run(n, seed, params, every, draws=draws, more=more)
        if every:
            x, y = reach_r, reach_t
            what = "reach times"
        else:  # winners and first dates only
            x = np.where(np.isnan(reach_r), np.inf, reach_r).min(axis=2)
            y = np.where(np.isnan(reach_t), np.inf, reach_t).min(axis=2)
            x, y = np.where(np.isinf(x), np.nan, x), np.where(np.isinf(y), np.nan, y)
            same_winner = first_index(reach_r) == first_index(reach_t)
            what = "winners and first dates"
        same_nan = np.isnan(x) == np.isnan(y)
        diff = np.where(np.isnan(x) | np.isnan(y), 0.0, np.abs(x - y))
        bad = ~same_nan | (diff > TOL)
        if not every:
            bad |= ~same_winner
        reps = sorted({first + int(i) for i in np.argwhere(bad)[:, 0]})
        print(
            f"racesim vs tuned ({what}): max |difference| {diff.max():.2e} years, "
            f"{len(reps)} of {n} replications differ{': ' + str(reps[:20]) if reps else ''}"
        )
        ok &= not reps
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
