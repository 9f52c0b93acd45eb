"""Which agencies can reach which milestone at all, from the scenario alone.

Tables and plots leave out, milestone by milestone, the agencies that cannot reach it:
those with no mission that achieves it and can succeed.  A mission can succeed unless
one of these rules it out whatever the luck: its chance of success (and of a partial
landing, where a scenario gives one) is exactly 0, its ``not_before`` lies after the
horizon, or a mission it requires cannot succeed.  (An agency left out this way
reaches the milestone in no replication; one that can but did not in a run is kept,
at 0%.)

Works on plain scenario data (``scenario.yaml`` of a results folder) as well as on a
:class:`~racesim.scenario.schema.Scenario`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from racesim.scenario.schema import Scenario


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


def _zero(v: Any) -> bool:
    """A chance that is exactly 0 (a number; a distribution never is)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == 0


def contenders(scenario: Scenario | Mapping | None) -> dict[str, list[str]] | None:
    """Milestone key -> the agencies (in the scenario's order) with a mission that
    achieves it and can succeed; None without a scenario."""
    if scenario is None:
        return None
    parts = getattr(scenario, "components", None)
    if parts is not None:  # a mixture: an agency that can reach it in any component
        each = [contenders(c.scenario) for c in parts]
        return {
            key: [a for a in scenario.agencies if any(a in e[key] for e in each)]
            for key in scenario.milestones
        }
    data = scenario.to_data() if isinstance(scenario, Scenario) else scenario
    agencies = data.get("agencies") or {}
    horizon = _date(data.get("horizon"))
    missions = {
        (a, m.get("id")): m
        for a, ag in agencies.items()
        for m in (ag or {}).get("missions") or ()
        if isinstance(m, Mapping)
    }
    memo: dict[tuple, bool] = {}

    def can_succeed(key: tuple, seen: frozenset = frozenset()) -> bool:
        if key in memo:
            return memo[key]
        m = missions.get(key)
        if m is None or key in seen:
            return False
        if m.get("succeeded") is not None:
            ok = True
        else:
            late = _date(m.get("not_before"))
            ok = not (_zero(m.get("success")) and _zero(m.get("partial", 0)))
            ok = ok and not (late is not None and horizon is not None and late > horizon)
            for ref in m.get("requires") or ():
                a, _, mid = str(ref).rpartition(".")
                ok = ok and can_succeed((a or key[0], mid), seen | {key})
        memo[key] = ok
        return ok

    out: dict[str, list[str]] = {}
    for milestone in data.get("milestones") or {}:
        out[milestone] = [
            a
            for a, ag in agencies.items()
            if any(
                milestone in (m.get("achieves") or ()) and can_succeed((a, m.get("id")))
                for m in (ag or {}).get("missions") or ()
                if isinstance(m, Mapping)
            )
        ]
    return out
