"""``extends``: a scenario file written as changes to another (the README's "Building
on a scenario: extends"): reading a chain of files, merging a child over its parent
(fields key by key, missions by id, hazards by name), and remembering which file wrote each part so
that a message names the right file."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from racesim.scenario.errors import ScenarioError, did_you_mean, fmt_path
from racesim.scenario.errors import brief as _q
from racesim.scenario.yamlio import read_file


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


#: Places where a mapping is a set of fields and merges key by key ("*" = any key);
#: the lists of ``_KEYED_LISTS`` merge item by item, matched by a key (missions by id,
#: hazards by name).  Every other value, including a mapping that is a value (a
#: distribution, ``partners``) and every other list, is replaced whole.
_MERGED_MAPPINGS = {
    (),
    ("record",),
    ("factors",),
    ("milestones",),
    ("milestones", "*"),
    ("agencies",),
    ("agencies", "*"),
    ("agencies", "*", "budget"),
    ("agencies", "*", "missions", "*"),
    ("agencies", "*", "missions", "*", "refly"),
    ("agencies", "*", "hazards", "*"),
}

#: agencies.X.<list>: lists whose items merge by this key
_KEYED_LISTS = {"missions": ("id", "mission"), "hazards": ("name", "hazard")}


def _keyed_list(loc: tuple) -> tuple[str, str] | None:
    """(key, what an item is) if ``loc`` is a list that merges item by item."""
    if len(loc) == 3 and loc[0] == "agencies":
        return _KEYED_LISTS.get(loc[2])
    return None


def _pattern(loc: tuple) -> tuple:
    """``loc`` with agency and milestone keys, and the items of keyed lists, as "*"."""
    pattern = list(loc)
    if len(loc) > 1 and loc[0] in ("agencies", "milestones"):
        pattern[1] = "*"
    if len(loc) > 3 and loc[0] == "agencies" and loc[2] in _KEYED_LISTS:
        pattern[3] = "*"
    return tuple(pattern)


MAX_CHAIN = 20  # files in one chain of extends


def _read_extended(path: Path, chain: list[Path], origins: dict) -> dict:
    """Read ``path``; if it ``extends`` another file, merge it over that (recursively).

    ``chain`` holds the files that extend this one (to reject cycles); ``origins``
    receives, for merged paths, (file, path in that file) (see :func:`_origin`)."""
    data = read_file(path)
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
        what = (
            "is a folder"
            if parent_path.is_dir()
            else "is not a regular file (a device, pipe or socket)"
            if parent_path.exists()
            else "does not exist"
        )
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


def origin(origins: Mapping, path: tuple) -> tuple[str, tuple] | None:
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
    out[dst] = origin(origins, src)
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
    keyed = _keyed_list(loc)
    if keyed:
        if not (isinstance(parent, list) and isinstance(child, list)):
            return
        key = keyed[0]
        # replay _merge_keyed: where each item of the result came from
        src: list[tuple] = [("p", i) for i in range(len(parent))]
        ids = [str(x.get(key)) if isinstance(x, dict) else None for x in parent]
        for j, m in enumerate(child):
            if not isinstance(m, dict) or key not in m:
                continue
            mid = str(m[key])
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
    if _pattern(loc) in _MERGED_MAPPINGS and isinstance(parent, dict) and isinstance(child, dict):
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
    pattern = _pattern(loc)
    keyed = _keyed_list(loc)
    if keyed and isinstance(parent, list) and isinstance(child, list):
        return _merge_keyed(parent, child, loc, issues, *keyed)
    if pattern in _MERGED_MAPPINGS and isinstance(parent, dict) and isinstance(child, dict):
        out = copy.deepcopy(parent)
        for k, v in child.items():
            out[k] = _merge(parent[k], v, (*loc, k), issues) if k in parent else copy.deepcopy(v)
        return out
    return copy.deepcopy(child)


def _merge_keyed(
    parent: list, child: list, loc: tuple, issues: list, key: str = "id", what: str = "mission"
) -> list:
    """Items merge by ``key`` (missions by id, hazards by name): a known key changes
    the fields it gives, a new one is appended, ``{KEY: x, remove: true}`` deletes x."""
    out = copy.deepcopy(parent)
    where = fmt_path(loc)
    plural = {"mission": "missions", "hazard": "hazards"}.get(what, what + "s")
    for j, m in enumerate(child):
        here = f"{where}[{j}]"
        if not isinstance(m, dict) or key not in m:
            issues.append(
                (
                    f"{here}.{key}" if isinstance(m, dict) else here,
                    f"is required: in a file that extends another, {plural} are "
                    f"matched to the parent's by {key}",
                )
            )
            continue
        mid = str(m[key])
        idx = next(
            (i for i, x in enumerate(out) if isinstance(x, dict) and str(x.get(key)) == mid), None
        )
        if "remove" in m:
            others = sorted(set(m) - {key, "remove"})
            if m["remove"] is not True:
                issues.append(
                    (
                        f"{here}.remove",
                        f"must be true (to delete {what} {mid}), got {_q(m['remove'])}",
                    )
                )
            elif others:
                issues.append(
                    (
                        f"{here}.remove",
                        f"deletes {what} {mid}; give no other "
                        f"fields with it (found {', '.join(map(str, others))})",
                    )
                )
            elif idx is None:
                ids = [str(x.get(key)) for x in out if isinstance(x, dict)]
                listed = f"; its {key}s are {', '.join(ids)}" if ids else f"; it has no {plural}"
                issues.append(
                    (
                        f"{here}.{key}",
                        f"no {what} {mid!r} to remove in the parent"
                        f"{did_you_mean(mid, ids)}{listed}",
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
