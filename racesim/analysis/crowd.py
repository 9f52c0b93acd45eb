"""The crowd beside the forecast: dated crowd forecasts (``seeds/crowd.csv``) asked of a
scenario, and the forecast ledger (racesim's own answers, written down to be scored
later without hindsight).

**The crowd file** has the columns of :data:`COLUMNS`: a question about ``milestone``
(``measure`` ``first``: the first to reach it is ``agency``; ``reached``: ``agency``
reaches it, first or not; ``agency`` may be ``any``: anybody), answered yes if it
happens on or before ``by``; ``p`` is the crowd's chance for it on ``date``, from
``source`` (``url``).

**The questions a scenario answers** are the rows dated on or after its start (a crowd
that spoke earlier knew less than the scenario; one that spoke later, more, which is
the point of comparing) whose deadline is within the scenario's clock.  racesim's p
for a question is read from the run's chances by that deadline (``--by``, see
:func:`racesim.analysis.summary.by_summary`): ``reached`` of an agency is its chance
of having reached the milestone by then; ``first`` of an agency its chance of being
the first and by then; either measure for ``any`` is the chance that anybody had
reached it by then.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
from dataclasses import dataclass
from pathlib import Path

from racesim.scenario import Scenario
from racesim.scenario.errors import did_you_mean

COLUMNS = ("id", "question", "milestone", "agency", "measure", "by", "date", "p", "source", "url")
MEASURES = ("first", "reached")
ANY = "any"
#: the ledger's columns (``racesim crowd SCENARIO --out FILE``)
LEDGER_COLUMNS = (
    "id",
    "question",
    "milestone",
    "agency",
    "measure",
    "by",
    "crowd_date",
    "p_crowd",
    "p",
    "p_lo",
    "p_hi",
    "diff",
    "scenario",
    "scenario_sha256",
    "seed",
    "replications",
    "racesim",
    "made",
)


class CrowdError(ValueError):
    """The crowd file is missing or malformed, or a row asks what the scenario lacks."""


@dataclass(frozen=True)
class Question:
    """One row of the crowd file (``row``: its number among the data rows, from 1)."""

    id: str
    question: str
    milestone: str
    agency: str
    measure: str
    by: dt.date
    date: dt.date
    p: float
    source: str
    url: str
    row: int = 0


def _where(path: Path, k: int, rid: str, column: str) -> str:
    ident = f", id {rid}" if rid else ""
    return f"{path}, row {k} (line {k + 1}{ident}), column {column}"


def read_crowd(path: str | Path) -> list[Question]:
    """The crowd file's rows, each checked: an ISO ``by`` and ``date``, ``p`` a number
    in [0, 1], ``measure`` first or reached, no empty id, question, milestone or
    agency, no id twice.  Raises :class:`CrowdError` naming the file, row and column."""
    path = Path(path)
    if not path.is_file():
        raise CrowdError(f"crowd file {str(path)!r} not found")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise CrowdError(f"crowd file {str(path)!r} lacks columns {', '.join(missing)}")
            raw = list(reader)
    except UnicodeDecodeError:
        raise CrowdError(f"crowd file {str(path)!r} is not UTF-8 text") from None
    out: list[Question] = []
    seen: set[str] = set()
    for k, r in enumerate(raw, start=1):
        rid = (r.get("id") or "").strip()
        cell = {c: (r.get(c) or "").strip() for c in COLUMNS}
        for c in ("id", "question", "milestone", "agency", "measure", "by", "date", "p"):
            if not cell[c]:
                raise CrowdError(f"{_where(path, k, rid, c)}: empty")
        if rid in seen:
            raise CrowdError(f"{_where(path, k, rid, 'id')}: the id {rid!r} is used twice")
        seen.add(rid)
        if cell["measure"] not in MEASURES:
            raise CrowdError(
                f"{_where(path, k, rid, 'measure')}: {cell['measure']!r} is not first or reached"
            )
        dates = {}
        for c in ("by", "date"):
            try:
                dates[c] = dt.date.fromisoformat(cell[c])
            except ValueError:
                raise CrowdError(
                    f"{_where(path, k, rid, c)}: {cell[c]!r} is not an ISO date (YYYY-MM-DD)"
                ) from None
        try:
            p = float(cell["p"])
        except ValueError:
            p = math.nan
        if not (math.isfinite(p) and 0 <= p <= 1):
            raise CrowdError(
                f"{_where(path, k, rid, 'p')}: {cell['p']!r} is not a probability in [0, 1]"
            )
        out.append(
            Question(
                rid,
                cell["question"],
                cell["milestone"],
                cell["agency"],
                cell["measure"],
                dates["by"],
                dates["date"],
                p,
                cell["source"],
                cell["url"],
                k,
            )
        )
    return out


def questions_for(
    scenario: Scenario,
    questions: list[Question],
    source: str | Path,
    strict: bool = True,
    since=None,
) -> tuple[list[Question], list[str]]:
    """The questions ``scenario`` answers (see the module docstring), and notes on the
    rows dated on or after its start (or ``since``, a date, when given) that it cannot
    answer.

    ``strict``: a row dated on or after the start that names a milestone or agency
    the scenario does not have is an error (:class:`CrowdError` naming the file, row
    and column, with the nearest name); otherwise it is left out with a note (a run's
    report shows the questions its scenario can answer)."""
    path = Path(source)
    keep, notes = [], []
    first = scenario.start if since is None else since
    for q in questions:
        if q.date < first or q.date > scenario.horizon:
            continue
        problem = None
        if q.milestone not in scenario.milestones:
            problem = (
                "milestone",
                f"{q.milestone!r} is not a milestone of scenario {scenario.name!r}"
                f"{did_you_mean(q.milestone, scenario.milestones)}",
            )
        elif q.agency != ANY and q.agency not in scenario.agencies:
            problem = (
                "agency",
                f"{q.agency!r} is not an agency of scenario {scenario.name!r} (or 'any')"
                f"{did_you_mean(q.agency, [*scenario.agencies, ANY])}",
            )
        if problem is not None:
            where = _where(path, q.row, q.id, problem[0])
            if strict:
                raise CrowdError(f"{where}: {problem[1]}")
            notes.append(f"{q.id}: {problem[1]}; left out")
            continue
        if q.by > scenario.horizon:
            notes.append(
                f"{q.id}: its deadline {q.by} is after the scenario's horizon "
                f"({scenario.horizon}); left out"
            )
            continue
        if q.by < scenario.start:
            notes.append(f"{q.id}: its deadline {q.by} is before the scenario's start; left out")
            continue
        keep.append(q)
    return keep, notes


def deadlines(questions: list[Question]) -> list[dt.date]:
    return sorted({q.by for q in questions})


@dataclass(frozen=True)
class Answer:
    """A question with the crowd's p and racesim's (``lo``, ``hi``: its 95% interval)."""

    question: Question
    p: float
    lo: float
    hi: float

    @property
    def diff(self) -> float:
        """racesim's p minus the crowd's."""
        return self.p - self.question.p


def answer(questions: list[Question], by: dict[str, dict]) -> list[Answer]:
    """racesim's answer to each question from ``by`` (per milestone, the ``by`` entries
    of a summary: :func:`racesim.analysis.summary.by_summary`), largest |difference|
    first (then by id)."""
    out = []
    for q in questions:
        at = by[q.milestone][q.by.isoformat()]
        if q.agency == ANY:
            none = at["first"]["none"]
            p, (lo, hi) = 1 - none["p"], (1 - none["ci95"][1], 1 - none["ci95"][0])
        else:
            e = at[q.measure][q.agency]
            p, (lo, hi) = e["p"], e["ci95"]
        out.append(Answer(q, p, lo, hi))
    return sorted(out, key=lambda a: (-abs(a.diff), a.question.id))


def ledger_rows(
    answers: list[Answer], scenario: Scenario, seed: int, n: int, version: str, made: dt.date
) -> list[tuple]:
    """The ledger's rows (:data:`LEDGER_COLUMNS`), in the crowd file's order."""
    digest = scenario.digest()
    rows = []
    for a in sorted(answers, key=lambda a: a.question.row):
        q = a.question
        rows.append(
            (
                q.id,
                q.question,
                q.milestone,
                q.agency,
                q.measure,
                q.by.isoformat(),
                q.date.isoformat(),
                q.p,
                a.p,
                a.lo,
                a.hi,
                a.diff,
                scenario.name,
                digest,
                seed,
                n,
                version,
                made.isoformat(),
            )
        )
    return rows


#: ``crowd.csv`` of a run's results folder: the questions its scenario answers
RUN_COLUMNS = LEDGER_COLUMNS[:12]


def run_rows(answers: list[Answer]) -> list[tuple]:
    """Rows of a results folder's ``crowd.csv`` (:data:`RUN_COLUMNS`), largest
    |difference| first."""
    return [
        (
            a.question.id,
            a.question.question,
            a.question.milestone,
            a.question.agency,
            a.question.measure,
            a.question.by.isoformat(),
            a.question.date.isoformat(),
            a.question.p,
            a.p,
            a.lo,
            a.hi,
            a.diff,
        )
        for a in answers
    ]


def default_file(scenario_file: str | Path | None) -> Path | None:
    """The crowd file a run of ``scenario_file`` asks by default: ``../seeds/crowd.csv``
    from the scenario's folder (the convention of ``record.file``), if it exists."""
    if scenario_file is None:
        return None
    path = Path(os.path.normpath(Path(scenario_file).parent / ".." / "seeds" / "crowd.csv"))
    return path if path.is_file() else None


def read_run_rows(path: str | Path) -> list[Answer]:
    """A results folder's ``crowd.csv`` read back as answers (in its order; the
    questions' source and url are not kept there).  Raises ``ValueError`` on a row that
    is not what :func:`run_rows` writes."""
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for k, r in enumerate(csv.DictReader(fh), start=1):
            try:
                q = Question(
                    r["id"],
                    r["question"],
                    r["milestone"],
                    r["agency"],
                    r["measure"],
                    dt.date.fromisoformat(r["by"]),
                    dt.date.fromisoformat(r["crowd_date"]),
                    float(r["p_crowd"]),
                    "",
                    "",
                    k,
                )
                out.append(Answer(q, float(r["p"]), float(r["p_lo"]), float(r["p_hi"])))
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{path}, row {k}: not a row racesim writes") from None
    return out
