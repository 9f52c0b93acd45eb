"""The report's sections on evidence: the chances by a date (``--by``) of each
milestone, and the crowd's forecasts beside racesim's (``crowd.csv`` of the results
folder).  :mod:`racesim.output.report` places them."""

from __future__ import annotations

import csv
import html
from collections.abc import Mapping
from pathlib import Path

from racesim.output.text import pct


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _ci(ci) -> str:
    return f"{100 * ci[0]:.1f}–{100 * ci[1]:.1f}%"


def by_tables(ms: Mapping, names: Mapping[str, str]) -> str:
    """Per ``--by`` date of a milestone's summary: each agency's chance of being first
    by then and of having reached it by then, and nobody's ("" without dates)."""
    by = ms.get("by") or {}
    if not by:
        return ""
    able = [a for a, r in ms["reached"].items() if r["p"] > 0]
    out = []
    for date, at in by.items():
        rows = []
        for a in sorted(able, key=lambda a: -at["first"][a]["p"]):
            f, r = at["first"][a], at["reached"][a]
            rows.append(
                f"<tr><td class=nw>{_e(names.get(a, a))}</td><td class=n>{pct(f['p'])}</td>"
                f"<td class=n>{_ci(f['ci95'])}</td><td class=n>{pct(r['p'])}</td>"
                f"<td class=n>{_ci(r['ci95'])}</td></tr>"
            )
        none = at["first"]["none"]
        rows.append(
            f"<tr class=total><td>nobody by then</td><td class=n>{pct(none['p'])}</td>"
            f"<td class=n>{_ci(none['ci95'])}</td><td></td><td></td></tr>"
        )
        out.append(
            f"<h4>By {_e(date)}</h4><table><tr><th>agency</th><th>first, by then</th>"
            "<th>95% interval</th><th>reached by then</th><th>95% interval</th></tr>"
            f"{''.join(rows)}</table>"
        )
    return "\n".join(out)


def read_crowd_table(folder: Path) -> list[dict] | None:
    """A results folder's ``crowd.csv`` as rows (None when it has none or it cannot be
    read as racesim writes it)."""
    path = Path(folder) / "crowd.csv"
    if not path.is_file():
        return None
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for r in rows:
            for k in ("p_crowd", "p", "diff"):
                r[k] = float(r[k])
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    return rows


def crowd_section(run: Mapping) -> str:
    """The crowd's questions the run answered, largest difference first ("" if none)."""
    folder = run.get("folder")
    rows = read_crowd_table(folder) if folder is not None else None
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{_e(r['question'])}<br><span class=dim>{_e(r['id'])}, said on "
        f"{_e(r['crowd_date'])}</span></td><td class=nw>{_e(r['by'])}</td>"
        f"<td class=n>{pct(r['p_crowd'])}</td><td class=n>{pct(r['p'])}</td>"
        f"<td class=n>{100 * r['diff']:+.1f}</td></tr>"
        for r in rows
    )
    return (
        "<h2>The crowd beside the forecast</h2><p class=dim>Dated crowd forecasts "
        "(prediction markets, forecasting platforms; <code>seeds/crowd.csv</code>, with "
        "their sources) made on or after the scenario's start, and racesim's chance for "
        "the same question (on or before the deadline), largest difference first. The "
        "difference is in percentage points.</p><table><tr><th>question</th><th>by</th>"
        f"<th>crowd</th><th>racesim</th><th>racesim − crowd</th></tr>{body}</table>"
    )
