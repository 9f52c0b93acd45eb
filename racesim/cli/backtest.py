"""``racesim backtest S1 [S2 ...]``: score forecast origins against what happened."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from racesim.cli.common import (
    CONTEXT,
    JOBS,
    SEED,
    failures,
    load,
    out_option,
    replications_option,
    set_option,
)


@click.command("backtest", context_settings=CONTEXT)
@click.argument(
    "scenarios", metavar="SCENARIO...", nargs=-1, required=True, type=click.Path(dir_okay=False)
)
@click.option(
    "--outcomes",
    type=click.Path(dir_okay=False),
    default="seeds/outcomes.csv",
    show_default=True,
    help="What happened (CSV with a `cutoff` row).",
)
@replications_option("Replications of each scenario [default: each one's `replications`].")
@SEED
@JOBS
@click.option(
    "--scoring",
    type=click.Choice(["strict", "lenient"]),
    default="strict",
    show_default=True,
    help="strict: a partial landing (IM-1) does not count; lenient: it does.",
)
@set_option("Override one field of every scenario, as for `racesim run`. Repeatable.")
@out_option(
    "Also write scores.csv (one row per scenario and event), calibration.csv and the "
    "reliability diagram calibration.png/.svg into this folder."
)
@click.option("--force", is_flag=True, help="Replace an existing --out folder.")
def command(
    scenarios: tuple[str, ...],
    outcomes: str,
    n: int | None,
    seed: int | None,
    jobs: int,
    scoring: str,
    overrides: tuple[str, ...],
    out: str | None,
    force: bool,
) -> None:
    """Score each SCENARIO's forecasts against what happened by the outcomes' cut-off.

    \b
    Examples:
      racesim backtest scenarios/base.yaml
      racesim backtest scenarios/hindcast-2007.yaml scenarios/hindcast-2013.yaml \\
          scenarios/hindcast-2019.yaml scenarios/base.yaml --out results/backtest

    Each scenario is a forecast origin, scored on what happened after its own start.
    Events: for each milestone, "AGENCY reached it by the cut-off" and "the first to
    reach it by the cut-off was AGENCY / nobody". With one scenario it prints each
    event's probability, Brier and log score for racesim, a base rate (announced dates
    taken at their word, each attempt succeeding at the landing record's rate) and a
    coin flip, then the means; with several, each origin's means and the means pooled
    over all their events. --out writes the scores and a reliability diagram
    (predicted chance against how often such events happened, in ten bins).
    """
    from racesim import api

    loaded = [load(s, overrides) for s in scenarios]
    staged = contextlib.nullcontext()
    if out:
        from racesim.output.folders import staged_folder

        staged = staged_folder(Path(out), force)
    with failures("interrupted; nothing was written."), staged as tmp:
        result = api.backtests(loaded, outcomes, n, seed, jobs, scoring=scoring)
        if tmp is not None:
            result.write(tmp)
    click.echo(result.text())
    if out:
        click.echo(f"\nwritten to {out}/")
