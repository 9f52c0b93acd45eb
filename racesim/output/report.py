"""Files made from a results folder: the plot files and a self-contained HTML report.

:func:`build_report` returns the report as one HTML string (styles inline, plots as
PNG images inside the file as ``data:`` URIs, no external file and no network); the
caller writes it.  ``write_plots`` (:mod:`racesim.output.render`) saves
:func:`racesim.output.plots.figure_set`'s figures as PNG (for looking) and, on
request, SVG (for papers).  :func:`write_outputs` does both for a results folder, as
``racesim run`` does inside its staged folder, rendering each figure's PNG once for
the file and the report.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure

from racesim import __version__
from racesim.output.plots import (
    KINDS,
    agency_colors,
    agency_names,
    draw_figure,
    figure_items,
    figure_set,
)
from racesim.output.render import (  # noqa: F401 - write_plots, PLOT_FORMATS: old paths
    DEFAULT_FORMATS,
    PLOT_FORMATS,
    render,
    write_plots,
)
from racesim.output.report_assumptions import assumptions
from racesim.output.report_evidence import by_tables, crowd_section
from racesim.output.report_text import (  # noqa: F401 - _num: an older import path
    _dist,
    _e,
    _interval,
    _num,
    _pct,
    _swatch,
)
from racesim.scenario.reach import contenders

PLOTS_FOLDER = "plots"
REPORT_FILE = "report.html"


def write_outputs(
    folder: Path,
    plots: bool = True,
    report: bool = True,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    workers: int = 1,
    extras: bool = False,
) -> list[Path]:
    """Draw the plots (``folder/plots/``, in ``formats``: PNG by default, SVG on
    request) and/or the report (``folder/report.html``) of a results folder; returns
    the paths written.  Each figure's PNG is rendered once, for its file and the
    report; ``extras``: with the panels of ``--plots all`` (see
    :func:`racesim.output.plots.draw_figure`).  ``workers`` > 1 draws the figures in
    that many processes (forked, where the platform forks safely: Linux; one process
    elsewhere); the files are the same bytes either way."""
    from racesim.output.results import load_run

    if not (plots or report):
        return []
    for fmt in formats:
        if fmt not in PLOT_FORMATS:
            raise ValueError(f"unknown plot format {fmt!r}; use one of {PLOT_FORMATS}")
    folder = Path(folder)
    run = load_run(folder)
    out = folder / PLOTS_FOLDER
    if plots:
        out.mkdir(parents=True, exist_ok=True)
    files = formats if plots else ()
    figures = figure_items(run, extras=extras)
    workers = max(1, min(workers if sys.platform == "linux" else 1, len(figures)))
    if workers > 1:
        # dealt like cards, so that every process gets a like mix of the kinds
        parts = [figures[i::workers] for i in range(workers)]
        drawn = _draw_forked(run, parts, out, files, report, extras)
    else:
        drawn = _draw(run, figures, out, files, report, extras)
    pngs = {key: drawn[key] for key, _k, _s in figures}  # in the report's order
    written = [out / f"{key}.{fmt}" for key in pngs for fmt in PLOT_FORMATS if fmt in files]
    if report:
        path = folder / REPORT_FILE
        path.write_text(build_report(run, pngs=pngs, extras=extras), encoding="utf-8")
        written.append(path)
    return written


def _draw(
    run: dict,
    figures: list[tuple[str, str, str]],
    out: Path,
    files: tuple[str, ...],
    report: bool,
    extras: bool = False,
) -> dict[str, bytes]:
    """Draw ``figures`` (:func:`racesim.output.plots.figure_items`), write them into
    ``out`` in ``files``' formats, and return their PNGs (key -> bytes) when the report
    or the files need them (otherwise keys -> empty bytes)."""
    pngs: dict[str, bytes] = {}
    names = agency_names(run.get("scenario"))
    frames: dict = {}  # each kind's figure is drawn on again for the next milestone
    for key, kind, subject in figures:
        fig = draw_figure(run, kind, subject, names, reuse=frames, extras=extras)
        png = render(fig, "png") if (report or "png" in files) else b""
        for fmt in PLOT_FORMATS:
            if fmt in files:
                (out / f"{key}.{fmt}").write_bytes(png if fmt == "png" else render(fig, fmt))
        pngs[key] = png
    return pngs


_FORKED_RUN: dict | None = None  # the run a forked drawing process inherits


def _draw_inherited(figures, out, files, report, extras) -> dict[str, bytes]:
    return _draw(_FORKED_RUN, figures, out, files, report, extras)


def _draw_forked(
    run: dict,
    parts: list[list[tuple[str, str, str]]],
    out: Path,
    files: tuple[str, ...],
    report: bool,
    extras: bool,
) -> dict[str, bytes]:
    """:func:`_draw` of the last part here and of each other part in a forked
    process (which inherits ``run`` rather than receiving it)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    global _FORKED_RUN
    _FORKED_RUN = run
    try:
        ctx = mp.get_context("fork")
        with ProcessPoolExecutor(len(parts) - 1, mp_context=ctx) as pool:
            futures = [
                pool.submit(_draw_inherited, p, out, files, report, extras) for p in parts[:-1]
            ]
            mine = _draw(run, parts[-1], out, files, report, extras)  # the smallest share
            pngs = {}
            for f in futures:
                pngs.update(f.result())
            pngs.update(mine)
    finally:
        _FORKED_RUN = None
    return pngs


def _img(png: bytes, alt: str, key: str) -> str:
    """A PNG as an ``<img>`` inside the page (a ``data:`` URI, nothing fetched)."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img id="plot-{_e(key)}" alt="{_e(alt)}" src="data:image/png;base64,{data}">'


# -- sections ------------------------------------------------------------------------------
CSS = """
body{font:15px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 color:#1d1d1f;background:#fff;margin:0}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:28px;margin:0 0 6px}h2{font-size:21px;margin:36px 0 8px;
 border-bottom:2px solid #e3e3e3;padding-bottom:4px}h3{font-size:17px;margin:22px 0 6px}
.meta,.dim{color:#666}.meta{font-size:13px}.lead{font-size:16px;max-width:80ch}
table{border-collapse:collapse;margin:8px 0 14px;font-size:13.5px}
th,td{border-bottom:1px solid #e6e6e6;padding:4px 10px;text-align:left;vertical-align:top;
 overflow-wrap:break-word}
th{background:#f5f5f7;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.nw{white-space:nowrap}
tr.total td{border-top:2px solid #ccc}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;
 vertical-align:-1px}
.glance{background:#f5f8fc;border-left:4px solid #1f77b4;padding:8px 14px;margin:14px 0}
.glance li{margin:2px 0}
figure{margin:10px 0 18px}figure img{max-width:100%;height:auto;display:block}
figcaption{color:#555;font-size:13px;max-width:90ch}
.plots{display:grid;grid-template-columns:1fr;gap:4px}
code{background:#f3f3f3;padding:0 3px;border-radius:3px}
.variant{background:#fff6dd;border-left:4px solid #e0a800;padding:6px 12px;margin:10px 0;
 font-size:15px}.variant code{background:#fdeeb8;overflow-wrap:anywhere}
table.wide{width:100%;font-size:12px}table.wide th,table.wide td{padding:3px 6px}
table.missions td{overflow-wrap:anywhere}
table.missions tr.agency td{background:#fafafa;font-weight:600;border-top:2px solid #ddd}
"""


def _header(run: dict) -> str:
    s, m, scen = run["summary"], run.get("manifest") or {}, run.get("scenario") or {}
    title = scen.get("title") or s["scenario"]
    out = [f"<h1>{_e(title)}</h1>"]
    overrides = [str(o) for o in m.get("overrides") or []]
    if overrides:
        out.append(
            "<p class=variant><b>Variant:</b> "
            + " · ".join(f"<code>{_e(o)}</code>" for o in overrides)
            + " <span class=dim>(changed from the scenario file with "
            "<code>--set</code>)</span></p>"
        )
    out.append(
        f"<p class=meta>Scenario <code>{_e(s['scenario'])}</code> · "
        f"{s['replications']:,} replications · seed {_e(s['seed'])} · clock from "
        f"{_e(s.get('start', scen.get('start')))} to the horizon "
        f"{_e(s.get('horizon', scen.get('horizon')))} · racesim "
        f"{_e(m.get('racesim', __version__))}"
        + (f" · run {_e(m['started'])}" if m.get("started") else "")
        + "</p>"
    )
    if scen.get("description"):
        out.append(f"<p class=lead>{_e(scen['description'])}</p>")
    return "\n".join(out)


def _glance(run: dict, names: dict[str, str]) -> str:
    items = []
    for ms in run["summary"]["milestones"].values():
        best, f = max(
            ((a, v) for a, v in ms["first"].items() if a != "none"),
            key=lambda kv: kv[1]["p"],
            default=(None, None),
        )
        if best is None:
            continue
        when = ms.get("first_date") or {}
        text = (
            f"<b>{_e(ms['title'])}</b>: most likely first is "
            f"<b>{_e(names.get(best, best))}</b> ({_pct(f['p'])}, 95% interval "
            f"{_interval(f['ci95'])}); nobody by the horizon: "
            f"{_pct(ms['first']['none']['p'])}"
        )
        if when.get("median"):
            text += (
                f"; somebody first gets there around {_e(when['median'])} "
                f"(10–90%: {_e(when['p10'])} to {_e(when['p90'])})"
            )
        items.append(f"<li>{text}.</li>")
    return "<div class=glance><b>At a glance</b><ul>" + "".join(items) + "</ul></div>"


def _spread(e: dict) -> str:
    """A worlds cell: the 10%–90% spread of P across worlds."""
    w = e.get("worlds") or {}
    return f"<td class=n>{_interval([w['p10'], w['p90']])}</td>" if w else ""


def _summary_table(
    ms: dict, names: dict[str, str], colors: dict[str, str], able: list[str] | None = None
) -> str:
    """One milestone's table: the agencies that can reach it (``able``; every agency
    when None), most likely first, then nobody and anybody."""
    worlds = bool(ms["first"]["none"].get("worlds"))
    mc = "Monte Carlo error (95% interval)" if worlds else "95% interval"
    dk = "<th>what we don't know (10%–90% of worlds)</th>" if worlds else ""
    head = (
        f"<tr><th>agency</th><th>first</th><th>{mc}</th>{dk}"
        f"<th>reaches it by the horizon</th><th>{mc}</th>{dk}"
        "<th>median date</th><th>10%–90% of dates</th></tr>"
    )
    rows = []
    shown = [a for a in ms["reached"] if able is None or a in able]
    order = sorted(shown, key=lambda a: -ms["first"][a]["p"])
    for a in order:
        f, r = ms["first"][a], ms["reached"][a]
        span = f"{_e(r['p10'])} to {_e(r['p90'])}" if r.get("median") else "–"
        rows.append(
            f"<tr><td class=nw>{_swatch(colors[a])}{_e(names.get(a, a))}</td>"
            f"<td class=n>{_pct(f['p'])}</td><td class=n>{_interval(f['ci95'])}</td>"
            f"{_spread(f)}"
            f"<td class=n>{_pct(r['p'])}</td><td class=n>{_interval(r['ci95'])}</td>"
            f"{_spread(r)}"
            f"<td>{_e(r.get('median') or '–')}</td><td>{span}</td></tr>"
        )
    none = ms["first"]["none"]
    blank = "<td></td>" * (5 if worlds else 4)
    rows.append(
        f"<tr class=total><td>{_swatch(colors['none'])}nobody by the horizon</td>"
        f"<td class=n>{_pct(none['p'])}</td><td class=n>{_interval(none['ci95'])}"
        f"</td>{_spread(none)}{blank}</tr>"
    )
    when = ms.get("first_date") or {}
    if when.get("median"):
        rows.append(
            f"<tr><td>{_swatch(colors['first'])}anybody (the first)</td><td></td>"
            f"<td></td>{'<td></td>' if worlds else ''}<td class=n>{_pct(1 - none['p'])}</td>"
            f"<td></td>{'<td></td>' if worlds else ''}"
            f"<td>{_e(when['median'])}</td>"
            f"<td>{_e(when['p10'])} to {_e(when['p90'])}</td></tr>"
        )
    table = f"<table>{head}{''.join(rows)}</table>"
    cannot = [names.get(a, a) for a in ms["reached"] if a not in shown]
    if cannot:
        table += f"<p class=dim>No mission that can reach it: {_e(', '.join(cannot))}.</p>"
    return table


CAPTIONS = {
    "first": "Each agency's chance of being the first to get there (bars), with its "
    "95% interval (whiskers): the range the true chance lies in given the number of "
    "replications. The bars add up to 100% with “nobody”.",
    "reached": "The chance that each agency has got there by each date. Where a "
    "curve ends at the horizon is its chance of getting there at all; the dashed "
    "black curve is the chance that anybody has.",
    "dates": "When each agency gets there, counting only the runs in which it does: dot "
    "at the median date, thick bar over the middle half of the dates, thin line "
    "over the middle 80%. The black row is when the milestone is first reached.",
}
#: the right-hand panels of ``--plots all``, beside those of :data:`CAPTIONS`
EXTRA_CAPTIONS = {
    "first": "Who leads by each date: the chance that each agency is the first to have "
    "got there by then (stacked; grey: nobody yet). At the horizon the bands are the bars "
    "on the left.",
    "reached": "The same as a density, the chance of getting there in each quarter (or "
    "other period, as labelled); a bar far above the rest is cut and labelled with its "
    "value.",
}


ALT = {
    "first": "who gets there first (bar chart of each agency's chance)",
    "reached": "chance of having got there by each date (one curve per agency)",
    "dates": "when, in the runs where they get there (median and ranges per agency)",
}
EXTRA_ALT = {
    "first": "who leads by each date (stacked areas)",
    "reached": "the chance of getting there in each period (steps)",
}


def _caption(kind: str, extras: bool) -> tuple[str, str]:
    """The caption and alt text of a milestone's figure of ``kind``: with ``extras``
    (``--plots all``), its left and right panels."""
    if not (extras and kind in EXTRA_CAPTIONS):
        return CAPTIONS[kind], ALT[kind]
    caption = f"Left: {CAPTIONS[kind][0].lower()}{CAPTIONS[kind][1:]} Right: "
    caption += f"{EXTRA_CAPTIONS[kind][0].lower()}{EXTRA_CAPTIONS[kind][1:]}"
    return caption, f"{ALT[kind]} and {EXTRA_ALT[kind]}"


def _milestones(
    run: dict,
    names: dict[str, str],
    colors: dict[str, str],
    pngs: Mapping[str, bytes],
    extras: bool = False,
) -> str:
    out = ["<h2>Results</h2>"]
    milestones = (run.get("scenario") or {}).get("milestones") or {}
    able = contenders(run.get("scenario")) or {}
    for key, ms in run["summary"]["milestones"].items():
        out.append(
            f'<h3 id="m-{_e(key)}">{_e(ms["title"])} <span class=dim>[{_e(key)}]</span></h3>'
        )
        desc = (milestones.get(key) or {}).get("description")
        if desc:
            out.append(f"<p>{_e(desc)}</p>")
        out.append(_summary_table(ms, names, colors, able.get(key)))
        out.append(by_tables(ms, names))
        if ms.get("components"):
            from racesim.output.report_uncertainty import components_table

            out.append(components_table(ms, names, colors))
        out.append("<div class=plots>")
        for kind in KINDS:
            png = pngs.get(f"{key}_{kind}")
            if png is not None:
                caption, alt = _caption(kind, extras)
                alt = f"{ms['title']}: {alt}"
                out.append(
                    f"<figure>{_img(png, alt, f'{key}_{kind}')}"
                    f"<figcaption>{_e(caption)}</figcaption></figure>"
                )
        out.append("</div>")
    return "\n".join(out)


VERSUS_CAPTION = (
    "Left: for each milestone, the share of runs in which {a} gets there before {b} "
    "(dark: both get there, {a} earlier; light: only {a} gets there), at the same moment "
    "(white), {b} before {a} (light: only {b}; dark: both, {b} earlier), and neither "
    "(grey). Right: where both get there, how many years {a} is ahead ({b}'s date minus "
    "{a}'s; left of the line {b} is ahead), with the median marked."
)


def _versus(run: dict, names: dict[str, str], pngs: Mapping[str, bytes]) -> str:
    """The head-to-head section of a run with ``--versus``: a table and a figure per pair."""
    from racesim.output.text import short_name

    versus = run["summary"].get("versus") or {}
    if not versus:
        return ""
    out = [
        "<h2>Head to head</h2><p class=dim>Two agencies at a time: in how many runs one "
        "gets to a milestone before the other. A run where only one of them gets there "
        "counts for it; the runs where neither does are counted apart.</p>"
    ]
    for v in versus.values():
        a, b = (short_name(names.get(x, x)) for x in (v["a"], v["b"]))
        out.append(f'<h3 id="versus-{_e(v["a"])}-{_e(v["b"])}">{_e(a)} against {_e(b)}</h3>')
        head = (
            f"<tr><th>milestone</th><th>{_e(a)} first</th><th>95% interval</th>"
            f"<th>{_e(b)} first</th><th>95% interval</th><th>same moment</th>"
            f"<th>neither</th><th>{_e(a)}'s lead where both get there: median "
            "(10%–90%)</th><th>runs where both get there</th></tr>"
        )
        rows = []
        for key, e in v["milestones"].items():
            lead = e["lead_years"]
            told = (
                f"{lead['median']:+.1f} years ({lead['p10']:+.1f} to {lead['p90']:+.1f})"
                if lead["runs"]
                else "–"
            )
            title = run["summary"]["milestones"][key]["title"]
            rows.append(
                f"<tr><td>{_e(title)}</td><td class=n>{_pct(e['a_first']['p'])}</td>"
                f"<td class=n>{_interval(e['a_first']['ci95'])}</td>"
                f"<td class=n>{_pct(e['b_first']['p'])}</td>"
                f"<td class=n>{_interval(e['b_first']['ci95'])}</td>"
                f"<td class=n>{_pct(e['same_time']['p'])}</td>"
                f"<td class=n>{_pct(e['neither']['p'])}</td><td>{told}</td>"
                f"<td class=n>{lead['runs']:,}</td></tr>"
            )
        out.append(f"<table>{head}{''.join(rows)}</table>")
        key = f"versus_{v['a']}_{v['b']}"
        if key in pngs:
            caption = VERSUS_CAPTION.format(a=a, b=b)
            out.append(
                f"<figure>{_img(pngs[key], f'{a} against {b}, head to head', key)}"
                f"<figcaption>{_e(caption)}</figcaption></figure>"
            )
    return "\n".join(out)


def _manifest(m: Mapping) -> str:
    if not m:
        return ""
    rows = "".join(
        f"<tr><th>{_e(k)}</th><td><code>"
        f"{_e(v if isinstance(v, str) else json.dumps(v))}</code></td></tr>"
        for k, v in m.items()
    )
    return (
        "<h2>Manifest</h2><p class=dim>How this run was made (from "
        f"<code>manifest.json</code>).</p><table>{rows}</table>"
    )


def build_report(
    run: dict,
    figures: Mapping[str, Figure] | None = None,
    pngs: Mapping[str, bytes] | None = None,
    extras: bool = False,
) -> str:
    """The HTML report of a results folder (``racesim.output.results.load_run``) as one
    self-contained string; ``figures`` (from :func:`racesim.output.plots.figure_set`) are drawn
    if not given, and their PNGs rendered unless ``pngs`` (key -> PNG bytes) has them;
    ``extras``: the figures have the panels of ``--plots all`` (drawn so if not given),
    and the captions say so."""
    if pngs is None:
        if figures is None:
            figures = figure_set(run, extras=extras)
        pngs = {key: render(fig, "png") for key, fig in figures.items()}
    summary = run["summary"]
    scen = run.get("scenario") or {}
    names = agency_names(scen)
    first_ms = next(iter(summary["milestones"].values()), None)
    agencies = list(first_ms["reached"]) if first_ms else list(scen.get("agencies") or {})
    colors = agency_colors(agencies)
    title = scen.get("title") or summary["scenario"]
    from racesim.output.report_uncertainty import mixture_section, worlds_section

    body = "\n".join(
        [
            _header(run),
            _glance(run, names),
            worlds_section(run),
            mixture_section(run),
            _milestones(run, names, colors, pngs, extras),
            crowd_section(run),
            _versus(run, names, pngs),
            *(
                [
                    f"<h2>Component {i + 1}: <code>{_e(c.get('name'))}</code> "
                    f"(weight {_pct(run['summary']['mixture'][i]['weight'])})</h2>"
                    + assumptions(c, names, colors)
                    .replace("<h2>", "<h3>", 1)
                    .replace("</h2>", "</h3>", 1)
                    for i, c in enumerate(run["components"])
                ]
                if run.get("components")
                else [assumptions(scen, names, colors)]
            ),
            _manifest(run.get("manifest") or {}),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset="utf-8">\n'
        '<meta name=viewport content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)} · racesim report</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n<p class=meta>Made by racesim {_e(__version__)}.</p>\n"
        "</main>\n</body>\n</html>\n"
    )
