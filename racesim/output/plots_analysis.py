"""Plots of sweeps and sensitivity analyses.

Like :mod:`racesim.output.plots`, every ``plot_*`` function draws on the Axes it is given (or
a new one) and returns it; nothing here shows or saves.  ``*_figure`` functions build a
whole :class:`~matplotlib.figure.Figure` on the Agg canvas (outside pyplot, so many of
them leak nothing) for the command line to save.  Agencies keep the colours they have in
every other racesim plot.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import Formatter, FuncFormatter, Locator, PercentFormatter

from racesim.output.plots import agency_colors  # one colour per agency in every plot

LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
MEASURES = {
    "p_first": "P(first)",
    "p_reached": "P(reached by the horizon)",
    "median_year": "median date of reaching it",
}


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _style(c: int) -> tuple[str, str]:
    """Line style and marker of the ``c``-th combination of the other varied fields:
    the four line styles first, then the same with other markers."""
    return LINESTYLES[c % len(LINESTYLES)], MARKERS[(c // len(LINESTYLES)) % len(MARKERS)]


class _PercentTicks(Formatter):
    """Fractions as percentages with as few decimals as the ticks need to be told
    apart and read exactly (2.5% spacing: 2.5%, 5.0%, ...; 10% spacing: 10%, 20%)."""

    _ticks: tuple[float, ...] = ()

    def set_locs(self, locs) -> None:
        self._ticks = tuple(float(v) for v in locs)

    def __call__(self, x, pos=None) -> str:
        v = 100 * x if abs(x) > 1e-12 else 0.0  # no "-0%"
        return f"{v:.{self._decimals()}f}%"

    def _decimals(self) -> int:
        locs = [100 * v for v in (self._ticks or (0.0,))]
        for d in range(4):
            if all(abs(round(v, d) - v) < 1e-6 for v in locs):
                return d
        return 4


def _short(path: str, paths: Sequence[str]) -> str:
    """``agencies.isro.missions.lupex.duration`` -> ``lupex.duration`` (longer where
    another of ``paths`` ends the same way)."""
    from racesim.analysis.sweep import short_paths

    return dict(zip(paths, short_paths(paths)))[path]


def _combo_label(others: Sequence[str], combo: tuple, paths: Sequence[str]) -> str:
    return ", ".join(f"{_short(p, paths)} = {_fmt(v)}" for p, v in zip(others, combo))


def _year_to_date(y: float) -> dt.date:
    year = math.floor(y)
    first = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - first).days
    return first + dt.timedelta(days=round((y - year) * length))


def _month_year(year: int, month: int) -> float:
    first = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - first).days
    return year + (dt.date(year, month, 1) - first).days / length


class DateYearLocator(Locator):
    """Ticks for an axis of decimal years: whole years a round step apart over spans of
    a few years or more, else the first days of months a round step apart."""

    def __init__(self, max_ticks: int = 6):
        self.max_ticks = max_ticks
        self.monthly = False

    def __call__(self):
        lo, hi = self.axis.get_view_interval()
        return self.tick_values(lo, hi)

    def tick_values(self, vmin, vmax):
        lo, hi = sorted((vmin, vmax))
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return []
        if hi - lo >= 2.5:
            self.monthly = False
            step = next(
                (s for s in (1, 2, 5, 10, 20, 50, 100) if (hi - lo) / s < self.max_ticks), 100
            )
            return [float(y) for y in range(math.ceil(lo / step) * step, math.floor(hi) + 1, step)]
        self.monthly = True
        months = (hi - lo) * 12
        step = next((s for s in (1, 2, 3, 6, 12) if months / s < self.max_ticks), 12)
        ticks = []
        for year in range(math.floor(lo), math.floor(hi) + 1):
            for month in range(1, 13, step):
                t = _month_year(year, month)
                if lo <= t <= hi:
                    ticks.append(t)
        return ticks


def _date_axis(ax: Axes) -> None:
    """Decimal years on the y-axis shown as years ("2028") or months ("2028-03")."""
    lo, hi = ax.get_ylim()
    if hi - lo < 0.5:  # a flat line: show half a year around it
        mid = (lo + hi) / 2
        ax.set_ylim(mid - 0.25, mid + 0.25)
    locator = DateYearLocator()
    ax.yaxis.set_major_locator(locator)

    def fmt(y, _pos):
        d = _year_to_date(y)
        return f"{d:%Y-%m}" if locator.monthly else f"{d.year}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))


def legend_handles(
    table: Sequence[Mapping],
    paths: Sequence[str],
    measure: str = "p_first",
    *,
    agencies: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
) -> list[Line2D]:
    """A compact legend for sweep plots: one entry per agency (its colour), then, with
    more than one varied field, one entry per combination of the other fields (its line
    style and marker, in grey)."""
    if agencies is None:
        agencies = list(dict.fromkeys(r["agency"] for r in table if r["agency"] != "none"))
    colors = agency_colors(list(agencies))
    who = [*agencies, "none"] if measure == "p_first" else list(agencies)
    present = {r["agency"] for r in table}
    handles = [
        Line2D(
            [],
            [],
            color=colors[a],
            lw=2,
            label="(nobody)" if a == "none" else (names or {}).get(a, a),
        )
        for a in who
        if a in present
    ]
    others = list(paths[1:])
    if others:
        combos = list(dict.fromkeys(tuple(r[p] for p in others) for r in table))
        for c, combo in enumerate(combos):
            style, marker = _style(c)
            handles.append(
                Line2D(
                    [],
                    [],
                    color="#555555",
                    ls=style,
                    marker=marker,
                    ms=4,
                    lw=1.5,
                    label=_combo_label(others, combo, paths),
                )
            )
    return handles


def plot_sweep(
    table: Sequence[Mapping],
    paths: Sequence[str],
    milestone: str,
    measure: str = "p_first",
    ax: Axes | None = None,
    *,
    agencies: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
    legend: bool = True,
    shown: Sequence[str] | None = None,
) -> Axes:
    """``measure`` (``p_first``, ``p_reached`` or ``median_year``) of each agency for
    ``milestone`` against the first varied parameter ``paths[0]``: one line per agency
    (and for P(first), a grey one for nobody).  With more varied parameters, each
    combination of the others gets its own line style (and marker).  P(first) lines
    carry their 95% interval as a band; median dates show as years or months.  The
    legend (unless ``legend`` is false) is compact, outside the axes on the right: the
    agencies by colour, then the other fields' values by line style.  ``table`` is
    :func:`racesim.analysis.sweep.rows`; ``agencies`` give the colours (by position),
    ``shown`` the agencies drawn (default: all; the sweep's figure draws those that can
    reach the milestone, :func:`racesim.analysis.sweep.can_reach`)."""
    ax = _new_axes(ax, (7, 4.5))
    rows = [r for r in table if r["milestone"] == milestone]
    if agencies is None:
        agencies = list(dict.fromkeys(r["agency"] for r in rows if r["agency"] != "none"))
    colors = agency_colors(list(agencies))
    x_path, others = paths[0], list(paths[1:])
    combos = list(dict.fromkeys(tuple(r[p] for p in others) for r in rows))
    drawn = [a for a in agencies if shown is None or a in shown]
    who = [*drawn, "none"] if measure == "p_first" else drawn
    for c, combo in enumerate(combos):
        style, marker = _style(c)
        suffix = f" ({_combo_label(others, combo, paths)})" if others else ""
        for agency in who:
            pts = sorted(
                (r[x_path], r[measure], r.get(f"{measure}_lo"), r.get(f"{measure}_hi"))
                for r in rows
                if r["agency"] == agency
                and tuple(r[p] for p in others) == combo
                and r[measure] is not None
            )
            if not pts:
                continue
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            label = "(nobody)" if agency == "none" else (names or {}).get(agency, agency)
            (line,) = ax.plot(
                xs,
                ys,
                ls=style,
                marker=marker,
                ms=3.5,
                color=colors[agency],
                label=label + suffix,
                lw=1.8 if c == 0 else 1.4,
            )
            line.set_gid(f"racesim-sweep-{measure}-{milestone}-{agency}")
            if measure == "p_first" and all(p[2] is not None for p in pts):
                ax.fill_between(
                    xs,
                    [p[2] for p in pts],
                    [p[3] for p in pts],
                    color=colors[agency],
                    alpha=0.12,
                    lw=0,
                )
    ax.set_xlabel(x_path)
    ax.set_ylabel(MEASURES.get(measure, measure))
    if measure.startswith("p_"):
        ax.set_ylim(-0.02, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif measure == "median_year" and ax.get_lines():
        _date_axis(ax)
    else:
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    ax.grid(alpha=0.3)
    if legend and ax.get_lines():
        ax.legend(
            handles=legend_handles(
                [r for r in rows if shown is None or r["agency"] in (*shown, "none")],
                paths,
                measure,
                agencies=agencies,
                names=names,
            ),
            fontsize=8,
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
        )
    return ax


def sweep_figure(
    table: Sequence[Mapping],
    paths: Sequence[str],
    milestones: Mapping[str, str],
    *,
    agencies: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
    shown: Mapping[str, Sequence[str]] | None = None,
) -> Figure:
    """One row per milestone (``milestones``: key -> title): P(first) on the left, the
    median date on the right, against the first varied parameter; one legend for the
    whole figure, outside the plots on the right (agencies by colour, the values of any
    other varied fields by line style).  ``shown``: milestone -> the agencies drawn
    (default: all)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(13, 0.6 + 3.3 * len(milestones)), layout="constrained")
    axes = fig.subplots(len(milestones), 2, squeeze=False)
    for (key, title), (left, right) in zip(milestones.items(), axes):
        kw = {"agencies": agencies, "names": names, "legend": False}
        if shown is not None:
            kw["shown"] = shown.get(key, ())
        plot_sweep(table, paths, key, "p_first", left, **kw)
        plot_sweep(table, paths, key, "median_year", right, **kw)
        left.set_title(f"{title}\nwho gets there first", fontsize=10)
        right.set_title(f"{title}\nmedian date, when reached", fontsize=10)
    if shown is not None:  # the legend: the agencies drawn in some row
        drawn = {a for v in shown.values() for a in v}
        table = [r for r in table if r["agency"] in drawn or r["agency"] == "none"]
    handles = legend_handles(table, paths, "p_first", agencies=agencies, names=names)
    if handles:
        fig.legend(
            handles=handles,
            loc="outside right upper",
            fontsize=8,
            frameon=False,
            title="lines" if len(paths) > 1 else None,
            title_fontsize=8,
        )
    FigureCanvasAgg(fig)
    return fig


def plot_tornado(
    rows: Sequence[Mapping],
    base: float,
    ax: Axes | None = None,
    *,
    outcome: str = "P(first)",
    top: int | None = None,
) -> Axes:
    """A tornado chart of a one-at-a-time sensitivity analysis: for each parameter (the
    largest swing on top) a bar from the outcome at its low value to the outcome at its
    high value, around the base outcome.  ``rows`` are
    :attr:`racesim.analysis.sensitivity.OATResult.rows` (``label``, ``range``, ``p_low``,
    ``p_high``), already ranked; parameters that moved nothing are left out."""
    rows = [r for r in rows if not r["p_low"] == r["p_high"] == base]  # moved nothing
    rows = rows[:top] if top else rows
    ax = _new_axes(ax, (8, 1.2 + 0.35 * len(rows)))
    low_color, high_color = "#4c72b0", "#dd8452"
    for y, r in enumerate(rows):
        bars = [("low", r["p_low"], low_color), ("high", r["p_high"], high_color)]
        bars.sort(key=lambda b: -abs(b[1] - base))  # the shorter bar drawn on top
        for side, p, color in bars:
            bar = ax.barh(y, p - base, left=base, height=0.65, color=color)
            bar.patches[0].set_gid(f"racesim-tornado-{r['path']}-{side}")
    ax.axvline(base, color="#333333", lw=1)
    ax.set_yticks(
        range(len(rows)),
        [f"{r['label']}  [{r.get('range') or r['low'] + ' .. ' + r['high']}]" for r in rows],
        fontsize=8,
    )
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(_PercentTicks())
    ax.set_xlabel(f"{outcome} (base {100 * base:.1f}%)")
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(color=low_color, label="parameter at its low value"),
            Patch(color=high_color, label="parameter at its high value"),
        ],
        fontsize=8,
        frameon=False,
        loc="lower right",
    )
    ax.grid(axis="x", alpha=0.3)
    return ax


def tornado_figure(
    rows: Sequence[Mapping],
    base: float,
    title: str,
    *,
    outcome: str = "P(first)",
    top: int | None = 25,
) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    k = min(sum(not r["p_low"] == r["p_high"] == base for r in rows), top or len(rows))
    fig = Figure(figsize=(10, 1.6 + 0.34 * max(k, 1)), layout="constrained")
    ax = fig.add_subplot()
    plot_tornado(rows, base, ax, outcome=outcome, top=top)
    ax.set_title(title, fontsize=10)
    FigureCanvasAgg(fig)
    return fig


def plot_sobol(rows: Sequence[Mapping], ax: Axes | None = None) -> Axes:
    """First-order (S1) and total (ST) Sobol indices with their 95% intervals, one pair
    of bars per parameter.  ``rows`` are :attr:`racesim.analysis.sensitivity.SobolResult.rows`."""
    ax = _new_axes(ax, (8, 1.2 + 0.5 * len(rows)))
    h = 0.38
    for y, r in enumerate(rows):
        ax.barh(
            y - h / 2,
            r["S1"],
            height=h,
            color="#4c72b0",
            xerr=r["S1_conf"],
            ecolor="#333333",
            label="first order S1" if y == 0 else None,
        )
        ax.barh(
            y + h / 2,
            r["ST"],
            height=h,
            color="#dd8452",
            xerr=r["ST_conf"],
            ecolor="#333333",
            label="total ST" if y == 0 else None,
        )
    ax.set_yticks(range(len(rows)), [r["label"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", lw=1)
    ax.set_xlabel("share of the outcome's variance")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return ax


def sobol_figure(rows: Sequence[Mapping], title: str) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(9, 1.6 + 0.55 * max(len(rows), 1)), layout="constrained")
    ax = fig.add_subplot()
    plot_sobol(rows, ax)
    ax.set_title(title, fontsize=10)
    FigureCanvasAgg(fig)
    return fig
