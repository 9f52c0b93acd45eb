"""Strict YAML: the reader every scenario file and ``--set`` value goes through (YAML
1.2's rules for plain values, no duplicate keys, bounded size), the matching writer,
and reading one scenario file into plain data.  The README's "The scenario file"
says which values are refused and why."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from racesim.scenario.errors import ScenarioError
from racesim.scenario.errors import brief as _q


class Loader(yaml.SafeLoader):
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

Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class Dumper(yaml.SafeDumper):
    """Safe YAML that quotes text which YAML 1.2 would read as something else (``1e3``,
    ``0o12``), so that what it writes loads back unchanged with :class:`Loader`."""

    def resolve(self, kind, value, implicit):
        tag = super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode and implicit[0] and tag == _TAG + "str":
            return next((t for t, rx in _CORE_12 if rx.match(value)), tag)
        return tag


def _int_12(loader: Loader, node: yaml.ScalarNode) -> int:
    v = loader.construct_scalar(node)
    if v.startswith("0o"):
        return int(v[2:], 8)
    if v.startswith("0x"):
        return int(v[2:], 16)
    return int(v, 10)


def _same(loader: Loader, tag: str, value: str) -> bool:
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


def _max_digits() -> int:
    """The most digits Python turns into an int (0: no limit, before Python 3.11)."""
    import sys

    get = getattr(sys, "get_int_max_str_digits", None)
    return (get() or 10**9) if get is not None else 10**9


def _ambiguous(loader: Loader, node: yaml.ScalarNode):
    v = node.value
    if re.match(r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$", v):
        hint = "write true or false, or quote it if it is text"
    elif re.match(r"^[-+]?[0-9]+$", v) and len(v.lstrip("+-")) > _max_digits():
        raise AmbiguousValue(
            None,
            None,
            f"the number {_q(v)} has {len(v.lstrip('+-')):,} digits, more than racesim "
            "reads; write it with an exponent (e.g. 1e30), or quote it if it is text",
            node.start_mark,
        )
    else:
        hint = (
            "YAML 1.1 reads it as a number (base 60, octal or with '_' separators); "
            "write the number plainly, e.g. 90 or 1000, or quote it if it is text"
        )
    raise AmbiguousValue(None, None, f"the value {_q(v)} is ambiguous: {hint}", node.start_mark)


def _mapping(loader: Loader, node: yaml.MappingNode) -> dict:
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


Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
Loader.add_constructor(_TAG + "int", _int_12)
Loader.add_constructor(_AMBIGUOUS, _ambiguous)

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

    class _FastLoader(yaml.cyaml.CParser, Loader):
        """:class:`Loader`'s rules with libyaml's parser (about 4x faster), for large
        files."""

        def __init__(self, stream):
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = Loader

#: files larger than this are parsed with libyaml (where PyYAML has it); smaller ones,
#: every scenario in practice, with PyYAML's own parser and its messages
FAST_YAML_BYTES = 1_000_000


def yaml_load(text: str):
    loader = _FastLoader if len(text) > FAST_YAML_BYTES else Loader
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


def _read_no_wait(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``path``, never waiting for a writer that is not
    there: a pipe (``<(cat s.yaml)``, ``/dev/stdin`` fed by ``cat``) is read while
    something writes to it, but a named pipe that nothing writes to, one whose writer
    wrote nothing, and a socket are refused (``ValueError``)."""
    import errno
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISSOCK(mode):
            raise ValueError("is a pipe or socket, not a file")
        first: bytes | None = b""
        if stat.S_ISFIFO(mode):
            # opened without waiting: an empty read now means no writer (one that has
            # not come yet would be waited for for ever); EAGAIN means a writer is there
            try:
                first = os.read(fd, limit + 1)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                    raise
                first = None
            if first == b"":
                raise ValueError("is a pipe or socket with nothing writing to it")
            first = first or b""
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as fh:
            fd = -1  # closed with fh
            raw = first if len(first) > limit else first + fh.read(limit + 1 - len(first))
        if not raw and stat.S_ISFIFO(mode):
            raise ValueError("is a pipe or socket whose writer wrote nothing")
        return raw
    finally:
        if fd >= 0:
            os.close(fd)


def read_text_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A text file's content, refusing (``ValueError``, a sentence) a folder, a socket,
    a pipe that nothing writes to, a file larger than ``limit`` bytes (reading no more
    than that: ``/dev/zero`` ends) or one that is not UTF-8; ``OSError`` for a file that
    cannot be read.  A pipe with a writer is read (``racesim validate <(cat s.yaml)``)."""
    if path.is_dir():
        raise ValueError("is a folder, not a file")
    raw = _read_no_wait(path, limit)
    if len(raw) > limit:
        raise ValueError(f"is larger than {limit // 1_000_000} MB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("is not a text file (expected UTF-8)") from None


def read_file(path: Path) -> dict:
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
        raise ScenarioError([yaml_issue(exc)], str(path)) from None
    if not isinstance(data, dict):
        raise ScenarioError([("", "a scenario file must be a YAML mapping of fields")], str(path))
    return data


def yaml_issue(exc: yaml.YAMLError) -> tuple[str, str]:
    """(where, what) for a YAML error."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, (AmbiguousValue, TooLarge)):
        return (where, problem)
    return (where, f"not valid YAML ({problem})")
