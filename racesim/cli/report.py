"""``racesim report RESULTS``: a self-contained HTML report of a results folder."""

from __future__ import annotations

from pathlib import Path

import click

from racesim.cli.common import (
    CONTEXT,
    fail,
    may_write,
    note,
    noted,
    plots_option,
    results_folder,
    usable,
)


@click.command("report", context_settings=CONTEXT)
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
@plots_option(
    "A run's folder: all also draws who leads by each date and the chance of "
    "getting there in each quarter beside the bars and the curves, and the spread of "
    "the dates."
)
def command(results: str, out: str | None, force: bool, plot_set: str = "some") -> None:
    """Write a self-contained HTML report of the results folder RESULTS.

    One file to open in a browser or mail: the scenario and its key assumptions, the
    summary table, the plots and the manifest (with --versus, the head-to-head
    section); it loads nothing from elsewhere. A folder of compare, sweep or
    sensitivity gets its own report: what was compared or varied, the table and the
    chart. An earlier racesim report is replaced; any other existing file only with
    --force.
    """
    from racesim.output.analysis_files import folder_kind, write_pictures
    from racesim.output.files import write_text_whole
    from racesim.output.report import REPORT_FILE, build_report
    from racesim.output.results import NotAResultsFolder

    path = Path(out) if out else Path(results) / REPORT_FILE
    usable(Path(results), "the results folder")
    kind = folder_kind(Path(results)) if Path(results).is_dir() else None
    if kind not in (None, "run"):
        may_write([path], "report", force, Path(results))
        try:
            write_pictures(Path(results), kind, plots=False, report_path=path)
        except NotAResultsFolder as exc:
            fail(f"{exc}.")
        except OSError as exc:
            fail(f"cannot write the report {path}: {exc.strerror or exc}")
        noted([path])
        click.echo(f"report in {path}")
        return
    run_data = results_folder(results)
    may_write([path], "report", force, Path(results))
    try:
        write_text_whole(path, build_report(run_data, extras=plot_set == "all"))
    except OSError as exc:
        fail(f"cannot write the report {path}: {exc.strerror or exc}")
    noted([path])
    note(f"report in {path}")
