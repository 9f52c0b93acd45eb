"""The reliability diagram of a backtest (``calibration.png``/``.svg``).

As in :mod:`racesim.output.plots_analysis`, :func:`plot_reliability` draws on the Axes
it is given (or a new one) and returns it; :func:`calibration_figure` builds a whole
Figure on the Agg canvas for the writer to save through
:mod:`racesim.output.render`.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter


def plot_reliability(bins: Sequence, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Observed frequency against mean predicted p per bin (``bins``: the
    :class:`racesim.analysis.calibration.Bin` list), each point labelled with its count
    of events; the diagonal is perfect calibration, and the bars below show how many
    events each bin holds."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 6), layout="constrained")
    ax.plot([0, 1], [0, 1], color="#999999", lw=1, ls="--", label="perfectly calibrated")
    full = [b for b in bins if b.count]
    xs = [b.mean_p for b in full]
    ys = [b.observed for b in full]
    total = sum(b.count for b in bins) or 1
    ax.bar(
        [(b.low + b.high) / 2 for b in bins],
        [0.25 * b.count / total for b in bins],
        width=[0.9 * (b.high - b.low) for b in bins],
        color="#dddddd",
        zorder=0,
        label="share of events in each bin (scaled)",
    )
    ax.plot(xs, ys, "o-", color="#1f77b4", lw=1.5, ms=6, label="racesim")
    for b in full:
        ax.annotate(
            f"{b.count}",
            (b.mean_p, b.observed),
            textcoords="offset points",
            xytext=(6, -12 if b.observed > 0.9 else 6),
            fontsize=8,
            color="#1f4f7a",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("predicted probability (mean in the bin)")
    ax.set_ylabel("observed frequency (share of the bin's events that happened)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def calibration_figure(bins: Sequence, title: str) -> Figure:
    """The reliability diagram as a whole figure (Agg canvas, outside pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from racesim.output.render import PNG_DPI

    fig = Figure(figsize=(6.4, 6.4), dpi=PNG_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    plot_reliability(bins, fig.add_subplot(), title)
    return fig
