"""``racesim sweep SCENARIO --vary PATH=LOW:HIGH:STEPS``: a scenario over a grid."""

from __future__ import annotations

import click

from racesim.cli.common import (
    CONTEXT,
    FORCE,
    JOBS,
    SCENARIO,
    Progress,
    failures,
    note,
    out_option,
    replications_option,
    seed_option,
    set_option,
    staged_later,
)


@click.command("sweep", context_settings=CONTEXT)
@SCENARIO
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="PATH=LOW:HIGH:STEPS",
    help="A field to vary over STEPS evenly spaced values from LOW to HIGH (both "
    "included); see the examples. Repeat for a grid of every combination.",
)
@replications_option("Replications at each point.", default=1000)
@seed_option("Root seed, the same at every point [default: the scenario's `seed`].")
@JOBS
@out_option("Results folder [default: results/<scenario name>-sweep].")
@FORCE
@set_option("Change a field at every point (like run --set). Repeatable.")
@click.option("--no-plots", is_flag=True, help="Do not draw sweep.png/svg or write report.html.")
def command(
    scenario: str,
    varies: tuple[str, ...],
    n: int,
    seed: int | None,
    jobs: int,
    out: str | None,
    force: bool,
    overrides: tuple[str, ...],
    no_plots: bool,
) -> None:
    """Run SCENARIO at every value of one or more fields and show how the race changes.

    \b
    Examples:
      racesim sweep scenarios/base.yaml \\
          --vary agencies.roscosmos.budget.annual=50:250:5
      racesim sweep scenarios/base.yaml \\
          --vary agencies.isro.missions.lupex.success=0.4:0.9:6 \\
          --vary agencies.isro.missions.lupex.duration=2:5:4

    PATH is a field as in --set (missions by id). Every point runs the same N
    replications at the same seed (common random numbers), so differences between
    points come from the field, not from luck: a curve is smooth, and raising an
    agency's own success chance can never lower its chance of being first.

    Writes sweep.csv (one row per point, milestone and agency: the varied values,
    P(first) with its 95% interval, P(reached), the median date) and sweep.png/svg
    (P(first) and the median date against the first --vary field, one line per agency,
    with a line style per value of a second --vary field) and report.html (the chart
    and a table of P(first) at every point).
    """
    from racesim import api

    progress = Progress(0, "sweep")
    with failures(), staged_later(out, "sweep", force) as stage:
        try:
            result = api.sweep(
                scenario,
                varies,
                n,
                seed,
                jobs,
                overrides=overrides,
                progress=progress,
                announce=stage.announcing(progress),
            )
        finally:
            progress.close()
        result.write(stage.tmp, plots=not no_plots)
    click.echo(result.text())
    points = len(result.sweep.points)
    note(f"\n{points} points x {n:,} replications; results in {stage.folder}/")
