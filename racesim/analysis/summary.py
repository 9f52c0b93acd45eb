"""A run's tally as the numbers of ``summary.json`` (the README's "The results
folder"): per milestone each agency's chance of being first and of reaching it, with
Wilson intervals, and the quantiles of the dates.  Analyses summarise their runs with
it; :mod:`racesim.output.results` writes it."""

from __future__ import annotations

import datetime as dt

from racesim.run.stats import Tally, day_quantile, wilson
from racesim.scenario import Scenario


def _date(scenario: Scenario, day: int | None) -> str | None:
    if day is None:
        return None
    return (scenario.start + dt.timedelta(days=day)).isoformat()


def summarize(scenario: Scenario, tally: Tally, seed: int) -> dict:
    """``summary.json`` (the README's "The results folder"), plus ``first_date``: when
    anyone first reaches it."""
    agencies = list(scenario.agencies)
    n = tally.n
    out = {
        "scenario": scenario.name,
        "replications": n,
        "seed": seed,
        "start": scenario.start.isoformat(),
        "horizon": scenario.horizon.isoformat(),
        "milestones": {},
    }
    for m, (key, ms) in enumerate(scenario.milestones.items()):
        first = {}
        for a, name in enumerate([*agencies, "none"]):
            c = int(tally.first[m, a])
            first[name] = {"p": c / n, "ci95": list(wilson(c, n))}
        reached = {}
        for a, name in enumerate(agencies):
            c = int(tally.reached[m, a])
            h = tally.hist[m, a]
            q = {
                k: _date(scenario, None if c == 0 else day_quantile(h, f) + tally.day0)
                for k, f in (("median", 0.5), ("p10", 0.1), ("p90", 0.9))
            }
            reached[name] = {"p": c / n, "ci95": list(wilson(c, n)), **q}
        fh = tally.first_hist[m]
        won = int(fh.sum())
        first_date = {
            k: _date(scenario, None if won == 0 else day_quantile(fh, f) + tally.day0)
            for k, f in (("median", 0.5), ("p10", 0.1), ("p90", 0.9))
        }
        out["milestones"][key] = {
            "title": ms.title or key,
            "first": first,
            "reached": reached,
            "first_date": first_date,
        }
    return out
