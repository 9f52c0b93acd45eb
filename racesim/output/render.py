"""The one deterministic figure renderer: every figure racesim saves or embeds (run's
plots, the report, sweep, tornado and Sobol charts) becomes bytes here, so the same
figure always gives the same bytes (no timestamp in the file, fixed SVG ids).

A figure made at :data:`PNG_DPI` (as :func:`racesim.output.plots.figure_set`'s are)
and already drawn on its Agg canvas is not drawn again for its PNG: the pixels the
canvas holds are encoded as they are (a figure changed since its last drawing is
drawn again first, so the bytes always show the figure as it is)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path

from matplotlib.figure import Figure

PLOT_FORMATS = ("png", "svg")
#: what ``racesim run`` saves by default (SVG on request: ``--svg``)
DEFAULT_FORMATS = ("png",)
#: pixels per inch of every PNG
PNG_DPI = 100


def _png_of_canvas(fig: Figure) -> bytes:
    """The PNG of ``fig``'s Agg canvas, drawing it only if it changed since its last
    drawing (or was never drawn)."""
    from PIL import Image

    canvas = fig.canvas
    if fig.stale or getattr(canvas, "renderer", None) is None:
        canvas.draw()
    w, h = canvas.get_width_height(physical=True)
    img = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    # opaque figures: RGB loses nothing; level 3 is half the time of 6, within 4% of its size
    img.convert("RGB").save(buf, format="png", dpi=(PNG_DPI, PNG_DPI), compress_level=3)
    return buf.getvalue()


def render(fig: Figure, fmt: str) -> bytes:
    """``fig`` as PNG or SVG bytes; the same figure always gives the same bytes (no
    timestamp, fixed SVG ids)."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if fmt not in PLOT_FORMATS:
        raise ValueError(f"unknown plot format {fmt!r}; use one of {PLOT_FORMATS}")
    if fmt == "png" and fig.dpi == PNG_DPI and isinstance(fig.canvas, FigureCanvasAgg):
        return _png_of_canvas(fig)
    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "racesim", "svg.fonttype": "path"}):
        meta = {"Date": None} if fmt == "svg" else {}
        fig.savefig(buf, format=fmt, dpi=PNG_DPI if fmt == "png" else "figure", metadata=meta)
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
