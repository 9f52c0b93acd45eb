"""Every settable field of a scenario, by its ``--set`` path, and the resolved
differences between two scenarios (``racesim params`` and ``racesim diff``).

Both walk the pydantic models of :mod:`racesim.scenario.schema` generically, so a field
added to the schema appears here without more code:

* a model is walked field by field (a field's name as the file spells it: ``from``);
* a list of models is walked item by item, by ``id`` where the items have one (missions:
  ``agencies.nasa.missions.artemis3``) and by position otherwise (``shocks[0]``);
* a mapping is walked key by key (``agencies.nasa``, ``partners.esa``);
* anything else is a leaf: one settable path with its value.

A leaf's unit comes from its field's description: the text in parentheses at its end,
``"development cost still to spend from start (USD millions)"`` -> ``USD millions``
(the whole description if it has none), or, without a description, the kind of value
(``text``, ``date``, ``integer``, ...).  Every path is one that ``--set`` accepts.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from racesim.scenario.distributions import Dist
from racesim.scenario.errors import ScenarioError, did_you_mean, fmt_path
from racesim.scenario.schema import Scenario

_UNIT = re.compile(r"\(([^()]*)\)\s*$")
MAX_TEXT = 48  # characters of a text value shown


@dataclass(frozen=True)
class Param:
    """One settable field: its ``--set`` path, its value as YAML-ready data (what
    ``--set PATH=VALUE`` takes back), the value as shown, and its unit."""

    path: str
    value: Any
    text: str
    unit: str


@dataclass(frozen=True)
class _Node:
    parts: tuple[str | int, ...]
    value: Any
    info: FieldInfo | None
    leaf: bool
    keys: tuple[str | int, ...] = ()  # a container's children, in order

    @property
    def path(self) -> str:
        return fmt_path(self.parts)


def _walk(value: Any, parts: tuple, info: FieldInfo | None) -> Iterator[_Node]:
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        keys = tuple(f.alias or name for name, f in fields.items())
        yield _Node(parts, value, info, False, keys)
        for (name, f), key in zip(fields.items(), keys):
            yield from _walk(getattr(value, name), (*parts, key), f)
    elif (
        isinstance(value, (tuple, list)) and value and all(isinstance(v, BaseModel) for v in value)
    ):
        keys = tuple(_item_key(v, i) for i, v in enumerate(value))
        yield _Node(parts, value, info, False, keys)
        for key, v in zip(keys, value):
            yield from _walk(v, (*parts, key), info)
    elif isinstance(value, dict) and value:
        yield _Node(parts, value, info, False, tuple(value))
        for k, v in value.items():
            yield from _walk(v, (*parts, k), info)
    else:
        yield _Node(parts, value, info, True)


def _is_address(node: _Node) -> bool:
    """Whether ``node`` is the ``id`` of a list item that the path addresses by it."""
    p = node.parts
    return len(p) >= 2 and p[-1] == "id" and p[-2] == node.value


def _item_key(item: BaseModel, i: int) -> str | int:
    key = getattr(item, "id", None) if "id" in type(item).model_fields else None
    return key if isinstance(key, str) and key else i


def _data(value: Any) -> Any:
    """A leaf's value as YAML-ready data (the inverse of what the schema reads)."""
    if isinstance(value, Dist):
        return value.to_data()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _data(v) for k, v in value.items()}
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    return value


def _num(x: float) -> str:
    """A mean for people: 0.78, 2.68, 34.0, 7,322."""
    digits = 2 if abs(x) < 10 else 1 if abs(x) < 100 else 0
    return f"{x:,.{digits}f}"


def show(value: Any) -> str:
    """A leaf's value for people: ``beta(a=7, b=2), mean 0.78``, ``2028-06-30``,
    ``[crewed_landing, pole_landing]``, ``none``."""
    if value is None:
        return "none"
    if isinstance(value, Dist):
        return str(value) if value.is_fixed else f"{value}, mean {_num(value.mean())}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 3] + "..."
        return f'"{text}"'
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(show(v).strip('"') for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, BaseModel):
        return _brief(value)
    return str(value)


def _kind(value: Any) -> str:
    if isinstance(value, Dist):
        return "number or distribution"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str):
        return "text"
    return ""


def unit(info: FieldInfo | None, value: Any) -> str:
    """The unit of a field: the end of its description in parentheses; else ``text``
    for a text, the whole description, or the kind of its value."""
    desc = (info.description or "").strip() if info is not None else ""
    m = _UNIT.search(desc)
    if m:
        return m.group(1).strip()
    if isinstance(value, str):
        return "text"
    return desc or _kind(value)


def _shown_file(path: str) -> str:
    """An absolute ``record.file`` relative to the working folder, where it can be."""
    if os.path.isabs(path):
        try:
            return os.path.relpath(path).replace(os.sep, "/")
        except ValueError:  # another drive
            return path
    return path


def params(scenario: Scenario, prefix: str | None = None) -> list[Param]:
    """Every settable field of ``scenario`` (paths as ``--set`` takes them, in the
    file's order), or those under ``prefix`` (a path or the start of one, e.g.
    ``agencies.nasa``).  A prefix that matches nothing raises :class:`ScenarioError`."""
    out = []
    for node in _walk(scenario, (), None):
        if not node.leaf or _is_address(node):
            continue
        value = shown = node.value
        if node.parts == ("record", "file") and isinstance(value, str):
            shown = _shown_file(value)  # the value stays absolute: --set takes it anywhere
        out.append(Param(node.path, _data(value), show(shown), unit(node.info, value)))
    if prefix is None or not prefix.strip(" ."):
        return out
    want = prefix.strip().rstrip(".")
    picked = [p for p in out if _under(p.path, want)]
    if not picked:
        heads = {fmt_path(_split(p.path)[:k]) for p in out for k in range(1, 6)}
        raise ScenarioError(
            [("", f"no settable field starts with {want!r}{did_you_mean(want, heads)}")]
        )
    return picked


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def _split(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for piece in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        parts.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    return parts


# -- differences --------------------------------------------------------------------------
@dataclass(frozen=True)
class Difference:
    """One resolved difference between scenarios A and B: the path, and each side's
    value as shown (``-`` where that side has no such field)."""

    path: str
    a: str
    b: str


def _brief(value: Any) -> str:
    """A container in a few words: ``mission Luna-27``, ``3 shocks``."""
    if isinstance(value, BaseModel):
        kind = type(value).__name__.lower()
        label = next(
            (
                getattr(value, k)
                for k in ("name", "title", "id")
                if k in type(value).model_fields and getattr(value, k)
            ),
            "",
        )
        return f"{kind} {label}".strip() if isinstance(label, str) else kind
    if isinstance(value, (tuple, list)):
        kind = type(value[0]).__name__.lower() if value else "item"
        return f"{len(value)} {kind}{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values()):
        return f"{len(value)} entr{'ies' if len(value) != 1 else 'y'}"
    return show(value)


def _same(x: _Node, y: _Node) -> bool:
    vx, vy = x.value, y.value
    if x.parts == ("record", "file") and isinstance(vx, str) and isinstance(vy, str):
        return os.path.realpath(vx) == os.path.realpath(vy)
    return _data(vx) == _data(vy)


def differences(a: Scenario, b: Scenario) -> list[Difference]:
    """The fields in which resolved scenario B differs from A (after ``extends`` and
    ``--set``), in A's order then B's additions: a changed value; a field, mission or
    agency that only one side has (one line for the whole of it); and a changed order
    of missions or agencies (``PATH (order)``), which decides who is funded first and
    who wins a tie."""
    na = {n.parts: n for n in _walk(a, (), None)}
    nb = {n.parts: n for n in _walk(b, (), None)}
    out: list[Difference] = []
    done: list[tuple] = []  # subtrees already reported whole

    def inside(parts: tuple) -> bool:
        return any(parts[: len(d)] == d for d in done)

    for parts in [*na, *(p for p in nb if p not in na)]:
        if inside(parts):
            continue
        x, y = na.get(parts), nb.get(parts)
        path = fmt_path(parts)
        if x is None or y is None:
            out.append(Difference(path, _side(x), _side(y)))
            done.append(parts)
        elif x.leaf and y.leaf:
            if not _same(x, y):
                out.append(Difference(path, show(x.value), show(y.value)))
        elif x.leaf or y.leaf:
            out.append(Difference(path, _side(x), _side(y)))
            done.append(parts)
        else:
            common = [k for k in x.keys if k in y.keys]
            if common != [k for k in y.keys if k in x.keys] and parts:
                out.append(
                    Difference(
                        f"{path} (order)",
                        ", ".join(map(str, common)),
                        ", ".join(str(k) for k in y.keys if k in x.keys),
                    )
                )
    return out


def _side(node: _Node | None) -> str:
    if node is None:
        return "-"
    return show(node.value) if node.leaf else _brief(node.value)
