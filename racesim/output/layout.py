"""How racesim lays out its standard figures: rows of axes placed in inches from its
own estimates of the text widths (not matplotlib's constrained layout, which measured
every tick label several times and cost more than the drawing itself), and frames
that the next figure of the same kind is drawn on again."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure


def _text_inches(texts, size: float) -> float:
    """About how wide the widest of ``texts`` is, in inches, in ``size``-point DejaVu
    Sans (0.6 em a character, a little over its average), for laying out
    without measuring."""
    longest = max((len(line) for t in texts for line in str(t).split("\n")), default=0)
    return 0.6 * size / 72 * longest


def _axes_at(fig: Figure, left: float, bottom: float, width: float, height: float) -> Axes:
    """An Axes at a place given in inches from the figure's bottom left corner."""
    w, h = fig.get_size_inches()
    return fig.add_axes((left / w, bottom / h, width / w, height / h))


def _row(fig: Figure, margins: tuple[float, float, float, float], gaps, ratios) -> list[Axes]:
    """Axes side by side in one row: ``margins`` (left, right, bottom, top) and the
    ``gaps`` between them in inches, widths in the proportions ``ratios``.

    racesim lays its standard figures out itself, from its own estimates of the text
    widths, rather than with matplotlib's constrained layout: the layout engine measures
    every tick label several times, which cost more than the drawing itself."""
    w, h = fig.get_size_inches()
    left, right, bottom, top = margins
    free = w - left - right - sum(gaps)
    axes, x = [], left
    for k, r in enumerate(ratios):
        width = free * r / sum(ratios)
        axes.append(_axes_at(fig, x, bottom, width, h - bottom - top))
        x += width + (gaps[k] if k < len(gaps) else 0)
    return axes


def _move_legend_to_bottom(ax: Axes, fig: Figure, pad: float = 0.05) -> None:
    leg = ax.get_legend()
    if leg is not None:
        leg.set_bbox_to_anchor((0.5, pad / fig.get_size_inches()[1]), transform=fig.transFigure)
        leg.set_loc("lower center")


def _wipe(fig: Figure) -> None:
    """Take every drawn thing off ``fig``'s axes, keeping the axes and their ticks, so
    that the next figure of the same kind and size can be drawn on them."""
    for ax in fig.axes:
        for art in [*ax.lines, *ax.patches, *ax.collections, *ax.texts, *ax.images]:
            art.remove()
        ax.containers.clear()
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.ignore_existing_data_limits = True
        ax.set_xlabel("")
        ax.set_ylabel("")


def _frame(reuse: dict | None, size, margins, gaps=(), ratios=(1,)) -> tuple[Figure, list[Axes]]:
    """A figure of ``size`` inches with a row of axes (see :func:`_row`), on the Agg
    canvas; with ``reuse`` (a dict kept by the caller), the figure made for the same
    frame before, wiped (:func:`_wipe`): making the axes and their ticks cost as much
    as drawing them, and the figures of one kind all have the same frame."""
    from racesim.output.canvas import Canvas
    from racesim.output.render import PNG_DPI

    key = (tuple(size), tuple(margins), tuple(gaps), tuple(ratios))
    if reuse is not None and key in reuse:
        fig = reuse[key]
        _wipe(fig)
        return fig, list(fig.axes)
    fig = Figure(figsize=size, dpi=PNG_DPI)
    Canvas(fig)  # Agg, keeping the texts it has drawn (racesim.output.canvas)
    axes = _row(fig, margins, gaps, ratios)
    if reuse is not None:
        reuse[key] = fig
    return fig, axes
