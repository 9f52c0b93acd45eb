"""One writer per command that writes a folder: ``run``, ``compare``, ``sweep`` and
``sensitivity`` (the README's "The results folder" and "Comparing scenarios, sweeps
and sensitivity" list their files).

Each writer takes what an analysis returned and writes its files into a folder staged
by :func:`racesim.output.folders.staged_folder` (which makes the folder appear whole,
and replaces an existing one only with ``force``): the command line stages the folder
before its analysis runs (so that a folder that may not be replaced is refused before
any work, and a run that loses a race for it keeps nothing), ``.save`` after.  Every
figure goes through the one deterministic renderer
(:mod:`racesim.output.render`).  The command line and the Python
API (``.save(folder)`` of every result) call the same writer, so their folders are the
same byte for byte, apart from the manifest and the dated report.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from racesim.output.files import write_csv, write_json
from racesim.output.folders import staged_folder
from racesim.output.results import TableWriter, write_results


def write_figure(fig, folder: Path, stem: str) -> None:
    """``stem``.png and .svg through the one deterministic renderer."""
    from racesim.output.render import write_plots  # matplotlib: only when drawing

    write_plots({stem: fig}, folder)


def _write_scenario(path: Path, scenario) -> None:
    path.write_text(scenario.to_yaml(path.parent), encoding="utf-8")


# -- run ------------------------------------------------------------------------------------
def write_run(
    folder: Path,
    scenario,
    summary: dict,
    tally,
    manifest_data: dict,
    reached: np.ndarray | None,
    *,
    force: bool = False,
    table: str = "csv",
    plots: bool = True,
    report: bool = True,
    formats: tuple[str, ...] = ("png",),
    crowd: list | None = None,
    versus=None,
    inputs: bool = False,
    extras: bool = False,
) -> Path:
    """A run's results folder from a finished run (``reached``: the per-replication
    reach times, shape (N, milestones, agencies); needed unless ``table`` is "none"
    and not ``inputs``; ``formats``: the plot files, PNG and/or SVG; ``versus``: the
    head-to-head tally; ``inputs``: also the inputs and outcomes tables; ``extras``:
    the plots of ``--plots all``).
    ``manifest_data`` gets the tables' file names."""
    with staged_folder(Path(folder), force) as tmp:
        w = summary.get("worlds")
        worlds = (w["count"], summary["replications"]) if w else None
        sink = RunTables(tmp, scenario, table, inputs, summary["seed"], worlds)
        try:
            step = 10_000  # the inputs of this many replications at a time
            for first in range(0, len(reached) if reached is not None else 0, step):
                sink(first, reached[first : first + step])
        finally:
            sink.close()
        manifest_data = {**manifest_data, **sink.files()}
        finish_run(
            tmp,
            scenario,
            summary,
            tally,
            manifest_data,
            plots=plots,
            report=report,
            formats=formats,
            crowd=crowd,
            versus=versus,
            extras=extras,
        )
    return Path(folder)


class RunTables:
    """A run's sink for its per-replication tables: the tidy table in ``table``'s
    format (none: no table) and, with ``inputs``, the inputs and outcomes tables
    (:mod:`racesim.output.tables`; Parquet with a Parquet table, gzipped CSV with a
    gzipped one, else CSV).  ``files()``: their names, for the manifest.  ``seed``:
    the run's root seed (default the scenario's); ``worlds``: (K, N) of a run with K
    worlds over N replications."""

    def __init__(
        self,
        folder: Path,
        scenario,
        table: str,
        inputs: bool,
        seed: int | None = None,
        worlds: tuple[int, int] | None = None,
    ):
        from racesim.output.tables import InputsWriter, OutcomesWriter

        seed = scenario.seed if seed is None else seed
        self.sinks: list = []
        try:
            self.table = TableWriter(folder, scenario, table, seed=seed, worlds=worlds)
            self.sinks.append(self.table)
            self.inputs = self.outcomes = None
            if inputs:
                fmt = table if table in ("parquet", "csv.gz") else "csv"
                self.inputs = InputsWriter(folder, scenario, fmt, seed, worlds)
                self.sinks.append(self.inputs)
                self.outcomes = OutcomesWriter(folder, scenario, fmt)
                self.sinks.append(self.outcomes)
        except BaseException:
            self.close()
            raise

    @property
    def path(self) -> Path | None:
        return self.table.path

    def __call__(self, first: int, reached: np.ndarray) -> None:
        for s in self.sinks:
            s(first, reached)

    def close(self) -> None:
        for s in self.sinks:
            s.close()

    def files(self) -> dict:
        def name(w) -> str | None:
            return w.path.name if w is not None and w.path is not None else None

        out = {"table": name(self.table)}
        if self.inputs is not None:
            out.update(inputs=name(self.inputs), outcomes=name(self.outcomes))
        return out


@contextlib.contextmanager
def streamed_run(
    folder: Path,
    scenario,
    table: str = "csv",
    force: bool = False,
    inputs: bool = False,
    seed: int | None = None,
    worlds: tuple[int, int] | None = None,
) -> Iterator:
    """Stage a run's folder and stream its tables while the run goes on: yields
    ``(tmp, sink)`` (a :class:`RunTables`); call ``sink`` as the run's sink, then
    :func:`finish_run` on ``tmp``.  The folder appears, complete, when the block ends
    without an error."""
    with staged_folder(Path(folder), force) as tmp:
        sink = RunTables(tmp, scenario, table, inputs, seed, worlds)
        try:
            yield tmp, sink
        finally:
            sink.close()


def finish_run(
    tmp: Path,
    scenario,
    summary: dict,
    tally,
    manifest_data: dict,
    *,
    plots: bool,
    report: bool,
    formats: tuple[str, ...] = ("png",),
    crowd: list | None = None,
    versus=None,
    extras: bool = False,
) -> None:
    """Everything of a run's folder but the table (streamed in during a run);
    ``crowd``: the crowd's questions the run answered (``crowd.csv``, for the report);
    ``versus``: the head-to-head tally; ``extras``: the plots of ``--plots all``."""
    write_results(tmp, scenario, summary, tally, manifest_data, versus)
    if crowd:
        from racesim.analysis.crowd import RUN_COLUMNS, run_rows

        write_csv(tmp / "crowd.csv", RUN_COLUMNS, run_rows(crowd))
    write_pictures(tmp, plots=plots, report=report, formats=formats, extras=extras)


def write_pictures(
    tmp: Path,
    *,
    plots: bool,
    report: bool,
    formats: tuple[str, ...] = ("png",),
    workers: int = 1,
    extras: bool = False,
) -> None:
    """A run's plots (``plots/``, in ``formats``; ``extras``: with the panels of
    ``--plots all``) and report.html, from the files of its folder, drawn in up to
    ``workers`` processes; nothing (and no matplotlib import) when neither is wanted."""
    if plots or report:
        from racesim.output.report import write_outputs  # matplotlib: only when needed

        write_outputs(
            tmp, plots=plots, report=report, formats=formats, workers=workers, extras=extras
        )


# -- compare --------------------------------------------------------------------------------
def write_compare(
    tmp: Path,
    data: dict,
    a,
    b,
    csv_rows: Iterable[Sequence],
    columns: Sequence[str],
    manifest_data: dict,
    tallies=None,
    *,
    plots: bool = True,
) -> None:
    """compare.json, compare.csv, both resolved scenarios, the manifest, and with the
    two runs' ``tallies`` (A's, B's) their dates (dates_a.csv, dates_b.csv, as a run's
    dates.csv), compare.png/svg and report.html."""
    from racesim.output.results import write_dates

    write_json(tmp / "compare.json", data)
    write_csv(tmp / "compare.csv", columns, csv_rows)
    _write_scenario(tmp / "scenario_a.yaml", a)
    _write_scenario(tmp / "scenario_b.yaml", b)
    write_json(tmp / "manifest.json", manifest_data)
    if tallies is not None:
        write_dates(tmp / "dates_a.csv", a, tallies[0])
        write_dates(tmp / "dates_b.csv", b, tallies[1])
        _analysis_pictures(tmp, "compare", plots)


def _analysis_pictures(tmp: Path, kind: str, plots: bool) -> None:
    """The figure and report.html of an analysis folder, drawn from its files."""
    if plots:
        from racesim.output.analysis_files import write_pictures  # matplotlib: only now

        write_pictures(tmp, kind)


# -- sweep ----------------------------------------------------------------------------------
def write_sweep(
    tmp: Path,
    table: Sequence[Mapping],
    columns: Sequence[str],
    base,
    fields: Sequence[str],
    manifest_data: dict,
    *,
    plots: bool = True,
) -> None:
    """sweep.csv (empty cells for missing values), scenario.yaml, the manifest, and
    sweep.png/svg (P(first) and the median date against the first field) with
    report.html (drawn from those files; neither without ``plots``)."""
    write_csv(
        tmp / "sweep.csv",
        columns,
        [["" if row.get(c) is None else row[c] for c in columns] for row in table],
    )
    _write_scenario(tmp / "scenario.yaml", base)
    write_json(tmp / "manifest.json", manifest_data)
    _analysis_pictures(tmp, "sweep", plots)


# -- sensitivity ----------------------------------------------------------------------------
def write_sensitivity(
    tmp: Path,
    result,
    columns: Sequence[str],
    base,
    fields: Sequence[str],
    manifest_data: dict,
    *,
    plots: bool = True,
    top: int = 20,
) -> None:
    """sensitivity.json and .csv, scenario.yaml, the manifest, for Sobol the evaluated
    points (sobol_points.csv), and the chart (tornado or sobol .png/.svg, the ``top``
    parameters) with report.html (neither without ``plots``)."""
    sobol = result.to_dict()["method"] == "sobol"
    write_json(tmp / "sensitivity.json", result.to_dict())
    write_csv(tmp / "sensitivity.csv", columns, [[r[c] for c in columns] for r in result.rows])
    _write_scenario(tmp / "scenario.yaml", base)
    write_json(tmp / "manifest.json", {**manifest_data, "top": top})
    if sobol:
        names = [*fields, "p_first"]
        write_csv(tmp / "sobol_points.csv", names, [[p[k] for k in names] for p in result.points])
    _analysis_pictures(tmp, "sensitivity", plots)


# -- backtest -------------------------------------------------------------------------------
def write_backtests(tmp: Path, result, manifest_data: dict, title: str) -> None:
    """scores.csv (one row per origin and event), calibration.csv (the reliability
    bins), calibration.png/.svg (the reliability diagram of all events pooled) and the
    manifest."""
    from racesim.analysis.calibration import BIN_COLUMNS, SCORE_COLUMNS
    from racesim.output.plots_evidence import calibration_figure

    write_csv(tmp / "scores.csv", SCORE_COLUMNS, result.score_rows())
    write_csv(tmp / "calibration.csv", BIN_COLUMNS, result.bin_rows())
    write_json(tmp / "manifest.json", manifest_data)
    write_figure(calibration_figure(result.reliability(), title), tmp, "calibration")
