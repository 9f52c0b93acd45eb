"""``racesim plot RESULTS``: draw a results folder's plots again."""

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


@click.command("plot", context_settings=CONTEXT)
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
@plots_option(
    "A run's folder: all also draws who leads by each date and the chance of "
    "getting there in each quarter beside the bars and the curves, and the spread of "
    "the dates (<milestone>_dates)."
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite files racesim did not write as plots (or files of a results folder).",
)
def command(results: str, out: str | None, fmt: str, force: bool, plot_set: str = "some") -> None:
    """Draw the plots of the results folder RESULTS again.

    \b
    Examples:
      racesim plot results/base
      racesim plot results/cmp --format png
      racesim plot results/base --plots all

    A run's folder: for each milestone, who gets there first (with 95% intervals)
    and the chance of having got there by each date (with --plots all, also who leads
    by each date, the chance of getting there in each quarter, and the spread of the
    dates); with --versus, each pair head to head; files
    RESULTS/plots/<milestone>_<kind>.png/svg. A folder of compare, sweep or
    sensitivity: its chart again (compare.png, sweep.png, tornado.png or sobol.png, in
    RESULTS). Earlier plots are redrawn; any other existing file is overwritten only
    with --force.
    """
    from racesim.output.analysis_files import folder_kind
    from racesim.output.plots import figure_items, figure_set
    from racesim.output.render import write_plots
    from racesim.output.report import PLOTS_FOLDER

    formats = ("png", "svg") if fmt == "both" else (fmt,)
    usable(Path(results), "the results folder")
    kind = folder_kind(Path(results)) if Path(results).is_dir() else None
    if kind not in (None, "run"):
        _analysis(Path(results), kind, Path(out) if out else None, formats, force)
        return
    run_data = results_folder(results)
    folder = Path(out) if out else Path(results) / PLOTS_FOLDER
    extras = plot_set == "all"
    items = figure_items(run_data, extras=extras)
    targets = [folder / f"{key}.{f}" for key, _k, _s in items for f in formats]
    usable(folder, "the plots folder")
    if folder.exists() and not folder.is_dir():
        fail(f"cannot write the plots into {folder}: it is a file, not a folder.")
    may_write(targets, "plot", force, Path(results))
    try:
        paths = write_plots(figure_set(run_data, extras=extras), folder, formats)
    except OSError as exc:
        fail(
            f"cannot write the plots into {folder}: {exc.strerror or exc} "
            f"({exc.filename or folder})"
        )
    noted(paths)
    note(f"{len(paths)} plot files in {folder}/")


def _analysis(results: Path, kind: str, out: Path | None, formats, force: bool) -> None:
    """``racesim plot`` of a folder of compare, sweep or sensitivity."""
    from racesim.output.analysis_files import figure_stems, write_pictures
    from racesim.output.results import NotAResultsFolder

    folder = out or results
    usable(folder, "the plots folder")
    if folder.exists() and not folder.is_dir():
        fail(f"cannot write the plots into {folder}: it is a file, not a folder.")
    try:
        stems = figure_stems(results, kind)
        may_write([folder / f"{s}.{f}" for s in stems for f in formats], "plot", force, results)
        paths = write_pictures(results, kind, report=False, formats=formats, out=folder)
    except NotAResultsFolder as exc:
        fail(f"{exc}.")
    except OSError as exc:
        fail(
            f"cannot write the plots into {folder}: {exc.strerror or exc} "
            f"({exc.filename or folder})"
        )
    noted(paths)
    note(f"{len(paths)} plot files in {folder}/")
