"""Plain-text tables of a summary (the command line prints these)."""

from __future__ import annotations

from .scenario import Scenario


def _pct(p: float) -> str:
    return f"{100 * p:5.1f}%"


def format_summary(summary: dict, scenario: Scenario | None = None) -> str:
    names = {k: (a.name or k) for k, a in scenario.agencies.items()} if scenario else {}
    lines = []
    n = summary["replications"]
    lines.append(f"{summary['scenario']}: {n:,} replications, seed {summary['seed']}, "
                 f"horizon {summary.get('horizon', '?')}")
    for key, ms in summary["milestones"].items():
        lines.append("")
        lines.append(f"{ms['title']}  [{key}]")
        lines.append(f"  {'agency':<12}{'first':>7}  {'95% interval':<16}{'reached':>8}  "
                     f"{'median':<11} {'10%-90% of dates':<23}")
        rows = sorted(ms["first"].items(), key=lambda kv: -kv[1]["p"])
        for agency, f in rows:
            lo, hi = f["ci95"]
            interval = f"[{100 * lo:.1f}, {100 * hi:.1f}]"
            if agency == "none":
                lines.append(f"  {'(nobody)':<12}{_pct(f['p']):>7}  {interval:<16}")
                continue
            r = ms["reached"][agency]
            if r["median"]:
                when = f"{r['median']:<11} {r['p10']} to {r['p90']}"
            else:
                when = "-"
            lines.append(f"  {names.get(agency, agency):<12}{_pct(f['p']):>7}  "
                         f"{interval:<16}{_pct(r['p']):>8}  {when}")
    return "\n".join(lines)
