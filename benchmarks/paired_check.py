"""Replication-by-replication check: racesim, simple_simpy.py and vectorized.py fed the
SAME random numbers must give the same reach times (to rounding).

Unlike bench.py this reaches into racesim's internals (racesim.engine.plan.Plan,
racesim.run.streams.draw_chunk / extra_attempts / ATTEMPT_BLOCK, racesim.run.replication.run_chunk)
to take racesim's draws for replications FIRST..FIRST+N-1 of the workload and hand them
to the two reference models; if those internals change, this script needs updating, not
racesim.  A mismatch prints the replications concerned (replay one with
`racesim.run.replication.run_replication(plan, seed, i, log=[])` to see its story).

    python benchmarks/paired_check.py [--first 0] [-n 500]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

sys.path.insert(0, str(HERE.parent))  # the oracle is tests/oracle/simple_simpy.py
import vectorized  # noqa: E402
from workload_params import WORKLOAD, load  # noqa: E402

from tests.oracle import simple_simpy  # noqa: E402

TOL = 1e-6  # years (about 30 s)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("-n", type=int, default=500)
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
    draws = draw_chunk(plan, seed, first, n)
    extra: dict[tuple[int, int], np.random.Generator] = {}

    def attempt_u(gm: int, row: int, k: int) -> float:
        """racesim's uniform for attempt k of global mission gm in chunk row `row`."""
        if k < ATTEMPT_BLOCK:
            return float(draws.attempt_u[row, gm, k])
        if (gm, row) not in extra:  # later attempts come from a sequential stream
            extra[gm, row] = extra_attempts(seed, plan, gm, first + row)
        return float(extra[gm, row].random())

    # vectorized.py: elements are agency * n + row
    yearly = np.concatenate([draws.yearly[a].T / 4 for a in range(na)], axis=1)

    class VecDraws:
        duration = np.concatenate(
            [draws.duration[a * nk : (a + 1) * nk] for a in range(na)], axis=1
        )

        @staticmethod
        def income(year, ids):
            return yearly[year, ids]

        @staticmethod
        def attempt(gi, mj, k):
            return np.array(
                [
                    attempt_u((g // n) * nk + j, g % n, kk)
                    for g, j, kk in zip(gi.tolist(), mj.tolist(), k.tolist())
                ]
            )

    reach_v = vectorized.run(n, seed, params, draws=VecDraws)
    extra.clear()
    reach_s = np.empty_like(reach_v)
    for row in range(n):

        class Fed(simple_simpy.Agency):
            def draw_budget(self, year, row=row):
                return float(draws.yearly[self.index][row, year])

            def draw_duration(self, j, row=row):
                return float(draws.duration[self.index * nk + j, row])

            def draw_attempt(self, j, k, row=row):
                return attempt_u(self.index * nk + j, row, k)

        reach_s[row] = simple_simpy.replication(params, seed, first + row, agency=Fed)
    reach_r = run_chunk(plan, seed, first, n)

    ok = True
    for name, x, y in (
        ("racesim vs simple", reach_r, reach_s),
        ("racesim vs vectorised", reach_r, reach_v),
        ("simple vs vectorised", reach_s, reach_v),
    ):
        same_nan = np.isnan(x) == np.isnan(y)
        diff = np.where(np.isnan(x) | np.isnan(y), 0.0, np.abs(x - y))
        bad = ~same_nan | (diff > TOL)
        reps = sorted({first + int(i) for i in np.argwhere(bad)[:, 0]})
        print(
            f"{name:<24} max |difference| {diff.max():.2e} years, "
            f"{len(reps)} of {n} replications differ{': ' + str(reps[:20]) if reps else ''}"
        )
        ok &= not reps
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
