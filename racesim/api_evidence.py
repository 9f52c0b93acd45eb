"""The Python face of the evidence commands (imported into :mod:`racesim.api`):
:func:`backtests` (``racesim backtest S1 S2 ...``) and :func:`crowd` (``racesim crowd``),
with their result objects.  Nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from racesim.scenario import Scenario


def _pandas():
    from racesim.api_results import _pandas as pandas

    return pandas()


# -- several origins ----------------------------------------------------------------------
@dataclass
class BacktestsResult:
    """:func:`backtests`: several forecast origins scored on what happened after each's
    start, with pooled means.  ``result`` is the analysis' own
    (:class:`racesim.analysis.calibration.Backtests`); ``outcomes`` the file as given."""

    result: Any
    outcomes: str
    files: list[str | None] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1

    @property
    def origins(self) -> list:
        return self.result.origins

    def scores(self):
        """``scores.csv`` as a DataFrame: one row per origin and event."""
        from racesim.analysis.calibration import SCORE_COLUMNS

        return _pandas().DataFrame(self.result.score_rows(), columns=list(SCORE_COLUMNS))

    def totals(self) -> dict[str, dict[str, dict[str, float]]]:
        """Mean Brier and log score per forecaster: per origin (by name) and ``pooled``."""
        out = {b.scenario: b.totals() for b in self.origins}
        out["pooled"] = self.result.pooled()
        return out

    def reliability(self):
        """The reliability diagram's bins (``calibration.csv``) as a DataFrame."""
        from racesim.analysis.calibration import BIN_COLUMNS

        return _pandas().DataFrame(self.result.bin_rows(), columns=list(BIN_COLUMNS))

    def text(self) -> str:
        """What ``racesim backtest`` prints: one origin's full table, or for several the
        table of per-origin and pooled means."""
        from racesim.output.text_analysis import format_backtest
        from racesim.output.text_evidence import format_backtests

        if len(self.origins) == 1:
            return format_backtest(self.origins[0], self.outcomes)
        return format_backtests(self.result, self.outcomes)

    def save(self, folder: str | os.PathLike, force: bool = False) -> Path:
        """scores.csv, calibration.csv, calibration.png/.svg and the manifest, as
        ``racesim backtest --out`` writes them (atomic; an existing results folder is
        replaced only with ``force``)."""
        from racesim.api_results import _saved

        return _saved(folder, force, self.write)

    def write(self, tmp: Path) -> None:
        """The files of :meth:`save`, into the staged folder ``tmp``."""
        from racesim import __version__
        from racesim.output.writers import write_backtests

        manifest = {
            "racesim": __version__,
            "command": "backtest",
            "outcomes": self.outcomes,
            "scoring": self.origins[0].scoring if self.origins else None,
            "origins": [
                {
                    "scenario": b.scenario,
                    "file": f,
                    "start": b.start.isoformat(),
                    "seed": b.seed,
                    "replications": b.replications,
                    "events": len(b.events),
                }
                for b, f in zip(self.origins, self.files)
            ],
            "events": self.result.n_events,
            "seconds": round(self.seconds, 3),
            "jobs": self.jobs,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        title = (
            f"racesim's forecasts from {len(self.origins)} origin"
            f"{'s' if len(self.origins) != 1 else ''}, {self.result.n_events} events pooled"
        )
        write_backtests(tmp, self.result, manifest, title)


def backtests(
    scenarios: Iterable[Scenario | str | os.PathLike],
    outcomes: str | os.PathLike = "seeds/outcomes.csv",
    n: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    *,
    scoring: str = "strict",
    overrides=None,
    progress: Callable[[int], None] | None = None,
) -> BacktestsResult:
    """Score several forecast origins (``racesim backtest S1 S2 ...``): each scenario
    on the outcomes after its own start, at its own seed (``seed`` overrides every
    one's) and ``n`` replications (default: each one's ``replications``), and the
    means pooled over all events.  Every scenario and the outcomes file are checked
    before anything runs."""
    import time

    from racesim.analysis import backtest as bt
    from racesim.analysis.calibration import Backtests
    from racesim.api import _jobs, _origin, _scenario, _workers

    loaded = [_scenario(s, overrides) for s in scenarios]
    if not loaded:
        raise ValueError("backtests needs at least one scenario")
    facts = bt.read_outcomes(outcomes)
    _no_typos(facts, loaded)
    for s in loaded:
        bt.events(s, facts, scoring=scoring)  # a bad file fails before any run
        record_checked(s)
    jobs = _jobs(jobs)
    t0 = time.perf_counter()
    done, files = [], []
    for s in loaded:
        with _workers(jobs):
            reached, run = bt.reach_times(s, n, seed, jobs, progress=progress)
        file, _ = _origin(s)
        base_dir = Path(file).parent if file is not None else None
        done.append(
            bt.backtest(s, facts, reached, scoring=scoring, base_dir=base_dir, seed=run.seed)
        )
        files.append(file)
    return BacktestsResult(
        Backtests(done), os.fspath(outcomes), files, time.perf_counter() - t0, jobs
    )


def record_checked(s: Scenario) -> None:
    """Refuse, before anything runs, a scenario whose landing record (the base-rate
    reference's success rate, :func:`racesim.analysis.backtest.record_rate`) cannot be
    read: :class:`racesim.analysis.backtest.OutcomesError` naming the scenario and file."""
    from racesim.analysis.backtest import OutcomesError, record_rate
    from racesim.api import _origin
    from racesim.scenario.record import RecordError

    file, _ = _origin(s)
    base_dir = Path(file).parent if file is not None else None
    try:
        record_rate(s, base_dir)
    except RecordError as exc:
        raise OutcomesError(
            f"scenario {s.name!r}: the base-rate reference needs the landing record, and "
            f"{exc} (give its path in the scenario's record.file)"
        ) from None


#: how alike a name of the outcomes file must be to a scenario's to be taken for its typo
#: (the milestones of the project's own files are at most 0.78 alike)
TYPO_LIKENESS = 0.85


def _no_typos(facts, scenarios: list[Scenario]) -> None:
    """Refuse an outcomes row whose milestone no scenario has but one nearly has (a
    misspelt name would otherwise leave that milestone silently unscored)."""
    import difflib

    from racesim.analysis.backtest import OutcomesError

    known = {m for s in scenarios for m in s.milestones}
    for r in facts.rows:
        if not r.milestone or r.milestone in known:
            continue
        close = difflib.get_close_matches(r.milestone, sorted(known), n=1, cutoff=TYPO_LIKENESS)
        if close:
            raise OutcomesError(
                f"{facts.source}, row {r.id}: milestone {r.milestone!r} is not a milestone "
                f"of any scenario given (did you mean {close[0]!r}?)"
            )


# -- the crowd ------------------------------------------------------------------------------
@dataclass
class CrowdResult:
    """:func:`crowd`: the crowd's questions the scenario answers, with racesim's p,
    largest difference first.  ``answers`` are
    :class:`racesim.analysis.crowd.Answer`; ``notes`` the rows left out and why."""

    scenario: Scenario
    answers: list
    notes: list[str]
    source: str
    seed: int
    n: int
    summary: dict = field(repr=False, default_factory=dict)
    since: dt.date | None = None  # questions asked on or after it (default the start)

    def table(self):
        """The answers as a DataFrame (the columns of a results folder's crowd.csv)."""
        from racesim.analysis.crowd import RUN_COLUMNS, run_rows

        return _pandas().DataFrame(run_rows(self.answers), columns=list(RUN_COLUMNS))

    def text(self) -> str:
        """The table ``racesim crowd`` prints."""
        from racesim.output.text_evidence import format_crowd

        return format_crowd(self)

    def ledger_rows(self, made: dt.date | None = None) -> list[tuple]:
        """The forecast ledger's rows (``racesim crowd --out FILE``), dated ``made``
        (default: today, UTC)."""
        from racesim import __version__
        from racesim.analysis.crowd import ledger_rows

        made = made or dt.datetime.now(dt.UTC).date()
        return ledger_rows(self.answers, self.scenario, self.seed, self.n, __version__, made)

    def save_ledger(self, file: str | os.PathLike, made: dt.date | None = None) -> Path:
        """Write the ledger to ``file`` (CSV, :data:`racesim.analysis.crowd.LEDGER_COLUMNS`),
        atomically; an existing file is replaced (the command line asks ``--force``),
        never a device, pipe, socket or folder (``OSError``)."""
        import errno

        from racesim.analysis.crowd import LEDGER_COLUMNS
        from racesim.output.files import write_csv

        path = Path(file)
        if (path.exists() or path.is_symlink()) and not path.is_file():
            raise OSError(errno.EEXIST, "not a regular file (a device, pipe, socket or folder)")
        tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
        try:
            write_csv(tmp, LEDGER_COLUMNS, self.ledger_rows(made))
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path


def crowd(
    scenario: Scenario | str | os.PathLike,
    questions: str | os.PathLike = "seeds/crowd.csv",
    n: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    *,
    overrides=None,
    progress: Callable[[int], None] | None = None,
    since: dt.date | str | None = None,
) -> CrowdResult:
    """racesim's answers to the crowd's questions dated on or after the scenario's
    start, or on or after ``since`` (a date) when given (``racesim crowd --since``: a
    question asked before the start was answered without facts the scenario has).  A
    malformed crowd file, or a question naming a milestone or agency the scenario does
    not have, raises
    :class:`racesim.analysis.crowd.CrowdError` (file, row and column) before anything
    runs."""
    from racesim.analysis import crowd as cr
    from racesim.api import _scenario, simulate

    s = _scenario(scenario, overrides)
    if isinstance(since, str):
        since = dt.date.fromisoformat(since)
    asked, notes = cr.questions_for(
        s, cr.read_crowd(questions), questions, strict=True, since=since
    )
    dates = cr.deadlines(asked)
    run = simulate(s, n, seed, jobs, keep_table=False, progress=progress, by=dates, questions=None)
    by = {m: ms.get("by", {}) for m, ms in run.summary["milestones"].items()}
    answers = cr.answer(asked, by) if asked else []
    return CrowdResult(s, answers, notes, os.fspath(questions), run.seed, run.n, run.summary, since)
