"""The parameters a sensitivity analysis moves (:mod:`racesim.analysis.sensitivity`):
by default every numeric parameter of a scenario that can vary, each moved by ±20%
(:func:`default_parameters`), or the fields and ranges a user gives
(:func:`range_parameters`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from racesim.analysis.variants import Span, fmt_value, get_path
from racesim.scenario.checks_mechanisms import chance_bounds, dirichlet_pair
from racesim.scenario.distributions import Dist
from racesim.scenario.overrides import parse_override
from racesim.scenario.schema import Scenario

DEFAULT_REL = 0.2


@dataclass(frozen=True)
class Parameter:
    """One parameter moved from ``low`` to ``high`` (plain scenario values: a number or
    a distribution's YAML form), at ``path`` (``--set`` syntax)."""

    path: str
    label: str
    base: Any
    low: Any
    high: Any

    @property
    def parts(self) -> list[str | int]:
        return parse_override(f"{self.path}=0")[0]


def _show(v: Any) -> str:
    if isinstance(v, dict):
        return str(Dist(*_dist_args(v)))
    return fmt_value(v)


def _range_text(low: Any, high: Any) -> str:
    """``low .. high`` for the table and the chart; a distribution by its mean."""
    if isinstance(low, dict) or isinstance(high, dict):

        def mean(v: Any) -> float:
            return Dist(*_dist_args(v)).mean() if isinstance(v, dict) else float(v)

        def num(x: float) -> str:
            return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"

        return f"mean {num(mean(low))} .. {num(mean(high))}"
    return f"{fmt_value(low)} .. {fmt_value(high)}"


def _dist_args(v: dict) -> tuple[str, tuple[float, ...]]:
    from racesim.scenario.distributions import FAMILIES

    ((family, args),) = v.items()
    return family, tuple(float(args[k]) for k in FAMILIES[family])


def _tidy(x: float) -> float:
    """Drop binary noise such as 0.7200000000000001 (12 significant digits)."""
    return float(f"{x:.12g}")


def _clip_dist(d: Dist, lo: float, hi: float) -> Dist:
    """Keep a distribution's parameters inside a field's range [lo, hi]."""

    def c(x: float) -> float:
        return _tidy(min(max(x, lo), hi))

    p = tuple(_tidy(x) for x in d.params)
    if d.family in ("fixed", "uniform", "triangular"):
        return Dist(d.family, tuple(c(x) for x in p))
    if d.family == "normal":
        return Dist("normal", (c(p[0]), p[1]))
    if d.family == "lognormal" and hi < math.inf:
        return Dist("lognormal", (min(p[0], hi), p[1]))
    return Dist(d.family, p)


def _dist_param(
    path: str,
    label: str,
    d: Dist,
    rel: float,
    lo: float = 0.0,
    hi: float = math.inf,
    most: float = math.inf,
) -> Parameter | None:
    """``d`` scaled by 1 - ``rel`` and by 1 + ``rel`` (at most by ``most``), its
    parameters kept inside [lo, hi]."""
    if d.is_factor:
        return None  # {factor: NAME}: the factor itself is the parameter (factors.NAME)
    low = _clip_dist(d.scaled(1 - rel), lo, hi)
    high = _clip_dist(d.scaled(min(1 + rel, max(most, 1.0))), lo, hi)
    if low == d and high == d:
        return None  # zero (or pinned at its bound): nothing to move
    return Parameter(path, label, d.to_data(), low.to_data(), high.to_data())


def _num_param(
    path: str, label: str, x: float, rel: float, lo: float = -math.inf, hi: float = math.inf
) -> Parameter | None:
    low = _tidy(min(max(x * (1 - rel), lo), hi))
    high = _tidy(min(max(x * (1 + rel), lo), hi))
    if low == x and high == x:
        return None
    return Parameter(path, label, x, low, high)


def default_parameters(scenario: Scenario, rel: float = DEFAULT_REL) -> list[Parameter]:
    """Every numeric parameter of ``scenario`` that can vary, each moved by ±``rel``
    (a fraction) of its value; a parameter that is zero is left out (±20% of nothing is
    nothing), as are missions that succeeded before the start."""
    out: list[Parameter | None] = []
    for a, ag in scenario.agencies.items():
        b = ag.budget
        if b is not None:
            p = f"agencies.{a}.budget"
            out.append(_dist_param(f"{p}.annual", f"{a} budget annual", b.annual, rel))
            out.append(_num_param(f"{p}.growth", f"{a} budget growth", b.growth, rel, -0.99))
            out.append(
                _num_param(f"{p}.volatility", f"{a} budget volatility", b.volatility, rel, 0.0)
            )
            for i, sh in enumerate(b.shocks):
                q = f"{p}.shocks[{i}]"
                out.append(
                    _dist_param(f"{q}.factor", f"{a} shock {sh.name!r} factor", sh.factor, rel)
                )
                out.append(
                    _num_param(
                        f"{q}.probability",
                        f"{a} shock {sh.name!r} probability",
                        sh.probability,
                        rel,
                        0.0,
                        1.0,
                    )
                )
        for m in ag.missions:
            if m.succeeded is not None:
                continue
            p = f"agencies.{a}.missions.{m.id}"
            name = f"{a}.{m.id}"
            if m.success is not None:
                out.append(_success_param(f"{p}.success", f"{name} success", m, rel))
            if m.duration is not None:
                out.append(_dist_param(f"{p}.duration", f"{name} duration", m.duration, rel))
            out.append(_dist_param(f"{p}.cost", f"{name} cost", m.cost, rel))
            if m.attempts == "unlimited" or m.attempts > 1:
                out.append(
                    _num_param(f"{p}.refly.cost", f"{name} re-flight cost", m.refly.cost, rel, 0.0)
                )
                out.append(
                    _num_param(
                        f"{p}.refly.duration",
                        f"{name} re-flight duration",
                        m.refly.duration,
                        rel,
                        0.0,
                    )
                )
                out.append(
                    _dist_param(
                        f"{p}.refly.stand_down", f"{name} stand-down", m.refly.stand_down, rel
                    )
                )
            out.extend(_partner_parameters(a, m, rel))
        for i, h in enumerate(ag.hazards):
            out.append(
                _dist_param(
                    f"agencies.{a}.hazards[{i}].rate", f"{a} hazard {h.name!r} rate", h.rate, rel
                )
            )
    room = _factor_room(scenario)
    for name, spec in scenario.factors.items():
        # a factor's location: its median, mean or bounds scaled, its shape kept
        most = room.get(name, math.inf)
        out.append(
            _dist_param(f"factors.{name}", f"factor {name!r}", spec, rel, -math.inf, math.inf, most)
        )
    return [x for x in out if x is not None]


def _room(mine: Dist, other: Dist) -> float:
    """How far ``mine`` (a chance beside ``other``) may be scaled up and still pass the
    check of success + partial (racesim.scenario.checks_mechanisms): their lowest values
    and their means must not add up to more than 1."""
    (lo, mean), (olo, omean) = chance_bounds(mine), chance_bounds(other)
    most = math.inf
    for x, y in ((lo, olo), (mean, omean)):
        if x > 0:
            most = min(most, (1 - y) / x * (1 - 1e-9))
    return most


def _success_param(path: str, label: str, m, rel: float) -> Parameter | None:
    """A mission's success moved by ±``rel``, kept inside [0, 1] and, beside a
    ``partial`` chance, so that success + partial passes its check (the two parts of
    one Dirichlet stay one)."""
    q = m.partial
    if q is None or q.is_factor or m.success.is_factor:
        return _dist_param(path, label, m.success, rel, 0.0, 1.0)
    if dirichlet_pair(m.success.to_data(), q.to_data()):
        a1, b1 = m.success.params
        room = (a1 + b1 - q.params[0]) / (a1 + b1) * (1 - 1e-9)  # the largest mean allowed
        factor = min(1 + rel, room / m.success.mean())
        low, high = m.success.scaled(1 - rel), m.success.scaled(factor)
        if high == m.success and low == m.success:
            return None
        return Parameter(path, label, m.success.to_data(), low.to_data(), high.to_data())
    return _dist_param(path, label, m.success, rel, 0.0, 1.0, _room(m.success, q))


def _factor_room(scenario: Scenario) -> dict[str, float]:
    """For a factor that gives a mission's success or partial chance, how far it may be
    scaled up (see :func:`_room`)."""
    room: dict[str, float] = {}
    for ag in scenario.agencies.values():
        for m in ag.missions:
            if m.success is None or m.partial is None:
                continue
            for mine, other in ((m.success, m.partial), (m.partial, m.success)):
                if mine.is_factor:
                    spec = scenario.factors[mine.ref]
                    other = scenario.factors[other.ref] if other.is_factor else other
                    room[mine.ref] = min(room.get(mine.ref, math.inf), _room(spec, other))
    return room


def _partner_parameters(a: str, m, rel: float) -> list[Parameter | None]:
    """A mission's partners: each one's share (kept inside (0, 1] and so that the
    shares add up to at most 1) and, where it has one, its leave rate."""
    out: list[Parameter | None] = []
    p = f"agencies.{a}.missions.{m.id}.partners"
    terms = m.partner_terms()
    for b, t in terms.items():
        others = sum(u.share for k, u in terms.items() if k != b)
        short = not hasattr(m.partners[b], "share")  # the plain {agency: share} form
        path = f"{p}.{b}" if short else f"{p}.{b}.share"
        share = _num_param(path, f"{a}.{m.id} {b}'s share", t.share, rel, 1e-9, 1.0 - others)
        out.append(share)
        if not short:
            out.append(
                _dist_param(
                    f"{p}.{b}.leave_rate", f"{a}.{m.id} {b}'s leave rate", t.leave_rate, rel
                )
            )
    return out


def range_parameters(scenario: Scenario, spans: Sequence[Span]) -> list[Parameter]:
    """Parameters from ``--range PATH=LOW:HIGH`` (the field set to the number LOW, then
    HIGH; a whole-number field such as ``attempts`` gets whole numbers)."""
    data = scenario.to_data()
    out = []
    for s in spans:
        try:
            base = get_path(data, s.parts)
        except KeyError:
            base = None
        low, high = _coerce(base, s.low), _coerce(base, s.high)
        out.append(Parameter(s.path, s.path, base, low, high))
    return out


def _coerce(base: Any, x: float) -> float | int:
    if isinstance(base, int) and not isinstance(base, bool):
        return int(round(x))
    return x
