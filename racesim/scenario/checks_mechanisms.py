"""More checks of the format-v2 fields (contract 5; issue 9 section 1's bad-input
cases), beside :mod:`racesim.scenario.checks_v2`: ``success + partial > 1`` where either
is a distribution or a factor (by the lower ends of their supports: they always add up
to more than 1; or by their means: on average they do; in a draw between, the engine
cuts the partial chance to 1 - success), a hazard's ``pause`` without ``effect: pause``
(and the reverse), hazard names given twice in an agency, a hazard's window that ends
before it begins.  On the raw data (after the record fits), so that they are reported
with the schema's field errors; a field that is itself invalid is skipped."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from racesim.scenario import distributions
from racesim.scenario.checks import raw_missions
from racesim.scenario.errors import mission_path

#: a hazard's fields (racesim.scenario.schema.Hazard)
HAZARD_FIELDS = {"name", "rate", "from", "until", "missions", "effect", "pause"}


def _resolved(value: Any, factors: Mapping, low: float, high: float):
    """The distribution of a field's draws: its own, or the factor's it names; None if
    the value is invalid (reported on its own)."""
    try:
        d = distributions.parse(value, low, high)
        if d.is_factor:
            spec = factors.get(d.ref) if isinstance(factors, dict) else None
            if spec is None:
                return None  # reported as an unknown factor
            d = distributions.parse(spec, factor_ok=False)
    except (ValueError, TypeError):
        return None
    return d


def chance_bounds(d, low: float = 0.0, high: float = 1.0) -> tuple[float, float]:
    """(lowest value, mean) of a chance's draws, clipped to [low, high]."""
    lo = min(max(d.support()[0], low), high)
    return lo, min(max(d.mean(), low), high)


def dirichlet_pair(success: Any, partial: Any) -> bool:
    """Whether success and partial are Beta(a1, b1) and Beta(a2, b2) with a1 + b1 =
    a2 + b2 and a1 + a2 below it: the marginals of Dirichlet(a1, a2, b1 - a2) (success,
    partial, failure), as a three-outcome record fit gives them, whose parts never add
    up to more than 1 when drawn together."""
    try:
        d1, d2 = distributions.parse(success, 0.0, 1.0), distributions.parse(partial, 0.0, 1.0)
    except (ValueError, TypeError):
        return False
    if d1.family != "beta" or d2.family != "beta":
        return False
    (a1, b1), (a2, b2) = d1.params, d2.params
    total = a1 + b1
    return abs(total - (a2 + b2)) <= 1e-9 * total and a1 + a2 < total


def _text(value: Any, d) -> str:
    """'0.1', or 'beta(a=3, b=1): mean 0.75, from 0'."""
    if d.is_fixed:
        return f"{d.params[0]:g}"
    lo, mean = chance_bounds(d)
    name = f"factor {value['factor']}, " if isinstance(value, dict) and "factor" in value else ""
    return f"{name}{d}: mean {mean:.3g}, from {lo:.3g}"


def mechanism_issues(
    data: Mapping, joint: Collection[tuple[str, int]] = ()
) -> list[tuple[str, str]]:
    """The problems; ``joint`` are the missions (agency, index) whose success and
    partial come from a record reference (a three-outcome fit gives the marginals of one
    Dirichlet, see :func:`dirichlet_pair`; a reference that failed is reported on its
    own: see :func:`racesim.scenario.record.resolve_records_joint`)."""
    issues: list[tuple[str, str]] = []
    add = issues.append
    factors = data.get("factors") if isinstance(data.get("factors"), dict) else {}
    for a, j, m in raw_missions(data):
        if (a, j) in joint or m.get("partial") is None or m.get("success") is None:
            continue
        s, q = m["success"], m["partial"]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (s, q)):
            continue  # two numbers: checks_v2
        if dirichlet_pair(s, q):
            continue
        ds, dq = _resolved(s, factors, 0.0, 1.0), _resolved(q, factors, 0.0, 1.0)
        if ds is None or dq is None:
            continue
        (s_lo, s_mean), (q_lo, q_mean) = chance_bounds(ds), chance_bounds(dq)
        p = f"{mission_path(a, j)}.partial"
        both = f"success ({_text(s, ds)}) + partial ({_text(q, dq)})"
        if s_lo + q_lo > 1 + 1e-12:
            add(
                (
                    p,
                    f"{both} always add up to more than 1 (at least {s_lo + q_lo:g}); an "
                    "attempt's chances must not add up to more than 1",
                )
            )
        elif s_mean + q_mean > 1 + 1e-12:
            add(
                (
                    p,
                    f"{both} add up to {s_mean + q_mean:g} on average; an attempt's chances "
                    "must not add up to more than 1 (in a draw where they do, the partial "
                    "chance is cut to 1 - success)",
                )
            )
    agencies = data.get("agencies") if isinstance(data.get("agencies"), dict) else {}
    for a, ag in agencies.items():
        hazards = ag.get("hazards") if isinstance(ag, dict) else None
        seen: dict[str, int] = {}
        for k, h in enumerate(hazards if isinstance(hazards, list) else []):
            if not isinstance(h, dict):
                continue
            p = f"agencies.{a}.hazards[{k}]"
            name = h.get("name")
            if isinstance(name, str):
                if name in seen:
                    add(
                        (
                            f"{p}.name",
                            f"hazard {name!r} is already hazard {seen[name]} of {a}; "
                            "give each hazard of an agency its own name (extends and "
                            "--set find hazards by name)",
                        )
                    )
                seen.setdefault(name, k)
            effect = h.get("effect", "cancel")
            if set(h) - HAZARD_FIELDS:
                continue  # an unknown (perhaps misspelt) field is reported; the rest may hang on it
            if h.get("pause") is not None and effect == "cancel":
                add(
                    (
                        f"{p}.pause",
                        "is the length of a pause, but this hazard cancels (effect: "
                        "cancel is the default); add effect: pause, or remove pause",
                    )
                )
            if effect == "pause" and h.get("pause") is None:
                add(
                    (f"{p}.pause", "is required with effect: pause (years; number or distribution)")
                )
            lo, hi = _date(h.get("from")), _date(h.get("until"))
            if lo and hi and hi < lo:
                add((f"{p}.until", f"must not be before from ({lo.isoformat()})"))
    return issues


def _date(v: Any):
    from racesim.scenario.schema import strict_date

    try:
        return None if v is None else strict_date(v)
    except ValueError:
        return None


__all__ = ["mechanism_issues"]
