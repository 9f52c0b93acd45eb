"""``racesim sensitivity SCENARIO -m MILESTONE``: which parameters matter most."""

from __future__ import annotations

import click

from racesim.cli.common import (
    CONTEXT,
    FORCE,
    JOBS,
    SCENARIO,
    Progress,
    failures,
    load,
    note,
    out_option,
    replications_option,
    seed_option,
    set_option,
    staged_later,
)


@click.command("sensitivity", context_settings=CONTEXT)
@SCENARIO
@click.option("-m", "--milestone", required=True, help="The milestone (its key).")
@click.option(
    "-a",
    "--agency",
    help="Whose chance of being first [default: the agency most likely to be "
    "first in the base scenario].",
)
@click.option(
    "--range",
    "ranges",
    multiple=True,
    metavar="PATH=LOW:HIGH",
    help="A field and its range. OAT: only these fields, at LOW and HIGH "
    "[default: every numeric parameter at -20% and +20%]. Sobol: the "
    "fields to vary (at least two). Repeatable.",
)
@click.option(
    "--method",
    type=click.Choice(["oat", "sobol"]),
    default="oat",
    show_default=True,
    help="oat: one at a time, ranked by swing (tornado); "
    "sobol: global Sobol indices (needs SALib).",
)
@replications_option(
    "Replications per evaluated scenario (kept small so a default run is quick).", default=1000
)
@click.option(
    "--samples",
    type=click.IntRange(min=2),
    default=32,
    show_default=True,
    help="Sobol: base samples (a power of 2); it runs the base scenario and "
    "samples x (k+2) sampled ones.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="OAT: parameters printed and drawn (the CSV has all).",
)
@seed_option("Root seed of every evaluation [default: the scenario's `seed`].")
@JOBS
@out_option("Results folder [default: results/<scenario name>-sensitivity].")
@FORCE
@set_option("Change a field of the base scenario (like run --set). Repeatable.")
@click.option("--no-plots", is_flag=True, help="Do not draw the chart or write report.html.")
def command(
    scenario: str,
    milestone: str,
    agency: str | None,
    ranges: tuple[str, ...],
    method: str,
    n: int,
    samples: int,
    top: int,
    seed: int | None,
    jobs: int,
    out: str | None,
    force: bool,
    overrides: tuple[str, ...],
    no_plots: bool,
) -> None:
    """Which parameters matter most for an agency's chance to reach MILESTONE first?

    \b
    Examples:
      racesim sensitivity scenarios/base.yaml -m south_polar_landing
      racesim sensitivity scenarios/base.yaml -m crewed_landing -a cnsa \\
          --method sobol \\
          --range agencies.cnsa.missions.crewed.success=0.5:0.95 \\
          --range agencies.nasa.missions.artemis3.success=0.5:0.95

    One at a time (oat, the default): each parameter in turn goes to its low and its
    high value, everything else at base, and parameters are ranked by the swing
    P(high) - P(low). By default every numeric parameter that can vary is moved by
    20% down and up (budgets, shocks, missions' success, duration, cost; a
    distribution keeps its shape and moves its location; a success chance stays in
    [0, 1]). Writes sensitivity.csv, a tornado chart (tornado.png/svg) and report.html.

    Sobol: global indices over the --range fields (at least two), with SALib
    (pip install 'racesim[sensitivity]'): S1 is the share of the outcome's variance due
    to a parameter alone, ST with its interactions. Writes sensitivity.csv, the
    evaluated points (sobol_points.csv), sobol.png/svg and report.html.

    Every evaluation runs the same N replications (default 1000) at the same seed, so
    differences come from the parameters, not from luck. A default OAT run on the base
    scenario evaluates about 175 scenarios (use -j 0 for every core); a variant runs
    only the agencies its change can affect. The last line says how long it took.
    """
    from racesim import api

    base = load(scenario, overrides)
    progress = Progress(0, "sensitivity", plain_label="sensitivity")
    progress.plain_detail = lambda: (  # no terminal (a log, a pipe): a line every 10%
        f"{progress.done // max(1, progress.total // n):,} of {n:,} replications of "
        f"{progress.total // n:,} scenarios"
    )
    with failures(), staged_later(out, "sensitivity", force) as stage:
        try:
            result = api.sensitivity(
                base,
                milestone,
                agency,
                ranges,
                method,
                n,
                samples,
                seed,
                jobs,
                progress=progress,
                announce=stage.announcing(progress),
            )
        finally:
            progress.close()
        result.write(stage.tmp, plots=not no_plots, top=top)
    click.echo(result.text(top))
    note(
        f"\n{result.evaluations:,} scenarios x {result.n:,} replications in "
        f"{result.seconds:,.1f} s; results in {stage.folder}/"
    )
