"""Checks across the format-v2 fields (contract 5), on the raw data so that they are
reported together with the schema's field errors: factors that nothing names or that
do not exist, ``success + partial > 1``, hazards naming missions of another agency.
A field that is itself invalid (reported on its own) is skipped."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from racesim.scenario.checks import raw_missions
from racesim.scenario.errors import did_you_mean, mission_path


def factor_refs(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, factor name) of every ``{factor: NAME}`` inside ``value``."""
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get("factor"), str):
            yield path, value["factor"]
            return
        for k, v in value.items():
            yield from factor_refs(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, (list, tuple)):
        for j, v in enumerate(value):
            yield from factor_refs(v, f"{path}[{j}]")


def _fixed(v: Any) -> float | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return None


def v2_issues(data: Mapping) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    add = issues.append
    factors = data.get("factors")
    names = [str(k) for k in factors] if isinstance(factors, dict) else []
    agencies = data.get("agencies") if isinstance(data.get("agencies"), dict) else {}
    used: set[str] = set()

    def ref(path: str, name: str) -> None:
        used.add(name)
        if name not in names:
            valid = (
                f"; the factors are {', '.join(names)}"
                if names
                else ("; the scenario defines no factors (add a top-level factors: mapping)")
            )
            add((path, f"no factor {name!r}{did_you_mean(name, names)}{valid}"))

    for a, ag in agencies.items():
        if not isinstance(ag, dict):
            continue
        for path, name in factor_refs(ag, f"agencies.{a}"):
            ref(path, name)
        if isinstance(ag.get("slip"), str):
            ref(f"agencies.{a}.slip", ag["slip"])
        missions = ag.get("missions") if isinstance(ag.get("missions"), list) else []
        ids = [m.get("id") for m in missions if isinstance(m, dict)]
        hazards = ag.get("hazards")
        for k, h in enumerate(hazards if isinstance(hazards, list) else []):
            listed = h.get("missions") if isinstance(h, dict) else None
            for j, mid in enumerate(listed if isinstance(listed, list) else []):
                if isinstance(mid, str) and mid not in ids:
                    other = [
                        b
                        for b, bg in agencies.items()
                        if b != a
                        and isinstance(bg, dict)
                        and isinstance(bg.get("missions"), list)
                        and any(isinstance(m, dict) and m.get("id") == mid for m in bg["missions"])
                    ]
                    why = (
                        f"; {mid} is a mission of {other[0]}: a hazard acts on its own "
                        "agency's missions only"
                        if other
                        else f"{did_you_mean(mid, [str(i) for i in ids])}"
                    )
                    add(
                        (
                            f"agencies.{a}.hazards[{k}].missions[{j}]",
                            f"no mission {mid!r} in {a}{why}",
                        )
                    )
    for a, j, m in raw_missions(data):
        p = mission_path(a, j, m.get("id"))
        if isinstance(m.get("slip"), str):
            ref(f"{p}.slip", m["slip"])
        s, q = _fixed(m.get("success")), _fixed(m.get("partial"))
        if s is not None and q is not None and 0 <= s <= 1 and 0 <= q <= 1 and s + q > 1 + 1e-12:
            add(
                (
                    f"{p}.partial",
                    f"success ({s:g}) + partial ({q:g}) = {s + q:g}; an attempt's chances "
                    "must not add up to more than 1",
                )
            )
    if isinstance(factors, dict):
        for name in names:
            if name not in used:
                add(
                    (
                        f"factors.{name}",
                        f"factor {name!r} is not used: name it in a field "
                        f"({{factor: {name}}}) or in a slip, or remove it",
                    )
                )
    return issues
