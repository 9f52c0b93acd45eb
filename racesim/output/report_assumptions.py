"""The report's "Key assumptions": the scenario's milestones, agencies and budgets,
missions and, where a scenario uses them, the mechanisms of scenario format 2
(factors, hazards, partner terms, persistence, transit, partial landings)."""

from __future__ import annotations

from collections.abc import Mapping

from racesim.output.report_text import _dist, _e, _pct, _swatch


def _budget(b: Mapping | None) -> tuple[str, str, str, str]:
    if not b:
        return ("–", "–", "–", "–")
    shocks = []
    for sh in b.get("shocks") or []:
        window = f"{sh.get('from') or '…'} to {sh.get('until') or '…'}"
        prob = sh.get("probability", 1)
        shocks.append(
            f"{_e(sh.get('name'))}: × {_dist(sh.get('factor'))}, years beginning "
            f"{_e(window)}" + (f", chance {_pct(prob, 0)} a year" if prob != 1 else "")
        )
    return (
        _dist(b.get("annual")),
        _pct(b.get("growth", 0), 1) + " a year",
        _pct(b.get("volatility", 0), 0),
        "<br>".join(shocks) or "–",
    )


def _zero(v) -> bool:
    return v is None or v == 0 or v == 0.0


def _partner(who: str, t) -> str:
    """'Roscosmos 10%', or with terms 'Roscosmos 10% (owner covers; leaves at 5%/yr)'."""
    if not isinstance(t, Mapping):
        return f"{_e(who)} {_pct(t, 0)}"
    terms = []
    if t.get("shortfall", "stall") == "owner_covers":
        terms.append("the owner covers what it cannot pay")
    if not _zero(t.get("leave_rate")):
        rate = t["leave_rate"]
        terms.append(
            f"leaves at {_pct(rate, 0)} a year"
            if isinstance(rate, (int, float))
            else f"leaves at a rate of {_dist(rate)} a year"
        )
    return f"{_e(who)} {_pct(t.get('share'), 0)}" + (f" ({'; '.join(terms)})" if terms else "")


def _factor_uses(scen: Mapping) -> dict[str, list[str]]:
    """Factor name -> the fields that name it (``agency.mission field``, ``agency slip``)."""
    uses: dict[str, list[str]] = {}

    def walk(v, where: str) -> None:
        if isinstance(v, Mapping):
            if len(v) == 1 and isinstance(v.get("factor"), str):
                uses.setdefault(v["factor"], []).append(where)
                return
            for k, x in v.items():
                walk(x, f"{where} {k}" if k not in ("missions",) else where)
        elif isinstance(v, list):
            for x in v:
                walk(x, f"{where}.{x['id']}" if isinstance(x, Mapping) and "id" in x else where)

    for a, ag in (scen.get("agencies") or {}).items():
        ag = ag or {}
        if ag.get("slip"):
            uses.setdefault(ag["slip"], []).append(f"{a} slip")
        for m in ag.get("missions") or []:
            if m.get("slip"):
                uses.setdefault(m["slip"], []).append(f"{a}.{m.get('id')} slip")
        walk({k: v for k, v in ag.items() if k != "slip"}, a)
    return uses


def _factors(scen: Mapping) -> str:
    factors = scen.get("factors") or {}
    if not factors:
        return ""
    uses = _factor_uses(scen)
    rows = "".join(
        f"<tr><td><code>{_e(k)}</code></td><td>{_dist(v)}</td>"
        f"<td>{_e(', '.join(uses.get(k, [])) or '–')}</td></tr>"
        for k, v in factors.items()
    )
    return (
        "<h3>Factors</h3><p class=dim>Each factor is drawn once per replication and "
        "shared by every field that names it (a slip multiplies development times)."
        f"</p><table><tr><th>factor</th><th>distribution</th><th>used by</th></tr>{rows}</table>"
    )


def _hazards(agencies: Mapping, names: dict[str, str], colors: dict[str, str]) -> str:
    rows = []
    for k, a in agencies.items():
        for h in (a or {}).get("hazards") or []:
            window = f"{h.get('from') or 'start'} to {h.get('until') or 'horizon'}"
            effect = h.get("effect", "cancel")
            what = (
                "cancels"
                if effect == "cancel"
                else f"pauses: {_dist(h.get('pause'))} years each time"
            )
            listed = h.get("missions")
            rows.append(
                f"<tr><td class=nw>{_swatch(colors.get(k, '#000'))}{_e(names.get(k, k))}</td>"
                f"<td>{_e(h.get('name'))}</td><td>{_dist(h.get('rate'))}</td>"
                f"<td class=nw>{_e(window)}</td><td>{what}</td>"
                f"<td>{_e(', '.join(listed)) if listed else 'all its missions'}</td></tr>"
            )
    if not rows:
        return ""
    return (
        "<h3>Hazards</h3><p class=dim>Events that cancel or pause programmes: a Poisson "
        "process of the rate shown (events per year; a distribution is drawn once per "
        "replication) inside the window. A cancellation ends every listed mission that has "
        "not yet succeeded; a pause stops them for the time shown at each event.</p>"
        "<table><tr><th>agency</th><th>hazard</th><th>rate (per year)</th><th>window</th>"
        f"<th>effect</th><th>missions</th></tr>{''.join(rows)}</table>"
    )


def assumptions(scen: Mapping, names: dict[str, str], colors: dict[str, str]) -> str:
    agencies = scen.get("agencies") or {}
    out = ["<h2>Key assumptions</h2>"]
    ms = scen.get("milestones") or {}
    if ms:
        partials = any((v or {}).get("partial_counts") for v in ms.values())
        extra = "<th>a partial landing counts</th>" if partials else ""
        out.append(
            f"<h3>Milestones</h3><table><tr><th>key</th><th>title</th>{extra}</tr>"
            + "".join(
                f"<tr><td><code>{_e(k)}</code></td><td>{_e((v or {}).get('title'))}</td>"
                + (
                    f"<td>{'yes' if (v or {}).get('partial_counts') else 'no'}</td>"
                    if partials
                    else ""
                )
                + "</tr>"
                for k, v in ms.items()
            )
            + "</table>"
        )
    out.append(_factors(scen))
    out.append(
        "<h3>Agencies and budgets</h3>"
        "<p class=dim>Lunar funding in USD millions a year in the first budget year "
        "(a distribution is drawn once per replication), growing at the real rate "
        "shown, with yearly noise of the volatility shown and any budget shocks."
        "</p><table><tr><th>agency</th><th>annual budget (USD m)</th><th>growth</th>"
        "<th>volatility</th><th>shocks</th></tr>"
    )
    for k, a in agencies.items():
        annual, growth, vol, shocks = _budget((a or {}).get("budget"))
        slip = (a or {}).get("slip")
        slip = f"<br><span class=dim>development times × factor {_e(slip)}</span>" if slip else ""
        out.append(
            f"<tr><td class=nw>{_swatch(colors.get(k, '#000'))}{_e(names.get(k, k))} "
            f"<span class=dim>({_e(k)})</span>{slip}</td><td>{annual}</td><td>{growth}</td>"
            f"<td>{vol}</td><td>{shocks}</td></tr>"
        )
    out.append("</table>")
    out.append(_hazards(agencies, names, colors))
    out.append(
        "<h3>Missions</h3><p class=dim>In each agency's priority order. Cost and "
        "development time are for the first attempt at full funding; success is the "
        'chance that one attempt succeeds.</p><table class="wide missions"><tr>'
        "<th>mission</th><th>cost (USD m)</th><th>development (years)</th>"
        "<th>dates</th><th>requires</th><th>success</th><th>attempts</th>"
        "<th>partners pay</th><th>achieves</th></tr>"
    )
    for k, a in agencies.items():
        if (a or {}).get("missions"):
            out.append(
                f"<tr class=agency><td colspan=9>{_swatch(colors.get(k, '#000'))}"
                f"{_e(names.get(k, k))} <span class=dim>({_e(k)})</span></td></tr>"
            )
        for m in (a or {}).get("missions") or []:
            out.append(_mission_row(m, names))
    out.append("</table>")
    return "\n".join(x for x in out if x)


def _mission_row(m: Mapping, names: dict[str, str]) -> str:
    dates = []
    if m.get("succeeded"):
        dates.append(_e(f"succeeded {m['succeeded']}"))
    if m.get("not_before"):
        dates.append(_e(f"not before {m['not_before']}"))
    if not _zero(m.get("transit")):
        dates.append(f"lands {_dist(m['transit'])} years after launch")
    partners = ", ".join(_partner(names.get(p, p), t) for p, t in (m.get("partners") or {}).items())
    done = bool(m.get("succeeded"))
    development = "–" if done else _dist(m.get("duration"))
    if not done and m.get("slip"):
        development += f"<br><span class=dim>× factor {_e(m['slip'])}</span>"
    success = "–" if done else _dist(m.get("success"), percent=True)
    if not done and m.get("partial") is not None:
        success += f"<br>partial landing: {_dist(m['partial'], percent=True)}"
    attempts = "–" if done else _e(m.get("attempts", 1))
    stand = (m.get("refly") or {}).get("stand_down")
    if not done and not _zero(stand):
        attempts += f"<br>stand-down {_dist(stand)} years after a failure"
    return (
        f"<tr><td>{_e(m.get('name') or m.get('id'))}"
        + (f" <span class=dim>({_e(m['id'])})</span>" if m.get("name") else "")
        + f"</td><td>{'–' if done else _dist(m.get('cost'))}</td>"
        f"<td>{development}</td>"
        f"<td>{'<br>'.join(f'<span class=nw>{d}</span>' for d in dates) or '–'}</td>"
        f"<td>{_e(', '.join(m.get('requires') or [])) or '–'}</td>"
        f"<td>{success}</td><td>{attempts}</td>"
        f"<td>{partners or '–'}</td>"
        f"<td>{_e(', '.join(m.get('achieves') or [])) or '–'}</td></tr>"
    )
