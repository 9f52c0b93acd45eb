"""``racesim backtest SCENARIO``: score the forecasts against what happened."""

from __future__ import annotations

import click

from racesim.cli.common import (
    CONTEXT,
    JOBS,
    SCENARIO,
    SEED,
    failures,
    load,
    replications_option,
    set_option,
)


@click.command("backtest", context_settings=CONTEXT)
@SCENARIO
@click.option(
    "--outcomes",
    type=click.Path(dir_okay=False),
    default="seeds/outcomes.csv",
    show_default=True,
    help="What happened (CSV with a `cutoff` row).",
)
@replications_option("Number of replications [default: the scenario's `replications`].")
@SEED
@JOBS
@click.option(
    "--scoring",
    type=click.Choice(["strict", "lenient"]),
    default="strict",
    show_default=True,
    help="strict: a partial landing (IM-1) does not count; lenient: it does.",
)
@set_option("Override one field, as for `racesim run`. Repeatable.")
def command(
    scenario: str,
    outcomes: str,
    n: int | None,
    seed: int | None,
    jobs: int,
    scoring: str,
    overrides: tuple[str, ...],
) -> None:
    """Score SCENARIO's forecasts against what happened by the outcomes' cut-off date.

    Events: for each milestone, "AGENCY reached it by the cut-off" and "the first to
    reach it by the cut-off was AGENCY / nobody". Prints each event's probability, Brier
    and log score for racesim, a base rate (announced dates taken at their word, each
    attempt succeeding at the landing record's rate) and a coin flip, then the means.
    """
    from racesim import api

    s = load(scenario, overrides)
    with failures("interrupted."):
        result = api.backtest(s, outcomes, n, seed, jobs, scoring=scoring)
    click.echo(result.text())
