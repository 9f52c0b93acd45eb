"""Variants of a scenario: ``PATH=LOW:HIGH[:STEPS]`` ranges, and scenarios built from
plain data with some fields changed (the machinery of sweeps and sensitivity).

Paths are the ones ``--set`` takes (missions by id, other list items by ``[index]``);
every variant is validated like a scenario file, so a bad value is reported with the
field's path before anything runs.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from racesim.scenario.errors import ScenarioError
from racesim.scenario.loading import from_data
from racesim.scenario.overrides import parse_override, set_path
from racesim.scenario.schema import Scenario


@dataclass(frozen=True)
class Span:
    """A numeric range of one scenario field: ``path`` from ``low`` to ``high``
    (``steps`` evenly spaced values, both ends included, when given)."""

    path: str
    parts: tuple[str | int, ...]
    low: float
    high: float
    steps: int | None = None
    integer: bool = False  # LOW and HIGH were written as whole numbers

    def values(self) -> list[float | int]:
        """The ``steps`` values from low to high (whole numbers stay integers)."""
        xs = [float(f"{x:.12g}") for x in np.linspace(self.low, self.high, self.steps or 2)]
        if self.integer:
            return [int(x) if x.is_integer() else x for x in xs]
        return xs


def parse_span(text: str, option: str, steps: bool) -> Span:
    """Read ``PATH=LOW:HIGH:STEPS`` (``steps=True``) or ``PATH=LOW:HIGH``.

    Raises :class:`ScenarioError` with a one-line explanation and an example."""
    example = (
        "agencies.isro.missions.lupex.success=0.4:0.9:6"
        if steps
        else "agencies.isro.missions.lupex.success=0.4:0.9"
    )
    form = "PATH=LOW:HIGH:STEPS" if steps else "PATH=LOW:HIGH"
    where = f"{option} {text}"

    def bad(msg: str) -> ScenarioError:
        return ScenarioError([(where, f"{msg}; expected {form}, e.g. {example}")])

    if "=" not in text:
        raise bad("no '='")
    path, _, rng = text.partition("=")
    path = path.strip()
    if not path:
        raise bad("the path before '=' is empty")
    pieces = [p.strip() for p in rng.split(":")]
    if len(pieces) != (3 if steps else 2):
        raise bad(f"{len(pieces)} value(s) after '=' separated by ':'")
    try:
        low, high = float(pieces[0]), float(pieces[1])
    except ValueError:
        raise bad(f"LOW and HIGH must be numbers, got {pieces[0]!r} and {pieces[1]!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise bad("LOW and HIGH must be finite numbers")
    if low > high:
        raise ScenarioError(
            [
                (
                    where,
                    f"LOW ({low:g}) is greater than HIGH ({high:g}); "
                    f"write the range from low to high",
                )
            ]
        )
    if low == high:
        raise ScenarioError(
            [(where, f"LOW and HIGH are both {low:g}; give a range with LOW < HIGH")]
        )
    n = None
    if steps:
        try:
            n = int(pieces[2])
        except ValueError:
            raise bad(f"STEPS must be a whole number, got {pieces[2]!r}") from None
        if n < 2:
            raise ScenarioError([(where, f"STEPS must be at least 2 (the two ends), got {n}")])
    parts, _ = parse_override(f"{path}=0")
    integer = all(_is_int_text(p) for p in pieces[:2])
    return Span(path, tuple(parts), low, high, n, integer)


def parse_spans(
    texts: Sequence[str], option: str, steps: bool, data: Mapping, source: str | None = None
) -> list[Span]:
    """Every ``PATH=LOW:HIGH[:STEPS]`` of ``option``, each a numeric field of ``data``
    given once; :class:`ScenarioError` for the first that is not."""
    spans = [parse_span(t, option, steps) for t in texts]
    for s in spans:
        check_numeric(data, s, option, source)
    paths = [s.path for s in spans]
    dup = sorted({p for p in paths if paths.count(p) > 1})
    if dup:
        raise ScenarioError([("", f"{option} {dup[0]} is given twice; give each path once")])
    return spans


def _is_int_text(s: str) -> bool:
    try:
        int(s)
        return True
    except ValueError:
        return False


def get_path(data: Any, parts: Sequence[str | int]) -> Any:
    """The value at ``parts`` inside plain scenario data (missions by id, hazards and
    shocks by name, like ``--set``), or raise ``KeyError``."""
    from racesim.scenario.overrides import _list_index

    node = data
    for part in parts:
        if isinstance(node, list):
            idx = _list_index(node, part)
            if idx is None:
                raise KeyError(part)
            node = node[idx]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(part)
    return node


def variant(
    data: Mapping,
    changes: Sequence[tuple[Sequence[str | int], Any]],
    source: str | None = None,
    base_dir: Path | None = None,
    label: str | None = None,
) -> Scenario:
    """``data`` with each ``(parts, value)`` set, validated into a :class:`Scenario`.

    A :class:`ScenarioError` names ``label`` (e.g. the sweep point) in its message."""
    d = copy.deepcopy(dict(data))
    try:
        for parts, value in changes:
            set_path(d, parts, value)
        return from_data(d, source=source, base_dir=base_dir)
    except ScenarioError as exc:
        if label:
            exc = ScenarioError(
                [(f"{label}: {p}" if p else label, m) for p, m in exc.issues], exc.source
            )
        raise exc from None


def check_numeric(data: Mapping, span: Span, option: str, source: str | None = None) -> None:
    """Refuse a path that leads nowhere (an unknown agency or mission) or names no
    number or distribution (a whole mission, a date, a list).  An unknown field name is
    left to validation, which names the nearest valid one."""
    where = f"{option} {span.path}"
    try:
        set_path(copy.deepcopy(dict(data)), span.parts, 0)
    except ScenarioError as exc:
        raise ScenarioError([(where, m) for _, m in exc.issues], source) from None
    try:
        value = get_path(data, span.parts)
    except KeyError:
        return
    if isinstance(value, bool) or not (
        value is None or isinstance(value, (int, float)) or _is_dist(value)
    ):
        kind = (
            "a mapping of fields"
            if isinstance(value, dict)
            else "a list"
            if isinstance(value, list)
            else f"{value!r}"
        )
        raise ScenarioError(
            [
                (
                    where,
                    f"this field holds {kind}, not a number or a "
                    "distribution; give the path of a numeric field, e.g. "
                    "agencies.AGENCY.missions.MISSION.success",
                )
            ],
            source,
        )


def _is_dist(value: Any) -> bool:
    from racesim.scenario.distributions import FAMILIES

    return (
        isinstance(value, dict) and len(value) == 1 and next(iter(value)) in (*FAMILIES, "record")
    )  # or {record: CLASS}


def fmt_value(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)
