"""The result objects of the Python API (:mod:`racesim.api`): :class:`Run` (``simulate``
and ``open``), :class:`CompareResult`, :class:`SweepResult`, :class:`SensitivityResult`
and :class:`BacktestResult`.

Each holds what its analysis returned, offers it as DataFrames and as the text the
command prints (``.text()``), and ``.save(folder)`` writes the folder the command
writes, through the same writer in :mod:`racesim.output.writers`.  pandas is needed
only for the DataFrame methods (``pip install 'racesim[notebook]'``).  Nothing here
prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from racesim.scenario import Scenario


def _pandas():
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "this needs pandas: pip install 'racesim[notebook]' (or pip install pandas)"
        ) from None
    return pd


def in_api_words(message: str) -> str:
    """A message written for the command line, in the words of the Python API (its
    arguments instead of the options: ``overrides`` for ``--set``, ``force=True`` for
    ``--force``, the folder given to ``save`` for ``--out``)."""
    for cli, py in (
        ("(value given with --set)", "(value given in overrides)"),
        ("choose another folder with --out", "choose another folder"),
        ("Choose another folder with --out", "Choose another folder"),
        ("Run again with another --out", "Save again to another folder"),
        ("Choose another --out", "Choose another folder"),
        ("(with --force)", "(with force=True)"),
        ("pass --force", "pass force=True"),
        ("--set ", "overrides: "),
    ):
        message = message.replace(cli, py)
    return message


@contextlib.contextmanager
def _api_words() -> Iterator[None]:
    """A folder that may not be replaced, said in the API's words (``force=True``, not
    ``--force``)."""
    from racesim.api import in_api_words
    from racesim.output.folders import ResultsExistError

    try:
        yield
    except ResultsExistError as exc:
        raise ResultsExistError(exc.path, exc.ours, detail=in_api_words(str(exc))) from None


def _saved(folder: str | os.PathLike, force: bool, write) -> Path:
    """``write(tmp)`` into a staged folder that becomes ``folder`` when it is done."""
    from racesim.output.folders import staged_folder

    with _api_words(), staged_folder(Path(folder), force) as tmp:
        write(tmp)
    return Path(folder)


def _manifest(scenario, seed, n, source, seconds, jobs, overrides, extra) -> dict:
    from racesim.output.results import manifest

    return manifest(
        scenario,
        seed,
        n,
        Path(source) if source is not None else None,
        seconds,
        jobs,
        list(overrides),
        extra,
    )


class Run:
    """The results of :func:`simulate`.

    ``summary`` is the dict of ``summary.json``; ``reached`` (if the table was kept) has
    shape (replications, milestones, agencies): years from start at which each agency
    reached each milestone, NaN where it did not.  ``crowd`` (None without crowd
    questions): the crowd's questions the run answered, largest difference first
    (:class:`racesim.analysis.crowd.Answer`)."""

    crowd: list | None = None

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        n: int,
        summary: dict,
        tally,
        reached: np.ndarray | None,
        seconds: float,
        jobs: int,
        source: Path | None,
        overrides: list[str],
        settings: dict,
        started: dt.datetime | None = None,
        versus=None,
    ):
        self.scenario = scenario
        self.seed = seed
        self.n = n
        self.summary = summary
        self.tally = tally
        self.reached = reached
        self.seconds = seconds
        self.jobs = jobs
        self.source = source
        self.overrides = overrides
        self._settings = settings
        self.started = started
        self.versus = versus  # the head-to-head tally (racesim.run.versus), if asked

    @property
    def precision_reached(self) -> bool | None:
        """With ``precision``: whether every P(first) reached it (False: the run stopped
        at ``max_replications``); None without ``precision``."""
        return self._settings.get("precision_reached")

    @property
    def worlds(self) -> int | None:
        """With ``worlds``: how many (None without)."""
        return self._settings.get("worlds")

    @property
    def half_width(self) -> float:
        """The widest 95% half-width among the P(first) estimates: the precision got."""
        return self.tally.max_half_width()

    def __repr__(self) -> str:
        table = "kept" if self.reached is not None else "not kept"
        return (
            f"<racesim.Run {self.scenario.name!r}: {self.n:,} replications, seed "
            f"{self.seed}, table {table}>"
        )

    # -- estimates ------------------------------------------------------------------
    def first(self):
        """P(first) per milestone and agency (and ``none``), with the 95% interval:
        a DataFrame with columns milestone, agency, p, lo, hi (with ``worlds``, also
        the spread across worlds: worlds_p10, worlds_p50, worlds_p90)."""
        pd = _pandas()
        spread = ("p10", "p50", "p90") if self.worlds else ()
        rows = [
            (m, a, f["p"], *f["ci95"], *(f["worlds"][q] for q in spread))
            for m, ms in self.summary["milestones"].items()
            for a, f in ms["first"].items()
        ]
        columns = ["milestone", "agency", "p", "lo", "hi", *(f"worlds_{q}" for q in spread)]
        return pd.DataFrame(rows, columns=columns)

    def reached_by_horizon(self):
        """P(reached by the horizon) per milestone and agency, its 95% interval and the
        median, 10% and 90% dates where it does: a DataFrame."""
        pd = _pandas()
        rows = [
            (m, a, r["p"], *r["ci95"], r["median"], r["p10"], r["p90"])
            for m, ms in self.summary["milestones"].items()
            for a, r in ms["reached"].items()
        ]
        df = pd.DataFrame(
            rows, columns=["milestone", "agency", "p", "lo", "hi", "median", "p10", "p90"]
        )
        for c in ("median", "p10", "p90"):
            df[c] = pd.to_datetime(df[c])
        return df

    def by(self):
        """The chances by each ``by`` date of :func:`simulate`: a DataFrame with columns
        milestone, date, measure (first or reached), agency (``none``: nobody by then),
        p, lo, hi (empty without ``by``)."""
        rows = [
            (m, d, measure, a, e["p"], *e["ci95"])
            for m, ms in self.summary["milestones"].items()
            for d, at in ms.get("by", {}).items()
            for measure in ("first", "reached")
            for a, e in at[measure].items()
        ]
        cols = ["milestone", "date", "measure", "agency", "p", "lo", "hi"]
        return _pandas().DataFrame(rows, columns=cols)

    def head_to_head(self):
        """The ``versus`` pairs (``simulate(versus=...)``) as a DataFrame: per pair and
        milestone, P(A before B) and P(B before A) with their intervals (a run where only
        one gets there counts for it), the same moment, neither, and A's lead in years
        (B's date minus A's) where both get there: mean, 10%, median, 90%."""
        from racesim.analysis.versus import VERSUS_TABLE_COLUMNS, versus_rows

        rows = versus_rows(self.summary.get("versus") or {})
        return _pandas().DataFrame(rows, columns=list(VERSUS_TABLE_COLUMNS))

    def dates_rows(self) -> list[dict]:
        """``dates.csv`` as rows (the form :func:`racesim.output.results.read_dates` returns)."""
        from racesim.output.results import DATE_COLUMNS, date_table

        return [dict(zip(DATE_COLUMNS, r)) for r in date_table(self.scenario, self.tally)]

    def dates(self):
        """``dates.csv`` as a DataFrame: milestone, agency (``first``: anybody), date,
        year, count, p_by_date (the chance of having reached it by that date)."""
        pd = _pandas()
        from racesim.output.results import DATE_COLUMNS

        df = pd.DataFrame(self.dates_rows(), columns=list(DATE_COLUMNS))
        df["date"] = pd.to_datetime(df["date"])
        return df

    def table(self):
        """The per-replication table (``replications.csv``) as a DataFrame: one row per
        replication x milestone x agency that reached it, with columns replication,
        milestone, agency, date, year, first (1 for the winner); for a mixture also
        component (the name of the component the replication ran)."""
        pd = _pandas()
        from racesim.output.results import table_entries
        from racesim.scenario.timeutil import decimal_year

        r, m, a, day, win = table_entries(self._need_table())
        uniq, inv = np.unique(day, return_inverse=True)
        on = [self.scenario.start + dt.timedelta(days=int(d)) for d in uniq]
        years = np.array([round(decimal_year(d), 4) for d in on], dtype=float)
        # parsed as pandas parses the CSV's ISO dates (same resolution)
        when = pd.to_datetime(pd.Series([d.isoformat() for d in on], dtype=object))
        milestones = np.array(list(self.scenario.milestones), dtype=object)
        agencies = np.array(list(self.scenario.agencies), dtype=object)
        columns = {
            "replication": r.astype(np.int64),
            "milestone": milestones[m],
            "agency": agencies[a],
            "date": when.to_numpy()[inv],
            "year": years[inv],
            "first": win.astype(np.int64),
        }
        if hasattr(self.scenario, "components"):  # a mixture: which component ran it
            from racesim.run.mixture import choose

            names = np.array([c.name for c in self.scenario.components], dtype=object)
            keys = None
            if self._settings.get("worlds"):
                from racesim.run.worlds import world_of

                keys = world_of(np.arange(self.n), self._settings["worlds"], self.n)
            cumulative = np.cumsum(self.scenario.weights).tolist()
            comp = choose(cumulative, self.seed, 0, self.n, keys)
            columns["component"] = names[comp[r]]
        return pd.DataFrame(columns, columns=list(columns))

    def inputs(self):
        """Every number each replication drew, one column per ``--set`` path (the
        ``inputs.csv`` of ``racesim run --inputs``; see :mod:`racesim.run.inputs`): a
        DataFrame with one row per replication.  Recomputed from the seed, so it needs
        no kept table."""
        pd = _pandas()
        from racesim.engine.plan import Plan
        from racesim.run.inputs import input_values

        if hasattr(self.scenario, "components"):
            raise ValueError(
                "inputs of a mixture are not written yet: take each component's inputs "
                "(its replications are those of the mixture that ran it)"
            )
        keys = None
        if self.worlds:
            from racesim.run.worlds import world_of

            keys = world_of(np.arange(self.n), self.worlds, self.n)
        values = input_values(Plan.from_scenario(self.scenario), self.seed, 0, self.n, keys)
        return pd.DataFrame({"replication": np.arange(self.n, dtype=np.int64), **values})

    def outcomes(self):
        """One row per replication: each milestone's winner (``M.winner``, an agency
        or ``none``), the date it was first reached (``M.date``) and its decimal year
        (``M.year``), as in ``outcomes.csv``."""
        pd = _pandas()
        from racesim.output.tables import outcome_frame

        return pd.DataFrame(outcome_frame(self.scenario, self._need_table()))

    def _need_table(self) -> np.ndarray:
        if self.reached is None:
            raise ValueError(
                "this run did not keep its per-replication table; simulate "
                "again with keep_table=True"
            )
        return self.reached

    # -- one replication ------------------------------------------------------------
    def story(self, k: int):
        """Replication ``k`` of this run, told in date order (a
        :class:`racesim.output.story.Story`: ``str(story)`` or ``story.text(only=AGENCY)`` for
        text, ``story.events`` and ``story.reaches()`` for data)."""
        from racesim.output.story import tell

        if not 0 <= k < self.n:
            raise IndexError(f"this run has replications 0 to {self.n - 1}, not {k}")
        worlds = self._settings.get("worlds")
        return tell(
            self.scenario, k, self.seed, worlds=None if worlds is None else (worlds, self.n)
        )

    # -- files ----------------------------------------------------------------------
    def save(
        self,
        folder: str | os.PathLike,
        force: bool = False,
        table: str = "csv",
        plots: str | bool = "some",
        report: bool = True,
        svg: bool = False,
        inputs: bool = False,
    ) -> Path:
        """Write a results folder as ``racesim run`` does (summary.json, scenario.yaml,
        manifest.json, dates.csv, the per-replication table in format ``table`` —
        ``csv``, ``csv.gz``, ``parquet`` or ``none`` — and the plots, PNG and with
        ``svg`` also SVG, and report.html; with ``inputs``, also the inputs and
        outcomes tables of ``racesim run --inputs``).  ``plots``: the set of
        ``racesim run --plots``, ``"some"`` (or True) or ``"all"``; False for none
        (``--no-plots``).  Atomic;
        refuses to replace an existing results folder unless ``force`` (raises
        :class:`racesim.output.results.ResultsExistError`).  Returns the folder."""
        from racesim.output.results import TABLE_FORMATS
        from racesim.output.writers import write_run

        if table not in TABLE_FORMATS:
            raise ValueError(f"unknown table format {table!r}; use one of {TABLE_FORMATS}")
        if plots is True:
            plots = "some"
        if plots is not False and plots not in ("some", "all"):
            raise ValueError(f"unknown plot set {plots!r}; use 'some', 'all' or False (no plots)")
        if inputs and hasattr(self.scenario, "components"):
            raise ValueError(
                "inputs of a mixture are not written yet: save each component's run with "
                "inputs=True"
            )
        if table != "none" or inputs:
            self._need_table()
        if table == "parquet":
            from racesim.output.tables import require_pyarrow

            require_pyarrow()
        folder = Path(folder)
        s = self.scenario
        manifest_data = self.manifest()
        with _api_words():
            write_run(
                folder,
                s,
                self.summary,
                self.tally,
                manifest_data,
                self.reached,
                force=force,
                table=table,
                plots=plots is not False,
                report=report,
                formats=("png", "svg") if svg else ("png",),
                crowd=self.crowd,
                versus=self.versus,
                inputs=inputs,
                extras=plots == "all",
            )
        return folder

    def manifest(self, table: str | None = None, started: dt.datetime | None = None) -> dict:
        """``manifest.json`` of this run (``table``: the table's file name; ``started``:
        when the work began, by default when the replications did)."""
        from racesim.output.results import manifest

        return manifest(
            self.scenario,
            self.seed,
            self.n,
            self.source,
            self.seconds,
            self.jobs,
            list(self.overrides),
            {"table": table, **self._settings},
            started or self.started,
        )

    # -- plots (racesim.output.plots) ------------------------------------------------------
    def _shown(self, milestone: str) -> dict:
        """The plots' keywords: the agencies' names, and those that can reach
        ``milestone`` (the others are left out, as in the printed table)."""
        from racesim.scenario.reach import contenders

        names = {k: a.name or k for k, a in self.scenario.agencies.items()}
        return {"names": names, "agencies": (contenders(self.scenario) or {}).get(milestone)}

    def plot_first(self, milestone: str, ax=None):
        """Bars: each agency's chance of reaching ``milestone`` first. Returns the Axes."""
        from racesim.output import plots

        return plots.plot_first(self.summary, milestone, ax=ax, **self._shown(milestone))

    def plot_reached(self, milestone: str, ax=None):
        """Curves: the chance of having reached ``milestone`` by each date."""
        from racesim.output import plots

        return plots.plot_reached(
            self.summary, self.dates_rows(), milestone, ax=ax, **self._shown(milestone)
        )

    def plot_dates(self, milestone: str, ax=None):
        """Ranges: when each agency reaches ``milestone``, where it does."""
        from racesim.output import plots

        return plots.plot_dates(
            self.summary, self.dates_rows(), milestone, ax=ax, **self._shown(milestone)
        )


# -- compare ------------------------------------------------------------------------------
@dataclass
class CompareResult:
    """:func:`racesim.compare`: B against A on common random numbers.

    ``data`` is ``compare.json`` as a dict; ``comparison`` the analysis' own result
    (:class:`racesim.analysis.compare.Comparison`, with the paired counts)."""

    comparison: Any
    a: Scenario
    b: Scenario
    n: int
    seed: int
    jobs: int
    seconds: float
    files: tuple[str | None, str | None]  # the scenario files of A and B, as given
    overrides: tuple[list[str], list[str]]  # PATH=VALUE of A and of B
    data: dict = field(init=False)

    def __post_init__(self) -> None:
        self.data = self.comparison.to_dict()

    def table(self):
        """``compare.csv`` as a DataFrame: per milestone, measure and agency, P in A and
        B, the difference B-A and their intervals, ``clear``, median dates."""
        from racesim.analysis.compare import CSV_COLUMNS, csv_rows

        return _pandas().DataFrame(csv_rows(self.data), columns=list(CSV_COLUMNS))

    def text(self) -> str:
        """The table ``racesim compare`` prints."""
        from racesim.output.text_analysis import format_comparison

        names = {k: (ag.name or k) for s in (self.b, self.a) for k, ag in s.agencies.items()}
        return format_comparison(self.data, names)

    def save(self, folder: str | os.PathLike, force: bool = False) -> Path:
        """compare.json, compare.csv, scenario_a.yaml, scenario_b.yaml, the manifest,
        dates_a.csv, dates_b.csv, compare.png/svg and report.html, as ``racesim compare
        --out`` writes them (atomic; an existing results folder
        is replaced only with ``force``)."""
        return _saved(folder, force, self.write)

    def write(self, tmp: Path) -> None:
        """The files of :meth:`save`, into the staged folder ``tmp``."""
        from racesim.analysis.compare import CSV_COLUMNS, csv_rows
        from racesim.output.writers import write_compare

        extra = {
            "command": "compare",
            "scenario_b": self.b.name,
            "scenario_b_file": self.files[1],
            "overrides_b": list(self.overrides[1]),
        }
        m = _manifest(
            self.a,
            self.seed,
            self.n,
            self.files[0],
            self.seconds,
            self.jobs,
            self.overrides[0],
            extra,
        )
        c = self.comparison
        rows = csv_rows(self.data)
        write_compare(tmp, self.data, self.a, self.b, rows, CSV_COLUMNS, m, (c.tally_a, c.tally_b))


# -- sweep --------------------------------------------------------------------------------
@dataclass
class SweepResult:
    """:func:`racesim.sweep`: the scenario at every point of a grid of field values.

    ``rows`` are the rows of ``sweep.csv`` (dicts); ``sweep`` the analysis' own result
    (:class:`racesim.analysis.sweep.Sweep`, with a tally per point)."""

    sweep: Any
    rows: list[dict]
    base: Scenario
    vary: list[str]  # the PATH=LOW:HIGH:STEPS texts
    n: int
    seed: int
    jobs: int
    seconds: float
    source: str | None
    overrides: list[str]

    @property
    def fields(self) -> list[str]:
        return [s.path for s in self.sweep.spans]

    def table(self):
        """``sweep.csv`` as a DataFrame: one row per point, milestone and agency."""
        from racesim.analysis.sweep import table_columns

        return _pandas().DataFrame(self.rows, columns=table_columns(self.sweep.spans))

    def text(self) -> str:
        """The table ``racesim sweep`` prints: P(first) at every point."""
        from racesim.analysis.sweep import can_reach
        from racesim.output.text_analysis import format_sweep

        return format_sweep(self.rows, self.sweep.spans, self.base, can_reach(self.sweep))

    def save(self, folder: str | os.PathLike, force: bool = False, plots: bool = True) -> Path:
        """sweep.csv, scenario.yaml, the manifest and sweep.png/svg, as ``racesim
        sweep`` writes them (atomic; ``force`` as for :meth:`Run.save`)."""
        return _saved(folder, force, lambda tmp: self.write(tmp, plots))

    def write(self, tmp: Path, plots: bool = True) -> None:
        """The files of :meth:`save`, into the staged folder ``tmp``."""
        from racesim.analysis.sweep import table_columns
        from racesim.output.writers import write_sweep

        extra = {"command": "sweep", "vary": list(self.vary), "points": len(self.sweep.points)}
        m = _manifest(
            self.base,
            self.seed,
            self.n,
            self.source,
            self.seconds,
            self.jobs,
            self.overrides,
            extra,
        )
        columns = table_columns(self.sweep.spans)
        write_sweep(tmp, self.rows, columns, self.base, self.fields, m, plots=plots)


# -- sensitivity --------------------------------------------------------------------------
@dataclass
class SensitivityResult:
    """:func:`racesim.sensitivity`: which parameters move an agency's P(first).

    ``result`` is the analysis' own (:class:`~racesim.analysis.sensitivity.OATResult` or
    :class:`~racesim.analysis.sensitivity.SobolResult`); ``rows`` its ranked rows."""

    result: Any
    base: Scenario
    method: str  # "oat" or "sobol"
    fields: list[str]  # the --range paths
    ranges: list[str]  # the PATH=LOW:HIGH texts
    evaluations: int
    samples: int
    n: int
    seed: int
    jobs: int
    seconds: float
    source: str | None
    overrides: list[str]

    @property
    def rows(self) -> list[dict]:
        return self.result.rows

    @property
    def columns(self) -> tuple[str, ...]:
        from racesim.analysis.sensitivity import OAT_COLUMNS, SOBOL_COLUMNS

        return OAT_COLUMNS if self.method == "oat" else SOBOL_COLUMNS

    def table(self):
        """``sensitivity.csv`` as a DataFrame (largest swing, or index, first)."""
        cols = list(self.columns)
        return _pandas().DataFrame([[r[c] for c in cols] for r in self.rows], columns=cols)

    def text(self, top: int = 20) -> str:
        """The table ``racesim sensitivity`` prints (OAT: the ``top`` parameters)."""
        from racesim.output import text_analysis as text

        if self.method == "oat":
            return text.format_oat(self.result, top)
        return text.format_sobol(self.result)

    def save(
        self, folder: str | os.PathLike, force: bool = False, plots: bool = True, top: int = 20
    ) -> Path:
        """sensitivity.json and .csv, scenario.yaml, the manifest (Sobol: also
        sobol_points.csv) and the chart, as ``racesim sensitivity`` writes them
        (atomic; ``force`` as for :meth:`Run.save`)."""
        return _saved(folder, force, lambda tmp: self.write(tmp, plots, top))

    def write(self, tmp: Path, plots: bool = True, top: int = 20) -> None:
        """The files of :meth:`save`, into the staged folder ``tmp``."""
        from racesim.output.writers import write_sensitivity

        extra = {
            "command": "sensitivity",
            "method": self.method,
            "milestone": self.result.milestone,
            "agency": self.result.agency,
            "ranges": list(self.ranges),
            "evaluations": self.evaluations,
            **({"samples": self.samples} if self.method == "sobol" else {}),
        }
        m = _manifest(
            self.base,
            self.seed,
            self.n,
            self.source,
            self.seconds,
            self.jobs,
            self.overrides,
            extra,
        )
        write_sensitivity(
            tmp, self.result, self.columns, self.base, self.fields, m, plots=plots, top=top
        )


# -- backtest -----------------------------------------------------------------------------
@dataclass
class BacktestResult:
    """:func:`racesim.backtest`: the scenario's forecasts scored against what happened.

    ``backtest`` is the analysis' own result (:class:`racesim.analysis.backtest.Backtest`:
    events, probabilities, scores); ``outcomes`` the outcomes file as given."""

    backtest: Any
    outcomes: str

    def events(self):
        """One row per event: event, kind, milestone, agency, happened (0/1), and for
        each forecaster (racesim, base_rate, coin) its p, Brier and log score."""
        from racesim.analysis.backtest import FORECASTERS

        bt = self.backtest
        cols: dict[str, list] = {
            "event": [e.label() for e in bt.events],
            "kind": [e.kind for e in bt.events],
            "milestone": [e.milestone for e in bt.events],
            "agency": [e.agency for e in bt.events],
            "happened": [int(e.happened) for e in bt.events],
        }
        for who in FORECASTERS:
            cols[f"{who}_p"] = list(bt.p[who])
            cols[f"{who}_brier"] = list(bt.brier(who))
            cols[f"{who}_log"] = list(bt.log(who))
        return _pandas().DataFrame(cols)

    def totals(self, kind: str | None = None) -> dict[str, dict[str, float]]:
        """Mean Brier and log score per forecaster (over events of ``kind``, or all)."""
        return self.backtest.totals(kind)

    def text(self) -> str:
        """The table ``racesim backtest`` prints."""
        from racesim.output.text_analysis import format_backtest

        return format_backtest(self.backtest, self.outcomes)
