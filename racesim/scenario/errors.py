"""Error wording for the whole package: :class:`ScenarioError` and how a problem is
worded (field paths, bounded quoting of bad values, did-you-mean suggestions, pydantic's
errors turned into sentences).  Every message about a bad scenario, override or option
comes through here; the README's "Scenario reference" names the fields."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError


class ScenarioError(Exception):
    """Everything wrong with a scenario, as (field path, message) pairs."""

    def __init__(self, issues: Sequence[tuple[str, str]], source: str | None = None):
        self.issues = list(issues)
        self.source = source
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line for one problem; for several, a line saying how many, then one
        line per problem.  Each problem is cut to MAX_MESSAGE characters."""
        where = f"{self.source}: " if self.source else ""
        issues = [(_cut(p, 200), _cut(m, MAX_MESSAGE)) for p, m in self.issues]
        n = len(issues)
        if n == 1 and not issues[0][0]:
            return f"{where}{issues[0][1]}."
        options = all(p.startswith("--") for p, _ in issues)
        what = "with the options" if options else "in the scenario"
        head = f"{where}{n} problem{'s' if n != 1 else ''} {what}"
        lines = [f"{p}: {m}" if p else m for p, m in issues[:MAX_LISTED]]
        if n == 1:
            return f"{head}: {lines[0]}."
        if n > MAX_LISTED:
            lines.append(f"and {n - MAX_LISTED:,} more")
        return f"{head}:\n" + "\n".join(f"  {line}." for line in lines)


MAX_MESSAGE = 400  # characters of one problem's description
MAX_LISTED = 50  # problems listed in one message


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def brief(value: object, limit: int = 120) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for messages: a bad value
    may be huge (an alias bomb), the message must not be."""
    import reprlib

    r = reprlib.Repr()
    r.maxstring = r.maxother = limit
    r.maxlist = r.maxtuple = r.maxdict = r.maxset = 8
    r.maxlevel = 3
    text = r.repr(value)
    return text if len(text) <= limit + 10 else text[:limit] + "..."


def fmt_path(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean \'x\'?)' for the closest of ``choices`` to ``word``, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_PATH_PART = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)((?:\[[0-9]+\])*)$")


def parse_path(path: str) -> tuple | None:
    """'agencies.a.missions[2].success' -> ('agencies', 'a', 'missions', 2, 'success');
    None for anything else (a YAML position, an option)."""
    if not path:
        return None
    out: list = []
    for piece in path.split("."):
        m = _PATH_PART.match(piece)
        if not m:
            return None
        out.append(m.group(1))
        out.extend(int(x) for x in re.findall(r"\[([0-9]+)\]", m.group(2)))
    return tuple(out)


def _model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model class that holds the field at ``loc`` (its parent) in ``root``."""
    model: Any = root
    i = 0
    while i < len(loc):
        part = loc[i]
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        if field is None:
            return None
        ann = field.annotation
        origin = getattr(ann, "__origin__", None)
        args = getattr(ann, "__args__", ())
        if origin is dict:
            i += 1  # skip the key
            ann = args[1]
        elif origin is tuple:
            i += 1  # skip the index
            ann = args[0]
        model = _model_in(ann)
        i += 1
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _model_in(ann: Any) -> Any:
    """The model class in an annotation (itself, or inside Optional/Union/Annotated)."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for a in getattr(ann, "__args__", ()) or ():
        found = _model_in(a)
        if found is not None:
            return found
    inner = getattr(ann, "__origin__", None)  # Annotated[X, ...]
    return _model_in(inner) if inner is not None and inner is not ann else None


#: a union's branch names (pydantic ``Tag``) start with this; left out of field paths
TAG = "v2:"


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


_BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}


def pydantic_issues(exc: ValidationError, root: type[BaseModel]) -> list[tuple[str, str]]:
    """pydantic's errors for a model ``root`` as (field path, sentence) pairs."""
    issues = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith(TAG))]
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _model_at(root, loc[:-1]) if len(loc) > 1 else root
            names = _field_names(parent) if parent else []
            msg = f"unknown field{did_you_mean(str(loc[-1]), names)}"
            if names and "did you mean" not in msg:
                msg += f"; valid fields here are {', '.join(names)}"
        elif kind == "missing":
            msg = "is required"
        elif kind == "literal_error":
            msg = _literal(err)
        elif kind == "value_error":
            msg = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
        elif kind == "string_pattern_mismatch":
            msg = (
                f"{brief(err['input'])} is not a valid identifier (start with a letter; "
                "letters, digits, _ and - only)"
            )
            if "[key]" in loc:
                loc = loc[: loc.index("[key]")]
        elif kind in _BOUNDS:
            msg = (
                f"must be {_BOUNDS[kind]} {list(err['ctx'].values())[0]}, got {brief(err['input'])}"
            )
        elif kind in ("int_type", "int_from_float", "int_parsing"):
            msg = f"must be a whole number, got {brief(err['input'])}"
        elif kind == "finite_number":
            msg = f"must be a finite number, got {brief(err['input'])}"
        elif kind in ("float_type", "float_parsing"):
            msg = f"must be a number, got {brief(err['input'])}"
        elif kind in ("string_type",):
            msg = f"must be text, got {brief(err['input'])}"
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            msg = f"must be a mapping of fields, got {brief(err['input'])}"
        elif kind in ("tuple_type", "list_type"):
            msg = f"must be a list, got {brief(err['input'])}"
        else:
            msg = f"{err['msg'][0].lower()}{err['msg'][1:]} (got {brief(err['input'])})"
        issues.append((fmt_path(loc), msg))
    return issues


def _literal(err: Mapping) -> str:
    """One of a few words, misspelt: say which, and the nearest (with a single valid
    word, always that one: ``attempts: infinite`` -> 'unlimited')."""
    words = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
    got = err["input"]
    if isinstance(got, str) and words:
        hint = did_you_mean(got, words) or (
            f" (did you mean {words[0]!r}?)" if len(words) == 1 else ""
        )
    else:
        hint = ""
    listed = " or ".join(repr(w) for w in words)
    if err["loc"] and err["loc"][-1] == TAG + "word":  # attempts: a number or 'unlimited'
        listed = f"a whole number or {listed}"
    return f"must be {listed}, got {brief(got)}{hint}"


def mission_path(a: str, j: int, mid: object = None) -> str:
    return f"agencies.{a}.missions[{j}]"
