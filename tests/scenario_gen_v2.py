"""Random scenarios with the format-v2 fields the oracle expresses (factors, slip,
transit, stand-downs, ``attempts: unlimited``, partial landings, ``partial_counts``):
``random_v2_scenario(k)`` is :func:`tests.scenario_gen.random_scenario` with them
added, a pure function of ``k``."""

from __future__ import annotations

import numpy as np

from tests.scenario_gen import _r, random_scenario


def random_v2_scenario(k: int) -> dict:
    data = random_scenario(k)
    rng = np.random.default_rng([20261202, k, 1])
    used: set[str] = set()
    factors = {
        "slip": {
            "lognormal": {"median": _r(rng.uniform(0.8, 1.5)), "sigma": _r(rng.uniform(0.1, 0.5))}
        },
        "skill": {"beta": {"a": _r(rng.uniform(3, 9)), "b": _r(rng.uniform(1, 4))}},
        "pace": {"uniform": {"low": 0.2, "high": _r(rng.uniform(0.5, 1.5))}},
    }
    for ms in data["milestones"].values():
        if rng.random() < 0.5:
            ms["partial_counts"] = True
    for ag in data["agencies"].values():
        if rng.random() < 0.4:
            ag["slip"] = "slip"
            used.add("slip")
        for m in ag["missions"]:
            if "succeeded" in m:
                continue
            if rng.random() < 0.2:
                m["slip"] = "slip"
                used.add("slip")
            if rng.random() < 0.2 and not isinstance(m.get("success"), dict):
                m["success"] = {"factor": "skill"}
                used.add("skill")
            if rng.random() < 0.4:
                m["transit"] = _r(rng.uniform(0.005, 0.4))
            if rng.random() < 0.3:
                s = m["success"]
                top = 1 - s if isinstance(s, float) else 0.3
                m["partial"] = _r(rng.uniform(0.0, max(top, 0.0)))
            if rng.random() < 0.3:
                m["attempts"] = "unlimited"
            if m.get("attempts", 1) != 1:
                refly = m.setdefault("refly", {})
                if m["attempts"] == "unlimited":  # time between attempts, always
                    refly["duration"] = max(refly.get("duration", 0.5), 0.2)
                if rng.random() < 0.6 or m["attempts"] == "unlimited":
                    pick = rng.random()
                    if pick < 0.4:
                        refly["stand_down"] = _r(rng.uniform(0.1, 2.0))
                    elif pick < 0.7:
                        refly["stand_down"] = {
                            "uniform": {"low": 0.1, "high": _r(rng.uniform(0.3, 2))}
                        }
                    else:
                        refly["stand_down"] = {"factor": "pace"}
                        used.add("pace")
    if used:
        data["factors"] = {name: factors[name] for name in factors if name in used}
    return data
