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

A mission that declares ``partial`` gets the three-outcome fit instead (success,
partial and failure counted apart; ``partial: {record: C}`` takes its partial chance
from the same fit), and ``{record: C, agency: A}`` shrinks agency A's own attempts in C
toward the rest of C: both in :mod:`racesim.scenario.pooling`.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scipy import special

from racesim.scenario.errors import brief as _q
from racesim.scenario.errors import did_you_mean, mission_path
from racesim.scenario.pooling import Fit3, Pooled, counts, marginal, pool

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


def select(rows: Sequence[Row], classes: Sequence[str], until: dt.date | None = None) -> list[Row]:
    """The attempts in every one of ``classes``, dated on or before ``until``."""
    preds = []
    for c in classes:
        if c not in CLASSES:
            raise RecordError(
                f"unknown record class {c!r}{did_you_mean(c, CLASSES)}; "
                f"classes are {', '.join(CLASSES)}"
            )
        preds.append(CLASSES[c][1])
    cut = until.isoformat() if until else "9999-12-31"
    return [r for r in rows if r["date"] <= cut and all(p(r) for p in preds)]


def fit(rows: Sequence[Row], classes: Sequence[str], until: dt.date | None = None) -> Fit:
    """Beta fit for attempts in every one of ``classes``, dated on or before ``until``."""
    chosen = select(rows, classes, until)
    s, p, f = counts(chosen)
    return Fit(tuple(classes), len(chosen), s, p, f, 1 + s + p / 2, 1 + f + p / 2)


def fit3(rows: Sequence[Row], classes: Sequence[str], until: dt.date | None = None) -> Fit3:
    """The three-outcome fit, Dirichlet(1 + s, 1 + p, 1 + f) (see
    :mod:`racesim.scenario.pooling`), for attempts in every one of ``classes``."""
    chosen = select(rows, classes, until)
    return Fit3(tuple(classes), len(chosen), *counts(chosen))


def agencies_in(rows: Sequence[Row]) -> list[str]:
    """The agencies the record names (its ``agency`` column), in order of appearance."""
    return list(dict.fromkeys(a for r in rows if (a := (r.get("agency") or "").strip())))


def table(rows: Sequence[Row], until: dt.date | None = None) -> list[Fit]:
    return [fit(rows, [c], until) for c in CLASSES]


# -- success / partial: {record: CLASS} in a scenario -----------------------------------
SPEC_KEYS = ("record", "agency", "strength")


def is_reference(value: object) -> bool:
    """Whether a field's raw value is a record reference ``{record: ...}``."""
    return isinstance(value, dict) and "record" in value


@dataclass(frozen=True)
class Reference:
    classes: tuple[str, ...]
    agency: str | None
    strength: float | None


def parse_reference(spec: Mapping, path: str) -> tuple[Reference | None, list[tuple[str, str]]]:
    """A raw ``{record: C, agency: A, strength: K}`` as a :class:`Reference`, or the
    problems with it (``path`` is the field's)."""
    issues = []
    for k in spec:
        if k not in SPEC_KEYS:
            issues.append(
                (
                    f"{path}.{k}",
                    f"unknown field of a record reference{did_you_mean(str(k), SPEC_KEYS)}; "
                    "its fields are record (a class or a list of classes), agency "
                    "(an agency of the record, for partial pooling) and strength "
                    "(the prior's weight in attempts, with agency)",
                )
            )
    classes = spec.get("record")
    classes = [classes] if isinstance(classes, str) else classes
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
        issues.append((f"{path}.record", "expects a class name or a list of them"))
    agency = spec.get("agency")
    if agency is not None and (not isinstance(agency, str) or not agency.strip()):
        issues.append((f"{path}.agency", f"expects an agency key of the record, got {_q(agency)}"))
    strength = spec.get("strength")
    if strength is not None:
        ok = isinstance(strength, (int, float)) and not isinstance(strength, bool)
        if not ok or not math.isfinite(strength) or strength <= 0:
            issues.append(
                (
                    f"{path}.strength",
                    f"expects the prior's weight in attempts, a number > 0, got {_q(strength)}",
                )
            )
        elif agency is None:
            issues.append(
                (
                    f"{path}.strength",
                    "is the weight of the class against an agency's own attempts; it needs agency",
                )
            )
    if issues:
        return None, issues
    return Reference(tuple(classes), agency.strip() if agency else None, strength), []


def resolve_records(data: Mapping, base_dir: Path | None) -> tuple[dict, list[tuple[str, str]]]:
    """Replace every ``success: {record: ...}`` and ``partial: {record: ...}`` with the
    Beta fitted to the landing record (see :func:`fit`, :func:`fit3` and
    :func:`racesim.scenario.pooling.pool`), using attempts up to ``record.until``
    (default: the scenario's start).

    Returns the new data and the problems found; a reference that cannot be resolved is
    replaced by a neutral placeholder, so that it is reported once, not again as an
    unknown distribution."""
    data, issues, _ = resolve_records_joint(data, base_dir)
    return data, issues


def resolve_records_joint(
    data: Mapping, base_dir: Path | None
) -> tuple[dict, list[tuple[str, str]], set[tuple[str, int]]]:
    """:func:`resolve_records`, and the missions (agency, index) whose success and
    partial come from one three-outcome fit (or whose reference was reported): their
    marginal Betas are not checked against ``success + partial <= 1`` by their supports,
    since they are one Dirichlet's parts whose means add up to less than 1."""
    from racesim.scenario.checks import raw_missions
    from racesim.scenario.schema import strict_date

    data = copy.deepcopy(dict(data))
    refs = [
        (a, j, m)
        for a, j, m in raw_missions(data)
        if is_reference(m.get("success")) or is_reference(m.get("partial"))
    ]
    if not refs:
        return data, [], set()
    joint = {(a, j) for a, j, m in refs if is_reference(m.get("partial"))}
    placeholder = {"beta": {"a": 1.0, "b": 1.0}}
    specs = {}
    for a, j, m in refs:
        specs[a, j] = (m.get("success"), m.get("partial"))
        for name in ("success", "partial"):
            if is_reference(m.get(name)):
                m[name] = placeholder
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
        if rows is None:
            joint.add((a, j))
            continue
        found = _resolve_mission(rows, until, mission_path(a, j, m.get("id")), m, *specs[a, j])
        if found:
            issues.extend(found)
            joint.add((a, j))
    return data, issues, joint


def _resolve_mission(
    rows: Sequence[Row], until: dt.date, path: str, m: dict, success: object, partial: object
) -> list[tuple[str, str]]:
    """Set ``m``'s success (and partial) from the record; the problems, if any."""
    s_ref = p_ref = None
    issues: list[tuple[str, str]] = []
    if is_reference(success):
        s_ref, found = parse_reference(success, f"{path}.success")
        issues += found
    if is_reference(partial):
        p_ref, found = parse_reference(partial, f"{path}.partial")
        issues += found
        if not is_reference(success):
            issues.append(
                (
                    f"{path}.partial",
                    "a partial chance from the record needs success from the record too, "
                    "with the same classes (one three-outcome fit gives both): "
                    "success: {record: ...}",
                )
            )
    if issues:
        return issues
    if p_ref is not None and p_ref != s_ref:
        return [
            (
                f"{path}.partial",
                f"must name the same record classes, agency and strength as success "
                f"({_ref_text(s_ref)}), got {_ref_text(p_ref)}: one three-outcome fit gives both",
            )
        ]
    ref = s_ref
    outcomes = 3 if m.get("partial") is not None else 2
    field = f"{path}.success"
    try:
        chosen = select(rows, ref.classes, until)
    except RecordError as exc:
        return [(field, str(exc))]
    if not chosen:
        return [(field, f"no attempts in the record match {list(ref.classes)} up to {until}")]
    if ref.agency is not None:
        known = agencies_in(rows)
        if ref.agency not in known:
            return [
                (
                    f"{field}.agency",
                    f"no agency {ref.agency!r} in the landing record"
                    f"{did_you_mean(ref.agency, known)}; its agencies are {', '.join(known)}",
                )
            ]
        alpha = pool(chosen, ref.agency, ref.classes, outcomes, ref.strength).posterior
    elif outcomes == 3:
        alpha = Fit3(ref.classes, len(chosen), *counts(chosen)).alpha
    else:
        f = fit(rows, ref.classes, until)
        alpha = (f.a, f.b)
    a, b = marginal(alpha, 0)
    m["success"] = {"beta": {"a": a, "b": b}}
    if p_ref is not None:
        a, b = marginal(alpha, 1)
        m["partial"] = {"beta": {"a": a, "b": b}}
    return []


def _ref_text(ref: Reference) -> str:
    text = "record: " + (ref.classes[0] if len(ref.classes) == 1 else f"[{', '.join(ref.classes)}]")
    if ref.agency is not None:
        text += f", agency: {ref.agency}"
    if ref.strength is not None:
        text += f", strength: {ref.strength:g}"
    return "{" + text + "}"


__all__ = ["Pooled", "fit", "fit3", "pool", "resolve_records", "select", "table"]
