"""How the cost of a replication grows with the size of a funding group (issue 13 §5).

Partner shares link agencies into one funding group, whose money flow is planned as
one (racesim/engine/money.py).  This prints the seconds per replication for A agencies
x M missions each (all developing at once, budgets that bind), with partner links
(mission j of agency i shares 10% of its cost with agency i+1, so all A agencies form
one group) and without (A groups of one agency), in CPU time (time.process_time: on a
shared machine wall time says more about the neighbours; the load is printed beside the
figures).  Figures, not a test:

    python benchmarks/group_scaling.py             # A in 5, 10, 20, 40; M in 10, 50
    python benchmarks/group_scaling.py --quick     # smaller sizes
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from racesim.run.montecarlo import run_many  # noqa: E402
from racesim.scenario.schema import from_data  # noqa: E402


def scenario(agencies: int, missions: int, linked: bool):
    keys = [f"a{i}" for i in range(agencies)]
    data = {
        "name": f"group-{agencies}x{missions}-{'linked' if linked else 'apart'}",
        "start": "2025-01-01",
        "horizon": "2054-12-31",
        "seed": 1,
        "milestones": {"done": {"title": "the last mission succeeds"}},
        "agencies": {},
    }
    for i, k in enumerate(keys):
        ms = []
        for j in range(missions):
            m = {
                "id": f"m{j}",
                "cost": 100,
                "duration": {"lognormal": {"median": 2.0, "sigma": 0.3}},
                "success": 0.7,
                "attempts": 3,
                "achieves": ["done"] if j == missions - 1 else [],
            }
            if linked and agencies > 1:
                m["partners"] = {keys[(i + 1) % agencies]: 0.1}
            ms.append(m)
        # about a third of the spend rate of all missions at once: money binds
        annual = 50.0 * missions / 3
        data["agencies"][k] = {"budget": {"annual": annual, "volatility": 0.1}, "missions": ms}
    return from_data(data, base_dir=HERE)


def seconds_per_replication(s, budget_s: float) -> tuple[float, int]:
    n, total = 1, 0.0
    done = 0
    while True:
        t0 = time.process_time()
        run_many(s, n, seed=1)
        total += time.process_time() - t0
        done += n
        if total >= budget_s or done >= 200:
            return total / done, done
        n = min(2 * n, 200 - done)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--budget", type=float, default=2.0, help="seconds per measurement [2]")
    args = ap.parse_args()
    sizes_a = (5, 10, 20) if args.quick else (5, 10, 20, 40)
    sizes_m = (10,) if args.quick else (10, 50)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"CPU seconds per replication (one core); load average {load}")
    print("'ratio': seconds per agency-mission, against the first row of its block")
    print(f"{'agencies':>8} {'missions':>8} {'links':>7} {'s/rep':>9} {'reps':>5} {'ratio':>6}")
    for linked in (False, True):
        for m in sizes_m:
            first = None
            for a in sizes_a:
                per, reps = seconds_per_replication(scenario(a, m, linked), args.budget)
                unit = per / (a * m)
                first = first or unit
                print(
                    f"{a:>8} {m:>8} {'yes' if linked else 'no':>7} {per:>9.4f} {reps:>5} "
                    f"{unit / first:>6.2f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
