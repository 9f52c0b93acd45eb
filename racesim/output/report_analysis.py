"""Self-contained HTML reports of the folders ``compare``, ``sweep`` and
``sensitivity`` write (the figure as a PNG inside the page, styles inline, nothing
fetched): what was asked, the answer as a table, the picture, and the manifest.
:mod:`racesim.output.analysis_files` reads the folder; this module only writes HTML."""

from __future__ import annotations

from collections.abc import Mapping

from racesim import __version__
from racesim.output.report import CSS, _e, _img, _interval, _manifest, _pct
from racesim.output.text import short_name


def _page(title: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset="utf-8">\n'
        '<meta name=viewport content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)} · racesim report</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{''.join(body)}\n<p class=meta>Made by racesim {_e(__version__)}.</p>\n"
        "</main>\n</body>\n</html>\n"
    )


def _figure(pngs: Mapping[str, bytes], key: str, alt: str, caption: str) -> str:
    if key not in pngs:
        return ""
    return f"<figure>{_img(pngs[key], alt, key)}<figcaption>{_e(caption)}</figcaption></figure>"


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def _names(scen: Mapping) -> dict[str, str]:
    return {
        k: short_name((a or {}).get("name") or k) for k, a in (scen.get("agencies") or {}).items()
    }


def _compare(data: dict, pngs: Mapping[str, bytes]) -> tuple[str, list[str]]:
    from racesim.output.plots_compare import shown_agencies

    c = data["compare"]
    names = {**_names(data["scenario_b"]), **_names(data["scenario_a"]), "none": "nobody"}
    a, b = c["a"], c["b"]
    title = f"{b.get('label', b['scenario'])} against {a.get('label', a['scenario'])}"
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p class=meta>A: <code>{_e(a.get('label', a['scenario']))}</code> · B: "
        f"<code>{_e(b.get('label', b['scenario']))}</code> · {c['replications']:,} "
        f"replications of each at seed {_e(c['seed'])} · racesim {_e(__version__)}</p>",
        f"<p class=lead>Both ran the same replications on the same random numbers "
        f"(paired), so B − A is the effect of the change alone. Method: {_e(c['method'])}."
        + (
            f" Not paired: {_e(', '.join(c['unpaired_agencies']))}."
            if c.get("unpaired_agencies")
            else ""
        )
        + "</p>",
        _figure(
            pngs,
            "compare",
            "A against B: chance of being first and of having got there by each date",
            "Left: each agency's chance of being first in A (light) and in B (solid), with "
            "95% intervals, and the paired difference B − A in percentage points (* where "
            "its 95% interval excludes 0). Right: the chance of having got there by each "
            "date, in A (dashed) and in B (solid). Agencies that cannot get there in "
            "either are left out.",
        ),
    ]
    for key, ms in c["milestones"].items():
        body.append(f"<h2>{_e(ms['title'])} <span class=dim>[{_e(key)}]</span></h2>")
        head = (
            "<tr><th></th><th>agency</th><th>A</th><th>B</th><th>B − A (points)</th>"
            "<th>95% interval</th><th>median date A → B</th></tr>"
        )
        rows = []
        for measure, label in (("first", "first"), ("reached", "reaches it")):
            who = shown_agencies(ms) + (["none"] if measure == "first" else [])
            for w in who:
                e = ms[measure][w]
                when = ""
                if measure == "reached" and (e["a"].get("median") or e["b"].get("median")):
                    when = f"{e['a'].get('median') or '–'} → {e['b'].get('median') or '–'}"
                lo, hi = e["ci95"]
                interval = f"[{_pts(lo)}, {_pts(hi)}]" + (" *" if e["clear"] else "")
                rows.append(
                    f"<tr><td class=dim>{label}</td><td>{_e(names.get(w, w))}</td>"
                    f"<td class=n>{_pct(e['a']['p'])}</td><td class=n>{_pct(e['b']['p'])}</td>"
                    f"<td class=n>{_pts(e['diff'])}</td><td class=n>{interval}</td>"
                    f"<td>{_e(when)}</td></tr>"
                )
        body.append(f"<table>{head}{''.join(rows)}</table>")
    return title, body


def _sweep(data: dict, pngs: Mapping[str, bytes]) -> tuple[str, list[str]]:
    scen, fields, rows = data["scenario"], data["fields"], data["rows"]
    names = {**_names(scen), "none": "nobody"}
    title = f"{scen.get('title') or scen.get('name')}: a sweep of {', '.join(fields)}"
    points = list(dict.fromkeys(tuple(r[f] for f in fields) for r in rows))
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p class=meta>Scenario <code>{_e(scen.get('name'))}</code> · {len(points)} "
        f"points · racesim {_e(__version__)}</p>",
        "<p class=lead>Every point ran the same replications at the same seed (common "
        "random numbers), so the differences between points come from the fields varied, "
        "not from luck.</p>",
        _figure(
            pngs,
            "sweep",
            "the chance of being first and the median date against the varied field",
            f"For each milestone, each agency's chance of being first (left, with its 95% "
            f"interval as a band) and its median date when it gets there (right), against "
            f"{fields[0]}" + (" (line styles: the other fields' values)." if fields[1:] else "."),
        ),
    ]
    milestones = list(dict.fromkeys(r["milestone"] for r in rows))
    titles = {k: (m or {}).get("title") or k for k, m in (scen.get("milestones") or {}).items()}
    for m in milestones:
        mine = [r for r in rows if r["milestone"] == m]
        who = list(dict.fromkeys(r["agency"] for r in mine if r["p_first"] or r["p_reached"]))
        body.append(f"<h2>{_e(titles.get(m, m))} <span class=dim>[{_e(m)}]</span></h2>")
        head = "".join(f"<th>{_e(f)}</th>" for f in fields) + "".join(
            f"<th>{_e(names.get(w, w))} first</th>" for w in who
        )
        lines = []
        for point in points:
            at = {r["agency"]: r for r in mine if tuple(r[f] for f in fields) == point}
            cells = "".join(f"<td class=n>{_e(v)}</td>" for v in point)
            for w in who:
                r = at.get(w)
                cells += (
                    f"<td class=n>{_pct(r['p_first'])} <span class=dim>"
                    f"{_interval([r['p_first_lo'], r['p_first_hi']])}</span></td>"
                    if r
                    else "<td></td>"
                )
            lines.append(f"<tr>{cells}</tr>")
        body.append(f"<table><tr>{head}</tr>{''.join(lines)}</table>")
    return title, body


def _sensitivity(data: dict, pngs: Mapping[str, bytes]) -> tuple[str, list[str]]:
    from racesim.output.analysis_files import _sensitivity_title

    res = data["result"]
    title = _sensitivity_title(data)
    sobol = res["method"] == "sobol"
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p class=meta>Method {'Sobol' if sobol else 'one at a time (OAT)'} · "
        f"{res['replications']:,} replications per evaluation at seed {_e(res['seed'])} · "
        f"racesim {_e(__version__)}</p>",
    ]
    if sobol:
        body.append(
            _figure(
                pngs,
                "sobol",
                "Sobol indices",
                "First-order (S1: the parameter alone) and total (ST: with its "
                "interactions) shares of the outcome's variance, with 95% intervals.",
            )
        )
        head = "<tr><th>rank</th><th>parameter</th><th>range</th><th>S1</th><th>ST</th></tr>"
        rows = [
            f"<tr><td class=n>{r['rank']}</td><td>{_e(r['label'])}</td>"
            f"<td>{_e(r['low'])} .. {_e(r['high'])}</td>"
            f"<td class=n>{r['S1']:.3f} ± {r['S1_conf']:.3f}</td>"
            f"<td class=n>{r['ST']:.3f} ± {r['ST_conf']:.3f}</td></tr>"
            for r in res["parameters"]
        ]
    else:
        body.append(
            f"<p class=lead>Base: {_pct(res['base'])} ({_interval(res['base_ci95'])}). Each "
            "parameter in turn at its low and its high value, everything else at base; "
            "ranked by the swing P(high) − P(low).</p>"
        )
        body.append(
            _figure(
                pngs,
                "tornado",
                "tornado chart of the swings",
                "For each parameter (the largest swing on top) a bar from the outcome at its "
                "low value (blue) to the outcome at its high value (orange), around the base.",
            )
        )
        head = (
            "<tr><th>rank</th><th>parameter</th><th>range</th><th>at low</th>"
            "<th>at high</th><th>swing (points)</th><th>95% interval</th></tr>"
        )
        rows = [
            f"<tr><td class=n>{r['rank']}</td><td>{_e(r['label'])}</td>"
            f"<td>{_e(r.get('range') or '')}</td><td class=n>{_pct(r['p_low'])}</td>"
            f"<td class=n>{_pct(r['p_high'])}</td><td class=n>{_pts(r['swing'])}</td>"
            f"<td class=n>[{_pts(r['swing_lo'])}, {_pts(r['swing_hi'])}]"
            f"{' *' if r['clear'] else ''}</td></tr>"
            for r in res["parameters"]
        ]
    body.append(f"<h2>Parameters</h2><table>{head}{''.join(rows)}</table>")
    return title, body


def build_analysis_report(data: dict, pngs: Mapping[str, bytes]) -> str:
    """The HTML report of an analysis folder (``racesim.output.analysis_files.load``),
    with its figure's PNG (stem -> bytes) inside the page."""
    make = {"compare": _compare, "sweep": _sweep, "sensitivity": _sensitivity}[data["kind"]]
    title, body = make(data, pngs)
    body.append(_manifest(data.get("manifest") or {}))
    return _page(title, body)
