"""``racesim run SCENARIO``: run a scenario and write its results folder."""

from __future__ import annotations

from pathlib import Path

import click

from racesim.cli.common import (
    CONTEXT,
    FORCE,
    JOBS,
    SCENARIO,
    SEED,
    Precision,
    Progress,
    by_dates_or_fail,
    by_option,
    fail,
    failures,
    jobs_or_cores,
    load,
    note,
    out_option,
    plots_option,
    replications_option,
    replications_range,
    set_option,
)


def check_worlds(worlds: int, n: int, precision: float | None) -> None:
    """--worlds K: at least 1, at most the replications, not with --precision."""
    if worlds < 1:
        fail(
            f"--worlds {worlds}: give at least 1 world (e.g. -n 10000 --worlds 50: 50 "
            "worlds of 200 replications)."
        )
    if worlds > n:
        fail(
            f"--worlds {worlds:,} is more than the {n:,} replications: every world needs at "
            f"least one (a few hundred for a useful spread). Lower --worlds or raise -n."
        )
    if precision is not None:
        fail(
            "--worlds splits a fixed number of replications and --precision adds "
            "replications as it goes: give -n with --worlds, or --precision alone."
        )


@click.command("run", context_settings=CONTEXT)
@SCENARIO
@replications_option("Number of replications [default: the scenario's `replications`].")
@SEED
@JOBS
@out_option("Results folder [default: results/<scenario name>].")
@FORCE
@set_option(
    "Override one field for this run (repeatable; missions by id), e.g. "
    "agencies.roscosmos.budget.annual=120. See the examples above."
)
@click.option(
    "--table",
    type=click.Choice(["csv", "csv.gz", "parquet", "none"]),
    default="csv",
    show_default=True,
    help="Per-replication table format: csv, csv.gz (compressed), parquet (needs "
    "pip install 'racesim[parquet]'; best for 10^6 replications) or none (skip it).",
)
@click.option(
    "--inputs",
    is_flag=True,
    help="Also write inputs.csv (every number each replication drew, one column per "
    "--set path) and outcomes.csv (each milestone's winner and date), one row per "
    "replication; .csv.gz or .parquet with that --table.",
)
@click.option(
    "--precision",
    type=Precision(),
    help="Add replications until every P(first) has a 95% half-width at most this "
    "(e.g. 0.005); says whether it got there or stopped at --max-replications.",
)
@click.option(
    "--max-replications",
    type=replications_range(),
    help="Upper limit for --precision, at least N [default: 100 x N; without -n, the "
    "first batch is 500 and the limit 100 x the scenario's `replications`].",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    help="local: this machine (a process pool for -j > 1); dask: a Dask distributed "
    "cluster [default: local, or dask when --scheduler is given].",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler, e.g. tcp://HOST:8786; implies --executor dask [default: "
    "with --executor dask, start a local cluster with --jobs workers].",
)
@click.option(
    "--no-plots",
    is_flag=True,
    help="Do not draw the plots (plots/*.png in the results folder).",
)
@click.option(
    "--svg",
    is_flag=True,
    help="Also save each plot as SVG (plots/*.svg, for papers); PNG only without it.",
)
@plots_option(
    "some: per milestone who gets there first and the chance of having got there "
    "by each date; all: also who leads by each date and the chance of getting there in "
    "each quarter beside them, and the spread of the dates (plots/<milestone>_dates; "
    "slower to draw)."
)
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
@by_option(
    "Also give each agency's chance of being first, and of having got there, on or "
    "before DATE (repeatable), e.g. --by 2028-12-31: in the table, summary.json and "
    "the report."
)
@click.option(
    "--worlds",
    type=int,
    metavar="K",
    help="Split the replications into K worlds; in each, every factor of the scenario "
    "(what we don't know: slips, shared chances) is drawn once. Each P then gets the "
    "10%-90% spread across worlds beside its Monte Carlo interval. Use a few hundred "
    "replications per world, e.g. -n 10000 --worlds 50.",
)
@click.option(
    "--versus",
    "versus",
    multiple=True,
    metavar="A:B",
    help="Set two agencies head to head, e.g. cnsa:nasa: per milestone, how often A "
    "gets there before B (a run where only A gets there counts for A), B before A, "
    "neither, and by how much A leads where both get there. Repeatable.",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print nothing but errors (no table, progress bar or notes); the results "
    "folder is written as usual.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print summary.json on stdout instead of the table (for scripts: nothing "
    "else goes to stdout; notes go to stderr).",
)
def command(
    scenario: str,
    n: int | None,
    seed: int | None,
    jobs: int,
    out: str | None,
    force: bool,
    overrides: tuple[str, ...],
    table: str,
    precision: float | None,
    max_replications: int | None,
    executor: str | None,
    scheduler: str | None,
    no_plots: bool = False,
    no_report: bool = False,
    svg: bool = False,
    plot_set: str = "some",
    by: tuple = (),
    worlds: int | None = None,
    versus: tuple[str, ...] = (),
    inputs: bool = False,
    quiet: bool = False,
    as_json: bool = False,
) -> None:
    """Run SCENARIO and write its results folder.

    \b
    Examples:
      racesim run scenarios/base.yaml
      racesim run scenarios/base.yaml -n 2000 --seed 1 --out results/try1
      racesim run scenarios/base.yaml --out results/roscosmos120 \\
          --set agencies.roscosmos.budget.annual=120
      racesim run scenarios/base.yaml --out results/luna27 \\
          --set agencies.roscosmos.missions.luna27.success=0.5
      racesim run scenarios/base.yaml --precision 0.005 -j 0
      racesim run scenarios/2026.yaml --by 2028-12-31 --by 2030-12-31
      racesim run scenarios/base.yaml -n 10000 --worlds 50 --out results/worlds
      racesim run scenarios/base.yaml --versus cnsa:nasa --out results/versus
      racesim run scenarios/base.yaml -n 1000000 -j 0 --table parquet
      racesim run scenarios/base.yaml -n 2000 --inputs --out results/inputs
      racesim run scenarios/base.yaml --json --out results/j > s.json

    Prints, for each milestone, each agency's chance of getting there first (with a
    95% interval), its chance of getting there at all by the horizon, and the median
    and 10%-90% range of the date; with --versus, a head-to-head table per pair (the
    tables go to stdout; the progress bar and notes to stderr).
    """
    import datetime as dt
    import json

    from racesim import api
    from racesim.analysis.versus import parse_pairs
    from racesim.output.tables import require_pyarrow
    from racesim.output.text import format_by, format_summary, format_versus
    from racesim.output.writers import finish_run, streamed_run, write_pictures
    from racesim.run.montecarlo import ExecutorError, resolve_executor

    started = dt.datetime.now(dt.UTC)
    s = load(scenario, overrides, mixtures=True)
    by_dates_or_fail([s], by)
    for v in versus:
        if len(v) > 200:  # two agency keys, not a page: quote only its start
            fail(f"--versus {v[:40]!r}... is {len(v):,} characters long, not a pair of agencies.")
    try:
        pairs = parse_pairs(s, versus)
    except ValueError as exc:
        fail(f"--versus {exc}.")
    try:
        resolve_executor(executor, scheduler)
    except ExecutorError as exc:
        fail(str(exc))
    if precision is None and max_replications is not None:
        fail("--max-replications is the limit of --precision; give --precision too, or -n alone.")
    if max_replications is not None and n is not None and max_replications < n:
        fail(
            f"--max-replications {max_replications:,} is below -n {n:,}: with --precision, "
            "-n is the first batch and --max-replications the most to run. Raise "
            "--max-replications or lower -n."
        )
    if table == "parquet":
        with failures():
            require_pyarrow()
    if inputs and hasattr(s, "components"):
        fail(
            "--inputs does not work with a mixture yet: run each component with --inputs "
            "(its replications are those of the mixture's that ran it)."
        )
    n, max_replications = api.precision_batches(s, n, precision, max_replications)
    if worlds is not None:
        check_worlds(worlds, n, precision)
        if by or pairs:
            fail(
                f"--worlds with {'--by' if by else '--versus'}: their intervals do not yet "
                "allow for the replications of a world sharing its factors (they would be "
                "too narrow). Run --by/--versus without --worlds, or --worlds alone."
            )
    folder = Path(out) if out else Path("results") / s.name
    progress = Progress(n, f"{s.name}", quiet=quiet)
    with failures():
        in_worlds = None if worlds is None else (worlds, n)
        seed_used = s.seed if seed is None else seed
        with streamed_run(
            folder, s, table, force, inputs=inputs, seed=seed_used, worlds=in_worlds
        ) as (tmp, writer):
            try:
                result = api.simulate(
                    s,
                    n,
                    seed,
                    jobs_or_cores(jobs),
                    keep_table=False,
                    sink=writer,
                    progress=progress,
                    precision=precision,
                    max_replications=max_replications,
                    executor=executor,
                    scheduler=scheduler,
                    by=by,
                    worlds=worlds,
                    versus=pairs,
                )
            finally:
                writer.close()
                progress.close()
            manifest = {**result.manifest(None, started), **writer.files()}
            finish_run(
                tmp,
                s,
                result.summary,
                result.tally,
                manifest,
                plots=False,
                report=False,
                crowd=result.crowd,
                versus=result.versus,
            )
            # the answer before the pictures: the table as soon as the numbers are written
            if as_json:
                click.echo(json.dumps(result.summary, indent=2, allow_nan=False))
            elif not quiet:
                click.echo(format_summary(result.summary, s, overrides))
                if by:
                    click.echo("\n" + format_by(result.summary, s))
                if pairs:
                    click.echo("\n" + format_versus(result.summary, s))
            write_pictures(
                tmp,
                plots=not no_plots,
                report=not no_report,
                formats=("png", "svg") if svg else ("png",),
                # forked drawing processes only when asked for processes: on a busy
                # 2-core machine one process was faster (benchmarks/README.md)
                workers=jobs_or_cores(jobs),
                extras=plot_set == "all",
            )
    say = note if not quiet else (lambda _text: None)
    say(f"\n{result.n:,} replications in {result.seconds:.1f} s; results in {folder}/")
    if precision is not None:
        got = f"the widest 95% half-width of P(first) is {result.half_width:.4f}"
        if result.precision_reached:
            say(f"reached the requested precision {precision:g}: {got}.")
        else:
            say(
                f"stopped at the limit of {max_replications:,} replications before reaching "
                f"the requested precision {precision:g}: {got}. Raise --max-replications "
                "to go on."
            )
    if not no_report and not (quiet or as_json):  # the last line: where to look first
        from racesim.output.report import REPORT_FILE

        click.echo(f"report: {folder / REPORT_FILE} (open it in a browser)")
