"""What a manifest records about where a result came from: the versions of racesim
and of the packages its numbers and files depend on, and the command line that made
it (the README's "The results folder")."""

from __future__ import annotations

import shlex
import sys
from importlib import metadata
from pathlib import Path

#: always recorded: the packages every run uses
PACKAGES = ("racesim", "simpy", "numpy", "scipy", "pydantic", "matplotlib")
#: recorded when the run used them (``--table parquet``, ``--executor dask``)
OPTIONAL = ("pyarrow", "dask", "distributed")


def versions(extra: tuple[str, ...] = ()) -> dict[str, str | None]:
    """Installed version of each package of :data:`PACKAGES` and of ``extra`` (None
    when one is not installed); read from the package metadata, nothing imported."""
    out: dict[str, str | None] = {}
    for name in (*PACKAGES, *extra):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def command_line(argv: list[str] | None = None) -> str | None:
    """The ``racesim ...`` command that is running, as it could be typed again
    (``racesim run scenarios/base.yaml -n 2000``), or None when racesim is used from
    Python (a script or a notebook: then see the manifest's ``argv``)."""
    argv = sys.argv if argv is None else argv
    if not argv:
        return None
    prog = Path(argv[0])
    ours = prog.name == "racesim" or (
        prog.name == "__main__.py" and prog.parent.name == "cli" and "racesim" in prog.parts
    )
    return shlex.join(["racesim", *argv[1:]]) if ours else None


def note_used(manifest_data: dict) -> dict:
    """``manifest_data`` with the versions of the optional packages it says the run
    used: pyarrow for a Parquet file (``table``, ``inputs``), Dask for the dask
    executor."""
    used: list[str] = []
    files = [manifest_data.get(k) for k in ("table", "inputs", "outcomes")]
    if any(isinstance(f, str) and f.endswith(".parquet") for f in files):
        used.append("pyarrow")
    if manifest_data.get("executor") == "dask":
        used += ["dask", "distributed"]
    if not used or "versions" not in manifest_data:
        return manifest_data
    return {**manifest_data, "versions": {**manifest_data["versions"], **versions(tuple(used))}}
