"""The scenario: typed, validated, immutable.

``load_scenario(path, overrides)`` reads a YAML file (merged over the file it
``extends``, if any: see :func:`_read_extended`), applies ``--set`` overrides and
returns a :class:`Scenario`, or raises :class:`ScenarioError` listing every problem found
(file, field path, what is wrong, and for a misspelt key the nearest valid one).
Once a :class:`Scenario` exists it is valid: field checks run in pydantic and the
cross-checks (references, cycles, money) in :func:`_cross_check`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
)

from racesim.scenario import distributions
from racesim.scenario.distributions import Dist
from racesim.scenario.distributions import brief as _q

SLUG = r"^[A-Za-z][A-Za-z0-9_-]*$"

#: bounds that keep a run finite and its numbers meaningful (checked with a message)
MAX_YEARS = 200  # from start to horizon, and from the earliest `succeeded` to start
FIRST_YEAR, LAST_YEAR = 1900, 2999  # start and horizon lie in these calendar years
MAX_ATTEMPTS = 10_000  # attempts of one mission
MAX_VOLATILITY = 10.0  # log-sd of the yearly budget noise
MAX_TALLY_BYTES = 1 << 30  # the date tallies: milestones x agencies x days
#: agency keys that the results use for something else: "none" (nobody) in
#: summary.json, "first" (anybody) in dates.csv, and words that tables read back as
#: missing values (compared without case)
RESERVED_AGENCY_KEYS = ("none", "first", "any", "anybody", "nobody", "all", "na", "nan", "null")


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------
# field types
# ---------------------------------------------------------------------------------------
def _dist_field(low: float, high: float = math.inf):
    def check(v: Any) -> Dist:
        return distributions.parse(v, low, high)

    return Annotated[
        Dist,
        BeforeValidator(check),
        PlainSerializer(lambda d: d.to_data(), return_type=Any),
    ]


def _strict_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an ISO date such as 2028-06-30, got {_q(v)}")


Date = Annotated[
    dt.date,
    BeforeValidator(_strict_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
]
Probability = Annotated[float, Field(ge=0, le=1)]
Slug = Annotated[str, Field(pattern=SLUG)]
Money = _dist_field(0.0)
Years = _dist_field(0.0)
Chance = _dist_field(0.0, 1.0)
Factor = _dist_field(0.0)


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        arbitrary_types_allowed=True,
        allow_inf_nan=False,  # no field means anything with an infinite value
    )


class Record(_Strict):
    file: str = Field("../seeds/landings.csv", description="relative to the scenario file")
    until: Date | None = Field(None, description="last attempt date used (default: start)")


class Milestone(_Strict):
    title: str = Field("", description="one line shown in tables and plots")
    description: str = ""


class Shock(_Strict):
    name: str
    factor: Factor = Field(description="multiplies the year's budget; drawn each year")
    from_: Date | None = Field(None, alias="from", description="first date a year may begin")
    until: Date | None = Field(None, description="last date a year may begin")
    probability: Probability = Field(1.0, description="chance per year that it applies")


class Budget(_Strict):
    annual: Money = Field(description="lunar funding, USD millions per year")
    growth: float = Field(0.0, gt=-1, le=10, description="real growth per year, fraction")
    volatility: float = Field(
        0.0, ge=0, le=MAX_VOLATILITY, description="log-sd of the yearly noise factor"
    )
    shocks: tuple[Shock, ...] = ()


class Refly(_Strict):
    cost: float = Field(0.5, ge=0, description="fraction of the first attempt's cost")
    duration: float = Field(0.5, ge=0, description="fraction of the first attempt's duration")


class Mission(_Strict):
    id: Slug
    name: str = ""
    cost: Money = Field(Dist.fixed(0.0), description="development cost, USD millions")
    duration: Years | None = Field(None, description="development years at full funding")
    not_before: Date | None = None
    succeeded: Date | None = None
    requires: tuple[str, ...] = ()
    success: Chance | None = Field(None, description="probability an attempt succeeds")
    attempts: int = Field(
        1, ge=1, le=MAX_ATTEMPTS, strict=True, description="attempts allowed in all"
    )
    refly: Refly = Refly()
    partners: dict[Slug, Annotated[float, Field(gt=0, le=1)]] = {}
    achieves: tuple[str, ...] = ()


class Agency(_Strict):
    name: str = ""
    budget: Budget | None = None
    missions: tuple[Mission, ...] = ()


class Scenario(_Strict):
    name: Slug
    title: str = ""
    description: str = ""
    start: Date
    horizon: Date
    seed: int = Field(0, ge=0, strict=True)
    replications: int = Field(1000, ge=1, strict=True)
    record: Record | None = Field(
        None, description="the landing record for success: {record: CLASS}"
    )
    milestones: dict[Slug, Milestone]
    agencies: dict[Slug, Agency]

    # -- convenience ------------------------------------------------------------------
    def to_data(self) -> dict:
        """Plain data (YAML/JSON-ready) that loads back into an equal scenario."""
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=False)

    def to_yaml(self) -> str:
        return yaml.dump(self.to_data(), Dumper=_Dumper, sort_keys=False, allow_unicode=True)

    def digest(self) -> str:
        """SHA-256 of the resolved scenario: equal scenarios, equal digests."""
        return hashlib.sha256(self.to_yaml().encode()).hexdigest()

    def mission(self, ref: str, agency: str | None = None) -> tuple[str, Mission]:
        """Find a mission by ``"agency.id"`` (or ``"id"`` within ``agency``)."""
        a, _, m = ref.rpartition(".")
        a = a or agency
        for mission in self.agencies[a].missions:
            if mission.id == m:
                return a, mission
        raise KeyError(ref)


# ---------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------
def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, override and validate a scenario file."""
    path = Path(path)
    origins: dict = {}
    data = read_yaml(path, origins)
    set_paths: list[str] = []
    set_issues: list[tuple[str, str]] = []  # reported with the scenario's, all at once
    data = apply_overrides(
        data, overrides, source=str(path), applied=set_paths, problems=set_issues
    )
    try:
        scenario = from_data(
            data, source=str(path), base_dir=path.parent, set_paths=set_paths, origins=origins
        )
    except ScenarioError as exc:
        raise ScenarioError([*set_issues, *exc.issues], str(path)) from None
    if set_issues:
        raise ScenarioError(set_issues, str(path))
    return scenario


class _Loader(yaml.SafeLoader):
    """Safe YAML, read with YAML 1.2's core rules for plain values; it leaves dates as
    text (validated with a clear message later), rejects a key given twice in one
    mapping or a key that is a list or mapping, and refuses plain values that YAML 1.1
    reads as a number or a yes/no but YAML 1.2 does not (``1:30``, ``1_000``, ``012``,
    ``yes``, ``off``): whichever meaning was intended, one reader would get it wrong."""

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0]:
            tag12 = next((tag for tag, rx in _CORE_12 if rx.match(value)), _TAG + "str")
            tag11 = super().resolve(kind, value, implicit)
            if tag11 in _NUMERIC_11 and (tag11 != tag12 or not _same(self, tag11, value)):
                return _AMBIGUOUS
            return tag12
        return super().resolve(kind, value, implicit)


_TAG = "tag:yaml.org,2002:"
_AMBIGUOUS = "tag:racesim,2026:ambiguous"
_NUMERIC_11 = {_TAG + "bool", _TAG + "int", _TAG + "float"}
#: YAML 1.2 core schema, plain scalars (https://yaml.org/spec/1.2.2/#1032-tag-resolution)
_CORE_12 = [
    (_TAG + "null", re.compile(r"^(?:~|null|Null|NULL|)$")),
    (_TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")),
    (_TAG + "int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")),
    (
        _TAG + "float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
    ),
]

_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Dumper(yaml.SafeDumper):
    """Safe YAML that quotes text which YAML 1.2 would read as something else (``1e3``,
    ``0o12``), so that what it writes loads back unchanged with :class:`_Loader`."""

    def resolve(self, kind, value, implicit):
        tag = super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode and implicit[0] and tag == _TAG + "str":
            return next((t for t, rx in _CORE_12 if rx.match(value)), tag)
        return tag


def _int_12(loader: _Loader, node: yaml.ScalarNode) -> int:
    v = loader.construct_scalar(node)
    if v.startswith("0o"):
        return int(v[2:], 8)
    if v.startswith("0x"):
        return int(v[2:], 16)
    return int(v, 10)


def _same(loader: _Loader, tag: str, value: str) -> bool:
    """Whether YAML 1.1 and YAML 1.2 give ``value`` (resolved to ``tag`` by both) the
    same meaning."""
    node = yaml.ScalarNode(tag, value)
    try:
        new = loader.yaml_constructors[tag](loader, node)
        old = (
            yaml.SafeLoader.construct_yaml_int(loader, node)
            if tag == _TAG + "int"
            else yaml.SafeLoader.yaml_constructors[tag](loader, node)
        )
    except (ValueError, KeyError):
        return False
    return old == new or (old != old and new != new)  # NaN is NaN


class AmbiguousValue(yaml.constructor.ConstructorError):
    """A plain YAML value that YAML 1.1 and YAML 1.2 read differently."""


def _ambiguous(loader: _Loader, node: yaml.ScalarNode):
    v = node.value
    if re.match(r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$", v):
        hint = "write true or false, or quote it if it is text"
    else:
        hint = (
            "YAML 1.1 reads it as a number (base 60, octal or with '_' separators); "
            "write the number plainly, e.g. 90 or 1000, or quote it if it is text"
        )
    raise AmbiguousValue(None, None, f"the value {_q(v)} is ambiguous: {hint}", node.start_mark)


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    seen: dict = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "a key must be a single name or number, not a list or mapping",
                key_node.start_mark,
            )
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {_q(key)} appears twice in one mapping", key_node.start_mark
            )
        seen[key] = True
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(_TAG + "int", _int_12)
_Loader.add_constructor(_AMBIGUOUS, _ambiguous)

#: bounds on what one YAML document (a file or a --set value) may hold: MAX_NODES is
#: how many values aliases may add by repeating anchored lists and mappings (an alias
#: bomb adds billions; an honest scenario adds few or none).  The values written out in
#: the file are bounded by MAX_FILE_BYTES alone, so a 400-agency x 50-mission scenario
#: (about 450,000 values) loads.
MAX_NODES = 200_000
MAX_DEPTH = 40
MAX_FILE_BYTES = 10_000_000


class TooLarge(yaml.YAMLError):
    """A YAML document beyond MAX_NODES values or MAX_DEPTH levels."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = None


if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(yaml.cyaml.CParser, _Loader):
        """:class:`_Loader`'s rules with libyaml's parser (about 4x faster), for large
        files."""

        def __init__(self, stream):
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = _Loader

#: files larger than this are parsed with libyaml (where PyYAML has it); smaller ones,
#: every scenario in practice, with PyYAML's own parser and its messages
FAST_YAML_BYTES = 1_000_000


def yaml_load(text: str):
    loader = _FastLoader if len(text) > FAST_YAML_BYTES else _Loader
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise TooLarge(f"nested more than {MAX_DEPTH} levels deep") from None
    _check_size(data)
    return data


def _check_size(data: Any) -> None:
    """Walk ``data`` as a tree (aliases expanded), stopping at the bounds: at most
    MAX_NODES values added by aliases (a list or mapping met again, and everything in
    it), at most MAX_DEPTH levels."""
    seen: set[int] = set()
    stack = [(data, 0, False)]
    added = 0
    while stack:
        node, depth, repeated = stack.pop()
        if repeated:
            added += 1
            if added > MAX_NODES:
                raise TooLarge(
                    f"aliases repeat more than {MAX_NODES:,} values; a scenario needs few or none"
                )
        if depth > MAX_DEPTH:
            raise TooLarge(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, (dict, list)):
            again = repeated or id(node) in seen
            seen.add(id(node))
            values = node.values() if isinstance(node, dict) else node
            stack.extend((v, depth + 1, again) for v in values)


def read_yaml(path: Path, origins: dict | None = None) -> dict:
    """A scenario file as plain data, with ``extends`` resolved (see :func:`extend`).

    ``origins``, if given, is filled with where each part of the merged data was
    written (see :func:`_origin`), for messages that name the right file."""
    path = Path(path)
    found: dict = {}
    data = _read_extended(path, [], found)
    if origins is not None:
        origins.update(found)
    return data


# ---------------------------------------------------------------------------------------
# extends: a scenario file as changes to another
# ---------------------------------------------------------------------------------------
#: Places where a mapping is a set of fields and merges key by key ("*" = any key);
#: "missions" lists merge by mission id.  Every other value, including a mapping that
#: is a value (a distribution, ``partners``) and every other list, is replaced whole.
_MERGED_MAPPINGS = {
    (),
    ("record",),
    ("milestones",),
    ("milestones", "*"),
    ("agencies",),
    ("agencies", "*"),
    ("agencies", "*", "budget"),
    ("agencies", "*", "missions", "*"),
    ("agencies", "*", "missions", "*", "refly"),
}


MAX_CHAIN = 20  # files in one chain of extends


def _read_extended(path: Path, chain: list[Path], origins: dict) -> dict:
    """Read ``path``; if it ``extends`` another file, merge it over that (recursively).

    ``chain`` holds the files that extend this one (to reject cycles); ``origins``
    receives, for merged paths, (file, path in that file) (see :func:`_origin`)."""
    data = _read_file(path)
    src = str(path)
    if "extends" not in data:
        origins[()] = (src, ())
        return data
    if len(chain) >= MAX_CHAIN:
        raise ScenarioError(
            [("extends", f"a chain of more than {MAX_CHAIN} files extending one another")], src
        )
    ref = data.pop("extends")
    if not isinstance(ref, str) or not ref.strip():
        raise ScenarioError(
            [
                (
                    "extends",
                    "expected the path of the scenario file this one "
                    f"extends, relative to this file, got {_q(ref)}",
                )
            ],
            src,
        )
    parent_path = path.parent / ref.strip()
    here = [*chain, path]
    try:
        parent_path.stat()
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long, ...
        why = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioError(
            [("extends", f"the parent scenario {_q(ref)} is not a usable path ({why})")], src
        ) from None
    if any(_same_file(parent_path, p) for p in here):
        loop = here[next(i for i, p in enumerate(here) if _same_file(parent_path, p)) :]
        raise ScenarioError(
            [
                (
                    "extends",
                    "extends cycle: "
                    + " -> ".join(str(p) for p in [*loop, parent_path])
                    + "; a scenario cannot extend itself, "
                    "directly or through others",
                )
            ],
            src,
        )
    if not parent_path.is_file():
        what = "is a folder" if parent_path.is_dir() else "does not exist"
        raise ScenarioError(
            [
                (
                    "extends",
                    f"the parent scenario {_q(ref)} {what} (looked for {_q(str(parent_path))})",
                )
            ],
            src,
        )
    parent_origins: dict = {}
    parent = _read_extended(parent_path, here, parent_origins)
    parent = _rebase(parent, parent_path.parent, path.parent)
    own_record = data.get("record") if isinstance(data.get("record"), dict) else {}
    if "start" in data and "until" not in own_record:
        # the record cut-off follows the start of the file that sets it
        rec = parent.get("record")
        if isinstance(rec, dict) and "until" in rec:
            parent["record"] = {k: v for k, v in rec.items() if k != "until"}
    issues: list[tuple[str, str]] = []
    merged = _merge(parent, data, (), issues)
    if issues:
        raise ScenarioError(issues, src)
    _merge_origins(parent, data, (), (), (), parent_origins, src, origins)
    return merged


def _origin(origins: Mapping, path: tuple) -> tuple[str, tuple] | None:
    """(file, path in that file) of the merged data at ``path``: ``origins`` maps a
    path to where the part of the data under it was written, the longest matching
    prefix deciding."""
    for n in range(len(path), -1, -1):
        if path[:n] in origins:
            file, at = origins[path[:n]]
            return file, (*at, *path[n:])
    return None


def _graft(origins: Mapping, src: tuple, dst: tuple, out: dict) -> None:
    """Copy the origins of the part at ``src`` to the part at ``dst``."""
    out[dst] = _origin(origins, src)
    n = len(src)
    for p, v in origins.items():
        if len(p) > n and p[:n] == src:
            out[(*dst, *p[n:])] = v


def _merge_origins(
    parent: Any,
    child: Any,
    loc: tuple,
    ploc: tuple,
    cloc: tuple,
    porigins: Mapping,
    cfile: str,
    out: dict,
) -> None:
    """The origins of ``_merge(parent, child)`` at merged path ``loc`` (``ploc`` in the
    parent's merged data, ``cloc`` in the child's file), following :func:`_merge`."""
    out[loc] = (cfile, cloc)
    if len(loc) == 3 and loc[0] == "agencies" and loc[2] == "missions":
        if not (isinstance(parent, list) and isinstance(child, list)):
            return
        # replay _merge_missions: where each mission of the result came from
        src: list[tuple] = [("p", i) for i in range(len(parent))]
        ids = [str(x.get("id")) if isinstance(x, dict) else None for x in parent]
        for j, m in enumerate(child):
            if not isinstance(m, dict) or "id" not in m:
                continue
            mid = str(m["id"])
            idx = next((k for k, x in enumerate(ids) if x == mid), None)
            if "remove" in m:
                if idx is not None:
                    del src[idx], ids[idx]
            elif idx is None:
                src.append(("c", j))
                ids.append(mid)
            else:
                src[idx] = ("m", src[idx], j)
        for n, how in enumerate(src):
            _mission_origin(how, (*loc, n), ploc, cloc, parent, child, porigins, cfile, out)
        return
    pattern = list(loc)
    if len(loc) > 1 and loc[0] in ("agencies", "milestones"):
        pattern[1] = "*"
    if len(loc) > 3 and loc[0] == "agencies" and loc[2] == "missions":
        pattern[3] = "*"
    if tuple(pattern) in _MERGED_MAPPINGS and isinstance(parent, dict) and isinstance(child, dict):
        for k in parent:
            if k not in child:
                _graft(porigins, (*ploc, k), (*loc, k), out)
        for k, v in child.items():
            if k in parent:
                _merge_origins(
                    parent[k], v, (*loc, k), (*ploc, k), (*cloc, k), porigins, cfile, out
                )
            else:
                out[(*loc, k)] = (cfile, (*cloc, k))


def _mission_origin(how, loc, ploc, cloc, parent, child, porigins, cfile, out) -> None:
    if how[0] == "p":
        _graft(porigins, (*ploc, how[1]), loc, out)
    elif how[0] == "c":
        out[loc] = (cfile, (*cloc, how[1]))
    else:  # a parent's mission changed by the child (possibly more than once)
        inner, j = how[1], how[2]
        if inner[0] == "p":
            pm, pl = parent[inner[1]], (*ploc, inner[1])
            _merge_origins(pm, child[j], loc, pl, (*cloc, j), porigins, cfile, out)
        else:  # changed twice: the child's last word counts, field by field
            out[loc] = (cfile, (*cloc, j))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, ValueError):  # pragma: no cover - unreadable path
        return False


def _rebase(data: dict, parent_dir: Path, child_dir: Path) -> dict:
    """Make the relative paths in a parent's data (``record.file``) relative to the
    child's folder, so they still point where the parent meant."""
    import os

    rec = data.get("record")
    if isinstance(rec, dict) and isinstance(rec.get("file"), str):
        file = Path(rec["file"])
        if not file.is_absolute():
            target = os.path.abspath(parent_dir / file)
            try:
                new = os.path.relpath(target, os.path.abspath(child_dir))
            except ValueError:  # pragma: no cover - another drive (Windows)
                new = target
            data = {**data, "record": {**rec, "file": Path(new).as_posix()}}
    return data


def _merge(parent: Any, child: Any, loc: tuple, issues: list) -> Any:
    """``child`` deep-merged over ``parent`` (see ``_MERGED_MAPPINGS``)."""
    import copy

    pattern = list(loc)
    if len(loc) > 1 and loc[0] in ("agencies", "milestones"):
        pattern[1] = "*"
    if len(loc) > 3 and loc[0] == "agencies" and loc[2] == "missions":
        pattern[3] = "*"
    pattern = tuple(pattern)
    if len(loc) == 3 and loc[0] == "agencies" and loc[2] == "missions":
        if isinstance(parent, list) and isinstance(child, list):
            return _merge_missions(parent, child, loc, issues)
    if pattern in _MERGED_MAPPINGS and isinstance(parent, dict) and isinstance(child, dict):
        out = copy.deepcopy(parent)
        for k, v in child.items():
            out[k] = _merge(parent[k], v, (*loc, k), issues) if k in parent else copy.deepcopy(v)
        return out
    return copy.deepcopy(child)


def _merge_missions(parent: list, child: list, loc: tuple, issues: list) -> list:
    """Missions merge by id: a known id changes the fields it gives, a new id is
    appended, ``{id: x, remove: true}`` deletes mission x."""
    import copy

    out = copy.deepcopy(parent)
    where = _fmt_path(loc)
    for j, m in enumerate(child):
        here = f"{where}[{j}]"
        if not isinstance(m, dict) or "id" not in m:
            issues.append(
                (
                    f"{here}.id" if isinstance(m, dict) else here,
                    "is required: in a file that extends another, missions are "
                    "matched to the parent's by id",
                )
            )
            continue
        mid = str(m["id"])
        idx = next(
            (i for i, x in enumerate(out) if isinstance(x, dict) and str(x.get("id")) == mid), None
        )
        if "remove" in m:
            others = sorted(set(m) - {"id", "remove"})
            if m["remove"] is not True:
                issues.append(
                    (
                        f"{here}.remove",
                        f"must be true (to delete mission {mid}), got {_q(m['remove'])}",
                    )
                )
            elif others:
                issues.append(
                    (
                        f"{here}.remove",
                        f"deletes mission {mid}; give no other "
                        f"fields with it (found {', '.join(map(str, others))})",
                    )
                )
            elif idx is None:
                ids = [str(x.get("id")) for x in out if isinstance(x, dict)]
                issues.append(
                    (
                        f"{here}.id",
                        f"no mission {mid!r} to remove in the parent"
                        f"{_did_you_mean(mid, ids)}; its ids are {', '.join(ids)}",
                    )
                )
            else:
                del out[idx]
            continue
        if idx is None:
            out.append(copy.deepcopy(m))
        else:
            out[idx] = _merge(out[idx], m, (*loc, mid), issues)
    return out


def read_text_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A text file's content, refusing (``ValueError``, a sentence) a folder, a file
    larger than ``limit`` bytes (reading no more than that: ``/dev/zero`` ends) or one
    that is not UTF-8; ``OSError`` for a file that cannot be read."""
    if path.is_dir():
        raise ValueError("is a folder, not a file")
    with open(path, "rb") as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"is larger than {limit // 1_000_000} MB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("is not a text file (expected UTF-8)") from None


def _read_file(path: Path) -> dict:
    try:
        path.stat()
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long, ...
        why = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioError([("", f"{_q(str(path))} is not a usable path ({why})")], None) from None
    if not path.exists():
        raise ScenarioError([("", f"no such file {_q(str(path))}")], None)
    if path.is_dir():
        raise ScenarioError([("", f"{_q(str(path))} is a folder, not a scenario file")], None)
    try:
        data = yaml_load(read_text_bounded(path))
    except ValueError as exc:
        raise ScenarioError([("", f"the scenario file {exc}")], str(path)) from None
    except OSError as exc:
        raise ScenarioError([("", f"cannot be read ({exc.strerror or exc})")], str(path)) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([_yaml_issue(exc)], str(path)) from None
    if not isinstance(data, dict):
        raise ScenarioError([("", "a scenario file must be a YAML mapping of fields")], str(path))
    return data


def _yaml_issue(exc: yaml.YAMLError) -> tuple[str, str]:
    """(where, what) for a YAML error."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, (AmbiguousValue, TooLarge)):
        return (where, problem)
    return (where, f"not valid YAML ({problem})")


def from_data(
    data: Mapping,
    source: str | None = None,
    base_dir: Path | None = None,
    set_paths: Sequence[str] = (),
    origins: Mapping | None = None,
) -> Scenario:
    """Validate plain data into a :class:`Scenario`, reporting all problems at once.

    ``base_dir`` is where relative paths in the scenario (the landing record) are
    resolved; ``set_paths`` are fields that came from ``--set`` (for the messages);
    ``origins`` (from :func:`read_yaml`) says which file of an ``extends`` chain wrote
    each part, so that a problem is reported in that file, at its place there.
    """
    data, issues = resolve_records(data, base_dir)
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        issues.extend(_pydantic_issues(exc, data))
    issues.extend(_reference_issues(data))
    issues.extend(_cross_check(data))
    if issues:
        issues = _with_hints(_mark_overrides(issues, set_paths), data, origins, source)
        raise ScenarioError(issues, source)
    return scenario


# ---------------------------------------------------------------------------------------
# --set PATH=VALUE
# ---------------------------------------------------------------------------------------
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
    parts: list[str | int] = []
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
    import copy

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
    addressed by id, other lists by index."""
    where = "--set " + ".".join(map(str, parts))
    node: Any = data
    walked: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        here = _fmt_path(walked) or "the scenario"
        if isinstance(node, list):
            idx = _list_index(node, part)
            if idx is None:
                ids = [str(x.get("id")) for x in node if isinstance(x, dict) and "id" in x]
                hint = _did_you_mean(str(part), ids)
                raise ScenarioError(
                    [
                        (
                            where,
                            f"{here} has no item {str(part)!r}{hint}"
                            + (f"; its ids are {', '.join(ids)}" if ids else ""),
                        )
                    ]
                )
            if last:
                node[idx] = value
                return _fmt_path([*walked, idx])
            node = node[idx]
            walked.append(idx)
            continue
        elif isinstance(node, dict):
            if last:
                node[part] = value
                return _fmt_path([*walked, part])
            if part not in node or node[part] is None:
                if isinstance(part, int):
                    raise ScenarioError([(where, f"{here} is a mapping, not a list")])
                if walked and walked[-1] in ("agencies", "milestones") and len(walked) == 1:
                    keys = [str(k) for k in node]
                    raise ScenarioError(
                        [
                            (
                                where,
                                f"no {walked[-1][:-1].replace('ie', 'y')} "
                                f"{part!r} in {here}{_did_you_mean(str(part), keys)}"
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


def _list_index(node: list, part: str | int) -> int | None:
    for j, item in enumerate(node):
        if isinstance(item, dict) and str(item.get("id")) == str(part):
            return j
    if isinstance(part, int) and 0 <= part < len(node):
        return part
    return None


def _mark_overrides(
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


# ---------------------------------------------------------------------------------------
# success chances from the landing record
# ---------------------------------------------------------------------------------------
def resolve_records(data: Mapping, base_dir: Path | None) -> tuple[dict, list[tuple[str, str]]]:
    """Replace every ``success: {record: CLASS}`` with the Beta fitted to the landing
    record (see :mod:`racesim.scenario.record`), using attempts up to ``record.until``
    (default: the scenario's start).

    Returns the new data and the problems found; a reference that cannot be resolved is
    replaced by a neutral placeholder, so that it is reported once, not again as an
    unknown distribution."""
    import copy

    from racesim.scenario import record as calibrate

    data = copy.deepcopy(dict(data))
    refs = [
        (a, j, m)
        for a, j, m in _raw_missions(data)
        if isinstance(m.get("success"), dict) and "record" in m["success"]
    ]
    if not refs:
        return data, []
    placeholder = {"beta": {"a": 1.0, "b": 1.0}}
    for _, _, m in refs:
        spec, m["success"] = m["success"], placeholder
        m["__record__"] = spec
    issues: list[tuple[str, str]] = []
    settings = data.get("record") or {}
    if not isinstance(settings, dict):
        issues.append(("record", "expected a mapping {file: PATH, until: DATE}"))
        settings = {}
    for k in settings:
        if k not in ("file", "until"):
            issues.append(
                (
                    f"record.{k}",
                    f"unknown field"
                    f"{_did_you_mean(str(k), ['file', 'until'])}; valid fields here "
                    "are file, until",
                )
            )
    name = settings.get("file", "../seeds/landings.csv")
    rows = None
    if not isinstance(name, str) or not name.strip():
        issues.append(
            ("record.file", f"expected the path of a landing record CSV file, got {_q(name)}")
        )
    else:
        file = Path(name)
        if not file.is_absolute() and base_dir is not None:
            file = base_dir / file
        try:
            rows = calibrate.read_record(file)
        except calibrate.RecordError as exc:
            issues.append(("record.file", str(exc)))
    try:
        if "until" in settings:
            until = _strict_date(settings["until"])
        else:  # the start (an invalid start is reported on its own)
            until = _strict_date(data.get("start"))
    except ValueError as exc:
        if "until" in settings:
            issues.append(("record.until", str(exc)))
        rows = None
    for a, j, m in refs:
        spec = m.pop("__record__")
        if rows is None:
            continue
        path = _mission_path(a, j, m.get("id")) + ".success"
        if len(spec) != 1:
            issues.append((path, "a record reference has the single key 'record'"))
            continue
        classes = spec["record"]
        classes = [classes] if isinstance(classes, str) else classes
        if not isinstance(classes, list) or not classes:
            issues.append((path, "record: expects a class name or a list of them"))
            continue
        try:
            f = calibrate.fit(rows, [str(c) for c in classes], until)
        except calibrate.RecordError as exc:
            issues.append((path, str(exc)))
            continue
        if f.n == 0:
            issues.append((path, f"no attempts in the record match {classes} up to {until}"))
            continue
        m["success"] = {"beta": {"a": f.a, "b": f.b}}
    return data, issues


# ---------------------------------------------------------------------------------------
# error reporting
# ---------------------------------------------------------------------------------------
def _fmt_path(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model class that holds the field at ``loc`` (its parent)."""
    model: Any = Scenario
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
        elif args:  # Optional[X]
            ann = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), ann)
        model = ann
        i += 1
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


_BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}


def _pydantic_issues(exc: ValidationError, data: Mapping) -> list[tuple[str, str]]:
    issues = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _model_at(loc[:-1]) if len(loc) > 1 else Scenario
            names = _field_names(parent) if parent else []
            msg = f"unknown field{_did_you_mean(str(loc[-1]), names)}"
            if names and "did you mean" not in msg:
                msg += f"; valid fields here are {', '.join(names)}"
        elif kind == "missing":
            msg = "is required"
        elif kind == "value_error":
            msg = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
        elif kind == "string_pattern_mismatch":
            msg = (
                f"{_q(err['input'])} is not a valid identifier (start with a letter; "
                "letters, digits, _ and - only)"
            )
            if "[key]" in loc:
                loc = loc[: loc.index("[key]")]
        elif kind in _BOUNDS:
            msg = f"must be {_BOUNDS[kind]} {list(err['ctx'].values())[0]}, got {_q(err['input'])}"
        elif kind in ("int_type", "int_from_float", "int_parsing"):
            msg = f"must be a whole number, got {_q(err['input'])}"
        elif kind == "finite_number":
            msg = f"must be a finite number, got {_q(err['input'])}"
        elif kind in ("float_type", "float_parsing"):
            msg = f"must be a number, got {_q(err['input'])}"
        elif kind in ("string_type",):
            msg = f"must be text, got {_q(err['input'])}"
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            msg = f"must be a mapping of fields, got {_q(err['input'])}"
        elif kind in ("tuple_type", "list_type"):
            msg = f"must be a list, got {_q(err['input'])}"
        else:
            msg = f"{err['msg'][0].lower()}{err['msg'][1:]} (got {_q(err['input'])})"
        issues.append((_fmt_path(loc), msg))
    return issues


def _mission_path(a: str, j: int, mid: object = None) -> str:
    return f"agencies.{a}.missions[{j}]"


_IN_MISSION = re.compile(r"^agencies\.([^.\[]+)\.missions\[([0-9]+)\]")


def _with_hints(
    issues: list[tuple[str, str]],
    data: Mapping,
    origins: Mapping | None = None,
    source: str | None = None,
) -> list[tuple[str, str]]:
    """Append ' (mission ID)' to paths inside a mission, to help find it in the file;
    a path written in another file of the ``extends`` chain (see ``origins``) becomes
    'in FILE: PATH', with PATH as in that file."""
    out = []
    for path, msg in issues:
        hint = ""
        m = _IN_MISSION.match(path)
        if m:
            try:
                mid = data["agencies"][m.group(1)]["missions"][int(m.group(2))]["id"]
                if isinstance(mid, str):
                    hint = f" (mission {mid})"
            except (KeyError, IndexError, TypeError):
                pass
        loc = _parse_path(path)
        if origins and loc is not None and "(value given with --set)" not in msg:
            found = _origin(origins, loc)
            if found is not None:
                file, at = found
                if file == source:
                    path = _fmt_path(at)
                else:
                    path = f"in {file}: {_fmt_path(at)}"
        out.append((path + hint, msg))
    return out


_PATH_PART = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)((?:\[[0-9]+\])*)$")


def _parse_path(path: str) -> tuple | None:
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


def _raw_missions(data: Mapping):
    """(agency key, index, mission mapping) for every well-formed mission in raw data."""
    agencies = data.get("agencies")
    if not isinstance(agencies, dict):
        return
    for a, ag in agencies.items():
        missions = ag.get("missions") if isinstance(ag, dict) else None
        if not isinstance(missions, (list, tuple)):
            continue
        for j, m in enumerate(missions):
            if isinstance(m, dict):
                yield str(a), j, m


def _reference_issues(data: Mapping) -> list[tuple[str, str]]:
    """References between parts of the scenario, checked on the raw data so that they
    are reported together with any field errors."""
    issues: list[tuple[str, str]] = []
    add = issues.append
    agencies = data.get("agencies") if isinstance(data.get("agencies"), dict) else {}
    milestones = data.get("milestones") if isinstance(data.get("milestones"), dict) else {}
    agency_keys = [str(k) for k in agencies]
    all_refs = {f"{a}.{m.get('id')}" for a, _, m in _raw_missions(data)}
    graph: dict[str, list[str]] = {}
    where: dict[str, str] = {}
    seen: dict[str, set] = {}
    for a, j, m in _raw_missions(data):
        mid = m.get("id")
        if not isinstance(mid, str):  # a missing or malformed id is a field error
            continue
        p = _mission_path(a, j, mid)
        me = f"{a}.{mid}"
        if mid in seen.setdefault(a, set()):
            add((f"agencies.{a}.missions[{j}].id", f"duplicate mission id {mid!r} in agency {a}"))
        seen[a].add(mid)
        graph[me] = []
        where[me] = f"{p}.requires"
        requires = m.get("requires") or []
        for k, r in enumerate(requires if isinstance(requires, (list, tuple)) else []):
            if not isinstance(r, str):  # a field error
                continue
            full = r if "." in r else f"{a}.{r}"
            if full == me:
                add((f"{p}.requires[{k}]", f"mission {mid} cannot require itself"))
            elif full not in all_refs:
                add(
                    (
                        f"{p}.requires[{k}]",
                        f"no mission {r!r}"
                        f"{_did_you_mean(full, all_refs)}; use 'id' within {a} or "
                        "'agency.id' for another agency",
                    )
                )
            else:
                graph[me].append(full)
        achieves = m.get("achieves") or []
        for k, ms in enumerate(achieves if isinstance(achieves, (list, tuple)) else []):
            if isinstance(ms, str) and ms not in milestones:
                valid = (
                    f"; milestones are {', '.join(map(str, milestones))}"
                    if milestones
                    else "; the scenario defines no milestones"
                )
                add(
                    (
                        f"{p}.achieves[{k}]",
                        f"no milestone {ms!r}{_did_you_mean(str(ms), map(str, milestones))}{valid}",
                    )
                )
        partners = m.get("partners") or {}
        for partner in partners if isinstance(partners, dict) else {}:
            if not isinstance(partner, str):  # a field error
                continue
            if partner not in agencies:
                add(
                    (
                        f"{p}.partners.{partner}",
                        f"no agency {partner!r}{_did_you_mean(str(partner), agency_keys)}",
                    )
                )
            elif partner == a:
                add((f"{p}.partners.{partner}", "an agency cannot be its own partner"))
    cycle = _find_cycle(graph)
    if cycle:
        add(
            (
                where[cycle[0]],
                "dependency cycle: " + " -> ".join(cycle) + "; no mission in it could ever start",
            )
        )
    return issues


def _date_or_none(v: Any) -> dt.date | None:
    try:
        return None if v is None else _strict_date(v)
    except ValueError:
        return None


def _cross_check(data: Mapping) -> list[tuple[str, str]]:
    """Checks across fields, on the raw data so that they are reported together with
    the field errors; a field that is itself invalid (reported on its own) is skipped."""
    issues: list[tuple[str, str]] = []
    add = issues.append
    start = _date_or_none(data.get("start"))
    horizon = _date_or_none(data.get("horizon"))
    for name, d in (("start", start), ("horizon", horizon)):
        if d is not None and not FIRST_YEAR <= d.year <= LAST_YEAR:
            add((name, f"must be in the years {FIRST_YEAR} to {LAST_YEAR}, got {d.isoformat()}"))
    if start and horizon:
        if horizon <= start:
            add(
                ("horizon", f"must be after start ({start.isoformat()}), got {horizon.isoformat()}")
            )
        elif (horizon - start).days > MAX_YEARS * 365.25:
            add(
                (
                    "horizon",
                    f"must be at most {MAX_YEARS} years after start ({start.isoformat()}), "
                    f"got {horizon.isoformat()}",
                )
            )
    milestones = data.get("milestones")
    agencies = data.get("agencies")
    if isinstance(milestones, dict) and not milestones:
        add(("milestones", "at least one milestone is needed"))
    if isinstance(agencies, dict) and not agencies:
        add(("agencies", "at least one agency is needed"))
    agencies = agencies if isinstance(agencies, dict) else {}
    for a in agencies:
        if isinstance(a, str) and a.lower() in RESERVED_AGENCY_KEYS:
            add(
                (
                    f"agencies.{a}",
                    f"{a!r} is reserved: the results use it for something else (none: "
                    "nobody, first: anybody; na, nan, null read back as missing); "
                    "give this agency another key",
                )
            )
    earliest = start
    for a, j, m in _raw_missions(data):
        p = _mission_path(a, j, m.get("id"))
        mid = m.get("id")
        succeeded = _date_or_none(m.get("succeeded"))
        if m.get("succeeded") is None:
            for name in ("success", "duration"):
                if m.get(name) is None:
                    add(
                        (
                            f"{p}.{name}",
                            f"is required: mission {mid} has not succeeded before start",
                        )
                    )
        elif succeeded and start:
            if succeeded > start:
                add(
                    (
                        f"{p}.succeeded",
                        f"must be on or before start ({start.isoformat()}); "
                        "a later success is something the model decides",
                    )
                )
            elif (start - succeeded).days > MAX_YEARS * 365.25:
                add(
                    (
                        f"{p}.succeeded",
                        f"must be at most {MAX_YEARS} years before start "
                        f"({start.isoformat()}), got {succeeded.isoformat()}",
                    )
                )
            else:
                earliest = min(earliest, succeeded)
        partners = m.get("partners") or {}
        shares = list(partners.values()) if isinstance(partners, dict) else []
        if shares and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and 0 < x <= 1 for x in shares
        ):
            total = float(sum(shares))
            if total > 1 + 1e-12:
                add((f"{p}.partners", f"shares add up to {total:g}; they must not exceed 1"))
            payers = {a: 1 - total, **{str(k): v for k, v in partners.items()}}
        else:
            payers = {a: 1.0}
        try:
            costly = (
                m.get("succeeded") is None
                and distributions.parse(m.get("cost", 0.0), 0.0).support()[1] > 0
            )
        except ValueError:  # reported as a field error
            costly = False
        if costly:
            for payer, share in payers.items():
                ag = agencies.get(payer)
                if share > 0 and isinstance(ag, dict) and ag.get("budget") is None:
                    who = "its agency" if payer == a else f"partner {payer}"
                    add(
                        (
                            f"{p}.cost",
                            f"the mission costs money but {who} has no "
                            f"budget; add agencies.{payer}.budget or set cost: 0",
                        )
                    )
    for a, ag in agencies.items():
        budget = ag.get("budget") if isinstance(ag, dict) else None
        shocks = budget.get("shocks") if isinstance(budget, dict) else None
        for k, sh in enumerate(shocks if isinstance(shocks, list) else []):
            if not isinstance(sh, dict):
                continue
            lo, hi = _date_or_none(sh.get("from")), _date_or_none(sh.get("until"))
            if lo and hi and hi < lo:
                add(
                    (
                        f"agencies.{a}.budget.shocks[{k}].until",
                        f"must not be before from ({lo.isoformat()})",
                    )
                )
    if start and horizon and horizon > start and isinstance(milestones, dict):
        # the per-day tallies of reach dates (see racesim.run.stats.Tally)
        n_days = (horizon - min(earliest, start)).days + 3
        need = 8 * len(milestones) * (len(agencies) + 2) * n_days
        if need > MAX_TALLY_BYTES:
            add(
                (
                    "",
                    f"a run would need {need / (1 << 30):.1f} GiB to tally its dates "
                    f"({len(milestones)} milestones x {len(agencies)} agencies x {n_days:,} "
                    f"days); at most {MAX_TALLY_BYTES / (1 << 30):.0f} GiB: shorten the "
                    "horizon or use fewer milestones or agencies",
                )
            )
    return issues


def _find_cycle(graph: Mapping[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in graph.get(n, ()):
            if state.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None
