"""The command line: parse, call the library, print. Nothing else lives here."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from racesim import __version__
from racesim.output.results import ResultsExistError, WriteError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Progress:
    """A progress bar on stderr, shown only for runs longer than a moment on a terminal."""

    def __init__(self, total: int, label: str):
        self.total = total
        self.label = label
        self.done = 0
        self.t0 = time.perf_counter()
        self.bar = None
        self.enabled = sys.stderr.isatty()

    def __call__(self, k: int) -> None:
        self.done += k
        if not self.enabled:
            return
        if self.bar is None and time.perf_counter() - self.t0 > 0.7:
            self.bar = click.progressbar(
                length=max(self.total, self.done),
                label=self.label,
                file=sys.stderr,
                show_eta=True,
                show_pos=True,
                item_show_func=self._rate,
            )
            self.bar.__enter__()
            self.bar.update(self.done)
            return
        if self.bar is not None:
            if self.done > self.bar.length:
                self.bar.length = self.done
            self.bar.update(k)

    def _rate(self, _item) -> str:
        rate = self.done / max(1e-9, time.perf_counter() - self.t0)
        return f"{rate:,.0f} rep/s"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"racesim: {message}", err=True)
    sys.exit(code)


def _load(path: str, overrides: tuple[str, ...]):
    from racesim.scenario.schema import ScenarioError, load_scenario

    try:
        return load_scenario(path, overrides)
    except ScenarioError as exc:
        _fail(exc.describe())


# options shared by several commands
_JOBS = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Worker processes (0 = one per core). Results do not depend on it.",
)
_FORCE = click.option("--force", is_flag=True, help="Replace an existing results folder.")


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="racesim")
def main() -> None:
    """racesim: who reaches each lunar milestone first, and when.

    Run a scenario with `racesim run scenarios/base.yaml`; check one with
    `racesim validate FILE`; redraw a results folder's plots or report with
    `racesim plot RESULTS` or `racesim report RESULTS`.
    """
    import signal

    def _terminate(_signum, _frame):  # `kill` stops a run as cleanly as Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)


@main.command(context_settings=CONTEXT)
@click.argument("scenario", type=click.Path(dir_okay=False))
def validate(scenario: str) -> None:
    """Check SCENARIO and report every problem, without running anything."""
    s = _load(scenario, ())
    n_missions = sum(len(a.missions) for a in s.agencies.values())
    click.echo(
        f"{scenario}: ok — scenario {s.name!r}, {len(s.agencies)} agencies, "
        f"{n_missions} missions, {len(s.milestones)} milestones, "
        f"{s.start} to {s.horizon}"
    )


@main.command(context_settings=CONTEXT)
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "-n",
    "--replications",
    "n",
    type=click.IntRange(min=1),
    help="Number of replications [default: the scenario's `replications`].",
)
@click.option(
    "--seed", type=click.IntRange(min=0), help="Root seed [default: the scenario's `seed`]."
)
@_JOBS
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False),
    help="Results folder [default: results/<scenario name>].",
)
@_FORCE
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override one field, e.g. agencies.roscosmos.budget.annual=120 or "
    "agencies.roscosmos.missions.luna27.success=0.5. Repeatable.",
)
@click.option(
    "--table",
    type=click.Choice(["csv", "csv.gz", "none"]),
    default="csv",
    show_default=True,
    help="Per-replication table format (none = skip it).",
)
@click.option(
    "--precision",
    type=click.FloatRange(min=0, max=0.5, min_open=True),
    help="Add replications until every P(first) has a 95% half-width at most this (e.g. 0.005).",
)
@click.option(
    "--max-replications",
    type=click.IntRange(min=1),
    help="Upper limit for --precision [default: 100 x N].",
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
    help="Do not draw the plots (plots/*.png and *.svg in the results folder).",
)
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
def run(
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
) -> None:
    """Run SCENARIO and write its results folder.

    Prints, for each milestone, each agency's chance of getting there first (with a
    95% interval), its chance of getting there at all by the horizon, and the median
    and 10%-90% range of the date.
    """
    import datetime as dt

    from racesim.output.results import (
        TableWriter,
        manifest,
        staged_folder,
        summarize,
        write_results,
    )
    from racesim.output.text import format_summary
    from racesim.run.montecarlo import ExecutorError, resolve_executor, simulate

    started = dt.datetime.now(dt.UTC)
    s = _load(scenario, overrides)
    try:
        executor = resolve_executor(executor, scheduler)
    except ExecutorError as exc:
        _fail(str(exc))
    jobs = jobs or os.cpu_count() or 1
    n = n or s.replications
    seed = s.seed if seed is None else seed
    folder = Path(out) if out else Path("results") / s.name
    progress = _Progress(n, f"{s.name}")
    try:
        with staged_folder(folder, force) as tmp:
            writer = TableWriter(tmp, s, table)
            try:
                result = simulate(
                    s,
                    n,
                    seed,
                    jobs,
                    sink=writer,
                    progress=progress,
                    precision=precision,
                    max_replications=max_replications,
                    executor=executor,
                    scheduler=scheduler,
                )
            finally:
                writer.close()
                progress.close()
            summary = summarize(s, result.tally, seed)
            write_results(
                tmp,
                s,
                summary,
                result.tally,
                manifest(
                    s,
                    seed,
                    result.n,
                    Path(scenario),
                    result.seconds,
                    jobs,
                    list(overrides),
                    {
                        "table": writer.path.name if writer.path else None,
                        "precision": precision,
                        "executor": executor,
                    },
                    started,
                ),
            )
            if not (no_plots and no_report):
                from racesim.output.report import write_outputs  # matplotlib: only when needed

                write_outputs(tmp, plots=not no_plots, report=not no_report)
    except (ResultsExistError, WriteError, ExecutorError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; no results were written.", 130)
    click.echo(format_summary(summary, s, overrides))
    extra = f" (reached the requested precision with {result.n:,})" if precision else ""
    click.echo(
        f"\n{result.n:,} replications in {result.seconds:.1f} s{extra}; results in {folder}/"
    )


@main.command(context_settings=CONTEXT)
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "-r",
    "--replication",
    "k",
    type=click.IntRange(min=0),
    required=True,
    metavar="K",
    help="Which replication (0 is the first; the `replication` column of replications.csv).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), help="Root seed [default: the scenario's `seed`]."
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override one field, as for `racesim run`. Repeatable.",
)
@click.option(
    "--only",
    metavar="AGENCY",
    help="Show only this agency's events (key or name) and those of the missions it helps pay for.",
)
def trace(
    scenario: str, k: int, seed: int | None, overrides: tuple[str, ...], only: str | None
) -> None:
    """Tell the story of one replication of SCENARIO, in date order.

    Budgets (and shocks), developments starting, stalling for want of money and
    resuming, attempts and their outcomes, milestones (and who got there first), and
    what was left undone at the horizon. It is replication K of every `racesim run`
    with the same seed, whatever its -n or --jobs.
    """
    from racesim.output.story import tell

    s = _load(scenario, overrides)
    story = tell(s, k, seed)
    if only is not None:
        try:
            story.agency_key(only)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--only") from None
    click.echo(story.text(only), nl=False)


@main.command(context_settings=CONTEXT)
@click.option(
    "--record",
    "record",
    type=click.Path(dir_okay=False),
    default="seeds/landings.csv",
    show_default=True,
    help="The landing record (CSV).",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Use only attempts on or before this date (e.g. 2023-08-20).",
)
def calibrate(record: str, until) -> None:
    """Fit the chance that a landing attempt succeeds, by class, to the landing record.

    Each class gets Beta(1 + successes + partials/2, 1 + failures + partials/2): a
    uniform prior updated by the record, a partial landing counting half. Scenarios use
    a class with `success: {record: CLASS}`.
    """
    from racesim.scenario import record as cal

    try:
        rows = cal.read_record(record)
    except cal.RecordError as exc:
        _fail(str(exc))
    cut = until.date() if until else None
    click.echo(f"Landing record {record}, attempts up to {cut or 'the latest'}:")
    click.echo(
        f"  {'class':<15}{'n':>4}{'succ':>6}{'part':>6}{'fail':>6}{'a':>7}{'b':>7}"
        f"{'mean':>8}  90% interval"
    )
    for f in cal.table(rows, cut):
        lo, hi = f.interval(0.9)
        click.echo(
            f"  {f.classes[0]:<15}{f.n:>4}{f.successes:>6}{f.partials:>6}"
            f"{f.failures:>6}{f.a:>7.1f}{f.b:>7.1f}{f.mean:>8.3f}  [{lo:.3f}, {hi:.3f}]"
        )


@main.command(context_settings=CONTEXT)
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--outcomes",
    type=click.Path(dir_okay=False),
    default="seeds/outcomes.csv",
    show_default=True,
    help="What happened (CSV with a `cutoff` row).",
)
@click.option(
    "-n",
    "--replications",
    "n",
    type=click.IntRange(min=1),
    help="Number of replications [default: the scenario's `replications`].",
)
@click.option(
    "--seed", type=click.IntRange(min=0), help="Root seed [default: the scenario's `seed`]."
)
@_JOBS
@click.option(
    "--scoring",
    type=click.Choice(["strict", "lenient"]),
    default="strict",
    show_default=True,
    help="strict: a partial landing (IM-1) does not count; lenient: it does.",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override one field, as for `racesim run`. Repeatable.",
)
def backtest(
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
    from racesim.analysis import backtest as bt

    s = _load(scenario, overrides)
    try:
        facts = bt.read_outcomes(outcomes)
        bt.events(s, facts, scoring=scoring)  # a bad file fails before the run
    except bt.OutcomesError as exc:
        _fail(str(exc))
    try:
        reached, run = bt.reach_times(s, n, seed, jobs or os.cpu_count() or 1)
        result = bt.backtest(
            s, facts, reached, scoring=scoring, base_dir=Path(scenario).parent, seed=run.seed
        )
    except bt.OutcomesError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted.", 130)
    click.echo(bt.format_backtest(result, outcomes))


def _results(folder: str) -> dict:
    from racesim.output.results import NotAResultsFolder, load_run, recover

    _usable(Path(folder), "the results folder")
    recover(Path(folder))  # a run that died replacing it may have left it aside
    if not Path(folder).is_dir():
        _fail(f"{folder} is not a folder; give a folder that `racesim run` wrote.")
    try:
        return load_run(folder)
    except NotAResultsFolder as exc:
        _fail(f"{exc}; give a folder that `racesim run` wrote, such as results/base.")
    except (OSError, ValueError) as exc:
        _fail(f"cannot read the results folder {folder}: {exc}")


def _usable(path: Path, what: str) -> None:
    """Refuse a path the file system cannot even look up (a name too long)."""
    from racesim.output.folders import name_too_long

    problem = name_too_long(path)
    if problem is not None:
        _fail(f"cannot use {what} {path}: {problem}.")


def _may_write(paths: list[Path], kind: str, force: bool) -> None:
    """Refuse (before drawing anything) to overwrite a file racesim did not write as
    this kind of output, or a file of a results folder, unless --force."""
    from racesim.output.folders import overwrite_problem

    for p in paths:
        _usable(p, f"the {kind} file")
        problem = overwrite_problem(p, kind)
        if problem is None:
            continue
        reason, allowed = problem
        if not allowed:
            _fail(f"{reason}; racesim will not write the {kind} over it. Choose another --out.")
        if not force:
            _fail(
                f"{reason}; racesim will not overwrite it. Choose another --out, or pass "
                "--force to overwrite it."
            )


def _noted(paths: list[Path]) -> None:
    """Record files just written inside a results folder in its marker."""
    from racesim.output.folders import note_written

    for folder in {Path(p).absolute().parent for p in paths}:
        for f in (folder, folder.parent):
            try:
                note_written(f, [p for p in paths if Path(p).absolute().is_relative_to(f)])
            except OSError:
                pass


@main.command(context_settings=CONTEXT)
@click.argument("results", type=click.Path(file_okay=False))
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False),
    help="Folder for the plot files [default: RESULTS/plots].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "both"]),
    default="both",
    show_default=True,
    help="png for looking at, svg for papers.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite files racesim did not write as plots (or files of a results folder).",
)
def plot(results: str, out: str | None, fmt: str, force: bool) -> None:
    """Draw the plots of the results folder RESULTS again.

    For each milestone: who gets there first (with 95% intervals), the chance of having
    got there by each date, and the spread of the dates; files <milestone>_<kind>.png/svg.
    Earlier plots in RESULTS/plots are redrawn; any other existing file is overwritten
    only with --force.
    """
    from racesim.output.plots import KINDS, figure_set
    from racesim.output.report import PLOTS_FOLDER, write_plots

    run_data = _results(results)
    folder = Path(out) if out else Path(results) / PLOTS_FOLDER
    formats = ("png", "svg") if fmt == "both" else (fmt,)
    targets = [
        folder / f"{m}_{k}.{f}"
        for m in run_data["summary"]["milestones"]
        for k in KINDS
        for f in formats
    ]
    _usable(folder, "the plots folder")
    if folder.exists() and not folder.is_dir():
        _fail(f"cannot write the plots into {folder}: it is a file, not a folder.")
    _may_write(targets, "plot", force)
    try:
        paths = write_plots(figure_set(run_data), folder, formats)
    except OSError as exc:
        _fail(
            f"cannot write the plots into {folder}: {exc.strerror or exc} "
            f"({exc.filename or folder})"
        )
    _noted(paths)
    click.echo(f"{len(paths)} plot files in {folder}/")


@main.command(context_settings=CONTEXT)
@click.argument("results", type=click.Path(file_okay=False))
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False),
    help="The HTML file [default: RESULTS/report.html].",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite a file racesim did not write as a report (or a file of a results folder).",
)
def report(results: str, out: str | None, force: bool) -> None:
    """Write a self-contained HTML report of the results folder RESULTS.

    One file to open in a browser or mail: the scenario and its key assumptions, the
    summary table, the plots and the manifest; it loads nothing from elsewhere. An
    earlier racesim report is replaced; any other existing file only with --force.
    """
    from racesim.output.report import REPORT_FILE, build_report

    run_data = _results(results)
    path = Path(out) if out else Path(results) / REPORT_FILE
    _may_write([path], "report", force)
    try:
        path.write_text(build_report(run_data), encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write the report {path}: {exc.strerror or exc}")
    _noted([path])
    click.echo(f"report in {path}")


# -- comparison, sweeps, sensitivity (racesim.analysis) ------------------------------
def _save_figure(fig, folder: Path, stem: str) -> None:
    """``stem``.png and .svg through the one deterministic renderer (same bytes on a rerun)."""
    from racesim.output.report import write_plots

    write_plots({stem: fig}, folder)


def _write_csv(path: Path, columns, rows) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)


def _spans(texts: tuple[str, ...], option: str, steps: bool, data: dict, source: str):
    from racesim.analysis.variants import check_numeric, parse_span
    from racesim.scenario.schema import ScenarioError

    try:
        spans = [parse_span(t, option, steps) for t in texts]
        for s in spans:
            check_numeric(data, s, option, source)
    except ScenarioError as exc:
        _fail(exc.describe())
    paths = [s.path for s in spans]
    dup = sorted({p for p in paths if paths.count(p) > 1})
    if dup:
        _fail(f"{option} {dup[0]} is given twice; give each path once.")
    return spans


def _raw(path: str, overrides: tuple[str, ...]) -> dict:
    """The scenario file's data with --set applied (variants are built on it)."""
    from racesim.scenario.schema import ScenarioError, apply_overrides, read_yaml

    try:
        return apply_overrides(read_yaml(Path(path)), overrides, source=path)
    except ScenarioError as exc:
        _fail(exc.describe())


@main.command("compare", context_settings=CONTEXT)
@click.argument("scenario_a", metavar="A", type=click.Path(dir_okay=False))
@click.argument("scenario_b", metavar="[B]", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a field of B (the variant; B is A when no file B is given). Repeatable.",
)
@click.option(
    "--set-a",
    "overrides_a",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a field of A. Repeatable.",
)
@click.option(
    "-n",
    "--replications",
    "n",
    type=click.IntRange(min=1),
    help="Replications of each scenario [default: A's `replications`].",
)
@click.option(
    "--seed", type=click.IntRange(min=0), help="Root seed of both runs [default: A's `seed`]."
)
@_JOBS
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False),
    help="Also write compare.json and compare.csv into this folder.",
)
@click.option("--force", is_flag=True, help="Replace an existing --out folder.")
def compare_cmd(
    scenario_a: str,
    scenario_b: str | None,
    overrides: tuple[str, ...],
    overrides_a: tuple[str, ...],
    n: int | None,
    seed: int | None,
    jobs: int,
    out: str | None,
    force: bool,
) -> None:
    """Compare scenario B with scenario A, replication by replication.

    \b
    Examples:
      racesim compare scenarios/base.yaml \\
          --set agencies.roscosmos.budget.annual=120
      racesim compare scenarios/base.yaml my_variant.yaml \\
          -n 5000 --out results/cmp

    B is a second scenario file, or A changed by --set (at least one of the two is
    needed: A against itself would show nothing).

    Both scenarios run the same replications at the same seed: replication i of A and
    of B use the same random numbers, agency by agency (common random numbers). So B-A
    shows the effect of the change alone, and its interval is much narrower than the
    one two independent runs would give.

    For each milestone and agency it prints the chance of being first and of getting
    there at all, in A and in B, the difference B-A in percentage points with a 95%
    interval, and * where that interval excludes 0 (a clearly non-zero difference).
    Method: from the per-replication pairs of outcomes, Bonett & Price's adjusted Wald
    interval for a difference of paired proportions; when no replication differs, the
    interval is [0, 0].
    """
    from racesim.analysis import compare as cmp
    from racesim.output.results import manifest, staged_folder, write_json

    if scenario_b is None and not overrides and not overrides_a:
        _fail(
            f"compare needs something to compare {scenario_a} with: a second scenario "
            "file B, or --set PATH=VALUE to make B from A (see racesim compare --help)."
        )
    a = _load(scenario_a, overrides_a)
    b = _load(scenario_b or scenario_a, overrides)
    n = n or a.replications
    seed = a.seed if seed is None else seed
    jobs = jobs or os.cpu_count() or 1
    labels = {
        "a": {
            "file": scenario_a,
            "overrides": list(overrides_a),
            "label": " ".join([scenario_a, *(f"--set {o}" for o in overrides_a)]),
        },
        "b": {
            "file": scenario_b or scenario_a,
            "overrides": list(overrides),
            "label": " ".join([scenario_b or scenario_a, *(f"--set {o}" for o in overrides)]),
        },
    }
    if not [k for k in a.milestones if k in b.milestones]:
        _fail(
            f"A and B have no milestone in common (A: {', '.join(a.milestones)}; "
            f"B: {', '.join(b.milestones)}); there is nothing to compare."
        )
    progress = _Progress(2 * n, "compare")
    t0 = time.perf_counter()

    def go():
        try:
            result = cmp.compare(a, b, n, seed, jobs, progress=progress)
        finally:
            progress.close()
        result.labels = labels
        return result

    try:
        if out:
            with staged_folder(Path(out), force) as tmp:
                result = go()
                data = result.to_dict()
                write_json(tmp / "compare.json", data)
                _write_csv(tmp / "compare.csv", cmp.CSV_COLUMNS, cmp.csv_rows(data))
                (tmp / "scenario_a.yaml").write_text(a.to_yaml(), encoding="utf-8")
                (tmp / "scenario_b.yaml").write_text(b.to_yaml(), encoding="utf-8")
                write_json(
                    tmp / "manifest.json",
                    manifest(
                        a,
                        seed,
                        n,
                        Path(scenario_a),
                        time.perf_counter() - t0,
                        jobs,
                        list(overrides_a),
                        {
                            "command": "compare",
                            "scenario_b": b.name,
                            "scenario_b_file": scenario_b or scenario_a,
                            "overrides_b": list(overrides),
                        },
                    ),
                )
        else:
            data = go().to_dict()
    except (ResultsExistError, WriteError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written.", 130)
    names = {k: (ag.name or k) for s in (b, a) for k, ag in s.agencies.items()}
    click.echo(cmp.format_comparison(data, names))
    if out:
        click.echo(f"written to {out}/")


@main.command("sweep", context_settings=CONTEXT)
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="PATH=LOW:HIGH:STEPS",
    help="A field to vary over STEPS evenly spaced values from LOW to HIGH (both "
    "included); see the examples. Repeat for a grid of every combination.",
)
@click.option(
    "-n",
    "--replications",
    "n",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Replications at each point.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="Root seed, the same at every point [default: the scenario's `seed`].",
)
@_JOBS
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False),
    help="Results folder [default: results/<scenario name>-sweep].",
)
@_FORCE
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a field at every point (like run --set). Repeatable.",
)
@click.option("--no-plots", is_flag=True, help="Do not draw sweep.png/svg.")
def sweep_cmd(
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
    with a line style per value of a second --vary field).
    """
    from racesim.analysis import sweep as sw
    from racesim.output.results import manifest, staged_folder, write_json
    from racesim.scenario.schema import ScenarioError

    data = _raw(scenario, overrides)
    spans = _spans(varies, "--vary", True, data, scenario)
    base = _load(scenario, overrides)
    try:
        points, scenarios = sw.build_points(data, spans, scenario, Path(scenario).parent)
    except ScenarioError as exc:
        _fail(exc.describe())
    seed = base.seed if seed is None else seed
    jobs = jobs or os.cpu_count() or 1
    folder = Path(out) if out else Path("results") / f"{base.name}-sweep"
    click.echo(f"{base.name}: {len(points)} points x {n:,} replications, seed {seed}", err=True)
    progress = _Progress(len(points) * n, "sweep")
    t0 = time.perf_counter()
    try:
        with staged_folder(folder, force) as tmp:
            try:
                result = sw.run_sweep(spans, points, scenarios, n, seed, jobs, progress)
            finally:
                progress.close()
            table = sw.rows(result)
            sw.write_csv(tmp / "sweep.csv", result, table)
            (tmp / "scenario.yaml").write_text(base.to_yaml(), encoding="utf-8")
            write_json(
                tmp / "manifest.json",
                manifest(
                    base,
                    seed,
                    n,
                    Path(scenario),
                    time.perf_counter() - t0,
                    jobs,
                    list(overrides),
                    {"command": "sweep", "vary": list(varies), "points": len(points)},
                ),
            )
            if not no_plots:
                from racesim.output.plots_analysis import sweep_figure

                fig = sweep_figure(
                    table,
                    [s.path for s in spans],
                    {k: m.title or k for k, m in base.milestones.items()},
                    agencies=list(base.agencies),
                    names={k: a.name or k for k, a in base.agencies.items()},
                )
                _save_figure(fig, tmp, "sweep")
    except (ResultsExistError, WriteError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; no results were written.", 130)
    click.echo(sw.format_sweep(table, spans, base))
    click.echo(f"\n{len(points)} points x {n:,} replications; results in {folder}/")


@main.command("sensitivity", context_settings=CONTEXT)
@click.argument("scenario", type=click.Path(dir_okay=False))
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
@click.option(
    "-n",
    "--replications",
    "n",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Replications per evaluated scenario (kept small so a default run is quick).",
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
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="Root seed of every evaluation [default: the scenario's `seed`].",
)
@_JOBS
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False),
    help="Results folder [default: results/<scenario name>-sensitivity].",
)
@_FORCE
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a field of the base scenario (like run --set). Repeatable.",
)
@click.option("--no-plots", is_flag=True, help="Do not draw the chart.")
def sensitivity_cmd(
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
    [0, 1]). Writes sensitivity.csv and a tornado chart (tornado.png/svg).

    Sobol: global indices over the --range fields (at least two), with SALib
    (pip install 'racesim[sensitivity]'): S1 is the share of the outcome's variance due
    to a parameter alone, ST with its interactions. Writes sensitivity.csv, the
    evaluated points (sobol_points.csv) and sobol.png/svg.

    Every evaluation runs the same N replications (default 1000) at the same seed, so
    differences come from the parameters, not from luck. A default OAT run on the base
    scenario evaluates about 175 scenarios: a few minutes (use -j 0 for every core).
    """
    from racesim.analysis import sensitivity as sens
    from racesim.output.results import manifest, staged_folder, write_json
    from racesim.scenario.schema import ScenarioError

    base = _load(scenario, overrides)
    spans = _spans(ranges, "--range", False, base.to_data(), scenario)
    seed = base.seed if seed is None else seed
    jobs = jobs or os.cpu_count() or 1
    folder = Path(out) if out else Path("results") / f"{base.name}-sensitivity"
    try:
        sens.resolve_outcome(base, milestone, agency)
        if method == "sobol":
            if len(spans) < 2:
                raise ScenarioError(
                    [
                        (
                            "--range",
                            "--method sobol needs at least two fields "
                            "given with --range PATH=LOW:HIGH",
                        )
                    ]
                )
            sens.require_salib()
        params = sens.range_parameters(base, spans) if spans else sens.default_parameters(base)
    except (ScenarioError, sens.MissingDependency) as exc:
        _fail(exc.describe() if isinstance(exc, ScenarioError) else str(exc))
    if not params:
        _fail(f"{scenario}: no numeric parameter can vary; give --range PATH=LOW:HIGH.")
    evaluations = 1 + (2 * len(params) if method == "oat" else samples * (len(params) + 2))
    what = (
        f"the base and {evaluations - 1:,} samples"
        if method == "sobol"
        else f"the base and {len(params):,} parameters at low and high"
    )
    click.echo(
        f"{base.name}: {evaluations:,} scenarios ({what}) x {n:,} replications, seed {seed}",
        err=True,
    )
    progress = _Progress(evaluations * n, "sensitivity")
    t0 = time.perf_counter()
    report = progress
    if not progress.enabled:  # no terminal (a log, a pipe): a plain line every 10%
        tenths = [0]

        def report(k: int) -> None:
            progress(k)
            tenth = min(10, progress.done * 10 // max(1, progress.total))
            if tenth <= tenths[0]:
                return
            tenths[0] = tenth
            elapsed = time.perf_counter() - t0
            left = elapsed * max(0, progress.total - progress.done) / max(1, progress.done)
            click.echo(
                f"sensitivity: {10 * tenth}% ({progress.done // evaluations:,} of "
                f"{n:,} replications of {evaluations:,} scenarios), "
                f"{elapsed:,.0f} s elapsed, about {left:,.0f} s left",
                err=True,
            )

    try:
        with staged_folder(folder, force) as tmp:
            try:
                if method == "oat":
                    result = sens.one_at_a_time(
                        base, milestone, agency, params, n, seed, jobs, report
                    )
                else:
                    result = sens.sobol(
                        base, milestone, params, agency, samples, n, seed, jobs, report
                    )
            finally:
                progress.close()
            write_json(tmp / "sensitivity.json", result.to_dict())
            cols = sens.OAT_COLUMNS if method == "oat" else sens.SOBOL_COLUMNS
            _write_csv(tmp / "sensitivity.csv", cols, [[r[c] for c in cols] for r in result.rows])
            (tmp / "scenario.yaml").write_text(base.to_yaml(), encoding="utf-8")
            write_json(
                tmp / "manifest.json",
                manifest(
                    base,
                    seed,
                    n,
                    Path(scenario),
                    time.perf_counter() - t0,
                    jobs,
                    list(overrides),
                    {
                        "command": "sensitivity",
                        "method": method,
                        "milestone": milestone,
                        "agency": result.agency,
                        "ranges": list(ranges),
                        "evaluations": evaluations,
                        **({"samples": samples} if method == "sobol" else {}),
                    },
                ),
            )
            title = (
                f"{base.name}: P({result.agency} first) at "
                f"{base.milestones[milestone].title or milestone}"
            )
            if method == "sobol":
                names = [s.path for s in spans]
                _write_csv(
                    tmp / "sobol_points.csv",
                    [*names, "p_first"],
                    [[p[k] for k in [*names, "p_first"]] for p in result.points],
                )
            if not no_plots:
                from racesim.output import plots_analysis as pa

                if method == "oat":
                    _save_figure(
                        pa.tornado_figure(result.rows, result.base, title, top=top), tmp, "tornado"
                    )
                else:
                    _save_figure(pa.sobol_figure(result.rows, title), tmp, "sobol")
    except ScenarioError as exc:
        _fail(exc.describe())
    except (ResultsExistError, WriteError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; no results were written.", 130)
    click.echo(sens.format_oat(result, top) if method == "oat" else sens.format_sobol(result))
    click.echo(f"\nresults in {folder}/")


if __name__ == "__main__":  # pragma: no cover
    main()
