"""``--set PATH=VALUE``: parse a path and a YAML value, set it in plain scenario data
(missions reached by id), and mark the messages about values that came from ``--set``.
The same paths serve ``sweep --vary`` and ``sensitivity --range``."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

from racesim.scenario.errors import ScenarioError, did_you_mean, fmt_path
from racesim.scenario.errors import brief as _q
from racesim.scenario.yamlio import AmbiguousValue, TooLarge, yaml_load

_INDEX = re.compile(r"^(.*)\[([0-9]+)\]$")
MAX_SET_PARTS = 16  # the deepest field: agencies.A.budget.shocks[0].factor.uniform.low


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """``"agencies.isro.budget.annual=120"`` -> (path parts, YAML value)."""
    if "=" not in text:
        raise ScenarioError(
            [(f"--set {text}", "expected PATH=VALUE, e.g. agencies.roscosmos.budget.annual=120")]
        )
    key, _, raw = text.partition("=")
    key = key.strip()
    if not key:
        raise ScenarioError([(f"--set {text}", "the path before '=' is empty")])
    if "" in key.split("."):
        raise ScenarioError(
            [
                (
                    f"--set {_q(key, 60)}",
                    "the path has an empty part (a '.' at the start or end, or two in a "
                    "row); write it like agencies.isro.budget.annual",
                )
            ]
        )
    parts: list[str | int] = []
    for piece in key.split("."):
        m = _INDEX.match(piece)
        while m:
            piece, idx = m.group(1), int(m.group(2))
            parts.append(piece) if piece else None
            parts.append(idx)
            m = None
            piece = ""
        if piece:
            parts.append(int(piece) if piece.isascii() and piece.isdigit() else piece)
    if len(parts) > MAX_SET_PARTS:
        raise ScenarioError(
            [
                (
                    f"--set {_q(key, 60)}",
                    f"the path has {len(parts):,} parts; a field's path has at most "
                    f"{MAX_SET_PARTS}",
                )
            ]
        )
    try:
        value = yaml_load(raw) if raw.strip() else None
    except (AmbiguousValue, TooLarge) as exc:
        raise ScenarioError([(f"--set {key}", exc.problem)]) from None
    except yaml.YAMLError:
        raise ScenarioError([(f"--set {key}", f"the value {_q(raw)} is not valid YAML")]) from None
    return parts, value


def apply_overrides(
    data: Mapping,
    overrides: Iterable[str],
    source: str | None = None,
    applied: list[str] | None = None,
    problems: list[tuple[str, str]] | None = None,
) -> dict:
    """Return a copy of ``data`` with each ``PATH=VALUE`` applied (missions by id).

    ``applied`` collects the resolved field path of each override (for messages).
    The overrides that cannot be applied raise :class:`ScenarioError`, or, with
    ``problems``, are added to it (and the others applied)."""
    data = copy.deepcopy(dict(data))
    issues = []
    for text in overrides:
        try:
            parts, value = parse_override(text)
            resolved = set_path(data, parts, value)
            if applied is not None:
                applied.append(resolved)
        except ScenarioError as exc:
            issues.extend(exc.issues)
    if issues and problems is None:
        raise ScenarioError(issues, source)
    if problems is not None:
        problems.extend(issues)
    return data


def set_path(data: dict, parts: Sequence[str | int], value: Any) -> str:
    """Set ``value`` at ``parts`` inside ``data``; lists of mappings with ``id`` are
    addressed by id (missions), with ``name`` by name (hazards, shocks), any list by
    index; a partner's short form ``{agency: share}`` becomes the long form
    ``{share: ...}`` when one of the long form's fields is set."""
    where = "--set " + ".".join(map(str, parts))
    node: Any = data
    walked: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        here = fmt_path(walked) or "the scenario"
        if isinstance(node, list):
            idx = _list_index(node, part)
            if idx is None:
                key = "id" if any(isinstance(x, dict) and "id" in x for x in node) else "name"
                ids = [str(x.get(key)) for x in node if isinstance(x, dict) and key in x]
                hint = did_you_mean(str(part), ids)
                raise ScenarioError(
                    [
                        (
                            where,
                            f"{here} has no item {str(part)!r}{hint}"
                            + (f"; its {key}s are {', '.join(ids)}" if ids else ""),
                        )
                    ]
                )
            if last:
                node[idx] = value
                return fmt_path([*walked, idx])
            node = node[idx]
            walked.append(idx)
            continue
        elif isinstance(node, dict):
            if last:
                node[part] = value
                return fmt_path([*walked, part])
            if part in node and _is_partner_share(walked, node[part]):
                # the short form {agency: share} of a partner, reached for a field of
                # the long form: it becomes {share: ..., FIELD: ...}
                node[part] = {"share": node[part]}
            if part not in node or node[part] is None:
                if isinstance(part, int):
                    raise ScenarioError([(where, f"{here} is a mapping, not a list")])
                if isinstance(parts[i + 1], int):
                    raise ScenarioError(
                        [
                            (
                                where,
                                f"{fmt_path([*walked, part])} is not in the scenario, so it "
                                f"has no item {parts[i + 1]}; set the whole list: "
                                f"{fmt_path([*walked, part])}=[{{...}}]",
                            )
                        ]
                    )
                if walked and walked[-1] in ("agencies", "milestones") and len(walked) == 1:
                    keys = [str(k) for k in node]
                    raise ScenarioError(
                        [
                            (
                                where,
                                f"no {walked[-1][:-1].replace('ie', 'y')} "
                                f"{part!r} in {here}{did_you_mean(str(part), keys)}"
                                f"; to add one, set the whole of it: "
                                f"{here}.{part}={{...}}",
                            )
                        ]
                    )
                node[part] = {}
            node = node[part]
        else:
            raise ScenarioError([(where, f"{here} is a single value; it has no field {part!r}")])
        walked.append(part)


def _is_partner_share(walked: Sequence[str | int], value: Any) -> bool:
    """Whether ``value`` at ``walked + [agency]`` is a partner's share in the short form
    (``agencies.A.missions.M.partners.B: 0.1``)."""
    return (
        len(walked) >= 4
        and walked[0] == "agencies"
        and walked[-1] == "partners"
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
    )


def _list_index(node: list, part: str | int) -> int | None:
    """The item of ``node`` with this id (missions), else this name (hazards, shocks),
    else at this index."""
    for key in ("id", "name"):
        for j, item in enumerate(node):
            if isinstance(item, dict) and key in item and str(item.get(key)) == str(part):
                return j
    if isinstance(part, int) and 0 <= part < len(node):
        return part
    return None


def mark_overrides(
    issues: list[tuple[str, str]], set_paths: Sequence[str]
) -> list[tuple[str, str]]:
    out = []
    for path, msg in issues:
        bare = path
        if any(
            bare == p or bare.startswith(p + ".") or bare.startswith(p + "[") for p in set_paths
        ):
            msg += " (value given with --set)"
        out.append((path, msg))
    return out
