"""A run's tally as the numbers of ``summary.json`` (the README's "The results
folder"): per milestone each agency's chance of being first and of reaching it, with
Wilson intervals, and the quantiles of the dates.  Analyses summarise their runs with
it; :mod:`racesim.output.results` writes it."""

from __future__ import annotations

import datetime as dt

from racesim.run.stats import DateTally, Tally, day_quantile, wilson
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


# -- P by a date (``--by DATE``) --------------------------------------------------------------
class ByDateError(ValueError):
    """A ``--by`` date that is not an ISO date or lies outside the scenario's clock."""


def by_dates(scenario: Scenario, dates) -> list[dt.date]:
    """``dates`` (ISO texts or dates) checked against ``scenario`` and sorted, each once.

    A date must be on or after the scenario's start and on or before its horizon (the
    run does not look past the horizon); raises :class:`ByDateError` saying which and
    why."""
    out = set()
    for d in dates:
        if isinstance(d, str):
            try:
                d = dt.date.fromisoformat(d.strip())
            except ValueError:
                raise ByDateError(
                    f"by date {d!r} is not an ISO date (YYYY-MM-DD, e.g. 2028-12-31)"
                ) from None
        if isinstance(d, dt.datetime):
            d = d.date()
        if not isinstance(d, dt.date):
            raise ByDateError(f"by date {d!r} is not a date (YYYY-MM-DD, e.g. 2028-12-31)")
        if d < scenario.start:
            raise ByDateError(
                f"by date {d} is before the scenario's start ({scenario.start}); "
                "give a date from the start to the horizon"
            )
        if d > scenario.horizon:
            raise ByDateError(
                f"by date {d} is after the scenario's horizon ({scenario.horizon}): the run "
                "does not look past it; give a date from the start to the horizon"
            )
        out.add(d)
    return sorted(out)


def date_tally(scenario: Scenario, dates) -> DateTally:
    """An empty :class:`DateTally` for the (checked, sorted) ``dates``."""
    cutoffs = [(d - scenario.start).days for d in dates]
    return DateTally.empty(cutoffs, len(scenario.milestones), len(scenario.agencies))


def by_summary(scenario: Scenario, dates, tally: DateTally) -> dict[str, dict]:
    """Per milestone, ``{DATE: {"first": {AGENCY|none: {p, ci95}}, "reached": {AGENCY:
    {p, ci95}}}}``: the chance of each outcome on or before DATE (``first.none``:
    nobody had reached it by then; the ``first`` values sum to 1)."""
    agencies = list(scenario.agencies)
    n = tally.n
    out: dict[str, dict] = {}
    for m, key in enumerate(scenario.milestones):
        per = {}
        for k, d in enumerate(dates):
            first = {}
            for a, name in enumerate([*agencies, "none"]):
                c = int(tally.first[k, m, a])
                first[name] = {"p": c / n, "ci95": list(wilson(c, n))}
            reached = {}
            for a, name in enumerate(agencies):
                c = int(tally.reached[k, m, a])
                reached[name] = {"p": c / n, "ci95": list(wilson(c, n))}
            per[d.isoformat()] = {"first": first, "reached": reached}
        out[key] = per
    return out
