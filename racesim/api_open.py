"""Reading a results folder back as the :class:`~racesim.api_results.Run` that
:func:`racesim.simulate` returned (``racesim.open``)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np

from racesim.api_results import Run
from racesim.scenario import Scenario


# -- reading a results folder back --------------------------------------------------------
def open_run(folder: str | os.PathLike) -> Run:
    """A results folder that ``racesim run`` (or ``Run.save``) wrote, as the :class:`Run`
    that :func:`racesim.simulate` returned: its summary, its tally (rebuilt from
    ``summary.json`` and ``dates.csv``: the same integers) and, if the folder has its
    per-replication table, the table.  Raises
    :class:`racesim.output.results.NotAResultsFolder` for a damaged folder."""
    from racesim.output.results import NotAResultsFolder, load_run
    from racesim.run.montecarlo import new_tally, plan_for
    from racesim.scenario import ScenarioError, from_data
    from racesim.scenario.timeutil import DAYS_PER_YEAR

    folder = Path(folder)
    data = load_run(folder)
    try:
        if "components" in data:  # a mixture, its components in components/
            from racesim.scenario.extends import read_yaml
            from racesim.scenario.mixture import load_mixture

            path = folder / "scenario.yaml"
            s = load_mixture(read_yaml(path), path)
        else:
            s = from_data(data["scenario"], source=str(folder / "scenario.yaml"), base_dir=folder)
    except ScenarioError as exc:
        raise NotAResultsFolder(f"{folder / 'scenario.yaml'} is damaged: {exc}") from None
    summary, man = data["summary"], data["manifest"]
    n = int(summary["replications"])
    milestones, agencies = list(s.milestones), list(s.agencies)
    tally = new_tally(plan_for(s), s, winners=True)
    tally.n = n
    for m, key in enumerate(milestones):
        ms = summary["milestones"][key]
        for a, who in enumerate([*agencies, "none"]):
            tally.first[m, a] = round(ms["first"][who]["p"] * n)
        for a, who in enumerate(agencies):
            tally.reached[m, a] = round(ms["reached"][who]["p"] * n)
    for row in data["dates"]:
        m = milestones.index(row["milestone"])
        d = (dt.date.fromisoformat(str(row["date"])[:10]) - s.start).days - tally.day0
        if row["agency"] == "first":
            tally.first_hist[m, d] = int(row["count"])
        else:
            a = agencies.index(row["agency"])
            tally.hist[m, a, d] = int(row["count"])
            if row.get("first_count") is None:  # a folder older than who-leads data
                tally.win_hist = None
            elif tally.win_hist is not None:
                tally.win_hist[m, a, d] = row["first_count"]
    versus = None
    if summary.get("versus"):
        from racesim.analysis.versus import tally_from_files

        span = tally.hist.shape[2]
        versus = tally_from_files(s, summary["versus"], data["versus"], span)
    reached = None
    for name in ("replications.csv", "replications.csv.gz", "replications.parquet"):
        if (folder / name).is_file():
            reached = _read_reached(folder / name, s, n, DAYS_PER_YEAR)
            break
    settings = {k: man.get(k) for k in ("precision", "executor")}
    settings.update({k: man[k] for k in ("precision_reached", "half_width", "worlds") if k in man})
    started = man.get("started")
    run = Run(
        s,
        int(summary["seed"]),
        n,
        summary,
        tally,
        reached,
        float(man.get("seconds") or 0.0),
        int(man.get("jobs") or 1),
        Path(man["scenario_file"]) if man.get("scenario_file") else None,
        list(man.get("overrides") or []),
        settings,
        dt.datetime.fromisoformat(started) if started else None,
        versus,
    )
    if (folder / "crowd.csv").is_file():
        from racesim.analysis.crowd import read_run_rows

        try:
            run.crowd = read_run_rows(folder / "crowd.csv")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise NotAResultsFolder(f"{folder / 'crowd.csv'} is damaged: {exc}") from None
    return run


def _read_reached(path: Path, s: Scenario, n: int, days_per_year: float) -> np.ndarray:
    """The reach times of a per-replication table, at the middle of each day (the
    winner's a little earlier, so that a tie within a day goes as it went)."""
    import csv
    import gzip
    import io

    milestones = {k: i for i, k in enumerate(s.milestones)}
    agencies = {k: i for i, k in enumerate(s.agencies)}
    reached = np.full((n, len(milestones), len(agencies)), np.nan)
    if path.suffix == ".parquet":
        return _read_parquet(path, s, reached, milestones, agencies, days_per_year)
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    with raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            day = (dt.date.fromisoformat(row["date"]) - s.start).days
            at = day + (0.25 if row["first"] == "1" else 0.5)
            r, m, a = int(row["replication"]), milestones[row["milestone"]], agencies[row["agency"]]
            reached[r, m, a] = at / days_per_year
    return reached


def _read_parquet(path, s, reached, milestones, agencies, days_per_year) -> np.ndarray:
    """:func:`_read_reached` of a Parquet table, one row group at a time."""
    from racesim.output.tables import require_pyarrow

    pa, pq = require_pyarrow()
    epoch = (s.start - dt.date(1970, 1, 1)).days
    f = pq.ParquetFile(str(path))
    for g in range(f.num_row_groups):
        t = f.read_row_group(g)
        r = t.column("replication").to_numpy()
        m = _codes(t.column("milestone"), milestones)
        a = _codes(t.column("agency"), agencies)
        day = t.column("date").cast(pa.int32()).to_numpy() - epoch
        at = day + np.where(t.column("first").to_numpy() == 1, 0.25, 0.5)
        reached[r, m, a] = at / days_per_year
    return reached


def _codes(column, index: dict[str, int]) -> np.ndarray:
    """The indices (in ``index``) of a dictionary-encoded column's values."""
    chunk = column.combine_chunks()
    lookup = np.array([index[v] for v in chunk.dictionary.to_pylist()], dtype=np.int64)
    return lookup[chunk.indices.to_numpy()]
