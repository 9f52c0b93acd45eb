"""The scenario file's JSON Schema, for editors' completion and checks as you type
(``racesim schema``).

It is pydantic's schema of :class:`~racesim.scenario.schema.Scenario` (so a field added
to the models appears in it without more code), adjusted to what a *file* may say:
every field that takes a number or a distribution says so in its description (the
forms are :func:`racesim.scenario.distributions.json_schema`'s), the top level may
name a parent with ``extends``, and a file that does (a child, merged over its parent)
needs none of the required fields and may delete a mission with ``remove: true``.
The checks that relate fields to each other (a mission's ``requires``, dates within
the horizon, ...) are ``racesim validate``'s, not the schema's.
"""

from __future__ import annotations

import copy
from typing import Any

from racesim.scenario.distributions import FAMILIES
from racesim.scenario.schema import Scenario

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_DIST_NOTE = "number or distribution"
_PARTIAL = "Partial"  # prefix of the definitions a child file (with `extends`) uses


def _is_dist(schema: Any) -> bool:
    """Whether ``schema`` (one field's) is, or allows, a number-or-distribution."""
    if not isinstance(schema, dict):
        return False
    forms = schema.get("anyOf") or ()
    if any(isinstance(f, dict) and f.get("title") in FAMILIES for f in forms):
        return True
    return any(_is_dist(f) for f in forms)


def _describe_dists(defs: dict) -> None:
    families = ", ".join(f"{{{f}: {{{', '.join(n)}}}}}" for f, n in FAMILIES.items())
    for model in defs:
        for prop in (model.get("properties") or {}).values():
            if _is_dist(prop):
                desc = prop.get("description", "")
                prop["description"] = (
                    f"{desc}. A {_DIST_NOTE}: a plain number is fixed; otherwise one of {families}"
                ).lstrip(". ")


def _closed_keys(schema: Any) -> None:
    """A mapping keyed by a pattern (agencies, milestones, partners) accepts no other
    key, as the models do not."""
    if isinstance(schema, dict):
        if "patternProperties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        for v in schema.values():
            _closed_keys(v)
    elif isinstance(schema, list):
        for v in schema:
            _closed_keys(v)


def _partial(schema: Any) -> Any:
    """``schema`` with no field required and every reference to a definition turned
    into one to its partial copy.  A distribution is replaced whole, never merged, so
    its forms keep their required parameters."""
    if isinstance(schema, dict) and schema.get("title") in (*FAMILIES, "record"):
        return schema
    if isinstance(schema, dict):
        out = {}
        for k, v in schema.items():
            if k == "required" and isinstance(v, list):
                continue
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                v = "#/$defs/" + _PARTIAL + v.removeprefix("#/$defs/")
            out[k] = _partial(v)
        return out
    if isinstance(schema, list):
        return [_partial(v) for v in schema]
    return schema


def file_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a scenario file, as a dict."""
    full = copy.deepcopy(Scenario.model_json_schema(by_alias=True, mode="validation"))
    defs = full.pop("$defs", {})
    _describe_dists([full, *defs.values()])
    _closed_keys([full, defs])
    full["properties"]["extends"] = {
        "type": "string",
        "description": "the parent scenario file, relative to this one; this file's "
        "fields are merged over the parent's (missions by id)",
    }
    partial_defs = {_PARTIAL + k: _partial(v) for k, v in defs.items()}
    mission = partial_defs.get(_PARTIAL + "Mission")
    if mission is not None:
        mission["properties"]["remove"] = {
            "const": True,
            "description": "delete this mission of the parent (with no other field but id)",
        }
        mission["required"] = ["id"]  # a child's mission is always named by its id
    partial_root = _partial({k: v for k, v in full.items() if k not in ("title",)})
    full_root = {k: v for k, v in full.items() if k != "title"}
    return {
        "$schema": DIALECT,
        "title": "racesim scenario",
        "description": "A racesim scenario file (README: Scenario reference). A file with "
        "`extends` lists only what it changes of its parent.",
        "type": "object",
        "if": {"required": ["extends"]},
        "then": partial_root,
        "else": full_root,
        "$defs": {**defs, **partial_defs},
    }
