"""Writing a results folder safely: staging, the racesim marker, replacing, recovering.

A results folder is written into a hidden staged folder beside it
(``.NAME.partial-PID-XXXX``) and moved into place in one rename, so an error, Ctrl-C
or a crash part-way never leaves a half-written results folder.

What ``force`` may replace: only a folder racesim wrote and that holds nothing else.
Every folder racesim writes carries :data:`MARKER`, a file listing every file racesim
put there; a folder whose marker is missing, foreign, or does not list everything in
it is never replaced.  A folder written before the marker listed its files is replaced
only if it carries that version's marker and holds exactly racesim's file set
(:func:`_legacy_foreign`).

Replacing is one atomic exchange of the staged and the old folder where the system
offers it (Linux ``renameat2``); elsewhere the old folder is first moved aside
(``.NAME.old-PID-XXXX``) and, if the process dies before the new one is in place, the
next racesim run into (or read of) that folder moves it back.  Staged and moved-aside
folders of processes that are gone are removed by the next run into the same parent.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: every results folder racesim writes carries this file; it lists the files racesim
#: wrote there, and only such folders (or empty ones) may be replaced with force
MARKER = ".racesim-results"
MARKER_HEAD = "racesim results folder"
#: the marker written before the marker listed its files
LEGACY_MARKER_HEAD = "written by racesim;"

_LEGACY_FILES = frozenset(
    {
        MARKER,
        "summary.json",
        "scenario.yaml",
        "manifest.json",
        "dates.csv",
        "replications.csv",
        "replications.csv.gz",
        "report.html",
        "compare.json",
        "compare.csv",
        "scenario_a.yaml",
        "scenario_b.yaml",
        "sweep.csv",
        "sweep.png",
        "sweep.svg",
        "sensitivity.json",
        "sensitivity.csv",
        "sobol_points.csv",
        "tornado.png",
        "tornado.svg",
        "sobol.png",
        "sobol.svg",
    }
)
_LEGACY_PLOT = re.compile(r"^(?:[^/]+_(?:first|reached|dates)|versus_[^/]+)\.(?:png|svg)$")
_ASIDE = re.compile(r"^\.(?P<key>.+)\.(?P<kind>partial|old)-(?P<pid>\d+)-[0-9a-f]+$")
#: write errors that carry no file name (a full disk shows up on a write, not an open)
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


class ResultsExistError(Exception):
    """``out`` cannot be written: it holds results (``ours``) or something else."""

    def __init__(self, path: Path, ours: bool = True, detail: str | None = None):
        self.path = path
        self.ours = ours
        if detail is not None:
            msg = detail
        elif ours:
            msg = (
                f"{path} already holds results from an earlier run; racesim never "
                "replaces results silently. Choose another folder with --out, or pass "
                "--force to replace them."
            )
        else:
            msg = (
                f"{path} exists and is not a racesim results folder (it holds other "
                "files); racesim will not write into it or replace it. Choose another "
                "folder with --out."
            )
        super().__init__(msg)


class WriteError(OSError):
    """The results folder could not be written (the file system said no)."""

    def __init__(self, path: Path, cause: str):
        self.path = path
        self.cause = cause
        super().__init__(f"cannot write the results folder {path}: {cause}")

    def __str__(self) -> str:
        return self.args[0]


# -- what a folder is ---------------------------------------------------------------------
def _marker_lines(folder: Path) -> list[str] | None:
    try:
        with open(folder / MARKER, encoding="utf-8") as fh:
            text = fh.read(1_000_000)
    except (OSError, UnicodeDecodeError):
        return None
    return text.splitlines()


def _listed(lines: list[str]) -> set[str] | None:
    """The files a (new-style) marker lists, or None if it is not racesim's."""
    if not lines or lines[0] != MARKER_HEAD or "files:" not in lines:
        return None
    return {ln for ln in lines[lines.index("files:") + 1 :] if ln}


def _walk(folder: Path) -> Iterator[tuple[str, Path]]:
    """Every entry under ``folder`` (relative posix path, path), not following links."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in [*dirs, *files]:
            p = Path(root) / name
            yield p.relative_to(folder).as_posix(), p


def foreign_entries(folder: Path) -> list[str] | None:
    """Entries of ``folder`` racesim did not write (empty: all racesim's), or None if
    nothing marks it as racesim's at all."""
    lines = _marker_lines(folder)
    listed = _listed(lines) if lines else None
    if listed is not None:
        dirs = {str(Path(f).parent.as_posix()) for f in listed} - {"."}
        dirs |= {p.as_posix() for d in list(dirs) for p in Path(d).parents} - {"."}
        out = []
        for rel, p in _walk(folder):
            if rel == MARKER or rel.startswith(MARKER + ".tmp-"):
                continue
            if p.is_symlink() or not (
                (rel in listed and p.is_file()) or (rel in dirs and p.is_dir())
            ):
                out.append(rel)
        return sorted(out)
    return _legacy_foreign(folder, lines)


def _legacy_foreign(folder: Path, lines: list[str] | None) -> list[str] | None:
    """A folder of the version before the marker listed files: racesim's only if it
    carries that version's marker (never on a manifest's content alone), a racesim
    manifest, and nothing but racesim's file names."""
    if not (lines and lines[0].startswith(LEGACY_MARKER_HEAD)):
        return None
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "racesim" not in data or "seed" not in data:
        return None
    out = []
    for rel, p in _walk(folder):
        top = rel.split("/")[0]
        if p.is_symlink():
            out.append(rel)
        elif rel == "plots":
            if not p.is_dir():
                out.append(rel)
        elif top == "plots":
            if not (p.is_file() and _LEGACY_PLOT.match(rel[len("plots/") :])):
                out.append(rel)
        elif not (rel in _LEGACY_FILES and p.is_file()):
            out.append(rel)
    return sorted(out)


def is_results_folder(path: Path) -> bool:
    """``path`` is a folder racesim wrote that holds nothing racesim did not write."""
    path = Path(path)
    if not path.is_dir() or path.is_symlink():
        return False
    return foreign_entries(path) == []


def looks_like_results(path: Path) -> bool:
    """``path`` carries racesim's marker, or is a complete legacy results folder."""
    lines = _marker_lines(Path(path))
    if lines is not None and _listed(lines) is not None:
        return True
    return _legacy_foreign(Path(path), lines) == []


# -- checks before a run -------------------------------------------------------------------
def _exists(p: Path) -> bool:
    try:
        os.lstat(p)
    except (OSError, ValueError):  # missing, or a name the system cannot even look up
        return False
    return True


def _name_max(path: Path) -> int:
    p = path
    while not _exists(p) and p != p.parent:
        p = p.parent
    try:
        return os.pathconf(p, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def name_too_long(path: Path) -> str | None:
    """Why ``path`` cannot be used because one of its names is longer than the file
    system allows (one sentence), or None."""
    path = Path(path).absolute()
    limit = _name_max(path)
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > limit:
            short = part if len(part) <= 40 else part[:40] + "..."
            return (
                f"the name {short!r} is {size} bytes long, more than the {limit} the "
                "file system allows; choose a shorter name"
            )
    return None


def _file_ancestor(path: Path) -> Path | None:
    for p in [path, *path.parents]:
        if p.exists() or p.is_symlink():
            return p if not p.is_dir() else None
    return None


def check_writable(out: Path, force: bool) -> None:
    """Refuse early (before any work) to write ``out`` unless it is new or empty, or
    (with ``force``) a racesim results folder holding only what racesim wrote.  Never
    anything else: not a file, not a folder holding other files, not a mount point,
    not the current folder or one above it."""
    out = Path(out).absolute()
    too_long = name_too_long(out)
    if too_long is not None:
        raise WriteError(out, too_long)
    blocker = _file_ancestor(out.parent)
    if blocker is not None:
        raise WriteError(out, f"{blocker} is a file, not a folder")
    if not (out.exists() or out.is_symlink()):
        return
    cwd = Path.cwd().resolve()
    real = out.resolve()
    if out.is_symlink() or not out.is_dir() or real == cwd or real in cwd.parents:
        raise ResultsExistError(out, ours=False)
    if os.path.ismount(out):
        raise WriteError(
            out,
            "it is a mount point, and racesim moves a finished results folder into "
            f"place in one rename, which cannot replace a mount point; give a folder "
            f"inside it, such as {out / 'results'}",
        )
    if not any(out.iterdir()):
        return
    foreign = foreign_entries(out)
    if foreign is None:
        raise ResultsExistError(out, ours=False)
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise ResultsExistError(
            out,
            ours=False,
            detail=(
                f"{out} holds results of an earlier racesim run, but also files racesim "
                f"did not write ({shown}); racesim will not write into it or replace it. "
                "Move those files elsewhere, or choose another folder with --out."
            ),
        )
    if not force:
        raise ResultsExistError(out)


# -- processes and names ------------------------------------------------------------------
def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return True


def _key(name: str) -> str:
    """The part of a hidden sibling's name that says whose it is (short enough that
    the sibling's name fits the file system's limit)."""
    if len(os.fsencode(name)) <= 160:
        return name
    return "h" + hashlib.sha256(os.fsencode(name)).hexdigest()[:24]


def _aside(out: Path, kind: str) -> Path:
    return out.parent / f".{_key(out.name)}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _host() -> str:
    return socket.gethostname()


def _stale(entry: Path) -> bool:
    """``entry`` is a staged or moved-aside racesim folder whose process is gone."""
    m = _ASIDE.match(entry.name)
    if not m or entry.is_symlink() or not entry.is_dir() or _alive(int(m["pid"])):
        return False
    lines = _marker_lines(entry)
    if lines and lines[0] == MARKER_HEAD:
        host = next((ln[5:] for ln in lines if ln.startswith("host=")), None)
        return host in (None, _host())
    return looks_like_results(entry)


def recover(out: Path) -> None:
    """Undo what a racesim process that died while replacing ``out`` left: put the
    old results back if ``out`` is missing, and remove staged and moved-aside folders
    of dead racesim processes beside it."""
    out = Path(out).absolute()
    parent = out.parent
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    key = _key(out.name)
    for entry in sorted(entries):
        m = _ASIDE.match(entry.name)
        if not m or (m["kind"] == "old" and m["key"] != key) or not _stale(entry):
            continue
        if m["kind"] == "old" and not (out.exists() or out.is_symlink()):
            with contextlib.suppress(OSError):
                os.rename(entry, out)  # the old results, back where they were
                continue
        shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def _locked(folder: Path):
    """Hold an exclusive lock on ``folder`` (the parent of a results folder) so that
    checking and renaming are one step for every racesim process."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


def _empty_dir(path: Path) -> bool:
    try:
        return path.is_dir() and not path.is_symlink() and not any(path.iterdir())
    except OSError:
        return False


def _renameat2():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError, ImportError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


#: set to False to use the two-rename replacement (with recovery) everywhere
USE_EXCHANGE = True


def exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` in one atomic step; False where the system cannot."""
    if not USE_EXCHANGE:
        return False
    fn = _renameat2()
    if fn is None:
        return False
    import ctypes

    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _replace(tmp: Path, out: Path) -> None:
    """Put ``tmp`` in the place of the results folder ``out`` (checked already)."""
    if exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)  # now the old results
        return
    old = _aside(out, "old")
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _cause(exc: OSError, out: Path) -> str:
    cause = exc.strerror or str(exc)
    where = exc.filename
    if where is not None and Path(os.fsdecode(where)) != out:
        cause += f" ({os.fsdecode(where)})"
    return cause


def _write_error(exc: BaseException, tmp: Path | None) -> bool:
    if not isinstance(exc, OSError) or isinstance(exc, WriteError):
        return False
    if exc.filename is None:
        return exc.errno in _WRITE_ERRNOS
    if tmp is None:
        return True
    try:
        return Path(os.fsdecode(exc.filename)).absolute().is_relative_to(tmp)
    except (TypeError, ValueError):
        return False


def _make_parents(parent: Path) -> list[Path]:
    """Create ``parent`` and its missing ancestors; return the ones created."""
    missing = []
    p = parent
    while not (p.exists() or p.is_symlink()) and p != p.parent:
        missing.append(p)
        p = p.parent
    created = []
    try:
        for d in reversed(missing):
            try:
                d.mkdir()
            except FileExistsError:
                if not d.is_dir():
                    raise
                continue
            created.append(d)
    except BaseException:
        _remove_dirs(created)
        raise
    return created


def _remove_dirs(created: list[Path]) -> None:
    for d in reversed(created):
        with contextlib.suppress(OSError):
            d.rmdir()


def _new_staged(out: Path) -> Path:
    """A new hidden folder beside ``out``, created with the umask's permissions."""
    for _ in range(100):
        tmp = _aside(out, "partial")
        try:
            os.mkdir(tmp, 0o777)
        except FileExistsError:
            continue
        try:
            _write_marker(tmp, [f"staging for {out.name}", f"pid={os.getpid()}", f"host={_host()}"])
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return tmp
    raise FileExistsError(errno.EEXIST, "no free name for a staged folder", str(out.parent))


def _write_marker(folder: Path, lines: list[str]) -> None:
    text = "\n".join(
        [
            MARKER_HEAD,
            "This folder was written by racesim. racesim may replace it (with --force)",
            "only while it holds nothing but the files listed below.",
            *lines,
        ]
    )
    (folder / MARKER).write_text(text + "\n", encoding="utf-8")


def _seal(folder: Path) -> None:
    files = sorted(rel for rel, p in _walk(folder) if p.is_file() and rel != MARKER)
    _write_marker(folder, ["files:", *files])


def note_written(folder: Path, paths: list[Path]) -> None:
    """Add ``paths`` (files just written inside the results folder ``folder``) to its
    marker, so that ``force`` may still replace it.  Folders without a new-style
    marker are left as they are."""
    folder = Path(folder).absolute()
    lines = _marker_lines(folder)
    listed = _listed(lines) if lines else None
    if listed is None:
        return
    for p in paths:
        p = Path(p).absolute()
        if p.is_relative_to(folder):
            listed.add(p.relative_to(folder).as_posix())
    tmp = folder / f"{MARKER}.tmp-{os.getpid()}"
    text = "\n".join([*lines[: lines.index("files:") + 1], *sorted(listed)]) + "\n"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / MARKER)


@contextmanager
def staged_folder(out: Path, force: bool):
    """Yield a new hidden folder beside ``out``; when the block ends without error it
    becomes ``out`` in one rename (replacing an earlier results folder only with
    ``force``).  On any error, or an interrupt, the staged folder and any parent
    folders created for it are removed, and ``out`` is as it was.

    Raises :class:`ResultsExistError` if ``out`` may not be written (before the block
    runs, or after it if another run wrote ``out`` meanwhile) and :class:`WriteError`
    when the file system refuses."""
    out = Path(out).absolute()
    recover(out)
    check_writable(out, force)
    seen = _identity(out)
    created: list[Path] = []
    tmp: Path | None = None
    try:
        created = _make_parents(out.parent)
        tmp = _new_staged(out)
    except OSError as exc:
        _remove_dirs(created)
        raise WriteError(out, _cause(exc, out)) from None
    try:
        yield tmp
        _seal(tmp)
        with _locked(out.parent):
            now = _identity(out)
            if now is not None and now != seen and not _empty_dir(out):
                raise ResultsExistError(
                    out,
                    ours=looks_like_results(out),
                    detail=(
                        f"{out} was written by another program or racesim run while this "
                        "one was running; this run's results were not kept, and what is "
                        f"in {out} now is the other's. Run again with another --out."
                    ),
                )
            try:
                if now is not None and not _empty_dir(out):
                    check_writable(out, force)
                    _replace(tmp, out)
                else:
                    os.rename(tmp, out)
            except WriteError:
                raise
            except OSError as exc:
                raise WriteError(out, _cause(exc, out)) from None
    except BaseException as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        _remove_dirs(created)
        if _write_error(exc, tmp):
            raise WriteError(out, _cause(exc, out)) from None
        raise
