"""A run's tally as the numbers of ``summary.json`` (the README's "The results
folder"): per milestone each agency's chance of being first and of reaching it, with
Wilson intervals, and the quantiles of the dates.  Analyses summarise their runs with
it; :mod:`racesim.output.results` writes it."""

from __future__ import annotations

import datetime as dt

from racesim.run.stats import DateTally, Tally, day_quantile, wilson
from racesim.run.worlds import WorldTally
from racesim.scenario import Scenario


def _date(scenario: Scenario, day: int | None) -> str | None:
    if day is None:
        return None
    return (scenario.start + dt.timedelta(days=day)).isoformat()


def summarize(
    scenario: Scenario,
    tally: Tally,
    seed: int,
    parts: list[Tally] | None = None,
    worlds: WorldTally | None = None,
) -> dict:
    """``summary.json`` (the README's "The results folder"), plus ``first_date``: when
    anyone first reaches it.  For a mixture (``parts``: each component's tally),
    ``mixture`` lists the components (name, file, weight, replications run) and each
    milestone has ``components``: per component, P(first) and P(reached) of every
    agency among that component's replications.  With ``worlds`` (the per-world
    counts of ``--worlds K``), every ``p`` of ``first`` and ``reached`` gets a
    ``worlds: {p10, p50, p90}`` beside it (the spread across worlds: what we don't
    know; :func:`racesim.run.worlds.spread`), and the top level a ``worlds`` entry
    (how many, the replications per world, and how the quantiles are computed)."""
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
    if parts is not None:
        _mixture_parts(out, scenario, parts)
    if worlds is not None:
        _world_spread(out, scenario, worlds)
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


#: how summary.json's worlds quantiles are computed (written into it)
WORLDS_METHOD = (
    "p10, p50, p90 of the per-world proportions, each world counting once (linear "
    "interpolation); a world of m replications adds binomial noise of sd "
    "sqrt(p(1-p)/m), which widens the spread when m is small. ci95 is Wilson's "
    "interval at the effective number of replications (cluster-robust: the "
    "replications of a world share its factors)"
)


def factor_names(scenario) -> list[str]:
    """The factors drawn once per world: the scenario's (a mixture's: every
    component's, in order of first appearance)."""
    scenarios = (
        [c.scenario for c in scenario.components] if hasattr(scenario, "components") else [scenario]
    )
    out: list[str] = []
    for s in scenarios:
        out += [f for f in getattr(s, "factors", {}) if f not in out]
    return out


def _world_spread(out: dict, scenario, worlds: WorldTally) -> None:
    first, reached = worlds.spread()
    n_first, n_reached = worlds.effective_n()
    agencies = list(scenario.agencies)
    out["worlds"] = {
        "count": int(worlds.n.size),
        "replications_per_world": [int(worlds.n.min()), int(worlds.n.max())],
        "factors": factor_names(scenario),
        "quantiles": WORLDS_METHOD,
    }
    for m, key in enumerate(scenario.milestones):
        ms = out["milestones"][key]
        for a, name in enumerate([*agencies, "none"]):
            e = ms["first"][name]
            e["ci95"] = _clustered(e["p"], float(n_first[m, a]))
            e["worlds"] = first[(m, a)]
        for a, name in enumerate(agencies):
            e = ms["reached"][name]
            e["ci95"] = _clustered(e["p"], float(n_reached[m, a]))
            e["worlds"] = reached[(m, a)]


def _clustered(p: float, n_eff: float) -> list[float]:
    """Wilson's interval at the effective number of replications (the replications of
    a world share its factors: :func:`racesim.run.worlds.effective_n`)."""
    return list(wilson(p * n_eff, n_eff))


def _mixture_parts(out: dict, mixture, parts: list[Tally]) -> None:
    agencies = list(mixture.agencies)
    out["mixture"] = [
        {
            "name": c.name,
            "title": c.scenario.title,
            "file": c.file,
            "weight": c.weight,
            "replications": t.n,
        }
        for c, t in zip(mixture.components, parts)
    ]
    for m, key in enumerate(mixture.milestones):
        by = {}
        for c, t in zip(mixture.components, parts):
            own = c.scenario.agencies
            by[c.name] = {
                "first": {
                    a: _p(int(t.first[m, i]), t.n)
                    for i, a in enumerate([*agencies, "none"])
                    if a == "none" or a in own
                },
                "reached": {
                    a: _p(int(t.reached[m, i]), t.n) for i, a in enumerate(agencies) if a in own
                },
            }
        out["milestones"][key]["components"] = by


def _p(c: int, n: int) -> dict:
    return {"p": c / n if n else None, "ci95": list(wilson(c, n))}
