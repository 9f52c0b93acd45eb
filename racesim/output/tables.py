"""The per-replication tables beside the tidy ``replications`` table: ``inputs`` (every
drawn quantity of each replication, a column per ``--set`` path) and ``outcomes``
(each milestone's winner and date, one row per replication), in CSV, gzipped CSV or
Parquet; and the one way racesim writes a Parquet file (streamed in row groups of a
fixed size, so memory stays flat and the bytes do not depend on how the replications
were split among workers).

The README's "Tables for research" describes the columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import numpy as np

from racesim.run.inputs import input_columns, input_values
from racesim.run.stats import days, first_index
from racesim.scenario import Scenario
from racesim.scenario.timeutil import decimal_year

#: rows per Parquet row group at most: a fixed number (not one group per chunk of
#: work), so a file's bytes depend only on its rows
ROW_GROUP = 1 << 20
#: ... and fewer for a wide table, so that a group's buffered columns (8 bytes a cell)
#: stay under this many bytes (the inputs table has a column per drawn number)
GROUP_BYTES = 8 << 20
#: Parquet writer options, pinned so that the same rows give the same bytes
PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
}


class MissingPyarrow(RuntimeError):
    """A Parquet file was asked for and pyarrow is not installed."""


def require_pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingPyarrow(
            "Parquet tables need pyarrow, an optional dependency: "
            "pip install 'racesim[parquet]' (or pip install pyarrow); "
            "or use --table csv.gz, which streams as flat"
        ) from None
    return pa, pq


def table_path(folder: Path, stem: str, fmt: str) -> Path:
    return folder / f"{stem}.{fmt}"


# -- writing rows in any of the formats -----------------------------------------------
class Columns:
    """A table streamed to ``path`` in ``fmt`` (``csv``, ``csv.gz`` or ``parquet``)
    from blocks of columns: :meth:`add` takes one array per column, in order.

    ``types``: ``int64``, ``int8``, ``float64`` (NaN: empty), ``date`` (days since
    1970; :data:`NO_DAY`: empty) or ``str``, a column of codes into the fixed list
    ``labels[name]`` (a Parquet dictionary column: the same dictionary in every row
    group, whatever rows it holds)."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        names: Sequence[str],
        types: Sequence[str],
        labels: dict[str, Sequence[str]] | None = None,
    ):
        self.path, self.fmt = path, fmt
        self.names, self.types = list(names), list(types)
        labels = labels or {}
        self.labels = [np.array(labels.get(n, ()), dtype=object) for n in self.names]
        self.group = max(1, min(ROW_GROUP, GROUP_BYTES // (8 * max(1, len(self.names)))))
        self._fh: IO[str] | None = None
        self._pq = None
        self._buf: list[list[np.ndarray]] = []
        self._rows = 0
        if fmt == "parquet":
            pa, pq = require_pyarrow()
            self._pa = pa
            fields = [pa.field(n, _arrow_type(pa, t)) for n, t in zip(self.names, self.types)]
            self._schema = pa.schema(fields)
            self._pq = pq.ParquetWriter(str(path), self._schema, **PARQUET_OPTIONS)
            return
        if fmt == "csv.gz":
            raw = gzip.GzipFile(path, "wb", compresslevel=6, mtime=0)  # mtime 0: same bytes
            self._fh = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        else:
            self._fh = open(path, "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh, lineterminator="\n")
        self._csv.writerow(self.names)

    def add(self, columns: Sequence[np.ndarray]) -> None:
        """Rows given as columns of equal lengths (see the class for their types)."""
        if self._pq is None:
            self._csv.writerows(zip(*(self._text(i, c) for i, c in enumerate(columns))))
            return
        cols = [np.asarray(c) for c in columns]
        n = len(cols[0]) if cols else 0
        at = 0
        while at < n:
            take = min(n - at, self.group - self._rows)
            self._buf.append([c[at : at + take] for c in cols])
            self._rows += take
            at += take
            if self._rows == self.group:
                self._flush()

    def _text(self, i: int, col) -> list:
        """A column as CSV cells: a list is taken as it is (text made by the caller,
        such as ISO dates); codes of a ``str`` column become their labels."""
        if isinstance(col, list):
            return col
        if self.types[i] == "str":
            return self.labels[i][col].tolist()
        return col.tolist()

    def _flush(self) -> None:
        if not self._buf:
            return
        pa = self._pa
        arrays = []
        for i, t in enumerate(self.types):
            col = np.concatenate([b[i] for b in self._buf])
            if t == "str":
                dictionary = pa.array(list(self.labels[i]), type=pa.string())
                codes = pa.array(col.astype(np.int32), type=pa.int32())
                arrays.append(pa.DictionaryArray.from_arrays(codes, dictionary))
            else:
                arrays.append(_arrow_array(pa, col, t))
        table = pa.Table.from_arrays(arrays, schema=self._schema)
        self._pq.write_table(table, row_group_size=self.group)
        self._buf, self._rows = [], 0

    def close(self) -> None:
        if self._pq is not None:
            self._flush()
            self._pq.close()
            self._pq = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _arrow_type(pa, t: str):
    return {
        "int64": pa.int64(),
        "int8": pa.int8(),
        "float64": pa.float64(),
        "date": pa.date32(),
        "str": pa.dictionary(pa.int32(), pa.string()),
    }[t]


#: a missing date in a Parquet date column (nobody reached the milestone)
NO_DAY = np.iinfo(np.int32).min


def _arrow_array(pa, col: np.ndarray, t: str):
    if t == "date":
        col = col.astype(np.int32)
        return pa.array(col, type=pa.int32(), mask=col == NO_DAY).cast(pa.date32())
    if t == "float64":
        return pa.array(col, type=pa.float64(), mask=np.isnan(col))
    return pa.array(col, type=_arrow_type(pa, t))


def read_parquet(path: Path):
    """A Parquet table as a pandas DataFrame (dates as datetime64, as pandas reads
    the CSV's ISO dates with ``parse_dates``)."""
    import pandas as pd

    _, pq = require_pyarrow()
    df = pq.read_table(str(path)).to_pandas()
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].astype(object)
        elif df[c].dtype == object and len(df) and isinstance(df[c].iloc[0], dt.date):
            df[c] = pd.to_datetime(df[c])
    return df


# -- the days of a run, as the tables show them ------------------------------------------
class Calendar:
    """ISO date, decimal year and days since 1970 of a day counted from the start,
    each worked out once."""

    def __init__(self, start: dt.date):
        self.start = start
        self._iso: dict[int, tuple[str, str]] = {}
        self.epoch = (start - dt.date(1970, 1, 1)).days
        self._dense: np.ndarray | None = None
        self._lo = 0

    def iso(self, day: int) -> tuple[str, str]:
        hit = self._iso.get(day)
        if hit is None:
            d = self.start + dt.timedelta(days=day)
            hit = self._iso[day] = (d.isoformat(), f"{decimal_year(d):.4f}")
        return hit

    def years(self, day: np.ndarray) -> np.ndarray:
        """Decimal years rounded to 4 places, as the CSV writes them (looked up in a
        table of the days seen so far, grown as later days come)."""
        if day.size == 0:
            return np.zeros(0)
        lo, hi = int(day.min()), int(day.max()) + 1
        if self._dense is None or lo < self._lo or hi > self._lo + len(self._dense):
            lo = min(lo, self._lo) if self._dense is not None else lo
            if self._dense is not None:
                hi = max(hi, self._lo + len(self._dense))
            self._lo = lo
            self._dense = np.array([float(self.iso(d)[1]) for d in range(lo, hi)])
        return self._dense[day - self._lo]


# -- outcomes: one row per replication --------------------------------------------------
def outcome_columns(scenario: Scenario) -> tuple[list[str], list[str]]:
    names, types = ["replication"], ["int64"]
    for m in scenario.milestones:
        names += [f"{m}.winner", f"{m}.date", f"{m}.year"]
        types += ["str", "date", "float64"]
    return names, types


def outcome_arrays(
    scenario: Scenario, first: int, reached: np.ndarray, cal: Calendar | None = None
) -> list[np.ndarray]:
    """The outcomes table's columns for replications ``first`` on: replication, then
    per milestone the winner (its index in ``[*agencies, "none"]``), the day first reached (days
    since 1970; :data:`NO_DAY` for nobody) and its decimal year (NaN for nobody)."""
    count = reached.shape[0]
    cal = cal or Calendar(scenario.start)
    win = first_index(reached)
    cols: list[np.ndarray] = [np.arange(first, first + count, dtype=np.int64)]
    for m in range(reached.shape[1]):
        t = np.min(np.where(np.isnan(reached[:, m, :]), np.inf, reached[:, m, :]), axis=1)
        nobody = ~np.isfinite(t)
        day = days(np.where(nobody, 0.0, t))
        cols.append(win[:, m])  # codes into [*agencies, "none"]
        cols.append(np.where(nobody, NO_DAY, day + cal.epoch))
        cols.append(np.where(nobody, np.nan, cal.years(day)))
    return cols


class OutcomesWriter:
    """``outcomes.FMT``: per replication, each milestone's winner (an agency key, or
    ``none``), the date it was first reached and its decimal year (empty: nobody)."""

    def __init__(self, folder: Path, scenario: Scenario, fmt: str):
        self.scenario = scenario
        self.cal = Calendar(scenario.start)
        names, self.types = outcome_columns(scenario)
        self.path = table_path(folder, "outcomes", fmt)
        self.parquet = fmt == "parquet"
        who = [*scenario.agencies, "none"]
        labels = {n: who for n, t in zip(names, self.types) if t == "str"}
        self.out = Columns(self.path, fmt, names, self.types, labels)

    def __call__(self, first: int, reached: np.ndarray) -> None:
        cols = outcome_arrays(self.scenario, first, reached, self.cal)
        if not self.parquet:
            cols = [self._text(c, t) for c, t in zip(cols, self.types)]
        self.out.add(cols)

    def _text(self, col: np.ndarray, t: str) -> list:
        if t == "date":
            epoch = self.cal.epoch
            return ["" if d == NO_DAY else self.cal.iso(d - epoch)[0] for d in col.tolist()]
        if t == "float64":
            return ["" if y != y else f"{y:.4f}" for y in col.tolist()]
        return col

    def close(self) -> None:
        self.out.close()


def outcome_frame(scenario: Scenario, reached: np.ndarray) -> dict:
    """The outcomes table's columns for a DataFrame (dates as datetime64, NaT and NaN
    for nobody)."""
    names, types = outcome_columns(scenario)
    who = np.array([*scenario.agencies, "none"], dtype=object)
    out = {}
    for name, t, col in zip(names, types, outcome_arrays(scenario, 0, reached)):
        if t == "str":
            out[name] = who[col]
        elif t == "date":
            day = np.where(col == NO_DAY, 0, col).astype("datetime64[D]")
            out[name] = np.where(col == NO_DAY, np.datetime64("NaT"), day).astype("datetime64[ns]")
        else:
            out[name] = col
    return out


# -- inputs: every drawn quantity of each replication ------------------------------------
class InputsWriter:
    """``inputs.FMT``: per replication, every drawn quantity (see
    :mod:`racesim.run.inputs`), named by its ``--set`` path; numbers unrounded."""

    def __init__(
        self,
        folder: Path,
        scenario: Scenario,
        fmt: str,
        seed: int,
        worlds: tuple[int, int] | None = None,
    ):
        from racesim.engine.plan import Plan

        self.plan = Plan.from_scenario(scenario)
        self.seed = seed
        self.worlds = worlds  # (K, N): the factors are drawn per world
        self.names = input_columns(self.plan)
        self.path = table_path(folder, "inputs", fmt)
        types = ["int64"] + ["float64"] * len(self.names)
        self.parquet = fmt == "parquet"
        self.out = Columns(self.path, fmt, ["replication", *self.names], types)

    def __call__(self, first: int, reached: np.ndarray) -> None:
        count = reached.shape[0]
        keys = None
        if self.worlds is not None:
            from racesim.run.worlds import world_of

            keys = world_of(np.arange(first, first + count), *self.worlds)
        values = input_values(self.plan, self.seed, first, count, keys)
        cols = [np.arange(first, first + count, dtype=np.int64)]
        self.out.add(cols + [values[name] for name in self.names])

    def close(self) -> None:
        self.out.close()
