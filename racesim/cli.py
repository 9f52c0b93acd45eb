"""The command line: parse, call the library, print. Nothing else lives here."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from . import __version__
from .results import ResultsExistError

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
            self.bar = click.progressbar(length=max(self.total, self.done), label=self.label,
                                         file=sys.stderr, show_eta=True, show_pos=True,
                                         item_show_func=self._rate)
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
    from .scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path, overrides)
    except ScenarioError as exc:
        _fail(exc.describe())


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="racesim")
def main() -> None:
    """racesim: who reaches each lunar milestone first, and when.

    Run a scenario with `racesim run scenarios/base.yaml`; check one with
    `racesim validate FILE`; redraw a results folder's plots or report with
    `racesim plot RESULTS` or `racesim report RESULTS`.
    """


@main.command(context_settings=CONTEXT)
@click.argument("scenario", type=click.Path(dir_okay=False))
def validate(scenario: str) -> None:
    """Check SCENARIO and report every problem, without running anything."""
    s = _load(scenario, ())
    n_missions = sum(len(a.missions) for a in s.agencies.values())
    click.echo(f"{scenario}: ok — scenario {s.name!r}, {len(s.agencies)} agencies, "
               f"{n_missions} missions, {len(s.milestones)} milestones, "
               f"{s.start} to {s.horizon}")


@main.command(context_settings=CONTEXT)
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("-n", "--replications", "n", type=click.IntRange(min=1),
              help="Number of replications [default: the scenario's `replications`].")
@click.option("--seed", type=click.IntRange(min=0),
              help="Root seed [default: the scenario's `seed`].")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes (0 = one per core). Results do not depend on it.")
@click.option("-o", "--out", type=click.Path(file_okay=False),
              help="Results folder [default: results/<scenario name>].")
@click.option("--force", is_flag=True, help="Replace an existing results folder.")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE",
              help="Override one field, e.g. agencies.roscosmos.budget.annual=120 or "
                   "agencies.roscosmos.missions.luna27.success=0.5. Repeatable.")
@click.option("--table", type=click.Choice(["csv", "csv.gz", "none"]), default="csv",
              show_default=True, help="Per-replication table format (none = skip it).")
@click.option("--precision", type=click.FloatRange(min=0, min_open=True),
              help="Add replications until every P(first) has a 95% half-width at most "
                   "this (e.g. 0.005).")
@click.option("--max-replications", type=click.IntRange(min=1),
              help="Upper limit for --precision [default: 100 x N].")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="local: this machine (a process pool for -j > 1); "
              "dask: a Dask distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler, e.g. tcp://HOST:8786 [default: start a local cluster "
                   "with --jobs workers].")
@click.option("--no-plots", is_flag=True,
              help="Do not draw the plots (plots/*.png and *.svg in the results folder).")
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
def run(scenario: str, n: int | None, seed: int | None, jobs: int, out: str | None,
        force: bool, overrides: tuple[str, ...], table: str, precision: float | None,
        max_replications: int | None, executor: str, scheduler: str | None,
        no_plots: bool = False, no_report: bool = False) -> None:
    """Run SCENARIO and write its results folder.

    Prints, for each milestone, each agency's chance of getting there first (with a
    95% interval), its chance of getting there at all by the horizon, and the median
    and 10%-90% range of the date.
    """
    from .montecarlo import ExecutorError, simulate
    from .results import (TableWriter, manifest, staged_folder, summarize, write_dates,
                          write_json)
    from .text import format_summary

    s = _load(scenario, overrides)
    jobs = jobs or os.cpu_count() or 1
    n = n or s.replications
    seed = s.seed if seed is None else seed
    folder = Path(out) if out else Path("results") / s.name
    progress = _Progress(n, f"{s.name}")
    try:
        with staged_folder(folder, force) as tmp:
            writer = TableWriter(tmp, s, table)
            try:
                result = simulate(s, n, seed, jobs, sink=writer, progress=progress,
                                  precision=precision, max_replications=max_replications,
                                  executor=executor, scheduler=scheduler)
            finally:
                writer.close()
                progress.close()
            summary = summarize(s, result.tally, seed)
            write_json(tmp / "summary.json", summary)
            write_dates(tmp / "dates.csv", s, result.tally)
            (tmp / "scenario.yaml").write_text(s.to_yaml(), encoding="utf-8")
            write_json(tmp / "manifest.json", manifest(
                s, seed, result.n, Path(scenario), result.seconds, jobs, list(overrides),
                {"table": writer.path.name if writer.path else None,
                 "precision": precision, "executor": executor}))
            if not (no_plots and no_report):
                from .report import write_outputs

                write_outputs(tmp, plots=not no_plots, report=not no_report)
    except (ResultsExistError, ExecutorError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; no results were written.", 130)
    click.echo(format_summary(summary, s))
    extra = f" (reached the requested precision with {result.n:,})" if precision else ""
    click.echo(f"\n{result.n:,} replications in {result.seconds:.1f} s{extra}; "
               f"results in {folder}/")


@main.command(context_settings=CONTEXT)
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("-r", "--replication", "k", type=click.IntRange(min=0), required=True,
              metavar="K",
              help="Which replication (0 is the first; the `replication` column of "
                   "replications.csv).")
@click.option("--seed", type=click.IntRange(min=0),
              help="Root seed [default: the scenario's `seed`].")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE",
              help="Override one field, as for `racesim run`. Repeatable.")
@click.option("--only", metavar="AGENCY",
              help="Show only this agency's events (key or name) and those of the "
                   "missions it helps pay for.")
def trace(scenario: str, k: int, seed: int | None, overrides: tuple[str, ...],
          only: str | None) -> None:
    """Tell the story of one replication of SCENARIO, in date order.

    Budgets (and shocks), developments starting, stalling for want of money and
    resuming, attempts and their outcomes, milestones (and who got there first), and
    what was left undone at the horizon. It is replication K of every `racesim run`
    with the same seed, whatever its -n or --jobs.
    """
    from .story import tell

    s = _load(scenario, overrides)
    story = tell(s, k, seed)
    if only is not None:
        try:
            story.agency_key(only)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--only") from None
    click.echo(story.text(only), nl=False)


@main.command(context_settings=CONTEXT)
@click.option("--record", "record", type=click.Path(dir_okay=False), default="seeds/landings.csv",
              show_default=True, help="The landing record (CSV).")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Use only attempts on or before this date (e.g. 2023-08-20).")
def calibrate(record: str, until) -> None:
    """Fit the chance that a landing attempt succeeds, by class, to the landing record.

    Each class gets Beta(1 + successes + partials/2, 1 + failures + partials/2): a
    uniform prior updated by the record, a partial landing counting half. Scenarios use
    a class with `success: {record: CLASS}`.
    """
    from . import calibrate as cal

    try:
        rows = cal.read_record(record)
    except cal.RecordError as exc:
        _fail(str(exc))
    cut = until.date() if until else None
    click.echo(f"Landing record {record}, attempts up to {cut or 'the latest'}:")
    click.echo(f"  {'class':<15}{'n':>4}{'succ':>6}{'part':>6}{'fail':>6}{'a':>7}{'b':>7}"
               f"{'mean':>8}  90% interval")
    for f in cal.table(rows, cut):
        lo, hi = f.interval(0.9)
        click.echo(f"  {f.classes[0]:<15}{f.n:>4}{f.successes:>6}{f.partials:>6}"
                   f"{f.failures:>6}{f.a:>7.1f}{f.b:>7.1f}{f.mean:>8.3f}  [{lo:.3f}, {hi:.3f}]")


def _results(folder: str) -> dict:
    from .results import NotAResultsFolder, load_run

    try:
        return load_run(folder)
    except NotAResultsFolder as exc:
        _fail(f"{exc}; give a folder that `racesim run` wrote, such as results/base.")
    except (OSError, ValueError) as exc:
        _fail(f"cannot read the results folder {folder}: {exc}")


@main.command(context_settings=CONTEXT)
@click.argument("results", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--out", type=click.Path(file_okay=False),
              help="Folder for the plot files [default: RESULTS/plots].")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "both"]), default="both",
              show_default=True, help="png for looking at, svg for papers.")
def plot(results: str, out: str | None, fmt: str) -> None:
    """Draw the plots of the results folder RESULTS again.

    For each milestone: who gets there first (with 95% intervals), the chance of having
    got there by each date, and the spread of the dates; files <milestone>_<kind>.png/svg.
    """
    from .plots import figure_set
    from .report import PLOTS_FOLDER, write_plots

    run_data = _results(results)
    folder = Path(out) if out else Path(results) / PLOTS_FOLDER
    formats = ("png", "svg") if fmt == "both" else (fmt,)
    try:
        paths = write_plots(figure_set(run_data), folder, formats)
    except OSError as exc:
        _fail(f"cannot write the plots: {exc}")
    click.echo(f"{len(paths)} plot files in {folder}/")


@main.command(context_settings=CONTEXT)
@click.argument("results", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--out", type=click.Path(dir_okay=False),
              help="The HTML file [default: RESULTS/report.html].")
def report(results: str, out: str | None) -> None:
    """Write a self-contained HTML report of the results folder RESULTS.

    One file to open in a browser or mail: the scenario and its key assumptions, the
    summary table, the plots and the manifest; it loads nothing from elsewhere.
    """
    from .report import REPORT_FILE, build_report

    run_data = _results(results)
    path = Path(out) if out else Path(results) / REPORT_FILE
    try:
        path.write_text(build_report(run_data), encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write the report: {exc}")
    click.echo(f"report in {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
