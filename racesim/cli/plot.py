"""``racesim plot RESULTS``: draw a results folder's plots again."""

from __future__ import annotations

from pathlib import Path

import click

from racesim.cli.common import CONTEXT, fail, may_write, note, noted, results_folder, usable


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
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite files racesim did not write as plots (or files of a results folder).",
)
def command(results: str, out: str | None, fmt: str, force: bool) -> None:
    """Draw the plots of the results folder RESULTS again.

    For each milestone: who gets there first (with 95% intervals), the chance of having
    got there by each date, and the spread of the dates; files <milestone>_<kind>.png/svg.
    Earlier plots in RESULTS/plots are redrawn; any other existing file is overwritten
    only with --force.
    """
    from racesim.output.plots import KINDS, figure_set
    from racesim.output.render import write_plots
    from racesim.output.report import PLOTS_FOLDER

    run_data = results_folder(results)
    folder = Path(out) if out else Path(results) / PLOTS_FOLDER
    formats = ("png", "svg") if fmt == "both" else (fmt,)
    targets = [
        folder / f"{m}_{k}.{f}"
        for m in run_data["summary"]["milestones"]
        for k in KINDS
        for f in formats
    ]
    usable(folder, "the plots folder")
    if folder.exists() and not folder.is_dir():
        fail(f"cannot write the plots into {folder}: it is a file, not a folder.")
    may_write(targets, "plot", force)
    try:
        paths = write_plots(figure_set(run_data), folder, formats)
    except OSError as exc:
        fail(
            f"cannot write the plots into {folder}: {exc.strerror or exc} "
            f"({exc.filename or folder})"
        )
    noted(paths)
    note(f"{len(paths)} plot files in {folder}/")
