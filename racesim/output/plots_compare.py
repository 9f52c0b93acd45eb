"""Plots of ``racesim compare``: scenario B against scenario A, milestone by milestone.

:func:`plot_compare_first` draws A's and B's chance of being first side by side, with
the paired difference B - A; :func:`plot_compare_reached` the chance of having got
there by each date in A (dashed) and in B (solid).  :func:`compare_figure` puts both
side by side, one row per milestone.  Like every racesim plot, the ``plot_*`` functions
draw on the Axes given and return it; agencies keep their colours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from racesim.output.plots import NOBODY_COLOR, _new_axes, _year, _year_axis, agency_colors
from racesim.output.text import short_name


def shown_agencies(ms: dict) -> list[str]:
    """The agencies a comparison shows for one milestone: those that can get there in
    A or in B (the others are left out, as in the printed table)."""
    return [
        a
        for a, e in ms["reached"].items()
        if e["a"]["p"] > 0 or e["b"]["p"] > 0 or ms["first"][a]["a"]["p"] > 0
    ]


def _name(agency: str, names: Mapping[str, str] | None) -> str:
    return "nobody" if agency == "none" else short_name((names or {}).get(agency) or agency)


def plot_compare_first(
    data: dict,
    milestone: str,
    ax: Axes | None = None,
    *,
    agencies: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
) -> Axes:
    """P(first) at ``milestone`` in A (light bar) and in B (solid bar) for each agency
    that can get there, and nobody, each with its 95% interval; on the right the paired
    difference B - A in percentage points and its interval (* where it excludes 0).
    ``data`` is ``compare.json``."""
    ms = data["milestones"][milestone]
    colors = agency_colors(list(agencies or ms["reached"]))
    who = [*shown_agencies(ms), "none"]
    ax = _new_axes(ax, (6, 1 + 0.55 * len(who)))
    for y, a in enumerate(who):
        e = ms["first"][a]
        color = colors.get(a, NOBODY_COLOR)
        for side, dy, alpha in (("a", -0.19, 0.4), ("b", 0.19, 1.0)):
            p, (lo, hi) = e[side]["p"], e[side]["ci95"]
            ax.barh(y + dy, p, height=0.36, color=color, alpha=alpha)
            ax.errorbar(p, y + dy, xerr=[[p - lo], [hi - p]], fmt="none", ecolor="#333333", lw=1)
        lo, hi = e["ci95"]
        star = " *" if e["clear"] else ""
        ax.annotate(
            f"{100 * e['diff']:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]{star}",
            (1, y),
            xycoords=("axes fraction", "data"),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(range(len(who)), [_name(a, names) for a in who], fontsize=9)
    ax.set_ylim(len(who) - 0.4, -0.6)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("chance of being first (light: A, solid: B)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def _curve(rows: list[dict], start: float, end: float) -> tuple[list[float], list[float]]:
    x = [start, *(r["year"] for r in rows), end]
    y = [0.0, *(r["p_by_date"] for r in rows)]
    return x, [*y, y[-1]]


def plot_compare_reached(
    data: dict,
    dates_a: list[dict],
    dates_b: list[dict],
    milestone: str,
    ax: Axes | None = None,
    *,
    agencies: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
) -> Axes:
    """The chance that each agency (that can get there) has reached ``milestone`` by
    each date: in A dashed and thin, in B solid.  ``dates_a``, ``dates_b`` are the rows
    of the comparison's ``dates_a.csv`` and ``dates_b.csv``."""
    ms = data["milestones"][milestone]
    colors = agency_colors(list(agencies or ms["reached"]))
    ax = _new_axes(ax, (7, 4))
    years = [r["year"] for r in [*dates_a, *dates_b]]
    start = _year(data.get("start")) or min(years, default=0.0)
    end = _year(data.get("horizon")) or max(years, default=start + 1)
    start = min([start, *years])
    for a in shown_agencies(ms):
        for rows, ls, lw in ((dates_a, "--", 1.2), (dates_b, "-", 1.9)):
            mine = sorted(
                (r for r in rows if r["milestone"] == milestone and r["agency"] == a),
                key=lambda r: r["date"],
            )
            x, y = _curve(mine, start, end)
            ax.step(x, y, where="post", color=colors[a], ls=ls, lw=lw)
    _year_axis(ax, start, end)
    ax.set_ylim(0, 1.1)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("chance of having got there")
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def compare_figure(
    data: dict,
    dates_a: list[dict],
    dates_b: list[dict],
    *,
    agencies: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
) -> Figure:
    """One row per milestone of the comparison: A-against-B bars of P(first) with the
    paired difference on the left, the curves of having got there by each date on the
    right; one legend at the bottom (the agencies by colour, A and B by style)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    keys = list(data["milestones"])
    heights = [1 + 0.5 * (len(shown_agencies(data["milestones"][k])) + 1) for k in keys]
    heights = [max(h, 2.6) for h in heights]
    fig = Figure(figsize=(13, 0.9 + sum(heights)), layout="constrained")
    axes = fig.subplots(len(keys), 2, squeeze=False, height_ratios=heights, width_ratios=(1, 1.1))
    for key, (left, right) in zip(keys, axes):
        plot_compare_first(data, key, left, agencies=agencies, names=names)
        plot_compare_reached(data, dates_a, dates_b, key, right, agencies=agencies, names=names)
        title = data["milestones"][key]["title"]
        left.set_title(f"{title}\nwho gets there first: A and B, and B - A", fontsize=10)
        right.set_title(f"{title}\nchance of having got there (A dashed, B solid)", fontsize=10)
    everyone = list(dict.fromkeys(a for k in keys for a in shown_agencies(data["milestones"][k])))
    colors = agency_colors(list(agencies or everyone))
    handles = [Patch(color=colors[a], label=_name(a, names)) for a in everyone]
    handles += [
        Line2D(
            [],
            [],
            color="#555555",
            ls="--",
            lw=1.2,
            label=f"A: {data['a'].get('label', data['a']['scenario'])}",
        ),
        Line2D(
            [],
            [],
            color="#555555",
            ls="-",
            lw=1.9,
            label=f"B: {data['b'].get('label', data['b']['scenario'])}",
        ),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(8, len(handles)), fontsize=8)
    FigureCanvasAgg(fig)
    return fig
