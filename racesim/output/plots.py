"""Plots of a results folder: who gets to each milestone first, and when.

Every ``plot_*`` function draws on the Axes it is given (or a new one) and returns it;
none of them shows or saves anything.  The caller decides: ``racesim run`` and
``racesim plot`` save :func:`figure_set`'s figures, the HTML report embeds them, and in
a notebook ``plot_first(summary, "south_polar_landing")`` simply appears.

The inputs are what a results folder holds (see :func:`racesim.output.results.load_run`):
``summary`` is ``summary.json`` and ``dates`` the rows of ``dates.csv``.  Each agency
keeps one colour in every plot (:func:`agency_colors`, by its position in the
scenario); "nobody" is grey and "anybody" (whoever gets there first) black.

Every artist that stands for an agency carries the gid ``racesim-KIND-MILESTONE-AGENCY``
(:func:`artist_gid`), which is also its id in SVG output; in :func:`plot_first` the
whiskers of the 95% interval are ``racesim-ci-MILESTONE-AGENCY``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, PercentFormatter

from racesim.output.layout import _frame, _move_legend_to_bottom, _text_inches
from racesim.output.text import pct
from racesim.scenario.reach import contenders
from racesim.scenario.timeutil import decimal_year

#: a qualitative palette (matplotlib's tab10 without its grey, then tab20's light
#: shades); agency i gets colour i (cycling after 18 agencies)
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#dbdb8d",
    "#9edae5",
)
NOBODY_COLOR = "#8c8c8c"  # "none": nobody gets there by the horizon
ANYBODY_COLOR = "#000000"  # "first": whoever gets there first

#: the plot kinds of :func:`figure_set`, in the order a report shows them
KINDS = ("first", "reached", "dates")
#: the kinds drawn by default (``--plots some``): who gets there first and by when;
#: ``--plots all`` draws every kind, with the extra panels (see :func:`draw_figure`)
SOME_KINDS = ("first", "reached")


def agency_colors(agencies: list[str]) -> dict[str, str]:
    """One fixed colour per agency, by position in the scenario's agency order, plus
    grey for ``"none"`` (nobody) and black for ``"first"`` (anybody)."""
    colors = {a: PALETTE[i % len(PALETTE)] for i, a in enumerate(agencies)}
    colors["none"] = NOBODY_COLOR
    colors["first"] = ANYBODY_COLOR
    return colors


def artist_gid(kind: str, milestone: str, agency: str) -> str:
    """The gid (and SVG id) of the artist that stands for ``agency`` in a plot."""
    return f"racesim-{kind}-{milestone}-{agency}"


# -- helpers ------------------------------------------------------------------------------
def _milestone(summary: dict, milestone: str) -> dict:
    try:
        return summary["milestones"][milestone]
    except KeyError:
        known = ", ".join(summary.get("milestones", {})) or "none"
        raise KeyError(f"no milestone {milestone!r} in this summary (it has: {known})") from None


def _agencies(ms: dict) -> list[str]:
    """The scenario's agency order (``reached`` lists every agency, in order)."""
    return list(ms["reached"])


def _shown(ms: dict, agencies: Sequence[str] | None) -> list[str]:
    """The agencies a plot shows: ``agencies`` (those that can reach the milestone, see
    :func:`racesim.scenario.reach.contenders`) in the scenario's order, or every one."""
    every = _agencies(ms)
    return every if agencies is None else [a for a in every if a in set(agencies)]


def first_order(ms: dict, agencies: Sequence[str] | None = None) -> list[str]:
    """The agencies of one milestone's summary (or only ``agencies``) in the order of
    the printed table: by chance of being first, highest first (ties keep the
    scenario's order), then ``"none"`` (nobody) last."""
    ranked = sorted(_shown(ms, agencies), key=lambda a: -ms["first"][a]["p"])
    return [*ranked, "none"] if "none" in ms["first"] else ranked


def _label(agency: str, names: Mapping[str, str] | None) -> str:
    if agency == "none":
        return "nobody"
    if agency == "first":
        return "anybody"
    return (names or {}).get(agency) or agency


def _year(iso: str | None) -> float | None:
    return None if iso is None else decimal_year(dt.date.fromisoformat(iso))


def _span(summary: dict, dates: list[dict]) -> tuple[float, float]:
    """The clock's span in decimal years: start to horizon (from the summary when it
    has them, otherwise from the dates)."""
    _series(dates, "", "")  # index the rows (and find their first and last years)
    lo, hi = _INDEX[3]
    start = _year(summary.get("start")) or (0.0 if lo is None else lo)
    end = _year(summary.get("horizon")) or (start + 1.0 if hi is None else hi)
    if lo is not None:
        start = min(start, lo)  # a milestone reached before the start
    return start, end


#: the dates rows last indexed, their number, the index, (first year, last year)
_INDEX: list = [None, 0, {}, (None, None)]


def _series(dates: list[dict], milestone: str, agency: str) -> list[dict]:
    """The rows of ``dates`` of one milestone and agency, in date order.  The rows are
    indexed once (the last list given, while its length stays the same): a figure set
    asks for every series several times, and scanning all rows each time cost more
    than drawing."""
    if _INDEX[0] is not dates or _INDEX[1] != len(dates):
        index: dict[tuple[str, str], list[dict]] = {}
        for r in dates:
            index.setdefault((r["milestone"], r["agency"]), []).append(r)
        for rows in index.values():
            rows.sort(key=lambda r: r["date"])
        years = [r["year"] for r in dates]
        span = (min(years), max(years)) if years else (None, None)
        _INDEX[:] = [dates, len(dates), index, span]
    return list(_INDEX[2].get((milestone, agency), ()))


def date_quantiles(rows: list[dict], qs=(0.1, 0.25, 0.5, 0.75, 0.9)) -> dict[float, float]:
    """Quantiles (decimal years) of the date among the replications that reached it,
    from ``dates.csv`` rows of one milestone and agency: the first date whose cumulative
    count reaches q x total, as the summary's dates are."""
    total = sum(r["count"] for r in rows)
    out: dict[float, float] = {}
    if total == 0:
        return out
    for q in qs:
        need = max(1, math.ceil(q * total - 1e-9))
        cum = 0
        for r in rows:
            cum += r["count"]
            if cum >= need:
                out[q] = r["year"]
                break
    return out


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _pct(p: float) -> str:
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 < p < 1:
        return ">99%"
    return pct(p, 0)


def _legend_columns(longest: int, entries: int, width_chars: int = 96) -> int:
    """How many legend columns of labels up to ``longest`` characters fit side by side
    in about ``width_chars`` characters of 9-point text (at most 3, at least 1)."""
    return max(1, min(3, entries, width_chars // (longest + 8)))


def _year_step(span: float, max_ticks: int = 9) -> int:
    """A round step (1, 2, 5, 10, 20, 25, 50, ... years) that puts at most ``max_ticks``
    year labels on a span of ``span`` years, so that they never run together."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if span / step < max_ticks:
            return step
    return max(1, math.ceil(span / max_ticks))


def _year_axis(
    ax: Axes, start: float, end: float, room: float = 0.0, *, label: bool = True
) -> None:
    """Years on the x-axis from ``start`` to ``end`` (plus ``room``, a fraction of the
    span, for labels), with the horizon marked (and labelled, unless not ``label``).
    Labelled ticks fall on whole years a
    round step apart and within ``start`` to ``end``; minor ticks mark the years between."""
    pad = 0.01 * (end - start)
    ax.set_xlim(start - pad, end + pad + room * (end - start))
    ax.axvline(end, color="#999999", ls=":", lw=1, zorder=1)
    if label:
        _horizon_label(ax, end)
    _year_ticks(ax, start, end)


def _horizon_label(ax: Axes, end: float) -> None:
    # inside the top-left of the horizon line, on a white box so no curve runs through it
    ax.annotate(
        "horizon",
        (end, 1),
        xycoords=("data", "axes fraction"),
        xytext=(-3, -3),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=8,
        color="#666666",
        zorder=5,
        bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none"},
    )


def _year_ticks(ax: Axes, start: float, end: float) -> None:
    step = _year_step(end - start)
    first = math.ceil(start / step) * step
    ax.xaxis.set_major_locator(FixedLocator(list(range(first, math.floor(end) + 1, step))))
    ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0f}")
    if step > 1:  # minor ticks as one collection of short lines: far cheaper than Ticks
        minor = 1 if step <= 10 else step / 5
        first_minor = math.ceil(start / minor) * minor
        marks = [first_minor + k * minor for k in range(int((end - first_minor) / minor) + 1)]
        ax.vlines(
            [x for x in marks if x % step],
            0,
            -0.012,
            transform=ax.get_xaxis_transform(),
            color="#000000",
            lw=0.6,
            clip_on=False,
        )
    ax.set_xlabel("year")


# -- the plots ----------------------------------------------------------------------------
def plot_first(
    summary: dict,
    milestone: str,
    ax: Axes | None = None,
    *,
    names: Mapping[str, str] | None = None,
    agencies: Sequence[str] | None = None,
) -> Axes:
    """The chance that each agency (and nobody) is the first to reach ``milestone``,
    as horizontal bars with their 95% intervals, top to bottom in the order of the
    printed table (:func:`first_order`: most likely first, nobody last).  ``names`` maps
    agency keys to the names shown (default: the keys); ``agencies`` are the ones to
    show (default: every one; :func:`figure_set` shows those that can reach it)."""
    ms = _milestone(summary, milestone)
    colors = agency_colors(_agencies(ms))
    rows = first_order(ms, agencies)
    ax = _new_axes(ax, (7, 1.2 + 0.45 * len(rows)))
    for y, agency in enumerate(rows):
        f = ms["first"][agency]
        p, (lo, hi) = f["p"], f["ci95"]
        ax.barh(
            y,
            p,
            height=0.7,
            color=colors[agency],
            label=_label(agency, names),
            gid=artist_gid("first", milestone, agency),
        )
        bars = ax.errorbar(
            p, y, xerr=[[p - lo], [hi - p]], fmt="none", ecolor="#333333", elinewidth=1.2, capsize=4
        )
        bars.lines[2][0].set_gid(artist_gid("ci", milestone, agency))
        w = f.get("worlds")
        if w:  # the spread across worlds, apart from the Monte Carlo whiskers
            ax.plot(
                [w["p10"], w["p90"]],
                [y + 0.42, y + 0.42],
                color="#222222",
                linewidth=3,
                solid_capstyle="butt",
                gid=artist_gid("worlds", milestone, agency),
            )
        ax.annotate(
            (
                f"{_pct(p)}  [{_pct(w['p10'])}–{_pct(w['p90'])}]"
                if w
                else f"{_pct(p)}  ({_pct(lo)}–{_pct(hi)})"
            ),
            (max(hi, w["p90"]) if w else hi, y),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.set_yticks(range(len(rows)), [_label(a, names) for a in rows])
    # top to bottom, as autoscaling would frame the bars (a 5% margin), but stated, so
    # that the frame does not depend on what the axes held before
    margin = 0.05 * (len(rows) - 0.3)
    ax.set_ylim(len(rows) - 0.65 + margin, -0.35 - margin)
    worlds = any(ms["first"][a].get("worlds") for a in rows)
    ax.set_xlim(0, 1.6 if worlds else 1.18)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    if worlds:
        ax.set_xlabel(
            "chance of being first (bar); whiskers: Monte Carlo error (95% interval);\n"
            "black line and [ ]: what we don't know (10%–90% across worlds)"
        )
    else:
        ax.set_xlabel("chance of being first (bar), with its 95% interval (whiskers)")
    ax.set_title(f"{ms['title']}\nWho gets there first?", fontsize=11, y=1.0)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_reached(
    summary: dict,
    dates: list[dict],
    milestone: str,
    ax: Axes | None = None,
    *,
    names: Mapping[str, str] | None = None,
    agencies: Sequence[str] | None = None,
) -> Axes:
    """For each agency, the chance that it has reached ``milestone`` by each date (a
    step curve from the start to the horizon), and the chance that anybody has (black);
    ``agencies`` as for :func:`plot_first`."""
    ms = _milestone(summary, milestone)
    colors = agency_colors(_agencies(ms))
    agencies = _shown(ms, agencies)
    ax = _new_axes(ax, (9, 4.6 + 0.22 * math.ceil((len(agencies) + 1) / 2)))
    start, end = _span(summary, dates)
    for agency in [*agencies, "first"]:
        rows = _series(dates, milestone, agency)
        x = [start, *(r["year"] for r in rows), end]
        y = [0.0, *(r["p_by_date"] for r in rows)]
        y.append(y[-1])
        final = y[-1]
        first = agency == "first"
        ax.step(
            x,
            y,
            where="post",
            color=colors[agency],
            lw=2.6 if first else 1.8,
            ls="--" if first else "-",
            zorder=3 if first else 2,
            label=f"{_label(agency, names)}: {_pct(final)}",
            gid=artist_gid("reached", milestone, agency),
        )
    _year_axis(ax, start, end)
    ax.set_ylim(0, 1.1)  # headroom above 100% for the horizon label
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("chance of having got there")
    ax.set_title(f"{ms['title']}\nChance of having got there by each date", fontsize=11, y=1.0)
    ax.grid(alpha=0.3)
    # below the axes, as wide as the axes at most: constrained layout makes room for it
    longest = max(
        len(line.get_label()) for line in ax.get_lines() if not line.get_label().startswith("_")
    )
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=_legend_columns(longest, len(agencies) + 1),
        fontsize=9,
        frameon=False,
        title="chance of having got there by the horizon",
        title_fontsize=9,
    )
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_dates(
    summary: dict,
    dates: list[dict],
    milestone: str,
    ax: Axes | None = None,
    *,
    names: Mapping[str, str] | None = None,
    agencies: Sequence[str] | None = None,
) -> Axes:
    """When each agency reaches ``milestone``, in the replications where it does: a dot
    at the median date, a thick bar over the middle 50% of dates and a thin line over
    the middle 80%; the bottom row (black) is when anybody (the first) gets there;
    ``agencies`` as for :func:`plot_first`."""
    ms = _milestone(summary, milestone)
    colors = agency_colors(_agencies(ms))
    rows = [*_shown(ms, agencies), "first"]
    ax = _new_axes(ax, (9, 1.6 + 0.5 * len(rows)))
    start, end = _span(summary, dates)
    for y, agency in enumerate(rows):
        series = _series(dates, milestone, agency)
        q = date_quantiles(series)
        color = colors[agency]
        chance = series[-1]["p_by_date"] if series else 0.0
        if not q:
            ax.annotate(
                "never gets there by the horizon",
                (start, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                color=color,
                gid=artist_gid("dates", milestone, agency),
            )
            continue
        ax.plot(
            [q[0.1], q[0.9]],
            [y, y],
            color=color,
            lw=1.8,
            solid_capstyle="butt",
            gid=artist_gid("dates", milestone, agency),
            label=f"{_label(agency, names)}",
        )
        ax.plot([q[0.25], q[0.75]], [y, y], color=color, lw=9, solid_capstyle="butt")
        ax.plot([q[0.5]], [y], "o", ms=7, mfc="white", mec=color, mew=2, zorder=3)
        # in a column right of the axes, clear of the bars and of the horizon line
        ax.annotate(
            f"{_pct(chance)} of runs",
            (1, y),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.annotate(
        "gets there in",
        (1, 1),
        xycoords="axes fraction",
        xytext=(6, 0),
        textcoords="offset points",
        va="bottom",
        fontsize=9,
        color="#555555",
    )
    ax.set_yticks(range(len(rows)), [_label(a, names) for a in rows])
    ax.set_ylim(len(rows) - 0.4, -0.6)
    _year_axis(ax, start, end)
    ax.set_xlabel(
        "year   (dot: median date;  thick bar: middle 50% of dates;  thin line: middle 80%)"
    )
    ax.set_title(f"{ms['title']}\nWhen, in the runs where they get there", fontsize=11, y=1.0)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


# -- the standard set -----------------------------------------------------------------------
def agency_names(scenario: Mapping | None) -> dict[str, str]:
    """Agency key -> display name, from a scenario's plain data (``scenario.yaml``)."""
    agencies = (scenario or {}).get("agencies") or {}
    return {k: (a or {}).get("name") or k for k, a in agencies.items()}


def figure_items(
    run: dict, kinds: tuple[str, ...] | None = None, extras: bool = False
) -> list[tuple[str, str, str]]:
    """The standard figures of a results folder as ``(key, kind, subject)``, in the
    report's order: per milestone (the subject) one of each of ``kinds``, keyed
    ``"<milestone>_<kind>"``; then, for a run with ``--versus``, one per pair (the
    subject ``"A:B"``), keyed ``"versus_A_B"``.  Without ``kinds``, the standard set:
    :data:`SOME_KINDS` and the pairs (``--plots some``), or with ``extras`` every one
    of :data:`KINDS` and the pairs (``--plots all``); ``kinds`` of :data:`KINDS`, given,
    also has the pairs (as it always had)."""
    standard = kinds is None or tuple(kinds) == KINDS
    if kinds is None:
        kinds = KINDS if extras else SOME_KINDS
    items = [(f"{m}_{k}", k, m) for m in run["summary"]["milestones"] for k in kinds if k in KINDS]
    unknown = [k for k in kinds if k not in (*KINDS, "versus")]
    if unknown:
        raise ValueError(f"unknown plot kind {unknown[0]!r}; use one of {(*KINDS, 'versus')}")
    if "versus" in kinds or standard:
        for pair, v in (run["summary"].get("versus") or {}).items():
            items.append((f"versus_{v['a']}_{v['b']}", "versus", pair))
    return items


def draw_figure(
    run: dict,
    kind: str,
    subject: str,
    names: Mapping[str, str] | None = None,
    reuse: dict | None = None,
    extras: bool = False,
) -> Figure:
    """One figure of :func:`figure_items` on the Agg canvas: ``first`` (who gets there
    first), ``reached`` (the chance of having got there by each date), ``dates`` (when,
    where they get there) or ``versus`` (a pair head to head).  With ``extras``, the
    panels of ``--plots all`` beside them: who leads by each date beside ``first``, the
    chance of getting there in each quarter beside ``reached``.

    With ``reuse`` (a dict the caller keeps between calls), the figure of an earlier
    call with the same frame is wiped and drawn on again (the same pixels as a new
    one): save or render each figure before the next call."""
    from racesim.output import plots_race as race
    from racesim.output.text import short_name

    summary, dates = run["summary"], run["dates"]
    if names is None:
        names = agency_names(run.get("scenario"))
    # the names before any aside ("CNSA", not "CNSA (with CMSA's crewed programme)"):
    # the report's tables and the scenario give the whole names
    names = {k: short_name(v) for k, v in names.items()}
    ticks = 10  # points: matplotlib's default tick label size
    if kind == "versus":
        v = summary["versus"][subject]
        k = len(v["milestones"])
        titles = [summary["milestones"][m]["title"] for m in v["milestones"]]
        left = 0.2 + _text_inches([race._wrap(t) for t in titles], 8)
        runs = [
            f"median -00.0 y, {e['lead_years']['runs']:,} runs" for e in v["milestones"].values()
        ]
        fig, (left_ax, right_ax) = _frame(
            None,
            (12, 1.6 + 0.62 * k),
            (left, 0.15 + _text_inches(runs, 8), 1.15, 0.35),
            (0.95,),
            (1, 1),
        )
        race.plot_versus(summary, subject, left_ax, names=names)
        race.plot_lead(summary, run.get("versus") or [], subject, right_ax, names=names)
        _move_legend_to_bottom(left_ax, fig)
        leg = left_ax.get_legend()
        if leg is not None:
            leg.set_bbox_to_anchor(
                (0.25, 0.05 / fig.get_size_inches()[1]), transform=fig.transFigure
            )
        return fig
    ms = summary["milestones"][subject]
    shown = (contenders(run.get("scenario")) or {}).get(subject)  # None: every agency
    agencies = _shown(ms, shown)
    n = len(agencies)
    labels = [_label(a, names) for a in [*agencies, "none", "first"]]
    if kind == "first" and extras:
        short = [f"{x} 100%" for x in labels]
        fig, (bars, leader) = _frame(
            reuse,
            (12, 1.4 + 0.42 * (n + 1)),
            (0.3 + _text_inches(labels, ticks), 0.15 + _text_inches(short, 8), 0.6, 0.6),
            (0.95,),
            (1, 1.1),
        )
        plot_first(summary, subject, bars, names=names, agencies=shown)
        race.plot_leader(summary, dates, subject, leader, names=names)
    elif kind == "first":
        fig, (bars,) = _frame(
            reuse, (9, 1.4 + 0.42 * (n + 1)), (0.3 + _text_inches(labels, ticks), 0.3, 0.6, 0.6)
        )
        plot_first(summary, subject, bars, names=names, agencies=shown)
    elif kind == "reached":
        entries = [f"{x}: 100%" for x in labels[:n] + ["anybody"]]
        ncol = _legend_columns(max(len(e) for e in entries), n + 1)
        legend = 0.3 + 0.21 * math.ceil((n + 1) / ncol)
        if extras:
            fig, (curves, density) = _frame(
                reuse, (12, 4.3 + legend), (0.8, 0.15, 0.6 + legend, 0.6), (0.9,), (1.25, 1)
            )
            race.plot_density(summary, dates, subject, density, names=names)
        else:
            fig, (curves,) = _frame(reuse, (9, 4.3 + legend), (0.8, 0.3, 0.6 + legend, 0.6))
        plot_reached(summary, dates, subject, curves, names=names, agencies=shown)
        _move_legend_to_bottom(curves, fig)
        leg = curves.get_legend()
        if leg is not None:  # under the curves, not under the whole figure
            box = curves.get_position()
            leg.set_bbox_to_anchor(
                ((box.x0 + box.x1) / 2, 0.05 / fig.get_size_inches()[1]), transform=fig.transFigure
            )
    elif kind == "dates":
        right = 0.2 + _text_inches(["100% of runs"], 9)
        fig, (ax,) = _frame(
            reuse,
            (9, 1.5 + 0.45 * (n + 1)),
            (0.3 + _text_inches(labels, ticks), right, 0.6, 0.6),
        )
        plot_dates(summary, dates, subject, ax, names=names, agencies=shown)
    else:
        raise ValueError(f"unknown plot kind {kind!r}; use one of {(*KINDS, 'versus')}")
    return fig


def figure_set(
    run: dict, kinds: tuple[str, ...] | None = None, extras: bool = False
) -> dict[str, Figure]:
    """The standard figures of a results folder (``racesim.output.results.load_run``),
    keyed as :func:`figure_items` says, in its order (with ``extras``, those of
    ``--plots all``, with their extra panels: see :func:`draw_figure`).  Each shows the
    agencies that can reach its milestone (as the printed table does; every agency when
    the folder has no scenario).

    The figures are plain :class:`~matplotlib.figure.Figure` objects on the Agg canvas,
    outside pyplot, so making many of them in a loop leaks nothing.
    """
    names = agency_names(run.get("scenario"))
    return {
        key: draw_figure(run, kind, subject, names, extras=extras)
        for key, kind, subject in figure_items(run, kinds, extras)
    }
