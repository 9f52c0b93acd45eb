"""Checks across fields (references between missions, milestones and agencies,
dependency cycles, dates, money without a budget, the size of a run), on the raw data
so that they are reported together with the field errors of the schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from racesim.scenario import distributions
from racesim.scenario.errors import did_you_mean, mission_path
from racesim.scenario.schema import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_TALLY_BYTES,
    MAX_YEARS,
    RESERVED_AGENCY_KEYS,
    strict_date,
)


def raw_missions(data: Mapping):
    """(agency key, index, mission mapping) for every well-formed mission in raw data."""
    agencies = data.get("agencies")
    if not isinstance(agencies, dict):
        return
    for a, ag in agencies.items():
        missions = ag.get("missions") if isinstance(ag, dict) else None
        if not isinstance(missions, (list, tuple)):
            continue
        for j, m in enumerate(missions):
            if isinstance(m, dict):
                yield str(a), j, m


def reference_issues(data: Mapping) -> list[tuple[str, str]]:
    """References between parts of the scenario, checked on the raw data so that they
    are reported together with any field errors."""
    issues: list[tuple[str, str]] = []
    add = issues.append
    agencies = data.get("agencies") if isinstance(data.get("agencies"), dict) else {}
    milestones = data.get("milestones") if isinstance(data.get("milestones"), dict) else {}
    agency_keys = [str(k) for k in agencies]
    all_refs = {f"{a}.{m.get('id')}" for a, _, m in raw_missions(data)}
    graph: dict[str, list[str]] = {}
    where: dict[str, str] = {}
    seen: dict[str, set] = {}
    for a, j, m in raw_missions(data):
        mid = m.get("id")
        if not isinstance(mid, str):  # a missing or malformed id is a field error
            continue
        p = mission_path(a, j, mid)
        me = f"{a}.{mid}"
        if mid in seen.setdefault(a, set()):
            add((f"agencies.{a}.missions[{j}].id", f"duplicate mission id {mid!r} in agency {a}"))
        seen[a].add(mid)
        graph[me] = []
        where[me] = f"{p}.requires"
        requires = m.get("requires") or []
        for k, r in enumerate(requires if isinstance(requires, (list, tuple)) else []):
            if not isinstance(r, str):  # a field error
                continue
            full = r if "." in r else f"{a}.{r}"
            if full == me:
                add((f"{p}.requires[{k}]", f"mission {mid} cannot require itself"))
            elif full not in all_refs:
                add(
                    (
                        f"{p}.requires[{k}]",
                        f"no mission {r!r}"
                        f"{did_you_mean(full, all_refs)}; use 'id' within {a} or "
                        "'agency.id' for another agency",
                    )
                )
            else:
                graph[me].append(full)
        achieves = m.get("achieves") or []
        for k, ms in enumerate(achieves if isinstance(achieves, (list, tuple)) else []):
            if isinstance(ms, str) and ms not in milestones:
                valid = (
                    f"; milestones are {', '.join(map(str, milestones))}"
                    if milestones
                    else "; the scenario defines no milestones"
                )
                add(
                    (
                        f"{p}.achieves[{k}]",
                        f"no milestone {ms!r}{did_you_mean(str(ms), map(str, milestones))}{valid}",
                    )
                )
        partners = m.get("partners") or {}
        for partner in partners if isinstance(partners, dict) else {}:
            if not isinstance(partner, str):  # a field error
                continue
            if partner not in agencies:
                add(
                    (
                        f"{p}.partners.{partner}",
                        f"no agency {partner!r}{did_you_mean(str(partner), agency_keys)}",
                    )
                )
            elif partner == a:
                add((f"{p}.partners.{partner}", "an agency cannot be its own partner"))
    cycle = _find_cycle(graph)
    if cycle:
        add(
            (
                where[cycle[0]],
                "dependency cycle: " + " -> ".join(cycle) + "; no mission in it could ever start",
            )
        )
    return issues


def _date_or_none(v: Any) -> dt.date | None:
    try:
        return None if v is None else strict_date(v)
    except ValueError:
        return None


def cross_check(data: Mapping) -> list[tuple[str, str]]:
    """Checks across fields, on the raw data so that they are reported together with
    the field errors; a field that is itself invalid (reported on its own) is skipped."""
    issues: list[tuple[str, str]] = []
    add = issues.append
    start = _date_or_none(data.get("start"))
    horizon = _date_or_none(data.get("horizon"))
    for name, d in (("start", start), ("horizon", horizon)):
        if d is not None and not FIRST_YEAR <= d.year <= LAST_YEAR:
            add((name, f"must be in the years {FIRST_YEAR} to {LAST_YEAR}, got {d.isoformat()}"))
    if start and horizon:
        if horizon <= start:
            add(
                ("horizon", f"must be after start ({start.isoformat()}), got {horizon.isoformat()}")
            )
        elif (horizon - start).days > MAX_YEARS * 365.25:
            add(
                (
                    "horizon",
                    f"must be at most {MAX_YEARS} years after start ({start.isoformat()}), "
                    f"got {horizon.isoformat()}",
                )
            )
    milestones = data.get("milestones")
    agencies = data.get("agencies")
    if isinstance(milestones, dict) and not milestones:
        add(("milestones", "at least one milestone is needed"))
    if isinstance(agencies, dict) and not agencies:
        add(("agencies", "at least one agency is needed"))
    agencies = agencies if isinstance(agencies, dict) else {}
    for a in agencies:
        if isinstance(a, str) and a.lower() in RESERVED_AGENCY_KEYS:
            add(
                (
                    f"agencies.{a}",
                    f"{a!r} is reserved: the results use it for something else (none: "
                    "nobody, first: anybody; na, nan, null read back as missing); "
                    "give this agency another key",
                )
            )
    earliest = start
    for a, j, m in raw_missions(data):
        p = mission_path(a, j, m.get("id"))
        mid = m.get("id")
        succeeded = _date_or_none(m.get("succeeded"))
        if m.get("succeeded") is None:
            for name in ("success", "duration"):
                if m.get(name) is None:
                    add(
                        (
                            f"{p}.{name}",
                            f"is required: mission {mid} has not succeeded before start",
                        )
                    )
        elif succeeded and start:
            if succeeded > start:
                add(
                    (
                        f"{p}.succeeded",
                        f"must be on or before start ({start.isoformat()}); "
                        "a later success is something the model decides",
                    )
                )
            elif (start - succeeded).days > MAX_YEARS * 365.25:
                add(
                    (
                        f"{p}.succeeded",
                        f"must be at most {MAX_YEARS} years before start "
                        f"({start.isoformat()}), got {succeeded.isoformat()}",
                    )
                )
            else:
                earliest = min(earliest, succeeded)
        partners = m.get("partners") or {}
        if isinstance(partners, dict):  # a share, or (format v2) {share: ..., ...}
            partners = {
                k: v.get("share") if isinstance(v, dict) else v for k, v in partners.items()
            }
        shares = list(partners.values()) if isinstance(partners, dict) else []
        if shares and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and 0 < x <= 1 for x in shares
        ):
            total = float(sum(shares))
            if total > 1 + 1e-12:
                add((f"{p}.partners", f"shares add up to {total:g}; they must not exceed 1"))
            payers = {a: 1 - total, **{str(k): v for k, v in partners.items()}}
        else:
            payers = {a: 1.0}
        try:
            costly = (
                m.get("succeeded") is None
                and distributions.parse(m.get("cost", 0.0), 0.0).support()[1] > 0
            )
        except ValueError:  # reported as a field error
            costly = False
        if costly:
            for payer, share in payers.items():
                ag = agencies.get(payer)
                if share > 0 and isinstance(ag, dict) and ag.get("budget") is None:
                    who = "its agency" if payer == a else f"partner {payer}"
                    add(
                        (
                            f"{p}.cost",
                            f"the mission costs money but {who} has no "
                            f"budget; add agencies.{payer}.budget or set cost: 0",
                        )
                    )
    for a, ag in agencies.items():
        budget = ag.get("budget") if isinstance(ag, dict) else None
        shocks = budget.get("shocks") if isinstance(budget, dict) else None
        for k, sh in enumerate(shocks if isinstance(shocks, list) else []):
            if not isinstance(sh, dict):
                continue
            lo, hi = _date_or_none(sh.get("from")), _date_or_none(sh.get("until"))
            if lo and hi and hi < lo:
                add(
                    (
                        f"agencies.{a}.budget.shocks[{k}].until",
                        f"must not be before from ({lo.isoformat()})",
                    )
                )
    if start and horizon and horizon > start and isinstance(milestones, dict):
        # the per-day tallies of reach dates (see racesim.run.stats.Tally)
        n_days = (horizon - min(earliest, start)).days + 3
        need = 8 * len(milestones) * (len(agencies) + 2) * n_days
        if need > MAX_TALLY_BYTES:
            add(
                (
                    "",
                    f"a run would need {need / (1 << 30):.1f} GiB to tally its dates "
                    f"({len(milestones)} milestones x {len(agencies)} agencies x {n_days:,} "
                    f"days); at most {MAX_TALLY_BYTES / (1 << 30):.0f} GiB: shorten the "
                    "horizon or use fewer milestones or agencies",
                )
            )
    return issues


def _find_cycle(graph: Mapping[str, list[str]]) -> list[str] | None:
    """The first cycle a depth-first walk meets (as ``[a, ..., a]``), or None; an
    explicit stack, so a chain thousands long is no recursion."""
    state: dict[str, int] = {}
    for root in graph:
        if root in state:
            continue
        state[root] = 1
        path: list[str] = [root]
        todo = [iter(graph.get(root, ()))]
        while todo:
            for m in todo[-1]:
                if state.get(m) == 1:
                    return path[path.index(m) :] + [m]
                if m not in state:
                    state[m] = 1
                    path.append(m)
                    todo.append(iter(graph.get(m, ())))
                    break
            else:
                todo.pop()
                state[path.pop()] = 2
    return None
