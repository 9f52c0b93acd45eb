"""Whether ``racesim report --out`` / ``racesim plot --out`` / ``racesim schema --out``
may write a file: never over a file of a results folder, a device or a file they did
not write, without ``--force``."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from racesim.output.folders import _LEGACY_PLOT, looks_like_results

#: the figure files of the folders compare, sweep and sensitivity write
_ANALYSIS_PLOT = re.compile(r"^(?:compare|sweep|tornado|sobol)\.(?:png|svg)$")


# -- files written from a results folder (plot --out, report --out) ----------------------
def _racesim_report(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return False
            head = fh.read(4096)
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - 4096))
            tail = fh.read(4096)
    except OSError:
        return False
    return b"racesim report</title>" in head and b"Made by racesim" in tail


def _racesim_schema(path: Path) -> bool:
    """Whether ``path`` is a scenario schema that ``racesim schema`` wrote."""
    import json

    try:
        with open(path, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return False
            data = json.loads(fh.read(1 << 22))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("title") == "racesim scenario"


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return False


def overwrite_problem(path: Path, kind: str, source: Path | None = None) -> tuple[str, bool] | None:
    """Why writing the file ``path`` (``kind``: ``report`` or ``plot``) would need
    ``force``: ``(reason, force_allowed)``, or None if it is new or is racesim's own
    earlier output of that kind in its own place (``kind`` may also be ``schema``).

    ``source``: the results folder the file is drawn from.  A report or plot inside
    a results folder is "its own place" only in ``source`` itself: the report or plots
    of another results folder are that folder's, and are replaced only with force."""
    path = Path(path).absolute()
    if not (path.exists() or path.is_symlink()):
        return None
    if path.is_dir() and not path.is_symlink():
        return f"{path} is a folder", False
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        regular = True  # a dangling link: refused below unless --force
    if not regular:
        return f"{path} is not a regular file (a device, pipe or socket)", False
    folder = path.parent
    if kind == "schema":
        own = not looks_like_results(folder) and _racesim_schema(path)
    elif kind == "report":
        own = (path.name == "report.html" and looks_like_results(folder)) or (
            not looks_like_results(folder) and _racesim_report(path)
        )
    else:
        own = (
            folder.name == "plots"
            and looks_like_results(folder.parent)
            and _LEGACY_PLOT.match(path.name) is not None
        ) or (_ANALYSIS_PLOT.match(path.name) is not None and looks_like_results(folder))
    home = folder.parent if kind == "plot" and folder.name == "plots" else folder
    if (
        own
        and source is not None
        and looks_like_results(home)
        and not _same_folder(home, Path(source))
    ):
        return (
            f"{path} is the {kind} of another results folder ({home}), not of {source}",
            True,
        )
    if own and not path.is_symlink():
        return None
    if looks_like_results(folder):
        return f"{path} is a file of the results folder {folder}", True
    return f"{path} exists and racesim did not write it as a {kind}", True
