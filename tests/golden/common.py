"""What the golden outputs are and how they are computed (shared by the test and
``python -m tests.golden.regen``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import racesim
from tests import engine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCENARIOS = HERE / "scenarios"  # the generated scenarios, stored as files
FROZEN = HERE / "v1"  # base.yaml and 2026.yaml as they were when their goldens were made
EXPECTED = HERE / "expected"  # <name>.summary.json and <name>.reach.csv
N_GENERATED = 50

#: (name, scenario file, seed, replications)
CASES: list[tuple[str, Path, int, int]] = [
    ("base", FROZEN / "base.yaml", 20230820, 200),
    ("2026", FROZEN / "2026.yaml", 20260413, 200),
    ("workload", ROOT / "benchmarks" / "workload.yaml", 1, 200),
] + [(f"gen{k:03d}", SCENARIOS / f"gen{k:03d}.yaml", 1000 + k, 100) for k in range(N_GENERATED)]


def summary_bytes(path: Path, seed: int, n: int) -> bytes:
    """summary.json of ``racesim run PATH -n N --seed SEED``, as the results folder holds it."""
    run = racesim.simulate(racesim.load(path), n=n, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = run.save(Path(tmp) / "out", table="none", plots=False, report=False)
        return (Path(folder) / "summary.json").read_bytes()


def reach_text(path: Path, seed: int, n: int) -> str:
    """Every reach of replications 0..n-1: ``replication,milestone,agency,years`` with the
    years as Python's exact (round-trip) float repr; pairs never reached are left out."""
    s = racesim.load(path)
    reach = engine.reach_times(s, seed, n)
    ms, ags = list(s.milestones), list(s.agencies)
    lines = ["replication,milestone,agency,years"]
    for i in range(reach.shape[0]):
        for m in range(reach.shape[1]):
            for a in range(reach.shape[2]):
                t = float(reach[i, m, a])
                if t == t:
                    lines.append(f"{i},{ms[m]},{ags[a]},{t!r}")
    return "\n".join(lines) + "\n"
