"""More checks of the format-v2 fields (contract 5; issue 9 section 1's bad-input
cases), beside :mod:`racesim.scenario.checks_v2`: ``success + partial > 1`` where either
is a distribution (by their supports), a hazard's ``pause`` without ``effect: pause``
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


def _support(value: Any, factors: Mapping, low: float, high: float) -> tuple[float, float] | None:
    """The range of a field's draws (clipped to the field's ``[low, high]``): of its
    distribution, or of the factor it names; None if the value is invalid."""
    try:
        d = distributions.parse(value, low, high)
        if d.is_factor:
            spec = factors.get(d.ref) if isinstance(factors, dict) else None
            if spec is None:
                return None  # reported as an unknown factor
            d = distributions.parse(spec, factor_ok=False)
        lo, hi = d.support()
    except (ValueError, TypeError):
        return None
    return max(lo, low), min(hi, high)


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


def _text(value: Any, support: tuple[float, float]) -> str:
    """'0.1', or 'beta(a=3, b=1), up to 1'."""
    try:
        d = distributions.parse(value)
    except (ValueError, TypeError):
        return repr(value)
    return str(d) if d.is_fixed else f"{d}, up to {support[1]:g}"


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
        s_range = _support(s, factors, 0.0, 1.0)
        q_range = _support(q, factors, 0.0, 1.0)
        if s_range is None or q_range is None:
            continue
        if s_range[1] + q_range[1] > 1 + 1e-12:
            add(
                (
                    f"{mission_path(a, j)}.partial",
                    f"success ({_text(s, s_range)}) + partial ({_text(q, q_range)}) can add "
                    f"up to {s_range[1] + q_range[1]:g}; an "
                    "attempt's chances must not add up to more than 1: give distributions "
                    "whose highest values add up to at most 1 (uniform or triangular), or "
                    "the two parts of one Dirichlet (two betas with the same a + b, their "
                    "a's adding up to less than it), or take both from the record (success: "
                    "{record: C} and partial: {record: C}, one three-outcome fit)",
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
