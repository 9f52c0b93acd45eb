"""racesim against another racesim source tree, side by side in one run.

    python benchmarks/side_by_side.py OTHER_TREE [--rounds 4]

OTHER_TREE is a checkout of another commit (e.g. ``git worktree add /tmp/old COMMIT`` or
``git archive COMMIT | tar -x -C /tmp/old``). Each round runs, in a fresh child Python per
tree and in turn, the workload (3,000 replications) and the base scenario (1,500) on one
core through ``racesim.simulate``; a tree's figure is its best CPU-time rate over the
rounds (CPU time, because on a shared machine wall time says more about the neighbours).
Prints the figures; judges nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: (label, candidate files, the first that exists in a tree, replications). The base
#: scenario without the format-2 mechanisms is tests/golden/v1/base.yaml since the base
#: scenario uses them; older trees have it as scenarios/base.yaml.
CASES = (
    ("benchmarks/workload.yaml", ("benchmarks/workload.yaml",), 3000),
    ("base, format 1", ("tests/golden/v1/base.yaml", "scenarios/base.yaml"), 1500),
    ("scenarios/base.yaml", ("scenarios/base.yaml",), 1500),
)

CHILD = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
import racesim
assert racesim.__file__.startswith(sys.argv[1]), racesim.__file__
for label, files, n in {cases!r}:
    f = next(x for x in files if os.path.exists(sys.argv[1] + "/" + x))
    s = racesim.load(sys.argv[1] + "/" + f)
    racesim.simulate(s, n=100, seed=1)
    best = min(
        (lambda t0: (racesim.simulate(s, n=n, seed=1), time.process_time() - t0)[1])(
            time.process_time()
        )
        for _ in range(3)
    )
    print(repr(label), n / best)
"""


def rates(tree: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(cases=CASES), str(tree)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import ast

    out_rates = {}
    for line in out.splitlines():
        label, _, rate = line.rpartition(" ")
        out_rates[ast.literal_eval(label)] = float(rate)
    return out_rates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("other", type=Path, help="another racesim source tree")
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    trees = {"this tree": HERE.parent, str(args.other): args.other.resolve()}
    best: dict[str, dict[str, float]] = {name: {} for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            for case, rate in rates(tree).items():
                best[name][case] = max(best[name].get(case, 0.0), rate)
    print(f"best of {args.rounds} rounds, replications per CPU second, one core")
    for case, _, _ in CASES:
        mine, other = best["this tree"][case], best[str(args.other)][case]
        print(
            f"  {case:26s} this tree {mine:8,.0f}   other {other:8,.0f}   ratio {mine / other:.3f}"
        )


if __name__ == "__main__":
    main()
