"""Write a large honest scenario (AGENCIES x MISSIONS, about 22 values per mission) and
time loading it: ``python benchmarks/big_scenario.py 200 50`` (prints the figures)."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def big_scenario_text(agencies: int, missions: int) -> str:
    lines = [
        "name: big",
        "start: 2025-01-01",
        "horizon: 2060-01-01",
        "seed: 1",
        "replications: 100",
        "milestones:",
        "  landing:",
        "    title: First landing",
        "agencies:",
    ]
    for a in range(agencies):
        lines += [
            f"  agency_{a:04d}:",
            f"    name: Agency number {a} of a large benchmark scenario",
            "    budget:",
            f"      annual: {{lognormal: {{median: {100 + a}, sigma: 0.25}}}}",
            "      growth: 0.02",
            "      volatility: 0.1",
            "    missions:",
        ]
        for m in range(missions):
            lines += [
                f"      - id: mission_{m:03d}",
                f"        name: Mission {m} of agency {a}, a long descriptive name for size",
                f"        cost: {{lognormal: {{median: {10 + m}, sigma: 0.5}}}}",
                "        duration: {triangular: {low: 0.5, mode: 1.0, high: 2.5}}",
                "        success: {beta: {a: 6.5, b: 3.5}}",
                "        attempts: 2",
                "        refly: {cost: 0.5, duration: 0.5}",
                "        not_before: 2026-01-01",
                "        achieves: [landing]" if m == missions - 1 else "        achieves: []",
            ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from racesim.scenario.schema import load_scenario, yaml_load

    agencies, missions = (int(x) for x in sys.argv[1:3])
    text = big_scenario_text(agencies, missions)
    path = Path("results") / f"big-{agencies}x{missions}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    t = time.perf_counter()
    yaml_load(text)
    t_yaml = time.perf_counter() - t
    t = time.perf_counter()
    s = load_scenario(path)
    t_all = time.perf_counter() - t
    n = sum(len(a.missions) for a in s.agencies.values())
    print(
        f"{path}: {len(text) / 1e6:.1f} MB, {n:,} missions; YAML {t_yaml:.1f} s, "
        f"whole load and validation {t_all:.1f} s"
    )
