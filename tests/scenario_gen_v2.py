"""Random scenarios with the format-v2 fields the oracle expresses (factors, slip,
transit, stand-downs, ``attempts: unlimited``, partial landings, ``partial_counts``):
``random_v2_scenario(k)`` is :func:`tests.scenario_gen.random_scenario` with them
added, a pure function of ``k``."""

from __future__ import annotations

import numpy as np

from racesim.scenario.distributions import parse
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
                # success + partial <= 1 on average (racesim.scenario.checks_mechanisms);
                # beside a record fit, the partial chance comes from the same fit
                if isinstance(s, dict) and "record" in s:
                    top = 0.0
                else:
                    spec = factors["skill"] if s == {"factor": "skill"} else s
                    top = 1 - s if isinstance(s, float) else min(0.3, 1 - parse(spec).mean())
                m["partial"] = _r(rng.uniform(0.0, max(top, 0.0)))
                if isinstance(s, dict) and "record" in s:
                    m["partial"] = dict(s)
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


def random_v2_full(k: int) -> dict:
    """:func:`random_v2_scenario` with hazards (cancel and pause) and partner terms
    (``owner_covers``, ``leave_rate``) too: for the checks that need no oracle."""
    data = random_v2_scenario(k)
    rng = np.random.default_rng([20261202, k, 2])
    start = data["start"]
    for ag in data["agencies"].values():
        ids = [m["id"] for m in ag["missions"]]
        hazards = []
        if rng.random() < 0.6:
            h = {"name": "axe", "rate": _r(rng.uniform(0.02, 0.3))}
            if rng.random() < 0.5:
                h["missions"] = sorted(
                    set(rng.choice(ids, size=int(rng.integers(1, len(ids) + 1))))
                )
            hazards.append(h)
        if rng.random() < 0.6:
            hazards.append(
                {
                    "name": "hold",
                    "rate": {"uniform": {"low": 0.0, "high": _r(rng.uniform(0.1, 0.8))}},
                    "effect": "pause",
                    "pause": {"uniform": {"low": 0.1, "high": _r(rng.uniform(0.2, 2.0))}},
                    "from": start,
                }
            )
        if hazards:
            ag["hazards"] = hazards
        for m in ag["missions"]:
            for p, share in list(m.get("partners", {}).items()):
                terms: dict = {"share": share}
                if rng.random() < 0.6:
                    terms["shortfall"] = "owner_covers"
                if rng.random() < 0.5:
                    terms["leave_rate"] = _r(rng.uniform(0.02, 0.4))
                m["partners"][p] = terms
    return data
