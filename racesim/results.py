"""The results folder: summary, resolved scenario, manifest, per-replication table.

Everything is written into a hidden sibling folder first and moved into place in one
rename, so an error or Ctrl-C part-way leaves no half-written results folder, and an
existing folder is only replaced when the caller asks (``force``).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import os
import platform
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np

from . import __version__
from .scenario import Scenario
from .stats import Tally, day_quantile, first_index, wilson
from .timeutil import DAYS_PER_YEAR, decimal_year

TABLE_FORMATS = ("csv", "csv.gz", "none")
TABLE_COLUMNS = ("replication", "milestone", "agency", "date", "year", "first")


class ResultsExistError(Exception):
    def __init__(self, path: Path, ours: bool = True):
        self.path = path
        if ours:
            msg = (
                f"{path} already holds results from an earlier run; racesim never "
                "replaces results silently. Choose another folder with --out, or pass "
                "--force to replace them."
            )
        else:
            msg = (
                f"{path} exists and is not a racesim results folder (it holds other "
                "files); racesim will not write into it or replace it, even with "
                "--force. Choose another folder with --out."
            )
        super().__init__(msg)


#: every results folder racesim writes carries this file; only such folders (or empty
#: ones) may be replaced with --force
MARKER = ".racesim-results"


# -- summary ----------------------------------------------------------------------------
def _date(scenario: Scenario, day: int | None) -> str | None:
    if day is None:
        return None
    return (scenario.start + dt.timedelta(days=day)).isoformat()


def summarize(scenario: Scenario, tally: Tally, seed: int) -> dict:
    """``summary.json`` (contract §4), plus ``first_date``: when anyone first reaches it."""
    agencies = list(scenario.agencies)
    n = tally.n
    out = {
        "scenario": scenario.name,
        "replications": n,
        "seed": seed,
        "start": scenario.start.isoformat(),
        "horizon": scenario.horizon.isoformat(),
        "milestones": {},
    }
    for m, (key, ms) in enumerate(scenario.milestones.items()):
        first = {}
        for a, name in enumerate([*agencies, "none"]):
            c = int(tally.first[m, a])
            first[name] = {"p": c / n, "ci95": list(wilson(c, n))}
        reached = {}
        for a, name in enumerate(agencies):
            c = int(tally.reached[m, a])
            h = tally.hist[m, a]
            q = {
                k: _date(scenario, None if c == 0 else day_quantile(h, f) + tally.day0)
                for k, f in (("median", 0.5), ("p10", 0.1), ("p90", 0.9))
            }
            reached[name] = {"p": c / n, "ci95": list(wilson(c, n)), **q}
        fh = tally.first_hist[m]
        won = int(fh.sum())
        first_date = {
            k: _date(scenario, None if won == 0 else day_quantile(fh, f) + tally.day0)
            for k, f in (("median", 0.5), ("p10", 0.1), ("p90", 0.9))
        }
        out["milestones"][key] = {
            "title": ms.title or key,
            "first": first,
            "reached": reached,
            "first_date": first_date,
        }
    return out


def date_table(scenario: Scenario, tally: Tally) -> list[tuple]:
    """Rows of ``dates.csv``: for each milestone and agency (and ``first``: anybody),
    every day on which some replication reached it, with the count that day and the
    cumulative probability of having reached it by then (over all replications)."""
    rows = []
    agencies = list(scenario.agencies)
    for m, key in enumerate(scenario.milestones):
        series = [(a, tally.hist[m, i]) for i, a in enumerate(agencies)]
        series.append(("first", tally.first_hist[m]))
        for who, hist in series:
            cum = 0
            for d in np.flatnonzero(hist):
                c = int(hist[d])
                cum += c
                day = scenario.start + dt.timedelta(days=int(d) + tally.day0)
                rows.append(
                    (key, who, day.isoformat(), round(decimal_year(day), 4), c, cum / tally.n)
                )
    return rows


DATE_COLUMNS = ("milestone", "agency", "date", "year", "count", "p_by_date")


def write_dates(path: Path, scenario: Scenario, tally: Tally) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(DATE_COLUMNS)
        w.writerows(date_table(scenario, tally))


# -- per-replication table ----------------------------------------------------------------
class TableWriter:
    """Streams the tidy per-replication table: one row per replication x milestone x
    agency that reached it (``first`` marks the winner)."""

    def __init__(self, folder: Path, scenario: Scenario, fmt: str = "csv"):
        if fmt not in TABLE_FORMATS:
            raise ValueError(f"unknown table format {fmt!r}; use one of {TABLE_FORMATS}")
        self.fmt = fmt
        self.scenario = scenario
        self.milestones = list(scenario.milestones)
        self.agencies = list(scenario.agencies)
        self.path: Path | None = None
        self._fh: IO[str] | None = None
        if fmt == "none":
            return
        self.path = folder / f"replications.{fmt}"
        if fmt == "csv.gz":
            # mtime=0: the same results give the same bytes
            raw = gzip.GzipFile(self.path, "wb", compresslevel=6, mtime=0)
            self._fh = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        else:
            self._fh = open(self.path, "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh, lineterminator="\n")
        self._csv.writerow(TABLE_COLUMNS)
        self._dates: dict[int, tuple[str, str]] = {}

    def _day(self, years: float) -> tuple[str, str]:
        day = int(np.floor(years * DAYS_PER_YEAR + 1e-6))
        hit = self._dates.get(day)
        if hit is None:
            d = self.scenario.start + dt.timedelta(days=day)
            hit = (d.isoformat(), f"{decimal_year(d):.4f}")
            self._dates[day] = hit
        return hit

    def __call__(self, first: int, reached: np.ndarray) -> None:
        if self._fh is None:
            return
        win = first_index(reached)
        rows = []
        idx = np.argwhere(~np.isnan(reached))  # sorted by replication, milestone, agency
        for r, m, a in idx:
            date, year = self._day(reached[r, m, a])
            rows.append(
                (
                    first + int(r),
                    self.milestones[m],
                    self.agencies[a],
                    date,
                    year,
                    int(win[r, m] == a),
                )
            )
        self._csv.writerows(rows)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def read_table(path: Path):
    """The per-replication table as a pandas DataFrame (pandas required)."""
    import pandas as pd

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
) -> dict:
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
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "python": platform.python_version(),
        "host": platform.node(),
        **(extra or {}),
    }


def is_results_folder(path: Path) -> bool:
    return (path / MARKER).is_file() or (path / "manifest.json").is_file()


def check_writable(out: Path, force: bool) -> None:
    """Refuse early (before any work) to write ``out`` unless it is new or empty, or
    (with ``force``) an earlier racesim results folder.  Never anything else: not a
    file, not a folder of other files, not the current folder or one above it."""
    out = Path(out).resolve()
    if not out.exists():
        return
    if out.is_file() or out == Path.cwd().resolve() or out in Path.cwd().resolve().parents:
        raise ResultsExistError(out, ours=False)
    if not any(out.iterdir()):
        return
    if not is_results_folder(out):
        raise ResultsExistError(out, ours=False)
    if not force:
        raise ResultsExistError(out)


@contextmanager
def staged_folder(out: Path, force: bool):
    """Yield a temporary folder; on success it atomically becomes ``out``."""
    out = Path(out).resolve()
    check_writable(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
        (tmp / MARKER).write_text(
            "written by racesim; `--force` may replace this folder\n", encoding="utf-8"
        )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    check_writable(out, force)
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()


def write_results(
    folder: Path, scenario: Scenario, summary: dict, tally: Tally, manifest_data: dict
) -> None:
    """The files every results folder has: summary, dates, resolved scenario, manifest
    (the table is streamed in by :class:`TableWriter`; plots and report come from
    :func:`racesim.report.write_outputs`)."""
    write_json(folder / "summary.json", summary)
    write_dates(folder / "dates.csv", scenario, tally)
    (folder / "scenario.yaml").write_text(scenario.to_yaml(), encoding="utf-8")
    write_json(folder / "manifest.json", manifest_data)


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def load_summary(folder: Path) -> dict:
    return json.loads((Path(folder) / "summary.json").read_text(encoding="utf-8"))


def read_dates(path: Path) -> list[dict]:
    """``dates.csv`` as rows: milestone, agency, date (ISO), year, count, p_by_date."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            {
                **r,
                "year": float(r["year"]),
                "count": int(r["count"]),
                "p_by_date": float(r["p_by_date"]),
            }
            for r in csv.DictReader(fh)
        ]


class NotAResultsFolder(Exception):
    pass


def load_run(folder: str | Path) -> dict:
    """A results folder's contents: summary, manifest, scenario (data) and dates rows."""
    import yaml

    folder = Path(folder)
    need = ("summary.json", "manifest.json", "scenario.yaml", "dates.csv")
    missing = [n for n in need if not (folder / n).exists()]
    if missing:
        raise NotAResultsFolder(
            f"{folder} is not a racesim results folder (missing {', '.join(missing)})"
        )
    return {
        "folder": folder,
        "summary": load_summary(folder),
        "manifest": json.loads((folder / "manifest.json").read_text(encoding="utf-8")),
        "scenario": yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8")),
        "dates": read_dates(folder / "dates.csv"),
    }
