"""The report's parts about uncertainty beyond one scenario: the two kinds of
interval of a run with ``--worlds``, and a mixture's components (the rest of the
report is :mod:`racesim.output.report`)."""

from __future__ import annotations

from racesim.output import report as r


def worlds_section(run: dict) -> str:
    """What the two intervals of a run with worlds mean."""
    w = run["summary"].get("worlds")
    if not w:
        return ""
    lo, hi = w["replications_per_world"]
    per = f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"
    factors = ", ".join(f"<code>{r._e(f)}</code>" for f in w.get("factors") or [])
    mixture = bool(run["summary"].get("mixture"))
    note = f"The factors drawn once per world: {factors}." if factors else "It has no factors."
    if mixture:
        note += " A mixture's component is drawn once per world too."
    elif not factors:
        note = (
            "<b>This scenario declares no factors</b>: the worlds differ by chance "
            "alone, so their spread is Monte Carlo noise, not uncertainty."
        )
    return (
        f"<h2>Two kinds of uncertainty</h2><p>The replications were split into "
        f"{w['count']:,} worlds of {per} replications; in each world every factor was "
        f"drawn once and shared. {note}</p><ul><li><b>Monte Carlo error</b> (95% "
        "interval): how far chance may have moved the estimate of each chance; more "
        "worlds shrink it.</li><li><b>What we don't know</b> (10%–90% of worlds): how "
        "the chance varies from world to world with the factors; more replications do "
        f"not shrink it. In the charts, the black line under a bar.</li></ul>"
        f"<p class=dim>{r._e(w.get('quantiles'))}.</p>"
    )


def mixture_section(run: dict) -> str:
    """A mixture's components: name, file, weight and the replications each ran."""
    comps = run["summary"].get("mixture")
    if not comps:
        return ""
    rows = "".join(
        f"<tr><td><code>{r._e(c['name'])}</code></td><td>{r._e(c.get('title'))}</td>"
        f"<td><code>{r._e(c['file'])}</code></td><td class=n>{r._pct(c['weight'])}</td>"
        f"<td class=n>{c['replications']:,}</td></tr>"
        for c in comps
    )
    return (
        "<h2>A mixture of scenarios</h2><p>Each replication runs one of these scenarios, "
        "drawn with its weight, so the results carry the uncertainty about which of "
        "them holds. Under each milestone, the second table gives each component's own "
        "chances (among the replications it ran); the first table is their mixture."
        "</p><table><tr><th>component</th><th>title</th><th>file</th><th>weight</th>"
        f"<th>replications run</th></tr>{rows}</table>"
    )


def components_table(ms: dict, names: dict[str, str], colors: dict[str, str]) -> str:
    """Per agency, its chance of being first in each component's replications."""
    comps = ms["components"]
    head = (
        "<tr><th>first, in each component</th>"
        + "".join(f"<th>{r._e(c)}</th>" for c in comps)
        + "<th>the mixture</th></tr>"
    )
    order = [a for a in sorted(ms["reached"], key=lambda a: -ms["first"][a]["p"])]
    rows = []
    for a in [*order, "none"]:
        label = "nobody by the horizon" if a == "none" else names.get(a, a)
        cells = "".join(
            f"<td class=n>{r._pct((part['first'].get(a) or {}).get('p'))}</td>"
            for part in comps.values()
        )
        rows.append(
            f"<tr><td class=nw>{r._swatch(colors[a])}{r._e(label)}</td>{cells}"
            f"<td class=n>{r._pct(ms['first'][a]['p'])}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"
