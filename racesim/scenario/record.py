"""Success chances fitted to the landing record (``seeds/landings.csv``).

Method: each class of attempts (first attempts by an operator, later attempts,
government, commercial, crewed, ...) gets a Beta distribution for the chance that one
attempt succeeds, by Bayes' rule from a uniform Beta(1, 1) prior:

    a = 1 + successes + partials / 2,    b = 1 + failures + partials / 2

A *partial* (landed but tipped over or crippled: Luna 23, SLIM, IM-1, IM-2) counts as
half a success and half a failure.  Launch and cruise losses count as failures: in
racesim an attempt is the whole flight.  Only attempts dated on or before the cut-off
are used (a scenario's own ``start`` by default), so a forecast cannot learn from
landings that had not yet happened.

A scenario uses a class with ``success: {record: first_attempt}``, or the attempts in
several classes at once with ``success: {record: [commercial, first_attempt]}``.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scipy import special

from racesim.scenario.errors import brief as _q
from racesim.scenario.errors import did_you_mean, mission_path

Row = dict[str, str]


def _lat(row: Row) -> float | None:
    for text in (
        row.get("latitude_deg", ""),
        (re.search(r"target_lat=\s*(-?[\d.]+)", row.get("notes", "")) or [None, ""])[1],
    ):
        try:
            return float(text)
        except (TypeError, ValueError):
            continue
    return None


def _attempt(row: Row) -> int:
    try:
        return int(row.get("attempt_by_operator") or 0)
    except ValueError:
        return 0


#: class name -> (description, predicate on a record row)
CLASSES: dict[str, tuple[str, Callable[[Row], bool]]] = {
    "all": ("every attempt", lambda r: True),
    "first_attempt": ("an operator's first soft-landing attempt", lambda r: _attempt(r) == 1),
    "later_attempt": ("an operator's second or later attempt", lambda r: _attempt(r) > 1),
    "government": ("flown by a government agency", lambda r: r["class"] == "government"),
    "commercial": ("flown by a company", lambda r: r["class"] == "commercial"),
    "crewed": ("crewed landings", lambda r: r.get("crewed") == "1"),
    "robotic": ("robotic landers", lambda r: r.get("crewed") != "1"),
    "south_polar": (
        "landing at or aimed at 60 degrees south or beyond",
        lambda r: _lat(r) is not None and _lat(r) <= -60,
    ),
    "modern": ("attempts from 2000 on", lambda r: r["date"] >= "2000-01-01"),
}


class RecordError(ValueError):
    pass


@dataclass(frozen=True)
class Fit:
    classes: tuple[str, ...]
    n: int
    successes: int
    partials: int
    failures: int
    a: float
    b: float

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        tail = (1 - level) / 2
        return (
            float(special.betaincinv(self.a, self.b, tail)),
            float(special.betaincinv(self.a, self.b, 1 - tail)),
        )


def read_record(path: str | Path) -> list[Row]:
    import io
    import stat

    from racesim.scenario.yamlio import read_text_bounded

    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise RecordError(f"landing record {_q(str(path))} not found") from None
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long, ...
        why = getattr(exc, "strerror", None) or str(exc)
        raise RecordError(f"landing record {_q(str(path))} is not a usable path ({why})") from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # a pipe would wait forever
        raise RecordError(
            f"landing record {_q(str(path))} is not a regular file (a pipe, device "
            "or socket); give a CSV file"
        )
    try:
        text = read_text_bounded(path)
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except ValueError as exc:  # a folder, too large, not text
        raise RecordError(f"landing record {_q(str(path))} {exc}") from None
    except OSError as exc:
        raise RecordError(f"landing record {str(path)!r} cannot be read ({exc.strerror})") from None
    except csv.Error as exc:
        raise RecordError(f"landing record {str(path)!r} is not a valid CSV file ({exc})") from None
    need = {"date", "outcome", "class", "crewed", "attempt_by_operator"}
    missing = need - set(rows[0] if rows else need)
    if missing:
        raise RecordError(f"landing record {str(path)!r} lacks columns {sorted(missing)}")
    return rows


def fit(rows: Sequence[Row], classes: Sequence[str], until: dt.date | None = None) -> Fit:
    """Beta fit for attempts in every one of ``classes``, dated on or before ``until``."""
    preds = []
    for c in classes:
        if c not in CLASSES:
            raise RecordError(
                f"unknown record class {c!r}{did_you_mean(c, CLASSES)}; "
                f"classes are {', '.join(CLASSES)}"
            )
        preds.append(CLASSES[c][1])
    cut = until.isoformat() if until else "9999-12-31"
    chosen = [r for r in rows if r["date"] <= cut and all(p(r) for p in preds)]
    s = sum(r["outcome"] == "success" for r in chosen)
    p = sum(r["outcome"] == "partial" for r in chosen)
    f = sum(r["outcome"] == "failure" for r in chosen)
    return Fit(tuple(classes), len(chosen), s, p, f, 1 + s + p / 2, 1 + f + p / 2)


def table(rows: Sequence[Row], until: dt.date | None = None) -> list[Fit]:
    return [fit(rows, [c], until) for c in CLASSES]


# -- success: {record: CLASS} in a scenario -------------------------------------------
def resolve_records(data: Mapping, base_dir: Path | None) -> tuple[dict, list[tuple[str, str]]]:
    """Replace every ``success: {record: CLASS}`` with the Beta fitted to the landing
    record (see :func:`fit`), using attempts up to ``record.until``
    (default: the scenario's start).

    Returns the new data and the problems found; a reference that cannot be resolved is
    replaced by a neutral placeholder, so that it is reported once, not again as an
    unknown distribution."""
    from racesim.scenario.checks import raw_missions
    from racesim.scenario.schema import strict_date

    data = copy.deepcopy(dict(data))
    refs = [
        (a, j, m)
        for a, j, m in raw_missions(data)
        if isinstance(m.get("success"), dict) and "record" in m["success"]
    ]
    if not refs:
        return data, []
    placeholder = {"beta": {"a": 1.0, "b": 1.0}}
    for _, _, m in refs:
        spec, m["success"] = m["success"], placeholder
        m["__record__"] = spec
    issues: list[tuple[str, str]] = []
    settings = data.get("record") or {}
    if not isinstance(settings, dict):
        issues.append(("record", "expected a mapping {file: PATH, until: DATE}"))
        settings = {}
    for k in settings:
        if k not in ("file", "until"):
            issues.append(
                (
                    f"record.{k}",
                    f"unknown field"
                    f"{did_you_mean(str(k), ['file', 'until'])}; valid fields here "
                    "are file, until",
                )
            )
    name = settings.get("file", "../seeds/landings.csv")
    rows = None
    if not isinstance(name, str) or not name.strip():
        issues.append(
            ("record.file", f"expected the path of a landing record CSV file, got {_q(name)}")
        )
    else:
        file = Path(name)
        if not file.is_absolute() and base_dir is not None:
            file = base_dir / file
        try:
            rows = read_record(file)
        except RecordError as exc:
            issues.append(("record.file", str(exc)))
    try:
        if "until" in settings:
            until = strict_date(settings["until"])
        else:  # the start (an invalid start is reported on its own)
            until = strict_date(data.get("start"))
    except ValueError as exc:
        if "until" in settings:
            issues.append(("record.until", str(exc)))
        rows = None
    for a, j, m in refs:
        spec = m.pop("__record__")
        if rows is None:
            continue
        path = mission_path(a, j, m.get("id")) + ".success"
        if len(spec) != 1:
            issues.append((path, "a record reference has the single key 'record'"))
            continue
        classes = spec["record"]
        classes = [classes] if isinstance(classes, str) else classes
        if not isinstance(classes, list) or not classes:
            issues.append((path, "record: expects a class name or a list of them"))
            continue
        try:
            f = fit(rows, [str(c) for c in classes], until)
        except RecordError as exc:
            issues.append((path, str(exc)))
            continue
        if f.n == 0:
            issues.append((path, f"no attempts in the record match {classes} up to {until}"))
            continue
        m["success"] = {"beta": {"a": f.a, "b": f.b}}
    return data, issues
