"""Backtests: score a scenario's forecasts against what happened (``seeds/outcomes.csv``).

**Events.** The outcomes file settles, as of a cut-off date D (its ``cutoff`` row), a
set of binary events, each forecast by the scenario and by two naive references:

- ``reached``: "agency A reached milestone M on or before D" — for every milestone of
  the scenario that the outcomes file covers (has a row for) and every agency that the
  scenario gives a way to reach it (a mission that ``achieves`` M) or that did reach it.
  Agencies the scenario gives no way to reach M are left out: every forecaster that
  knows who is in the race would score them perfectly, which would only flatter it.
- ``first``: "the first to reach M, on or before D, was A" for each of those agencies,
  and "nobody reached M by D". Exactly one of a milestone's ``first`` events happened;
  a tie (same day) goes to the agency listed first, as in the model.

What happened is read closed-world: for a covered milestone, the outcomes file lists
every achievement (``happened=yes`` rows with an agency), so an agency reached M by D
exactly when it has such a row dated on or before D. The ``no`` rows are checked for
contradictions (a ``no`` dated on or after a counted ``yes`` of the same agency, or an
agency-less "nobody" ``no`` dated on or after any counted ``yes``) and otherwise only
document the fact.

**Partial landings** (landed but tipped over: IM-1, IM-2). Two scorings:
``strict`` (default): a partial landing does not reach a landing milestone, so rows
whose ``status`` says ``only under lenient scoring`` (IM-1's) are ignored; ``lenient``:
it does, so rows whose ``status`` says ``STRICT-scoring row only`` are ignored. IM-2 (~84.8S, just
outside the 85S pole threshold, scored ``no`` for ``pole_landing`` in the file) is a
``no`` under both: neither scoring rounds its unverified latitude to 85S.

Each origin is scored on what happened after its own start: an event already settled
before the start (an agency's ``yes`` row dated before it; for ``first`` events, the
milestone's first ``yes``) was known to the forecaster and is left out, with a note.

**Forecasts.** racesim's probability of an event is the fraction of replications in
which it happened: a reach time counts when its calendar day (as results report dates)
is on or before D, i.e. ``days(t) <= (D - start).days``, where ``t`` is the reach time
in years from the scenario's start and ``years_between(start, D)`` its counterpart.

**References.**

- ``coin``: p = 0.5 for every event.
- ``base rate``: announced plans taken at their word, each attempt succeeding at the
  landing record's overall rate. ``r`` = (successes + partials/2) / attempts over every
  attempt in the scenario's landing record dated on or before its cut-off
  (``record.until``, default ``start``) — 0.581 (21 + 0.5 of 37) for the base scenario.
  Each mission of the scenario that achieves M and either succeeded before the start
  (chance 1, on that date) or has an announced date (``not_before``) on or before D
  (chance r, on that date) is one independent attempt; other missions make none by D.
  So P(A reached M by D) = 1 - prod(1 - q) over A's attempts, and P(first was A) sums,
  over A's attempts in date order (ties: agency, then mission order), q times the chance
  that every earlier attempt failed; "nobody" is the chance that all fail. It uses
  nothing but the record up to the start and the dates the scenario states as announced.

**Scores** (per event, then the mean over events): Brier = (p - o)^2, lower is
better; log score = ln of the probability given to what happened (ln p if it happened,
ln(1 - p) if not), higher is better, 0 is perfect — with p clipped to
[0.001, 0.999] for the log score only, so one confident miss costs at most ln 0.001.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from racesim.run.stats import days, first_index
from racesim.scenario import Scenario

CLIP = 1e-3
SCORINGS = ("strict", "lenient")
FORECASTERS = ("racesim", "base_rate", "coin")
NOBODY = "nobody"
_COLUMNS = {"id", "date", "agency", "milestone", "happened", "status"}


class OutcomesError(ValueError):
    """The outcomes file is missing, malformed or contradicts itself."""


# ---------------------------------------------------------------------------------------
# the outcomes file
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutcomeRow:
    id: str
    date: dt.date
    agency: str  # "" = no agency (context, or "nobody" for a milestone)
    milestone: str  # "" = context event
    happened: bool
    status: str = ""
    event: str = ""

    def counts(self, scoring: str) -> bool:
        """Whether this row counts under ``scoring`` (see the module docstring)."""
        status = " ".join(self.status.upper().split())
        if scoring == "strict":
            return "ONLY UNDER LENIENT SCORING" not in status
        return "STRICT-SCORING ROW ONLY" not in status


@dataclass(frozen=True)
class Outcomes:
    rows: tuple[OutcomeRow, ...]
    cutoff: dt.date
    source: str = ""

    def milestones(self) -> list[str]:
        return list(dict.fromkeys(r.milestone for r in self.rows if r.milestone))


def read_outcomes(path: str | Path) -> Outcomes:
    """Read an outcomes CSV (``id,date,event,agency,milestone,happened,source,status``);
    the row with id ``cutoff`` gives the date the facts cover."""
    path = Path(path)
    if not path.is_file():
        raise OutcomesError(f"outcomes file {str(path)!r} not found")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = _COLUMNS - set(reader.fieldnames or ())
        if missing:
            raise OutcomesError(
                f"outcomes file {str(path)!r} lacks columns {', '.join(sorted(missing))}"
            )
        raw = list(reader)
    rows = []
    for k, r in enumerate(raw, start=2):
        happened = r["happened"].strip().lower()
        if happened not in ("yes", "no"):
            raise OutcomesError(
                f"{path}, line {k}: happened must be yes or no, got {r['happened']!r}"
            )
        try:
            date = dt.date.fromisoformat(r["date"].strip())
        except ValueError:
            raise OutcomesError(
                f"{path}, line {k}: date must be an ISO date, got {r['date']!r}"
            ) from None
        rows.append(
            OutcomeRow(
                r["id"].strip(),
                date,
                r["agency"].strip(),
                r["milestone"].strip(),
                happened == "yes",
                r.get("status") or "",
                r.get("event") or "",
            )
        )
    cut = [r for r in rows if r.id == "cutoff"]
    if len(cut) != 1:
        raise OutcomesError(
            f"outcomes file {str(path)!r} needs exactly one row with id "
            "'cutoff' giving the date its facts cover"
        )
    return Outcomes(tuple(r for r in rows if r.id != "cutoff"), cut[0].date, str(path))


# ---------------------------------------------------------------------------------------
# events
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoredEvent:
    """A yes/no event of the backtest, scored against what happened (not a story event)."""

    kind: str  # "reached" or "first"
    milestone: str
    agency: str  # an agency key, or NOBODY (kind "first")
    happened: bool
    evidence: tuple[str, ...] = ()  # ids of the outcome rows that decide it

    def label(self) -> str:
        if self.kind == "reached":
            return f"{self.agency} reached {self.milestone}"
        return f"first {self.milestone}: {self.agency}"


def reached_by(
    outcomes: Outcomes, milestone: str, until: dt.date, scoring: str
) -> dict[str, OutcomeRow]:
    """Agency -> its earliest counted ``yes`` row for ``milestone`` dated <= ``until``.

    Raises :class:`OutcomesError` if a counted ``no`` row contradicts a ``yes``."""
    counted = [r for r in outcomes.rows if r.milestone == milestone and r.counts(scoring)]
    yes: dict[str, OutcomeRow] = {}
    for r in sorted((r for r in counted if r.happened and r.agency), key=lambda r: r.date):
        yes.setdefault(r.agency, r)
    for r in counted:
        if r.happened:
            continue
        clash = [y for a, y in yes.items() if (not r.agency or a == r.agency) and y.date <= r.date]
        if clash:
            raise OutcomesError(
                f"{outcomes.source}: row {r.id} says {r.agency or 'nobody'} had not reached "
                f"{milestone} by {r.date}, but row {clash[0].id} says {clash[0].agency} did "
                f"on {clash[0].date} (under {scoring} scoring)"
            )
    return {a: y for a, y in yes.items() if y.date <= until}


def events(
    scenario: Scenario, outcomes: Outcomes, until: dt.date | None = None, scoring: str = "strict"
) -> tuple[list[ScoredEvent], list[str]]:
    """The events settled by ``outcomes`` as of ``until`` (default its cut-off), and
    notes on what was left out (see the module docstring)."""
    if scoring not in SCORINGS:
        raise ValueError(f"scoring must be one of {SCORINGS}, got {scoring!r}")
    until = until or outcomes.cutoff
    if until > outcomes.cutoff:
        raise OutcomesError(
            f"{until} is after the outcomes file's cut-off "
            f"({outcomes.cutoff}): its facts do not cover it"
        )
    covered = outcomes.milestones()
    notes = []
    out: list[ScoredEvent] = []
    for m in scenario.milestones:
        if m not in covered:
            notes.append(f"{m}: no row in the outcomes file, not scored")
            continue
        yes = reached_by(outcomes, m, until, scoring)
        known = {a: r for a, r in yes.items() if r.date < scenario.start}
        settled = min(known.values(), key=lambda r: r.date) if known else None
        if settled is not None and settled.date <= min(r.date for r in yes.values()):
            notes.append(
                f"{m}: settled before the scenario's start ({settled.id} on "
                f"{settled.date}); its first events are not scored"
            )
        able = [
            a for a, ag in scenario.agencies.items() if any(m in x.achieves for x in ag.missions)
        ]
        agencies = able + [a for a in yes if a not in able]
        for a in agencies:
            row = yes.get(a)
            if a in known:
                notes.append(
                    f"{a} reached {m}: known at the start ({row.id} on {row.date}), not scored"
                )
                continue
            out.append(ScoredEvent("reached", m, a, row is not None, (row.id,) if row else ()))
        if known:
            continue
        order = {a: i for i, a in enumerate(agencies)}
        winner = min(yes, key=lambda a: (yes[a].date, order[a])) if yes else NOBODY
        ids = tuple(
            r.id
            for r in outcomes.rows
            if r.milestone == m and r.counts(scoring) and (r.happened or r.date >= until)
        )
        for a in [*agencies, NOBODY]:
            out.append(ScoredEvent("first", m, a, a == winner, ids))
    for m in covered:
        if m not in scenario.milestones:
            notes.append(f"{m}: in the outcomes file but not a milestone of the scenario")
    return out, notes


# ---------------------------------------------------------------------------------------
# forecasts
# ---------------------------------------------------------------------------------------
def forecast(
    scenario: Scenario, reached: np.ndarray, evs: Sequence[ScoredEvent], until: dt.date
) -> np.ndarray:
    """racesim's probability of each event from per-replication reach times ``reached``
    (shape (N, milestones, agencies), years from start, NaN = not reached)."""
    reached = np.asarray(reached, dtype=float)
    ms, ags = list(scenario.milestones), list(scenario.agencies)
    if reached.ndim != 3 or reached.shape[1:] != (len(ms), len(ags)) or not len(reached):
        raise ValueError(
            f"reach times must have shape (N, {len(ms)}, {len(ags)}), got {reached.shape}"
        )
    day_d = (until - scenario.start).days
    by_d = np.zeros(reached.shape, dtype=bool)
    ok = ~np.isnan(reached)
    by_d[ok] = days(reached[ok]) <= day_d
    winner = first_index(reached)
    anyone = by_d.any(axis=2)
    p = np.empty(len(evs))
    for k, e in enumerate(evs):
        m = ms.index(e.milestone)
        if e.agency == NOBODY:
            p[k] = np.mean(~anyone[:, m])
        elif e.agency not in ags:
            p[k] = 0.0
        elif e.kind == "reached":
            p[k] = np.mean(by_d[:, m, ags.index(e.agency)])
        else:
            a = ags.index(e.agency)
            p[k] = np.mean((winner[:, m] == a) & by_d[:, m, a])
    return p


def record_rate(scenario: Scenario, base_dir: Path | None = None) -> tuple[float, int]:
    """The landing record's overall success rate (partials count half) over attempts
    dated on or before the scenario's record cut-off, and the number of attempts."""
    from racesim.scenario.record import fit, read_record

    rec = scenario.record
    file = Path(rec.file if rec else "../seeds/landings.csv")
    if not file.is_absolute() and base_dir is not None:
        file = base_dir / file
    until = (rec.until if rec and rec.until else None) or scenario.start
    f = fit(read_record(file), ["all"], until)
    if f.n == 0:
        raise OutcomesError(f"the landing record {file} has no attempts up to {until}")
    return (f.successes + f.partials / 2) / f.n, f.n


def base_rate(
    scenario: Scenario, evs: Sequence[ScoredEvent], until: dt.date, rate: float
) -> np.ndarray:
    """The base-rate reference's probability of each event (see the module docstring)."""
    ags = list(scenario.agencies)
    p = np.empty(len(evs))
    cache: dict[str, list[tuple[tuple, str, float]]] = {}
    for k, e in enumerate(evs):
        if e.milestone not in cache:
            tries = []
            for ai, (a, ag) in enumerate(scenario.agencies.items()):
                for j, mis in enumerate(ag.missions):
                    if e.milestone not in mis.achieves:
                        continue
                    if mis.succeeded is not None:
                        tries.append(((mis.succeeded, ai, j), a, 1.0))
                    elif mis.not_before is not None and mis.not_before <= until:
                        tries.append(((mis.not_before, ai, j), a, rate))
            cache[e.milestone] = sorted(tries)
        tries = cache[e.milestone]
        if e.kind == "reached" or e.agency == NOBODY:
            fail = math.prod(1 - q for _, a, q in tries if e.agency == NOBODY or a == e.agency)
            p[k] = fail if e.agency == NOBODY else 1 - fail
        else:
            total, none_yet = 0.0, 1.0
            for _, a, q in tries:
                if a == e.agency:
                    total += none_yet * q
                none_yet *= 1 - q
            p[k] = total if e.agency in ags else 0.0
    return p


# ---------------------------------------------------------------------------------------
# scores
# ---------------------------------------------------------------------------------------
def brier(p: np.ndarray, happened: np.ndarray) -> np.ndarray:
    return (np.asarray(p, float) - np.asarray(happened, float)) ** 2


def log_score(p: np.ndarray, happened: np.ndarray) -> np.ndarray:
    """ln of the probability given to what happened, p clipped to [CLIP, 1 - CLIP]."""
    q = np.clip(np.asarray(p, float), CLIP, 1 - CLIP)
    return np.where(np.asarray(happened, bool), np.log(q), np.log1p(-q))


@dataclass
class Backtest:
    """Events with each forecaster's probability and scores."""

    scenario: str
    start: dt.date
    until: dt.date
    scoring: str
    replications: int
    rate: float
    rate_attempts: int
    events: list[ScoredEvent]
    p: dict[str, np.ndarray]  # forecaster -> probability per event
    notes: list[str] = field(default_factory=list)
    seed: int | None = None

    @property
    def happened(self) -> np.ndarray:
        return np.array([e.happened for e in self.events])

    def brier(self, who: str) -> np.ndarray:
        return brier(self.p[who], self.happened)

    def log(self, who: str) -> np.ndarray:
        return log_score(self.p[who], self.happened)

    def totals(self, kind: str | None = None) -> dict[str, dict[str, float]]:
        """Mean Brier and log score per forecaster (over events of ``kind``, or all)."""
        keep = np.array([kind is None or e.kind == kind for e in self.events])
        return {
            who: {
                "brier": float(np.mean(self.brier(who)[keep])) if keep.any() else 0.0,
                "log": float(np.mean(self.log(who)[keep])) if keep.any() else 0.0,
            }
            for who in FORECASTERS
        }

    def beats(self, reference: str) -> dict[str, bool]:
        """Whether racesim's overall scores are better than ``reference``'s."""
        return {k: v > 0 for k, v in self.compare(reference).items()}

    def compare(self, reference: str) -> dict[str, int]:
        """Per score: +1 if racesim's overall score is better than ``reference``'s,
        -1 if worse, 0 if equal (to 1e-12)."""
        t = self.totals()
        db = t[reference]["brier"] - t["racesim"]["brier"]
        dl = t["racesim"]["log"] - t[reference]["log"]
        return {
            k: 0 if abs(d) < 1e-12 else (1 if d > 0 else -1)
            for k, d in (("brier", db), ("log", dl))
        }


def backtest(
    scenario: Scenario,
    outcomes: Outcomes,
    reached: np.ndarray,
    until: dt.date | None = None,
    scoring: str = "strict",
    base_dir: Path | None = None,
    seed: int | None = None,
) -> Backtest:
    """Score ``scenario``'s forecasts, from per-replication reach times ``reached``
    (shape (N, milestones, agencies), see :func:`reach_times`), against ``outcomes``
    as of ``until`` (default: the outcomes' cut-off). ``base_dir`` is where the
    scenario's relative record path resolves (the scenario file's folder); ``seed``
    is the run's root seed, for the record."""
    until = until or outcomes.cutoff
    evs, notes = events(scenario, outcomes, until, scoring)
    rate, n_rate = record_rate(scenario, base_dir)
    p = {
        "racesim": forecast(scenario, reached, evs, until),
        "base_rate": base_rate(scenario, evs, until, rate),
        "coin": np.full(len(evs), 0.5),
    }
    if until <= scenario.start:
        notes.append(
            f"the cut-off {until} is not after the scenario's start "
            f"{scenario.start}: every event was known at the start"
        )
    return Backtest(
        scenario.name,
        scenario.start,
        until,
        scoring,
        int(len(reached)),
        rate,
        n_rate,
        evs,
        p,
        notes,
        seed,
    )


def reach_times(
    scenario: Scenario, n: int | None = None, seed: int | None = None, jobs: int = 1, progress=None
):
    """Run ``scenario`` and keep every replication's reach times: returns
    ``(reached, run)`` with ``reached`` of shape (N, milestones, agencies), years."""
    from racesim.run.montecarlo import run_many as simulate

    parts: list[np.ndarray] = []
    run = simulate(
        scenario, n, seed, jobs, sink=lambda first, r: parts.append(r), progress=progress
    )
    return np.concatenate(parts, axis=0), run


# ---------------------------------------------------------------------------------------
# the printed table
# ---------------------------------------------------------------------------------------
