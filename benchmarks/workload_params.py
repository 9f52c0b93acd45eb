"""The numbers of benchmarks/workload.yaml, read with plain yaml (not racesim).

simple_simpy.py and vectorized.py hard-code the *structure* of the workload (every
agency runs its missions in sequence, each requiring the previous one, with one budget
and no partners) but take every number from the YAML file, so they cannot drift from
what racesim runs.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
WORKLOAD = HERE / "workload.yaml"
DAYS_PER_YEAR = 365.25  # a year is 365.25 days (racesim.scenario.timeutil)
QUARTER = 0.25


@dataclass(frozen=True)
class Shock:
    low: float  # factor ~ uniform(low, high), drawn each year it applies
    high: float
    probability: float


@dataclass(frozen=True)
class AgencyParams:
    key: str
    annual: float
    growth: float
    volatility: float
    shocks: tuple[Shock, ...]


@dataclass(frozen=True)
class MissionParams:
    id: str
    cost: float
    median: float  # duration ~ lognormal(median, sigma)
    sigma: float
    success: float
    attempts: int
    refly_cost: float
    refly_duration: float
    achieves: tuple[int, ...]  # milestone indices


@dataclass(frozen=True)
class Params:
    seed: int
    horizon: float  # years from start
    n_years: int  # budget years that begin inside the horizon
    milestones: tuple[str, ...]
    agencies: tuple[AgencyParams, ...]
    missions: tuple[MissionParams, ...]  # the same sequence for every agency
    ms_of_mission: tuple[int, ...]  # milestone credited by mission j (-1: none)


def _fixed(v, what: str) -> float:
    if isinstance(v, (int, float)):
        return float(v)
    raise ValueError(f"workload: {what} must be a plain number here, got {v!r}")


def _date(v) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def load(path: str | Path = WORKLOAD) -> Params:
    data = yaml.safe_load(Path(path).read_text())
    start, end = _date(data["start"]), _date(data["horizon"])
    horizon = (end - start).days / DAYS_PER_YEAR
    milestones = tuple(data["milestones"])
    agencies, missions = [], None
    for key, ag in data["agencies"].items():
        b = ag["budget"]
        shocks = []
        for sh in b.get("shocks", ()):
            if sh.get("from") is not None or sh.get("until") is not None:
                raise ValueError("workload: shock windows are not supported by the benchmarks")
            u = sh["factor"]["uniform"]
            shocks.append(
                Shock(float(u["low"]), float(u["high"]), float(sh.get("probability", 1.0)))
            )
        agencies.append(
            AgencyParams(
                key,
                _fixed(b["annual"], "annual"),
                float(b.get("growth", 0.0)),
                float(b.get("volatility", 0.0)),
                tuple(shocks),
            )
        )
        ms = []
        for j, m in enumerate(ag["missions"]):
            req = list(m.get("requires", []))
            if req != ([] if j == 0 else [ag["missions"][j - 1]["id"]]):
                raise ValueError("workload: each mission must require exactly the previous one")
            if m.get("partners") or m.get("not_before") or m.get("succeeded"):
                raise ValueError("workload: partners/not_before/succeeded not supported")
            ln = m["duration"]["lognormal"]
            refly = m.get("refly", {})
            ms.append(
                MissionParams(
                    m["id"],
                    _fixed(m.get("cost", 0), "cost"),
                    float(ln["median"]),
                    float(ln["sigma"]),
                    _fixed(m["success"], "success"),
                    int(m.get("attempts", 1)),
                    float(refly.get("cost", 0.5)),
                    float(refly.get("duration", 0.5)),
                    tuple(milestones.index(x) for x in m.get("achieves", [])),
                )
            )
        if missions is None:
            missions = tuple(ms)
        elif tuple(ms) != missions:
            raise ValueError("workload: every agency must have the same missions")
    ms_of = []
    for m in missions:
        if len(m.achieves) > 1:
            raise ValueError("workload: a mission achieves at most one milestone here")
        ms_of.append(m.achieves[0] if m.achieves else -1)
    return Params(
        int(data.get("seed", 0)),
        horizon,
        int(math.floor(horizon)) + 1,
        milestones,
        tuple(agencies),
        missions,
        tuple(ms_of),
    )


def first_index(reach: np.ndarray) -> np.ndarray:
    """Winner per (replication, milestone) of ``reach`` (N, M, A; NaN = not reached):
    the agency index, or A for nobody; ties go to the agency listed first."""
    filled = np.where(np.isnan(reach), np.inf, reach)
    win = np.argmin(filled, axis=2)
    nobody = np.isinf(np.min(filled, axis=2))
    return np.where(nobody, reach.shape[2], win)


def command_line(run, doc: str, default_n: int) -> None:
    """``python IMPLEMENTATION.py [-n N] [--seed S]``: time ``run`` and print P(first)
    and the mean reach time per milestone (shared by the baseline implementations)."""
    import argparse
    import time

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("-n", type=int, default=default_n)
    ap.add_argument("--seed", type=int)
    args = ap.parse_args()
    params = load()
    t0 = time.perf_counter()
    reach = run(args.n, args.seed, params)
    dt = time.perf_counter() - t0
    win = first_index(reach)
    print(f"{args.n} replications in {dt:.2f} s ({args.n / dt:,.0f}/s)")
    for m, name in enumerate(params.milestones):
        p = np.bincount(win[:, m], minlength=len(params.agencies) + 1) / args.n
        print(
            name,
            " ".join(f"{x:.3f}" for x in p),
            "mean",
            " ".join(f"{x:.2f}" for x in np.nanmean(reach[:, m], axis=0)),
        )
