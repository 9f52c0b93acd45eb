"""The results folder: summary, resolved scenario, manifest, per-replication table.

Everything is written into a hidden sibling folder first and moved into place in one
rename (see :mod:`racesim.output.folders`), so an error or Ctrl-C part-way leaves no
half-written results folder, and an existing folder is only replaced when the caller
asks (``force``) and only if racesim wrote everything in it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import platform
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from racesim import __version__
from racesim.analysis.summary import summarize  # noqa: F401 - its old import path
from racesim.output.files import write_csv, write_json  # noqa: F401 - write_json: old path
from racesim.output.folders import (  # noqa: F401  (the results folder's API lives here too)
    MARKER,
    ResultsExistError,
    WriteError,
    check_writable,
    is_results_folder,
    note_written,
    recover,
    staged_folder,
)
from racesim.run.mixture import choose
from racesim.run.stats import Tally, days, first_index
from racesim.run.worlds import world_of
from racesim.scenario import Scenario
from racesim.scenario.mixture import COMPONENTS_FOLDER, Mixture, is_mixture
from racesim.scenario.timeutil import decimal_year

TABLE_FORMATS = ("csv", "csv.gz", "parquet", "none")
TABLE_COLUMNS = ("replication", "milestone", "agency", "date", "year", "first")


# -- summary: see racesim.analysis.summary -----------------------------------------------


def date_table(scenario: Scenario, tally: Tally) -> list[tuple]:
    """Rows of ``dates.csv``: for each milestone and agency (and ``first``: anybody),
    every day on which some replication reached it, with the count that day, the
    cumulative probability of having reached it by then (over all replications) and
    the count of those in which it was the first to reach it (who leads by each date;
    empty when the tally did not keep it)."""
    return list(date_rows(scenario, tally))


def date_rows(scenario: Scenario, tally: Tally) -> Iterator[tuple]:
    """:func:`date_table` one row at a time (a big run has a row for nearly every day
    of every milestone and agency: written as they come, not held)."""
    agencies = list(scenario.agencies)
    wins = tally.win_hist
    iso: dict[int, tuple[str, float]] = {}
    for m, key in enumerate(scenario.milestones):
        series = [
            (a, tally.hist[m, i], None if wins is None else wins[m, i])
            for i, a in enumerate(agencies)
        ]
        series.append(("first", tally.first_hist[m], tally.first_hist[m]))
        for who, hist, won in series:
            cum = 0
            for d, c in zip(np.flatnonzero(hist).tolist(), hist[hist != 0].tolist()):
                cum += c
                day = iso.get(d)
                if day is None:
                    on = scenario.start + dt.timedelta(days=d + tally.day0)
                    day = iso[d] = (on.isoformat(), round(decimal_year(on), 4))
                yield (
                    key,
                    who,
                    day[0],
                    day[1],
                    c,
                    cum / tally.n,
                    "" if won is None else int(won[d]),
                )


DATE_COLUMNS = ("milestone", "agency", "date", "year", "count", "p_by_date", "first_count")
#: the columns every dates.csv has (first_count is newer: older folders lack it)
DATE_REQUIRED = DATE_COLUMNS[:-1]


def write_dates(path: Path, scenario: Scenario, tally: Tally) -> None:
    write_csv(path, DATE_COLUMNS, date_rows(scenario, tally))


VERSUS_COLUMNS = ("a", "b", "milestone", "lead_days", "lead_years", "runs")


def versus_table(scenario: Scenario, vt) -> list[tuple]:
    """Rows of ``versus.csv``: for each head-to-head pair and milestone, the runs in
    which both get there with B ``lead_days`` after A (negative: B first)."""
    from racesim.scenario.timeutil import DAYS_PER_YEAR

    agencies, rows = list(scenario.agencies), []
    for p, (a, b) in enumerate(vt.pairs):
        for m, key in enumerate(scenario.milestones):
            hist = vt.lead[p, m]
            for k in np.flatnonzero(hist):
                lead = int(k) - vt.span
                rows.append(
                    (
                        agencies[a],
                        agencies[b],
                        key,
                        lead,
                        round(lead / DAYS_PER_YEAR, 4),
                        int(hist[k]),
                    )
                )
    return rows


# -- per-replication table ----------------------------------------------------------------
def table_entries(reached: np.ndarray) -> tuple[np.ndarray, ...]:
    """The rows of the per-replication table as arrays, in replication, milestone,
    agency order: (replication, milestone index, agency index, day from start, winner),
    one per reach in ``reached`` (shape (N, milestones, agencies), years, NaN = not
    reached).  :class:`TableWriter` writes them; ``Run.table()`` makes a DataFrame."""
    r, m, a = np.argwhere(~np.isnan(reached)).T
    return r, m, a, days(reached[r, m, a]), first_index(reached)[r, m] == a


class TableWriter:
    """Streams the tidy per-replication table: one row per replication x milestone x
    agency that reached it (``first`` marks the winner), as CSV, gzipped CSV or
    Parquet (:mod:`racesim.output.tables`: row groups of a fixed size)."""

    def __init__(
        self,
        folder: Path,
        scenario: Scenario,
        fmt: str = "csv",
        seed: int | None = None,
        worlds: tuple[int, int] | None = None,
    ):
        """A mixture's table (``seed``: the run's root seed, default the mixture's;
        ``worlds``: (K, N) of a run with K worlds over N replications) has a last
        column, ``component``: the name of the component the replication ran."""
        from racesim.output.tables import Calendar, Columns

        if fmt not in TABLE_FORMATS:
            raise ValueError(f"unknown table format {fmt!r}; use one of {TABLE_FORMATS}")
        self.fmt = fmt
        self.scenario = scenario
        self.milestones = np.array(list(scenario.milestones), dtype=object)
        self.agencies = np.array(list(scenario.agencies), dtype=object)
        self.path: Path | None = None
        self._out = None
        self._cal = Calendar(scenario.start)
        self._components = None
        if isinstance(scenario, Mixture):
            self._components = (
                [c.name for c in scenario.components],
                np.cumsum(scenario.weights).tolist(),
                scenario.seed if seed is None else seed,
                worlds,
            )
        if fmt == "none":
            return
        self.path = folder / f"replications.{fmt}"
        names = TABLE_COLUMNS
        types = ("int64", "str", "str", "date", "float64", "int64")
        labels = {"milestone": list(scenario.milestones), "agency": list(scenario.agencies)}
        if self._components:
            names, types = (*names, "component"), (*types, "str")
            labels["component"] = self._components[0]
        self._out = Columns(self.path, fmt, names, types, labels)

    def __call__(self, first: int, reached: np.ndarray) -> None:
        if self._out is None:
            return
        r, m, a, day, win = table_entries(reached)
        comp = None
        if self._components:
            names, cumulative, seed, worlds = self._components
            count = reached.shape[0]
            keys = None if worlds is None else world_of(np.arange(first, first + count), *worlds)
            comp = np.asarray(choose(cumulative, seed, first, count, keys))[r]
        if self.fmt == "parquet":
            years = self._cal.years(day)
            cols = [first + r, m, a, day + self._cal.epoch, years, win.astype(np.int64)]
            self._out.add(cols if comp is None else [*cols, comp])
            return
        uniq, inv = np.unique(day, return_inverse=True)
        iso = [self._cal.iso(int(d)) for d in uniq]
        on = [iso[i] for i in inv.tolist()]
        cols = [
            (first + r).tolist(),
            self.milestones[m].tolist(),
            self.agencies[a].tolist(),
            [x[0] for x in on],
            [x[1] for x in on],
            win.astype(np.int64).tolist(),
        ]
        if comp is not None:
            cols.append([self._components[0][c] for c in comp.tolist()])
        self._out.add(cols)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


def read_table(path: Path):
    """The per-replication table (CSV, gzipped CSV or Parquet) as a pandas DataFrame
    (pandas required; pyarrow for Parquet)."""
    import pandas as pd

    if Path(path).suffix == ".parquet":
        from racesim.output.tables import read_parquet

        return read_parquet(Path(path))
    return pd.read_csv(path, parse_dates=["date"])


# -- folder -----------------------------------------------------------------------------
def manifest(
    scenario: Scenario,
    seed: int,
    n: int,
    source: Path | None,
    seconds: float,
    jobs: int,
    overrides: list[str],
    extra: dict | None = None,
    started: dt.datetime | None = None,
    packages: tuple[str, ...] = (),
) -> dict:
    """The run's manifest; ``started`` is when the run began (default: ``seconds``
    before now); ``packages``: optional packages the run used, whose versions are
    recorded beside racesim's dependencies (:mod:`racesim.output.provenance`)."""
    import sys

    from racesim.output.provenance import command_line, versions

    if started is None:
        started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    file_hash = None
    if source is not None and source.exists():
        import hashlib

        file_hash = hashlib.sha256(source.read_bytes()).hexdigest()
    return {
        "racesim": __version__,
        "scenario": scenario.name,
        "scenario_file": str(source) if source else None,
        "scenario_file_sha256": file_hash,
        "resolved_scenario_sha256": scenario.digest(),
        "overrides": overrides,
        "seed": seed,
        "replications": n,
        "jobs": jobs,
        "started": started.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "python": platform.python_version(),
        "host": platform.node(),
        "versions": versions(packages),
        "command": command_line(),
        "argv": list(getattr(sys, "orig_argv", sys.argv)),
        **(extra or {}),
    }


def write_results(
    folder: Path,
    scenario: Scenario,
    summary: dict,
    tally: Tally,
    manifest_data: dict,
    versus=None,
) -> None:
    """The files every results folder has: summary, dates, resolved scenario, manifest,
    and with a head-to-head tally ``versus`` (:mod:`racesim.run.versus`) versus.csv
    (the table is streamed in by :class:`TableWriter`; plots and report come from
    :func:`racesim.output.report.write_outputs`)."""
    from racesim.output.provenance import note_used

    manifest_data = note_used(manifest_data)
    write_json(folder / "summary.json", summary)
    write_dates(folder / "dates.csv", scenario, tally)
    if versus is not None:
        write_csv(folder / "versus.csv", VERSUS_COLUMNS, versus_table(scenario, versus))
    (folder / "scenario.yaml").write_text(scenario.to_yaml(folder), encoding="utf-8")
    if isinstance(scenario, Mixture):  # scenario.yaml names them: components/N-NAME.yaml
        (folder / COMPONENTS_FOLDER).mkdir(exist_ok=True)
        for rel, text in scenario.component_files(folder).items():
            (folder / rel).write_text(text, encoding="utf-8")
    write_json(folder / "manifest.json", manifest_data)


def load_summary(folder: Path) -> dict:
    return json.loads((Path(folder) / "summary.json").read_text(encoding="utf-8"))


def read_dates(path: Path) -> list[dict]:
    """``dates.csv`` as rows: milestone, agency, date (ISO), year, count, p_by_date.
    Raises :class:`NotAResultsFolder` naming the file, line and column of a damaged
    row."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in DATE_REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise NotAResultsFolder(
                f"{path} is damaged: it has no column {', '.join(missing)} (a results "
                f"folder's dates.csv has the columns {', '.join(DATE_REQUIRED)})"
            )
        rows = []
        for line, r in enumerate(reader, start=2):
            try:
                row = {
                    **r,
                    "year": float(r["year"]),
                    "count": int(r["count"]),
                    "p_by_date": float(r["p_by_date"]),
                    "first_count": int(r["first_count"]) if r.get("first_count") else None,
                }
                dt.date.fromisoformat(r["date"])
            except (TypeError, ValueError) as exc:
                raise NotAResultsFolder(
                    f"{path} is damaged: line {line} does not hold a date, a year, a "
                    f"count and a probability ({_short(exc)})"
                ) from None
            if not (
                math.isfinite(row["year"]) and 0 <= row["p_by_date"] <= 1 and row["count"] >= 0
            ):
                raise NotAResultsFolder(
                    f"{path} is damaged: line {line} has p_by_date {r['p_by_date']} or "
                    f"count {r['count']} or year {r['year']} out of range"
                )
            rows.append(row)
    return rows


def read_versus(path: Path, hint: str = "") -> list[dict]:
    """``versus.csv`` as rows (a, b, milestone, lead_days, lead_years, runs); no rows
    when the folder has none (a run without ``--versus``)."""
    if not path.is_file():
        return []
    rows = []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            for line, r in enumerate(csv.DictReader(fh), start=2):
                try:
                    row = {**r, "lead_days": int(r["lead_days"]), "runs": int(r["runs"])}
                    row["lead_years"] = float(r["lead_years"])
                except (KeyError, TypeError, ValueError):
                    raise NotAResultsFolder(
                        f"{path} is damaged: line {line} does not hold a lead in days and "
                        f"years and a count of runs{hint}"
                    ) from None
                rows.append(row)
    except UnicodeDecodeError:
        raise NotAResultsFolder(f"{path} is damaged: it is not text{hint}") from None
    return rows


def _short(x: object, size: int = 120) -> str:
    text = str(x)
    return text if len(text) <= size else text[:size] + "..."


def _is_p(value: object) -> bool:
    try:
        _check_p(value, "")
    except ValueError:
        return False
    return True


def _check_p(value: object, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where} is {_short(json.dumps(value))}, not a number")
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"{where} is {value}, not a probability between 0 and 1")


def check_summary(summary: object) -> None:
    """Raise ``ValueError`` naming the field if ``summary`` is not shaped like a
    results folder's ``summary.json`` (what plots and reports need of it)."""
    if not isinstance(summary, dict):
        raise ValueError(f"it holds a {type(summary).__name__}, not a mapping")
    if not isinstance(summary.get("scenario"), str):
        raise ValueError("field 'scenario' is missing or not a name")
    n = summary.get("replications")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        shown = "missing" if "replications" not in summary else _short(json.dumps(n))
        raise ValueError(f"field 'replications' is {shown}, not a positive whole number")
    for key in ("start", "horizon"):
        if key in summary:
            try:
                dt.date.fromisoformat(summary[key])
            except (TypeError, ValueError):
                raise ValueError(f"field {key!r} is not an ISO date") from None
    mixture = summary.get("mixture")
    if mixture is not None:  # a mixture's components
        if not isinstance(mixture, list) or not mixture:
            raise ValueError("field 'mixture' is not a list of components")
        for i, c in enumerate(mixture):
            at = f"mixture[{i}]"
            if not isinstance(c, dict) or not isinstance(c.get("name"), str):
                raise ValueError(f"{at} is not a component with a name")
            _check_p(c.get("weight"), f"{at}.weight")
            if isinstance(c.get("replications"), bool) or not isinstance(
                c.get("replications"), int
            ):
                raise ValueError(f"{at}.replications is not a whole number")
    milestones = summary.get("milestones")
    if not isinstance(milestones, dict) or not milestones:
        raise ValueError("field 'milestones' is missing, empty or not a mapping")
    for m, ms in milestones.items():
        where = f"milestones.{m}"
        if not isinstance(ms, dict):
            raise ValueError(f"{where} is not a mapping")
        if not isinstance(ms.get("title"), str):
            raise ValueError(f"{where}.title is missing or not text")
        first, reached = ms.get("first"), ms.get("reached")
        if not isinstance(first, dict) or "none" not in first:
            raise ValueError(f"{where}.first is missing, not a mapping, or has no 'none'")
        if not isinstance(reached, dict):
            raise ValueError(f"{where}.reached is missing or not a mapping")
        parts = ms.get("components")
        if parts is not None and not (
            isinstance(parts, dict)
            and all(
                isinstance(v, dict)
                and all(
                    isinstance(v.get(k), dict)
                    and all(
                        isinstance(e, dict) and (e.get("p") is None or _is_p(e.get("p")))
                        for e in v[k].values()
                    )
                    for k in ("first", "reached")
                )
                for v in parts.values()
            )
        ):
            raise ValueError(f"{where}.components is not each component's first and reached")
        for part, entries in (("first", first), ("reached", reached)):
            for a, e in entries.items():
                at = f"{where}.{part}.{a}"
                if not isinstance(e, dict):
                    raise ValueError(f"{at} is not a mapping")
                _check_p(e.get("p"), f"{at}.p")
                ci = e.get("ci95")
                if not isinstance(ci, list) or len(ci) != 2:
                    raise ValueError(f"{at}.ci95 is not a pair of numbers")
                for i, v in enumerate(ci):
                    _check_p(v, f"{at}.ci95[{i}]")
                if "worlds" in e:  # the spread across worlds (run --worlds)
                    w = e["worlds"]
                    if not isinstance(w, dict):
                        raise ValueError(f"{at}.worlds is not a mapping")
                    for q in ("p10", "p50", "p90"):
                        _check_p(w.get(q), f"{at}.worlds.{q}")
                if part == "reached":
                    if a not in first:
                        raise ValueError(f"{at} has no matching {where}.first.{a}")
                    for q in ("median", "p10", "p90"):
                        v = e.get(q)
                        try:
                            if v is not None:
                                dt.date.fromisoformat(v)
                        except (TypeError, ValueError):
                            raise ValueError(f"{at}.{q} is not an ISO date or null") from None
        _check_by(ms.get("by"), where, first, reached)


def _check_by(by: object, where: str, first: dict, reached: dict) -> None:
    """``milestones.M.by`` (``--by``), when present: per ISO date, ``first`` and
    ``reached`` entries for the same agencies as the milestone's, each a p and ci95."""
    if by is None:
        return
    if not isinstance(by, dict):
        raise ValueError(f"{where}.by is not a mapping")
    for date, at in by.items():
        try:
            dt.date.fromisoformat(date)
        except (TypeError, ValueError):
            raise ValueError(f"{where}.by has {_short(date)!r}, not an ISO date") from None
        if not isinstance(at, dict):
            raise ValueError(f"{where}.by.{date} is not a mapping")
        for part, want in (("first", first), ("reached", reached)):
            entries = at.get(part)
            if not isinstance(entries, dict) or set(entries) != set(want):
                raise ValueError(f"{where}.by.{date}.{part} does not list the milestone's agencies")
            for a, e in entries.items():
                spot = f"{where}.by.{date}.{part}.{a}"
                if not isinstance(e, dict):
                    raise ValueError(f"{spot} is not a mapping")
                _check_p(e.get("p"), f"{spot}.p")
                ci = e.get("ci95")
                if not isinstance(ci, list) or len(ci) != 2:
                    raise ValueError(f"{spot}.ci95 is not a pair of numbers")
                for i, v in enumerate(ci):
                    _check_p(v, f"{spot}.ci95[{i}]")


class NotAResultsFolder(Exception):
    pass


def _mixture_view(folder: Path, scen: dict, hint: str) -> tuple[dict, list[dict]]:
    """A mixture's scenario.yaml as one scenario's plain data for tables and pictures
    (the first component's milestones, start and horizon; every component's agencies),
    and each component's data (its file under components/)."""
    import yaml

    comps = []
    for i, entry in enumerate(scen.get("mixture") or []):
        file = folder / str((entry or {}).get("file", ""))
        try:
            comp = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            comp = None
        if not isinstance(comp, dict):
            raise NotAResultsFolder(
                f"{folder / 'scenario.yaml'} names component {i + 1} as {file.name}, which "
                f"is missing or damaged{hint}"
            )
        comps.append({**comp, "weight": entry.get("weight"), "file": entry.get("file")})
    agencies: dict = {}
    for c in comps:
        for k, a in (c.get("agencies") or {}).items():
            agencies.setdefault(k, a)
    first = comps[0] if comps else {}
    view = {
        **{k: v for k, v in scen.items() if k != "mixture"},
        "start": first.get("start"),
        "horizon": first.get("horizon"),
        "milestones": first.get("milestones") or {},
        "agencies": agencies,
    }
    return view, comps


def load_run(folder: str | Path) -> dict:
    """A results folder's contents: summary, manifest, scenario (data) and dates rows.

    Raises :class:`NotAResultsFolder` with one sentence naming the file and what is
    wrong if a file is missing or damaged (so nothing is drawn from bad numbers)."""
    import yaml

    folder = Path(folder)
    recover(folder)  # a racesim process that died replacing it left the old one aside
    need = ("summary.json", "manifest.json", "scenario.yaml", "dates.csv")
    missing = [n for n in need if not (folder / n).is_file()]
    if missing:
        raise NotAResultsFolder(
            f"{folder} is not a racesim results folder (missing {', '.join(missing)})"
        )
    hint = "; run the scenario again to rewrite the folder"
    data: dict = {"folder": folder}
    for key, name in (("summary", "summary.json"), ("manifest", "manifest.json")):
        path = folder / name
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise NotAResultsFolder(f"{path} is damaged: it is not text{hint}") from None
        except (ValueError, RecursionError) as exc:  # nested deeper than Python recurses
            raise NotAResultsFolder(f"{path} is damaged: not JSON ({_short(exc)}){hint}") from None
        if key == "summary":
            try:
                check_summary(value)
            except ValueError as exc:
                raise NotAResultsFolder(f"{path} is damaged: {exc}{hint}") from None
        elif not isinstance(value, dict):
            raise NotAResultsFolder(f"{path} is damaged: it is not a mapping{hint}")
        data[key] = value
    path = folder / "scenario.yaml"
    try:
        # libyaml's safe loader where PyYAML has it: the same data, ten times faster
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        scen = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise NotAResultsFolder(
            f"{path} is damaged: not readable YAML ({_short(exc).splitlines()[0]}){hint}"
        ) from None
    if not isinstance(scen, dict):
        raise NotAResultsFolder(f"{path} is damaged: it is not a mapping{hint}")
    if is_mixture(scen):
        scen, data["components"] = _mixture_view(folder, scen, hint)
    data["scenario"] = scen
    try:
        data["dates"] = read_dates(folder / "dates.csv")
    except NotAResultsFolder as exc:
        raise NotAResultsFolder(f"{exc}{hint}") from None
    except UnicodeDecodeError:
        raise NotAResultsFolder(
            f"{folder / 'dates.csv'} is damaged: it is not text{hint}"
        ) from None
    data["versus"] = read_versus(folder / "versus.csv", hint)
    if not data["dates"] and any(
        e["p"] > 0 for ms in data["summary"]["milestones"].values() for e in ms["reached"].values()
    ):
        raise NotAResultsFolder(
            f"{folder / 'dates.csv'} is damaged: it has no dates, but summary.json says "
            f"milestones were reached{hint}"
        )
    return data
