"""Plots of the questions people ask of a race: when (a date density beside the
cumulative curve), who leads by each date, and two agencies head to head.

Like :mod:`racesim.output.plots`, every ``plot_*`` function draws on the Axes it is
given (or a new one) and returns it; nothing here shows or saves.  Agencies keep their
colours (:func:`racesim.output.plots.agency_colors`); artists that stand for an agency
carry the gid ``racesim-KIND-MILESTONE-AGENCY``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from racesim.output.plots import (
    NOBODY_COLOR,
    _agencies,
    _milestone,
    _new_axes,
    _pct,
    _series,
    _span,
    _year_axis,
    agency_colors,
    artist_gid,
    first_order,
)
from racesim.output.plots import _label as _long_label
from racesim.output.text import short_name


def _label(agency: str, names: Mapping[str, str] | None) -> str:
    """The short name ("CNSA", not "CNSA (with CMSA's crewed programme)")."""
    return short_name(_long_label(agency, names))


#: bin widths (years) of the date density, and the words for them
BINS = ((1 / 12, "month"), (0.25, "quarter"), (0.5, "half-year"), (1.0, "year"), (2.0, "2 years"))
BINS += ((5.0, "5 years"), (10.0, "10 years"))


def density_bin(span: float, most: int = 100) -> tuple[float, str]:
    """The narrowest bin of :data:`BINS` that cuts ``span`` years into at most ``most``."""
    for width, word in BINS:
        if span / width <= most:
            return width, word
    return max(1.0, math.ceil(span / most)), f"{math.ceil(span / most)} years"


def _binned(rows: list[dict], start: float, width: float, bins: int, n: int) -> list[float]:
    """The share of all ``n`` runs whose date falls in each bin (``count`` per row)."""
    out = [0.0] * bins
    for r in rows:
        k = min(bins - 1, max(0, int((r["year"] - start) / width)))
        out[k] += r["count"] / n
    return out


def _over_time(summary: dict, dates: list[dict], milestone: str, ax: Axes | None):
    """What a panel over the run's dates starts from: the milestone's summary, the
    agencies in order with their colours, the axes (a new one if None) and the span of
    years it covers."""
    ms = _milestone(summary, milestone)
    agencies = _agencies(ms)
    return ms, agencies, agency_colors(agencies), _new_axes(ax, (7, 4)), _span(summary, dates)


def plot_density(
    summary: dict,
    dates: list[dict],
    milestone: str,
    ax: Axes | None = None,
    *,
    names: Mapping[str, str] | None = None,
) -> Axes:
    """When each agency gets to ``milestone``: the chance that it gets there in each
    quarter (or month, half-year, ... as the span needs), as steps; their sum over time
    is its chance of getting there at all (the end of its cumulative curve).  Dashed
    black: when anybody first gets there.  A bin far above the rest (an agency already
    on its way at the start) is cut at the top and labelled with its value."""
    ms, agencies, colors, ax, (start, end) = _over_time(summary, dates, milestone, ax)
    width, word = density_bin(end - start)
    bins = max(1, math.ceil((end - start) / width - 1e-9))
    n = summary["replications"]
    edges = [start + k * width for k in range(bins + 1)]
    series = {}
    for agency in [*agencies, "first"]:
        rows = _series(dates, milestone, agency)
        if rows:
            series[agency] = _binned(rows, start, width, bins, n)
    values = sorted((v for s in series.values() for v in s if v > 0), reverse=True)
    top = values[0] if values else 0.01
    for k in range(min(4, len(values) - 1)):  # a few bins far above the rest: cut them
        if values[k] > 3 * values[k + 1]:
            top = 1.25 * values[k + 1]
            break
    cut = 0
    for agency, ys in series.items():
        first = agency == "first"
        ax.stairs(
            ys,
            edges,
            color=colors[agency],
            lw=2.2 if first else 1.6,
            ls="--" if first else "-",
            zorder=3 if first else 2,
            gid=artist_gid("density", milestone, agency),
        )
        for k, y in enumerate(ys):
            if y > top and not first:
                cut += 1
                ax.annotate(
                    f"{_label(agency, names)} {_pct(y)} ↑",
                    (edges[k], top),
                    xytext=(3, -2 - 10 * (cut - 1)),
                    textcoords="offset points",
                    va="top",
                    fontsize=8,
                    color=colors[agency],
                    bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"},
                    zorder=6,
                )
    _year_axis(ax, start, end, label=False)  # the horizon is labelled beside it
    ax.set_ylim(0, top * 1.12)
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.set_ylabel(f"chance of getting there in each {word}")
    ax.set_title("When: the chance of getting there in each " + word, fontsize=10, y=1.0)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def _grid(start: float, end: float, points: int = 240) -> list[float]:
    step = (end - start) / points
    return [start + k * step for k in range(points + 1)]


def _cumulative_at(rows: list[dict], key: str, xs: list[float], n: int) -> list[float]:
    """The share of the ``n`` runs with ``rows[key]`` counted by each of ``xs``."""
    out, cum, i = [], 0, 0
    for x in xs:
        while i < len(rows) and rows[i]["year"] <= x:
            cum += rows[i][key] or 0
            i += 1
        out.append(cum / n)
    return out


def plot_leader(
    summary: dict,
    dates: list[dict],
    milestone: str,
    ax: Axes | None = None,
    *,
    names: Mapping[str, str] | None = None,
) -> Axes:
    """Who leads by each date: stacked, the chance that each agency is the first to
    have reached ``milestone`` by that date; the grey remainder on top is "nobody yet".
    At the horizon the bands are the chances of being first (the bar chart).  Needs
    ``dates.csv``'s ``first_count`` (folders written before it show a note instead)."""
    ms, agencies, colors, ax, (start, end) = _over_time(summary, dates, milestone, ax)
    n = summary["replications"]
    xs = _grid(start, end)
    rows = [r for a in agencies for r in _series(dates, milestone, a)]
    _year_axis(ax, start, end, label=False)  # the horizon is labelled beside it
    ax.set_ylim(0, 1)
    ax.set_yticks([0, 0.5, 1])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Who leads by each date (grey: nobody yet)", fontsize=10, y=1.0)
    ax.spines[["top", "right"]].set_visible(False)
    if any(r.get("first_count") is None for r in rows):
        ax.text(
            0.5,
            0.5,
            "this results folder has no leaders by date\n"
            "(written by an older racesim: run it again)",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            color="#555555",
        )
        return ax
    below = [0.0] * len(xs)
    for agency in [a for a in first_order(ms) if a != "none"]:
        mine = [r for r in _series(dates, milestone, agency) if r["first_count"]]
        if not mine:
            continue
        ys = _cumulative_at(mine, "first_count", xs, n)
        above = [b + y for b, y in zip(below, ys)]
        ax.fill_between(
            xs,
            below,
            above,
            color=colors[agency],
            lw=0,
            gid=artist_gid("leader", milestone, agency),
        )
        if ys[-1] >= 0.04:  # the label, at the horizon, in the middle of its band
            ax.annotate(
                f"{_label(agency, names)} {_pct(ys[-1])}",
                (1, (below[-1] + above[-1]) / 2),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color=colors[agency],
            )
        below = above
    ax.fill_between(xs, below, [1.0] * len(xs), color="#e4e4e4", lw=0, zorder=0)
    if 1 - below[-1] >= 0.04:
        ax.annotate(
            f"nobody {_pct(1 - below[-1])}",
            (1, (1 + below[-1]) / 2),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color="#666666",
        )
    ax.set_ylabel("chance of leading")
    return ax


# -- head to head ---------------------------------------------------------------------------
def _pair(summary: dict, pair: str) -> dict:
    try:
        return summary["versus"][pair]
    except KeyError:
        known = ", ".join(summary.get("versus") or {}) or "none (run with --versus A:B)"
        raise KeyError(f"no head to head {pair!r} in this summary (it has: {known})") from None


def plot_versus(
    summary: dict, pair: str, ax: Axes | None = None, *, names: Mapping[str, str] | None = None
) -> Axes:
    """Head to head (``pair`` is ``"A:B"`` of ``summary["versus"]``): one bar per
    milestone, split into A before B (solid: both get there, A earlier; light: only A
    gets there), the same moment, B before A (light: only B; solid: both, B earlier)
    and neither (grey)."""
    v = _pair(summary, pair)
    a, b = v["a"], v["b"]
    agencies = list(next(iter(summary["milestones"].values()))["reached"])
    colors = agency_colors(agencies)
    keys = list(v["milestones"])
    ax = _new_axes(ax, (7, 1.2 + 0.5 * len(keys)))
    n = summary["replications"]
    parts = (
        ("a_earlier", colors[a], 1.0, f"{_label(a, names)} earlier"),
        ("only_a", colors[a], 0.45, f"only {_label(a, names)}"),
        ("same_time", "#ffffff", 1.0, "same moment"),
        ("only_b", colors[b], 0.45, f"only {_label(b, names)}"),
        ("b_earlier", colors[b], 1.0, f"{_label(b, names)} earlier"),
        ("neither", NOBODY_COLOR, 0.35, "neither"),
    )
    handles: dict = {}
    for y, key in enumerate(keys):
        runs = v["milestones"][key]["runs"]
        left = 0.0
        for case, color, alpha, label in parts:
            w = runs[case] / n
            if w <= 0:
                continue
            bar = ax.barh(
                y,
                w,
                left=left,
                height=0.7,
                color=color,
                alpha=alpha,
                ec="#999999" if case == "same_time" else "none",
            )
            bar.patches[0].set_gid(f"racesim-versus-{pair.replace(':', '-')}-{key}-{case}")
            handles.setdefault(label, bar.patches[0])
            left += w
        e = v["milestones"][key]
        ax.annotate(
            f"{_pct(e['a_first']['p'])} : {_pct(e['b_first']['p'])}",
            (1, y),
            xycoords=("axes fraction", "data"),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    titles = {k: summary["milestones"][k]["title"] for k in keys}
    ax.set_yticks(range(len(keys)), [_wrap(titles[k]) for k in keys], fontsize=8)
    ax.set_ylim(len(keys) - 0.4, -0.6)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of runs")
    shown = [label for _c, _col, _a, label in parts if label in handles]
    ax.legend(
        [handles[label] for label in shown],
        shown,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.18),
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    ax.set_title(
        f"{_label(a, names)} before {_label(b, names)}, and the other way round",
        fontsize=10,
        y=1.0,
    )
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def _wrap(text: str, width: int = 28) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines[:3])


def plot_lead(
    summary: dict,
    versus_rows: list[dict],
    pair: str,
    ax: Axes | None = None,
    *,
    names: Mapping[str, str] | None = None,
) -> Axes:
    """The distribution of A's lead over B (``pair`` ``"A:B"``) where both get there:
    B's date minus A's, in years, one row per milestone, as a histogram (A's colour
    where A is ahead, B's where B is), with the median marked.  ``versus_rows`` are the
    rows of ``versus.csv``."""
    v = _pair(summary, pair)
    a, b = v["a"], v["b"]
    agencies = list(next(iter(summary["milestones"].values()))["reached"])
    colors = agency_colors(agencies)
    keys = list(v["milestones"])
    ax = _new_axes(ax, (7, 1.2 + 0.5 * len(keys)))
    rows = [r for r in versus_rows if r["a"] == a and r["b"] == b]
    span = max([abs(r["lead_years"]) for r in rows] or [1.0])
    width, _ = density_bin(2 * span, 80)
    half = math.ceil(span / width) * width
    bins = round(2 * half / width)
    edges = [-half + k * width for k in range(bins + 1)]
    for y, key in enumerate(keys):
        mine = [r for r in rows if r["milestone"] == key]
        lead = v["milestones"][key]["lead_years"]
        if not mine:
            ax.annotate(
                "never both",
                (0, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color="#666666",
            )
            continue
        counts = [0] * bins
        for r in mine:
            counts[min(bins - 1, max(0, int((r["lead_years"] + half) / width)))] += r["runs"]
        peak = max(counts)
        for sign, color in ((1, colors[a]), (-1, colors[b])):
            xs, lo, hi = [], [], []
            for k, c in enumerate(counts):
                mid = (edges[k] + edges[k + 1]) / 2
                if (mid > 0) == (sign > 0):
                    xs += [edges[k], edges[k + 1]]
                    h = 0.8 * c / peak
                    lo += [y + 0.4, y + 0.4]
                    hi += [y + 0.4 - h, y + 0.4 - h]
            if xs:
                ax.fill_between(xs, lo, hi, color=color, lw=0, alpha=0.85)
        ax.plot([lead["median"]] * 2, [y + 0.4, y - 0.45], color="#222222", lw=1.2)
        ax.annotate(
            f"median {lead['median']:+.1f} y, {lead['runs']:,} runs",
            (1, y),
            xycoords=("axes fraction", "data"),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.axvline(0, color="#333333", lw=1)
    ax.set_yticks(range(len(keys)), [""] * len(keys))
    ax.set_ylim(len(keys) - 0.4, -0.6)
    ax.set_xlim(-half, half)
    ax.set_xlabel(
        f"{_label(a, names)}'s lead in years ({_label(b, names)}'s date minus "
        f"{_label(a, names)}'s): ← {_label(b, names)} ahead | {_label(a, names)} ahead →"
    )
    ax.set_title("By how much, where both get there", fontsize=10, y=1.0)
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return ax
