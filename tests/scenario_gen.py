"""Random scenarios that use every field of the scenario format (for the golden outputs,
the oracle check and the fast-path-equals-general-path test).

``random_scenario(k)`` is a plain dict, valid as a scenario file, a pure function of
``k``.  The goldens store the generated files themselves (tests/golden/scenarios/), so
changing this generator does not change what the goldens check.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

RECORD_CLASSES = ["all", "first_attempt", "robotic", "government", ["robotic", "first_attempt"]]


def _r(x: float) -> float:
    return float(round(x, 3))


def _dist(rng: np.random.Generator, kind: str) -> object:
    """A value for a field: a plain number or a distribution of any family."""
    fam = rng.choice(["fixed", "uniform", "triangular", "normal", "lognormal", "beta"])
    if kind == "chance":
        if fam in ("fixed", "lognormal"):
            return _r(rng.uniform(0.2, 0.95))
        if fam == "uniform":
            lo = rng.uniform(0.1, 0.7)
            return {"uniform": {"low": _r(lo), "high": _r(lo + rng.uniform(0.05, 0.3))}}
        if fam == "triangular":
            lo = rng.uniform(0.1, 0.5)
            return {"triangular": {"low": _r(lo), "mode": _r(lo + 0.2), "high": _r(lo + 0.45)}}
        if fam == "normal":
            return {"normal": {"mean": _r(rng.uniform(0.4, 0.9)), "sd": _r(rng.uniform(0.05, 0.3))}}
        return {"beta": {"a": _r(rng.uniform(1, 9)), "b": _r(rng.uniform(1, 5))}}
    scale = {"years": 2.0, "money": 300.0, "annual": 150.0, "factor": 0.7}[kind]
    if fam == "fixed":
        return _r(scale * rng.uniform(0.3, 1.7))
    if fam == "uniform":
        lo = scale * rng.uniform(0.2, 1.0)
        return {"uniform": {"low": _r(lo), "high": _r(lo + scale * rng.uniform(0.1, 1.0))}}
    if fam == "triangular":
        lo = scale * rng.uniform(0.2, 0.8)
        return {"triangular": {"low": _r(lo), "mode": _r(lo + 0.3 * scale), "high": _r(lo + scale)}}
    if fam == "normal":  # may go below 0: clipped at 0
        return {"normal": {"mean": _r(scale), "sd": _r(scale * rng.uniform(0.1, 0.8))}}
    if fam == "lognormal":
        return {"lognormal": {"median": _r(scale), "sigma": _r(rng.uniform(0.1, 0.6))}}
    # a beta on [0, 1] (for a shock's factor it is the factor itself)
    return {"beta": {"a": _r(rng.uniform(2, 8)), "b": _r(rng.uniform(1, 4))}}


def _date(start: dt.date, years: float) -> str:
    return (start + dt.timedelta(days=int(years * 365.25))).isoformat()


def random_scenario(k: int) -> dict:
    rng = np.random.default_rng([20261201, k, 0])
    start = dt.date(2020, 1, 1) + dt.timedelta(days=int(rng.integers(0, 3000)))
    span = float(rng.uniform(6, 25))
    n_ms = int(rng.integers(1, 4))
    milestones = {
        f"ms{j}": {"title": f"Milestone {j}", "description": f"generated milestone {j}"}
        for j in range(n_ms)
    }
    n_ag = int(rng.integers(2, 5))
    keys = [f"ag{a}" for a in range(n_ag)]
    # agencies without a budget spend nothing (their missions cost 0) and pay no shares
    funded = [bool(a == 0 or rng.random() < 0.8) for a in range(n_ag)]
    agencies: dict = {}
    refs: list[tuple[int, str]] = []  # (agency, mission id) defined so far
    for a, key in enumerate(keys):
        ag: dict = {"name": f"Agency {a}"}
        if funded[a]:
            budget: dict = {"annual": _dist(rng, "annual")}
            if rng.random() < 0.6:
                budget["growth"] = _r(rng.uniform(-0.05, 0.08))
            if rng.random() < 0.6:
                budget["volatility"] = _r(rng.uniform(0.0, 0.4))
            shocks = []
            for s in range(int(rng.integers(0, 3))):
                sh: dict = {"name": f"shock{s}", "factor": _dist(rng, "factor")}
                if rng.random() < 0.5:
                    sh["from"] = _date(start, rng.uniform(-1, span / 2))
                if rng.random() < 0.5:
                    sh["until"] = _date(start, rng.uniform(span / 2, span + 2))
                if rng.random() < 0.7:
                    sh["probability"] = _r(rng.uniform(0.1, 1.0))
                shocks.append(sh)
            if shocks:
                budget["shocks"] = shocks
            ag["budget"] = budget
        missions = []
        for j in range(int(rng.integers(1, 5))):
            m: dict = {"id": f"m{j}"}
            if rng.random() < 0.5:
                m["name"] = f"Mission {a}.{j}"
            if rng.random() < 0.08:
                m["succeeded"] = _date(start, -rng.uniform(0, 3))
            else:
                m["duration"] = _dist(rng, "years")
                if rng.random() < 0.15:
                    m["success"] = {"record": RECORD_CLASSES[int(rng.integers(0, 5))]}
                else:
                    m["success"] = _dist(rng, "chance")
                if funded[a] and rng.random() < 0.8:
                    m["cost"] = _dist(rng, "money")
                elif rng.random() < 0.5:
                    m["cost"] = 0
                if rng.random() < 0.4:
                    m["not_before"] = _date(start, rng.uniform(0, span * 0.7))
                if rng.random() < 0.6:
                    m["attempts"] = int(rng.choice([2, 3, 4, 10]))
                    if rng.random() < 0.6:
                        m["refly"] = {
                            "cost": _r(rng.uniform(0, 1)),
                            "duration": _r(rng.uniform(0, 1)),
                        }
                others = [b for b in range(n_ag) if b != a and funded[b]]
                if others and rng.random() < 0.35:
                    chosen = rng.choice(others, size=min(len(others), int(rng.integers(1, 3))))
                    m["partners"] = {
                        keys[int(b)]: _r(rng.uniform(0.05, 0.45)) for b in sorted(set(chosen))
                    }
            if refs and rng.random() < 0.5:
                req = []
                for _ in range(int(rng.integers(1, 3))):
                    b, mid = refs[int(rng.integers(0, len(refs)))]
                    req.append(mid if b == a else f"{keys[b]}.{mid}")
                m["requires"] = sorted(set(req))
            if rng.random() < 0.7:
                picks = rng.choice(n_ms, size=int(rng.integers(1, n_ms + 1)), replace=False)
                m["achieves"] = [f"ms{int(x)}" for x in sorted(picks)]
            missions.append(m)
            refs.append((a, m["id"]))
        ag["missions"] = missions
        agencies[key] = ag
    data: dict = {
        "name": f"gen{k:03d}",
        "title": f"Generated scenario {k}",
        "description": "random scenario for the safety-net tests",
        "start": start.isoformat(),
        "horizon": _date(start, span),
        "seed": int(rng.integers(0, 2**31)),
        "replications": 100,
        "milestones": milestones,
        "agencies": agencies,
    }
    data["record"] = {
        "file": "../../../seeds/landings.csv",  # from tests/golden/scenarios/
        "until": _date(start, -rng.uniform(0, 2)),
    }
    return data


def big_group_scenario(k: int) -> dict:
    """A random scenario whose agencies partner shares link into one funding group of
    many developments at once (8-12 agencies x 4-7 missions, budgets that bind): for the
    speed paths of big groups (racesim/engine/money.py).  A pure function of ``k``."""
    rng = np.random.default_rng([20261202, k, 0])
    n_ag = int(rng.integers(8, 13))
    keys = [f"ag{a}" for a in range(n_ag)]
    agencies: dict = {}
    for a, key in enumerate(keys):
        missions = []
        n_m = int(rng.integers(4, 8))
        for j in range(n_m):
            m: dict = {
                "id": f"m{j}",
                "cost": _dist(rng, "money"),
                "duration": _dist(rng, "years"),
                "success": _r(rng.uniform(0.4, 0.9)),
                "attempts": int(rng.choice([1, 2, 3])),
            }
            if rng.random() < 0.4:
                m["refly"] = {"cost": _r(rng.uniform(0, 1)), "duration": _r(rng.uniform(0, 1))}
            if rng.random() < 0.8:  # the ring that links everyone, and a few more links
                others = {keys[(a + 1) % n_ag]: _r(rng.uniform(0.05, 0.4))}
                if rng.random() < 0.3:
                    b = int(rng.integers(0, n_ag))
                    if b != a:
                        others[keys[b]] = _r(rng.uniform(0.05, 0.2))
                m["partners"] = dict(sorted(others.items()))
            if j > 0 and rng.random() < 0.15:
                m["requires"] = [f"m{int(rng.integers(0, j))}"]
            if j == n_m - 1 or rng.random() < 0.2:
                m["achieves"] = ["ms0"] if rng.random() < 0.6 else ["ms0", "ms1"]
            missions.append(m)
        # about half of what all its missions at once would spend: money binds
        annual = _r(150.0 * n_m * rng.uniform(0.2, 0.8))
        agencies[key] = {
            "budget": {"annual": annual, "volatility": _r(rng.uniform(0.0, 0.3))},
            "missions": missions,
        }
    return {
        "name": f"big{k:03d}",
        "start": "2025-01-01",
        "horizon": _date(dt.date(2025, 1, 1), float(rng.uniform(10, 25))),
        "seed": int(rng.integers(0, 2**31)),
        "milestones": {"ms0": {"title": "Milestone 0"}, "ms1": {"title": "Milestone 1"}},
        "agencies": agencies,
    }
