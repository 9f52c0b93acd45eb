"""racesim from Python (notebooks, scripts): load, simulate, look, save.

::

    import racesim
    s = racesim.load("scenarios/base.yaml", {"agencies.roscosmos.budget.annual": 120})
    run = racesim.simulate(s, n=2000, seed=1)
    run.summary                  # dict shaped like summary.json
    run.first()                  # DataFrame: milestone, agency, p, lo, hi
    run.table()                  # the per-replication table (replications.csv)
    run.story(17)                # replication 17, told in date order
    run.save("results/try1")     # a results folder, as `racesim run` writes it

The results are those of ``racesim run`` with the same scenario, seed and number of
replications (whatever ``jobs``).  pandas is needed only for the DataFrame methods and
matplotlib only for the plots (``pip install 'racesim[notebook]'``).  Nothing here
prints.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import weakref
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from racesim.scenario.errors import ScenarioError
from racesim.scenario.extends import read_yaml
from racesim.scenario.loading import from_data
from racesim.scenario.overrides import apply_overrides, parse_override, set_path
from racesim.scenario.schema import Scenario

#: keep the per-replication table in memory by default up to this many replications
KEEP_TABLE_LIMIT = 100_000

Overrides = Mapping[str, Any] | Iterable[str] | str | None

# where a loaded scenario came from (file, overrides as PATH=VALUE), for the manifest;
# keyed by id() since scenarios are immutable and unhashable
_ORIGINS: dict[int, tuple[weakref.ref, Path, list[str]]] = {}


def _remember(s: Scenario, path: Path, overrides: list[str]) -> None:
    key = id(s)
    _ORIGINS[key] = (weakref.ref(s, lambda _r: _ORIGINS.pop(key, None)), path, overrides)


def _origin(s: Scenario) -> tuple[Path | None, list[str]]:
    hit = _ORIGINS.get(id(s))
    if hit is not None and hit[0]() is s:
        return hit[1], list(hit[2])
    return None, []


def _pandas():
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "this needs pandas: pip install 'racesim[notebook]' (or pip install pandas)"
        ) from None
    return pd


# -- loading ------------------------------------------------------------------------------
def _as_text(path: str, value: Any) -> str:
    """An override as the ``PATH=VALUE`` text `racesim run --set` would take."""
    if isinstance(value, dt.date):
        value = value.isoformat()
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6).strip()
    return f"{path}={text.removesuffix('...').strip()}"


def load(path: str | os.PathLike, overrides: Overrides = None) -> Scenario:
    """Read and validate a scenario file, with ``overrides`` applied like ``--set``.

    ``overrides``: a mapping ``{"agencies.roscosmos.budget.annual": 120, ...}`` (values
    are Python values: numbers, strings, dates, dicts for distributions) or
    ``PATH=VALUE`` strings (values read as YAML).  Missions are reached by id.  Raises
    :class:`racesim.scenario.ScenarioError` listing every problem."""
    path = Path(path)
    origins: dict = {}
    data = read_yaml(path, origins)
    applied: list[str] = []
    texts: list[str] = []
    if overrides is None:
        pass
    elif isinstance(overrides, Mapping):
        data = copy.deepcopy(data)
        issues = []
        for key, value in overrides.items():
            try:
                parts, _ = parse_override(f"{key}=")
                applied.append(set_path(data, parts, copy.deepcopy(value)))
                texts.append(_as_text(str(key), value))
            except ScenarioError as exc:
                issues.extend(exc.issues)
        if issues:
            raise ScenarioError(issues, str(path))
    else:
        texts = [overrides] if isinstance(overrides, str) else list(overrides)
        data = apply_overrides(data, texts, source=str(path), applied=applied)
    s = from_data(data, source=str(path), base_dir=path.parent, set_paths=applied, origins=origins)
    _remember(s, path, texts)
    return s


def _scenario(scenario: Scenario | str | os.PathLike, overrides: Overrides) -> Scenario:
    if isinstance(scenario, Scenario):
        if overrides:
            raise ValueError(
                "overrides apply when loading a scenario file: pass the path "
                "(or use racesim.load(path, overrides))"
            )
        return scenario
    if isinstance(scenario, Mapping):
        if overrides:
            raise ValueError("overrides apply when loading a scenario file")
        return from_data(scenario)
    return load(scenario, overrides)


# -- running ------------------------------------------------------------------------------
def simulate(
    scenario: Scenario | str | os.PathLike,
    n: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    *,
    overrides: Overrides = None,
    keep_table: bool | None = None,
    precision: float | None = None,
    max_replications: int | None = None,
    executor: str | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Run:
    """Run ``n`` replications (default: the scenario's ``replications``) at root
    ``seed`` (default: the scenario's), on ``jobs`` processes (0: one per core).

    ``scenario``: a :class:`Scenario` (e.g. from :func:`load`), a scenario file (with
    ``overrides`` as for :func:`load`) or plain scenario data.  ``keep_table``: keep the
    per-replication table in memory for :meth:`Run.table` and :meth:`Run.save` (default:
    when at most 100,000 replications can run).  ``precision``, ``max_replications``,
    ``executor``, ``scheduler``: as for ``racesim run``.  ``progress(k)`` is told how
    many replications just finished."""
    from racesim.output.results import summarize
    from racesim.run import montecarlo

    s = _scenario(scenario, overrides)
    executor = montecarlo.resolve_executor(executor, scheduler)
    n = s.replications if n is None else n
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    seed = s.seed if seed is None else seed
    if seed < 0:
        raise ValueError(f"seed must be >= 0, not {seed}")
    jobs = jobs or os.cpu_count() or 1
    if keep_table is None:
        most = n if precision is None else max(n, max_replications or n * 100)
        keep_table = most <= KEEP_TABLE_LIMIT
    chunks: list[np.ndarray] = []

    def sink(_first: int, reached: np.ndarray) -> None:
        chunks.append(reached)

    out = montecarlo.simulate(
        s,
        n,
        seed,
        jobs,
        sink=sink if keep_table else None,
        progress=progress,
        precision=precision,
        max_replications=max_replications,
        executor=executor,
        scheduler=scheduler,
    )
    reached = np.concatenate(chunks) if keep_table else None
    source, texts = _origin(s)
    return Run(
        s,
        out.seed,
        out.n,
        summarize(s, out.tally, out.seed),
        out.tally,
        reached,
        out.seconds,
        jobs,
        source,
        texts,
        {"precision": precision, "executor": executor},
        out.started,
    )


class Run:
    """The results of :func:`simulate`.

    ``summary`` is the dict of ``summary.json``; ``reached`` (if the table was kept) has
    shape (replications, milestones, agencies): years from start at which each agency
    reached each milestone, NaN where it did not."""

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

    def __repr__(self) -> str:
        table = "kept" if self.reached is not None else "not kept"
        return (
            f"<racesim.Run {self.scenario.name!r}: {self.n:,} replications, seed "
            f"{self.seed}, table {table}>"
        )

    # -- estimates ------------------------------------------------------------------
    def first(self):
        """P(first) per milestone and agency (and ``none``), with the 95% interval:
        a DataFrame with columns milestone, agency, p, lo, hi."""
        pd = _pandas()
        rows = [
            (m, a, f["p"], *f["ci95"])
            for m, ms in self.summary["milestones"].items()
            for a, f in ms["first"].items()
        ]
        return pd.DataFrame(rows, columns=["milestone", "agency", "p", "lo", "hi"])

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
        milestone, agency, date, year, first (1 for the winner)."""
        pd = _pandas()
        from racesim.output.results import TABLE_COLUMNS
        from racesim.run.stats import days, first_index
        from racesim.scenario.timeutil import decimal_year

        reached = self._need_table()
        idx = np.argwhere(~np.isnan(reached))  # replication, milestone, agency order
        r, m, a = idx.T
        day = days(reached[r, m, a])
        win = first_index(reached)[r, m] == a
        uniq, inv = np.unique(day, return_inverse=True)
        on = [self.scenario.start + dt.timedelta(days=int(d)) for d in uniq]
        years = np.array([round(decimal_year(d), 4) for d in on], dtype=float)
        # parsed as pandas parses the CSV's ISO dates (same resolution)
        when = pd.to_datetime(pd.Series([d.isoformat() for d in on], dtype=object))
        milestones = np.array(list(self.scenario.milestones), dtype=object)
        agencies = np.array(list(self.scenario.agencies), dtype=object)
        return pd.DataFrame(
            {
                "replication": r.astype(np.int64),
                "milestone": milestones[m],
                "agency": agencies[a],
                "date": when.to_numpy()[inv],
                "year": years[inv],
                "first": win.astype(np.int64),
            },
            columns=list(TABLE_COLUMNS),
        )

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
        return tell(self.scenario, k, self.seed)

    # -- files ----------------------------------------------------------------------
    def save(
        self,
        folder: str | os.PathLike,
        force: bool = False,
        table: str = "csv",
        plots: bool = True,
        report: bool = True,
    ) -> Path:
        """Write a results folder as ``racesim run`` does (summary.json, scenario.yaml,
        manifest.json, dates.csv, the per-replication table in format ``table`` —
        ``csv``, ``csv.gz`` or ``none`` — and the plots and report.html).  Atomic;
        refuses to replace an existing results folder unless ``force`` (raises
        :class:`racesim.output.results.ResultsExistError`).  Returns the folder."""
        from racesim.output.report import write_outputs
        from racesim.output.results import (
            TABLE_FORMATS,
            TableWriter,
            manifest,
            staged_folder,
            write_results,
        )

        if table not in TABLE_FORMATS:
            raise ValueError(f"unknown table format {table!r}; use one of {TABLE_FORMATS}")
        if table != "none":
            self._need_table()
        folder = Path(folder)
        s = self.scenario
        with staged_folder(folder, force) as tmp:
            writer = TableWriter(tmp, s, table)
            try:
                if table != "none":
                    writer(0, self.reached)
            finally:
                writer.close()
            write_results(
                tmp,
                s,
                self.summary,
                self.tally,
                manifest(
                    s,
                    self.seed,
                    self.n,
                    self.source,
                    self.seconds,
                    self.jobs,
                    list(self.overrides),
                    {"table": writer.path.name if writer.path else None, **self._settings},
                    self.started,
                ),
            )
            if plots or report:
                write_outputs(tmp, plots=plots, report=report)
        return folder

    # -- plots (racesim.output.plots) ------------------------------------------------------
    def _names(self) -> dict[str, str]:
        return {k: a.name or k for k, a in self.scenario.agencies.items()}

    def plot_first(self, milestone: str, ax=None):
        """Bars: each agency's chance of reaching ``milestone`` first. Returns the Axes."""
        from racesim.output import plots

        return plots.plot_first(self.summary, milestone, ax=ax, names=self._names())

    def plot_reached(self, milestone: str, ax=None):
        """Curves: the chance of having reached ``milestone`` by each date."""
        from racesim.output import plots

        return plots.plot_reached(
            self.summary, self.dates_rows(), milestone, ax=ax, names=self._names()
        )

    def plot_dates(self, milestone: str, ax=None):
        """Ranges: when each agency reaches ``milestone``, where it does."""
        from racesim.output import plots

        return plots.plot_dates(
            self.summary, self.dates_rows(), milestone, ax=ax, names=self._names()
        )


def trace(
    scenario: Scenario | str | os.PathLike,
    replication: int,
    seed: int | None = None,
    overrides: Overrides = None,
):
    """Replication ``replication`` of ``scenario`` told in date order (a
    :class:`racesim.output.story.Story`); the same as ``Run.story`` of any run with that seed."""
    from racesim.output.story import tell

    return tell(_scenario(scenario, overrides), replication, seed)
