"""Sensitivity of one outcome — an agency's chance to reach a milestone first — to the
scenario's parameters.

*One at a time* (:func:`one_at_a_time`): every parameter is set to a low and a high
value in turn, all others at their base values, and the outcome is estimated at both;
parameters are ranked by the swing P(high) - P(low).  By default each numeric parameter
that can vary is moved by ±20% (:func:`default_parameters`): budgets (annual, growth,
volatility), shocks (factor, probability), missions (success, duration, cost, and the
re-flight fractions and stand-down of missions with several attempts), partners (share,
leave rate), hazards (rate) and factors (location).  A distribution is moved with
:meth:`~racesim.scenario.distributions.Dist.scaled` (its location scaled, shape kept); a success
chance is kept inside [0, 1].

*Sobol* (:func:`sobol`): global variance-based indices over user-given ranges, with
SALib (an optional dependency: ``pip install 'racesim[sensitivity]'``).

Every evaluation runs the same replications at the same seed (common random numbers,
:mod:`racesim.run.lockstep`), so the differences between evaluations come from the
parameters, not from the luck of the draw, and the swing of a parameter that changes
nothing is exactly zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from racesim.analysis.compare import paired_interval
from racesim.analysis.parameters import (  # noqa: F401 - also importable from here
    DEFAULT_REL,
    Parameter,
    _coerce,
    _range_text,
    _show,
    default_parameters,
    range_parameters,
)
from racesim.analysis.variants import fmt_value, variant
from racesim.engine.plan import Plan
from racesim.run.lockstep import execute_many, reach_of, shared_runs
from racesim.run.stats import first_index, wilson
from racesim.scenario.errors import ScenarioError, did_you_mean
from racesim.scenario.schema import Scenario


# -- outcome ------------------------------------------------------------------------------
def resolve_outcome(scenario: Scenario, milestone: str, agency: str | None) -> None:
    """Refuse an unknown milestone or agency with the valid choices."""

    def unknown(what: str, word: str, choices: list[str]) -> ScenarioError:
        hint = did_you_mean(word, choices)
        return ScenarioError(
            [
                (
                    f"--{what}",
                    f"no {what} {word!r} in scenario "
                    f"{scenario.name!r}{hint}; its "
                    f"{'agencies' if what == 'agency' else what + 's'} are "
                    f"{', '.join(choices)}",
                )
            ]
        )

    if milestone not in scenario.milestones:
        raise unknown("milestone", milestone, list(scenario.milestones))
    if agency is not None and agency not in scenario.agencies:
        raise unknown("agency", agency, list(scenario.agencies))


def _evaluate(
    scenarios: Sequence[Scenario],
    milestone: str,
    n: int,
    seed: int,
    jobs: int,
    pairs: Sequence[tuple[int, int]] = (),
    progress: Callable[[int], None] | None = None,
):
    """Winner counts of ``milestone`` for every scenario on common random numbers:
    ``wins[k, a]`` (a == A: nobody), and for each (i, j) in ``pairs`` the paired
    discordant counts ``n10[p, a]`` (a wins in i, not in j) and ``n01[p, a]``.

    Only the agencies that can reach the milestone run, with those linked to them,
    and a group of agencies that several scenarios have alike runs once for all of
    them (:func:`racesim.run.lockstep.shared_runs`): the same numbers as running
    every scenario whole, since every agency draws from its own streams."""
    plans = [Plan.from_scenario(s) for s in scenarios]
    m = list(scenarios[0].milestones).index(milestone)
    na = len(scenarios[0].agencies)
    runs, views = shared_runs(plans, m)
    wins = np.zeros((len(plans), na + 1), dtype=np.int64)
    n10 = np.zeros((len(pairs), na + 1), dtype=np.int64)
    n01 = np.zeros_like(n10)
    who = np.arange(na + 1)
    for _, chunk in execute_many(runs, seed, n, jobs):
        w = [first_index(reach_of(chunk, v, m, na)[:, None, :])[:, 0] for v in views]
        for k, wk in enumerate(w):
            wins[k] += np.bincount(wk, minlength=na + 1)
        for p, (i, j) in enumerate(pairs):
            x, y = w[i][:, None] == who, w[j][:, None] == who
            n10[p] += (x & ~y).sum(axis=0)
            n01[p] += (~x & y).sum(axis=0)
        if progress is not None:
            progress(len(plans) * chunk[0].shape[0])
    return wins, n10, n01


# -- one at a time ------------------------------------------------------------------------
@dataclass
class OATResult:
    scenario: str
    milestone: str
    agency: str
    n: int
    seed: int
    base: float
    base_ci95: tuple[float, float]
    rows: list[dict] = field(default_factory=list)  # ranked, largest swing first

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "method": "oat",
            "milestone": self.milestone,
            "agency": self.agency,
            "outcome": "p_first",
            "replications": self.n,
            "seed": self.seed,
            "base": self.base,
            "base_ci95": list(self.base_ci95),
            "parameters": self.rows,
        }


OAT_COLUMNS = (
    "rank",
    "path",
    "label",
    "base_value",
    "low",
    "high",
    "range",
    "p_low",
    "p_high",
    "swing",
    "swing_lo",
    "swing_hi",
    "clear",
)


def one_at_a_time(
    scenario: Scenario,
    milestone: str,
    agency: str | None = None,
    parameters: Sequence[Parameter] | None = None,
    n: int = 1000,
    seed: int | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> OATResult:
    """Rank ``parameters`` (default :func:`default_parameters`) by how much moving each
    from low to high changes P(``agency`` reaches ``milestone`` first).  ``agency``
    defaults to the one most likely to win it in the base scenario.

    Each row: ``p_low``, ``p_high``, ``swing`` = p_high - p_low with its paired 95%
    interval (``swing_lo``, ``swing_hi``) and ``clear`` when that excludes 0."""
    resolve_outcome(scenario, milestone, agency)
    seed = scenario.seed if seed is None else seed
    params = default_parameters(scenario) if parameters is None else list(parameters)
    data = scenario.to_data()
    variants = [scenario]
    for p in params:
        for side in ("low", "high"):
            variants.append(
                variant(
                    data,
                    [(p.parts, getattr(p, side))],
                    label=f"{p.path} at its {side} value {_show(getattr(p, side))}",
                )
            )
    pairs = [(1 + 2 * k, 2 + 2 * k) for k in range(len(params))]
    wins, n10, n01 = _evaluate(variants, milestone, n, seed, jobs, pairs, progress)
    agencies = list(scenario.agencies)
    a = agencies.index(agency) if agency else int(np.argmax(wins[0, :-1]))
    rows = []
    for k, p in enumerate(params):
        lo, hi = paired_interval(int(n10[k, a]), int(n01[k, a]), n)  # high - low
        p_low, p_high = wins[1 + 2 * k, a] / n, wins[2 + 2 * k, a] / n
        rows.append(
            {
                "path": p.path,
                "label": p.label,
                "base_value": _show(p.base),
                "low": _show(p.low),
                "high": _show(p.high),
                "range": _range_text(p.low, p.high),
                "p_low": p_low,
                "p_high": p_high,
                "swing": p_high - p_low,
                "swing_lo": lo,
                "swing_hi": hi,
                "clear": bool(lo > 0 or hi < 0),
            }
        )
    p_base = wins[0, a] / n
    rows.sort(
        key=lambda r: (
            -abs(r["swing"]),
            -max(abs(r["p_high"] - p_base), abs(r["p_low"] - p_base)),
            r["path"],
        )
    )
    for i, r in enumerate(rows):
        r["rank"] = i + 1
    base = int(wins[0, a])
    return OATResult(
        scenario.name, milestone, agencies[a], n, seed, base / n, wilson(base, n), rows
    )


# -- Sobol ----------------------------------------------------------------------------------
class MissingDependency(RuntimeError):
    pass


def require_salib():
    """SALib's Sobol' analysis and a sampler ``draw(problem, N, seed)``."""
    try:
        from SALib.analyze import sobol as analyze
    except ImportError:
        raise MissingDependency(
            "--method sobol needs SALib, an optional dependency: "
            "pip install 'racesim[sensitivity]' (or pip install SALib)"
        ) from None
    try:
        from SALib.sample import sobol as sampler

        def draw(problem: dict, n: int, seed: int):
            return sampler.sample(problem, n, calc_second_order=False, seed=seed)
    except ImportError:  # SALib < 1.4.6: the (unscrambled) Saltelli sampler
        from SALib.sample import saltelli

        def draw(problem: dict, n: int, seed: int):
            return saltelli.sample(problem, n, calc_second_order=False)

    return draw, analyze


@dataclass
class SobolResult:
    scenario: str
    milestone: str
    agency: str
    n: int
    seed: int
    samples: int
    rows: list[dict]  # per parameter: S1, S1_conf, ST, ST_conf
    points: list[dict]  # every evaluated point: the parameter values and P(first)

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "method": "sobol",
            "milestone": self.milestone,
            "agency": self.agency,
            "outcome": "p_first",
            "replications": self.n,
            "seed": self.seed,
            "samples": self.samples,
            "parameters": self.rows,
        }


SOBOL_COLUMNS = ("rank", "path", "label", "low", "high", "S1", "S1_conf", "ST", "ST_conf")


def sobol(
    scenario: Scenario,
    milestone: str,
    parameters: Sequence[Parameter],
    agency: str | None = None,
    samples: int = 32,
    n: int = 1000,
    seed: int | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> SobolResult:
    """First-order and total Sobol indices of P(``agency`` first at ``milestone``) over
    ``parameters`` (each uniform between its ``low`` and ``high`` numbers), with SALib's
    Saltelli/Sobol' sampling: ``samples`` x (k + 2) scenarios of ``n`` replications each,
    all on common random numbers.  Needs at least two parameters."""
    if len(parameters) < 2:
        raise ScenarioError(
            [
                (
                    "--range",
                    "--method sobol needs at least two parameters given with --range PATH=LOW:HIGH",
                )
            ]
        )
    resolve_outcome(scenario, milestone, agency)
    draw, analyze = require_salib()
    seed = scenario.seed if seed is None else seed
    problem = {
        "num_vars": len(parameters),
        "names": [p.path for p in parameters],
        "bounds": [[float(p.low), float(p.high)] for p in parameters],
    }
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about non-powers of 2
        x = draw(problem, samples, seed % 2**32)
    data = scenario.to_data()
    variants = [scenario]
    values = []
    for row in x:
        vals = [_coerce(p.base, v) for p, v in zip(parameters, row)]
        values.append(vals)
        variants.append(
            variant(
                data,
                [(p.parts, v) for p, v in zip(parameters, vals)],
                label="at "
                + ", ".join(f"{p.path}={fmt_value(v)}" for p, v in zip(parameters, vals)),
            )
        )
    wins, _, _ = _evaluate(variants, milestone, n, seed, jobs, (), progress)
    agencies = list(scenario.agencies)
    a = agencies.index(agency) if agency else int(np.argmax(wins[0, :-1]))
    y = wins[1:, a] / n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = analyze.analyze(
            problem, y, calc_second_order=False, print_to_console=False, seed=seed % 2**32
        )
    rows = []
    for i, p in enumerate(parameters):
        rows.append(
            {
                "path": p.path,
                "label": p.label,
                "low": fmt_value(p.low),
                "high": fmt_value(p.high),
                **{k: _finite(si[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf")},
            }
        )
    rows.sort(key=lambda r: (-(r["ST"] or 0.0), r["path"]))
    for i, r in enumerate(rows):
        r["rank"] = i + 1
    points = [
        {**{p.path: v for p, v in zip(parameters, vals)}, "p_first": float(yk)}
        for vals, yk in zip(values, y)
    ]
    return SobolResult(scenario.name, milestone, agencies[a], n, seed, samples, rows, points)


def _finite(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None
