"""The one deterministic figure renderer: every figure racesim saves or embeds (run's
plots, the report, sweep, tornado and Sobol charts) becomes bytes here, so the same
figure always gives the same bytes (no timestamp in the file, fixed SVG ids)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path

from matplotlib.figure import Figure

PLOT_FORMATS = ("png", "svg")


def render(fig: Figure, fmt: str) -> bytes:
    """``fig`` as PNG or SVG bytes; the same figure always gives the same bytes (no
    timestamp, fixed SVG ids)."""
    import matplotlib as mpl

    if fmt not in PLOT_FORMATS:
        raise ValueError(f"unknown plot format {fmt!r}; use one of {PLOT_FORMATS}")
    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "racesim", "svg.fonttype": "path"}):
        meta = {"Date": None} if fmt == "svg" else {}
        fig.savefig(buf, format=fmt, dpi=150 if fmt == "png" else "figure", metadata=meta)
    return buf.getvalue()


def write_plots(
    figures: Mapping[str, Figure], folder: Path, formats: Iterable[str] = PLOT_FORMATS
) -> list[Path]:
    """Save each figure as ``folder/<key>.<format>``; returns the paths written."""
    folder = Path(folder)
    missing = [p for p in [folder, *folder.parents] if not (p.exists() or p.is_symlink())]
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    partial = None
    try:
        for key, fig in figures.items():
            for fmt in formats:
                path = folder / f"{key}.{fmt}"
                data = render(fig, fmt)
                partial = path
                path.write_bytes(data)
                partial = None
                written.append(path)
    except BaseException:  # a full disk, Ctrl-C: no truncated file, no new empty folder
        if partial is not None:
            partial.unlink(missing_ok=True)
        if missing:
            for p in written:
                p.unlink(missing_ok=True)
            for d in missing:
                try:
                    d.rmdir()
                except OSError:
                    break
        raise
    return written
