"""Head to head (``racesim run --versus A:B``): which of two agencies gets to each
milestone before the other, from a :class:`racesim.run.versus.VersusTally`, as the
``versus`` part of ``summary.json``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from racesim.run.stats import day_quantile, wilson
from racesim.scenario import Scenario
from racesim.scenario.errors import did_you_mean


def parse_pairs(scenario: Scenario, items: Iterable[str | Sequence[str]]) -> list[tuple[str, str]]:
    """Pairs of agency keys from ``"A:B"`` texts (or ``(A, B)`` pairs), checked against
    ``scenario``: each side an agency of it, the two different, no pair twice.  Raises
    ``ValueError`` naming the pair and what is wrong."""
    agencies = list(scenario.agencies)
    pairs: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, str):
            parts = item.split(":")
            if len(parts) != 2 or not all(p.strip() for p in parts):
                raise ValueError(
                    f"{item!r} is not a pair of agencies: write A:B, e.g. "
                    f"{agencies[0]}:{agencies[-1]}"
                )
            a, b = (p.strip() for p in parts)
        else:
            a, b = item
        for x in (a, b):
            if x not in agencies:
                hint = did_you_mean(str(x), agencies)
                raise ValueError(
                    f"{a}:{b}: {scenario.name} has no agency {x!r}{hint} (its agencies: "
                    f"{', '.join(agencies)})"
                )
        if a == b:
            raise ValueError(f"{a}:{b}: an agency against itself; name two different agencies")
        if (a, b) in pairs:
            raise ValueError(f"{a}:{b} is asked for twice")
        pairs.append((a, b))
    return pairs


def versus_key(a: str, b: str) -> str:
    """The key of a head-to-head pair in ``summary.json`` and on the command line."""
    return f"{a}:{b}"


def summarize_versus(scenario: Scenario, vt) -> dict:
    """``summary.json``'s ``versus``: for each pair ``"A:B"`` and milestone, the chance
    that A gets there before B (counting the runs where only A gets there), that B gets
    there before A, that both get there at the same moment, and that neither does (each
    with its Wilson interval); the runs in each case; and, where both get there, the
    distribution of A's lead (B's date minus A's, in years: positive when A is ahead).
    ``vt`` is a :class:`racesim.run.versus.VersusTally`."""
    from racesim.run.versus import CASES
    from racesim.scenario.timeutil import DAYS_PER_YEAR

    agencies = list(scenario.agencies)
    n = vt.n

    def share(c: int) -> dict:
        return {"p": c / n, "ci95": list(wilson(c, n))}

    out = {}
    for p, (a, b) in enumerate(vt.pairs):
        per = {}
        for m, key in enumerate(scenario.milestones):
            c = dict(zip(CASES, (int(x) for x in vt.cases[p, m])))
            a_first = c["a_earlier"] + c["only_a"]
            b_first = c["b_earlier"] + c["only_b"]
            either = n - c["neither"]
            both = c["a_earlier"] + c["b_earlier"] + c["same_time"]
            hist = vt.lead[p, m]
            lead = {"runs": both}
            if both:
                k = np.arange(hist.size) - vt.span
                lead["mean"] = float(hist @ k) / both / DAYS_PER_YEAR
                for name, q in (("p10", 0.1), ("median", 0.5), ("p90", 0.9)):
                    lead[name] = (day_quantile(hist, q) - vt.span) / DAYS_PER_YEAR
            else:
                lead.update(mean=None, p10=None, median=None, p90=None)
            per[key] = {
                "a_first": share(a_first),
                "b_first": share(b_first),
                "same_time": share(c["same_time"]),
                "neither": share(c["neither"]),
                # among the runs where at least one of the two gets there
                "a_first_if_either": {
                    "p": a_first / either if either else None,
                    "ci95": list(wilson(a_first, either)) if either else None,
                },
                "runs": c,
                "lead_years": lead,
            }
        out[versus_key(agencies[a], agencies[b])] = {
            "a": agencies[a],
            "b": agencies[b],
            "milestones": per,
        }
    return out


VERSUS_TABLE_COLUMNS = (
    "a",
    "b",
    "milestone",
    "a_first",
    "a_first_lo",
    "a_first_hi",
    "b_first",
    "b_first_lo",
    "b_first_hi",
    "same_time",
    "neither",
    "both_runs",
    "lead_mean_years",
    "lead_p10_years",
    "lead_median_years",
    "lead_p90_years",
)


def versus_rows(versus: dict) -> list[tuple]:
    """``summary["versus"]`` flat: one row per pair and milestone, in
    :data:`VERSUS_TABLE_COLUMNS` (``Run.head_to_head()``)."""
    rows = []
    for pair in versus.values():
        for key, v in pair["milestones"].items():
            lead = v["lead_years"]
            rows.append(
                (
                    pair["a"],
                    pair["b"],
                    key,
                    v["a_first"]["p"],
                    *v["a_first"]["ci95"],
                    v["b_first"]["p"],
                    *v["b_first"]["ci95"],
                    v["same_time"]["p"],
                    v["neither"]["p"],
                    lead["runs"],
                    lead["mean"],
                    lead["p10"],
                    lead["median"],
                    lead["p90"],
                )
            )
    return rows


def tally_from_files(scenario: Scenario, versus: dict, lead_rows: list[dict], span: int):
    """The :class:`racesim.run.versus.VersusTally` a results folder's ``summary.json``
    (``versus``) and ``versus.csv`` rows hold (``racesim.open``): the same integers."""
    from racesim.run.versus import CASES, VersusTally

    agencies, milestones = list(scenario.agencies), list(scenario.milestones)
    pairs = [(agencies.index(v["a"]), agencies.index(v["b"])) for v in versus.values()]
    vt = VersusTally.empty(pairs, len(milestones), span)
    index = {(v["a"], v["b"]): p for p, v in enumerate(versus.values())}
    for p, v in enumerate(versus.values()):
        for m, key in enumerate(milestones):
            vt.cases[p, m] = [v["milestones"][key]["runs"][c] for c in CASES]
    vt.n = int(vt.cases[0, 0].sum()) if pairs else 0
    for r in lead_rows:
        p = index[(r["a"], r["b"])]
        vt.lead[p, milestones.index(r["milestone"]), r["lead_days"] + span] += r["runs"]
    return vt
