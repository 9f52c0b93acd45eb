"""One replication's story: what happened, in date order (``racesim trace``).

:func:`tell` reruns replication *k* with the model's event log switched on.  A
replication depends only on (scenario, seed, k), so the story is the history of
replication *k* of every ``racesim run`` with that seed, whatever its ``-n`` or
``--jobs``.  :class:`Story` holds the events and formats them as text; it never prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from racesim.engine.events import StoryEvent
from racesim.engine.plan import Plan
from racesim.run.replication import run_replication
from racesim.run.worlds import world_of
from racesim.scenario.mixture import Mixture
from racesim.scenario.schema import Scenario, load_scenario
from racesim.scenario.timeutil import to_date

#: how each kind of event is labelled in the text
LABELS = {
    "budget": "budget",
    "start": "start",
    "stall": "stall",
    "resume": "resume",
    "complete": "complete",
    "wait": "wait",
    "success": "SUCCESS",
    "failure": "FAILURE",
    "gave_up": "gave up",
    "milestone": "MILESTONE",
    "blocked": "horizon",
    "launch": "launch",
    "partial": "PARTIAL",
    "stand_down": "stand-down",
    "cancelled": "CANCELLED",
    "paused": "pause",
    "partner_left": "partner",
}
MISSION_WIDTH = 24  # longest mission name shown in full


def short(name: str) -> str:
    """A name without its trailing remark: "Chang'e-6 (far-side sample return)" ->
    "Chang'e-6"."""
    cut = re.sub(r"\s*\([^()]*\)\s*$", "", name)
    return cut or name


@dataclass(frozen=True)
class Reach:
    """An agency reaching a milestone in the story (one row of ``replications.csv``)."""

    milestone: str
    agency: str
    date: dt.date
    years: float  # from start
    first: bool  # the agency that reached it first (ties: the one listed first)


@dataclass(frozen=True)
class Story:
    """Replication ``replication`` of ``scenario`` at root ``seed``, told in events.

    ``events`` are the engine's events (:class:`racesim.engine.events.StoryEvent`) in time order,
    preceded by a ``success`` event for each mission that succeeded before the start.
    ``received``/``spent``: USD millions per agency (scenario order), start to horizon.
    """

    scenario: Scenario
    seed: int
    replication: int
    events: tuple[StoryEvent, ...]
    received: tuple[float, ...]
    spent: tuple[float, ...]
    #: for a mixture's replication: which component ran it (a line under the heading)
    mixture: str | None = None
    #: for a replication of a run with worlds: which world (a line under the heading)
    world: str | None = None

    # -- structure ------------------------------------------------------------------
    def date(self, years: float) -> dt.date:
        return to_date(self.scenario.start, years)

    def reaches(self) -> list[Reach]:
        """Who reached which milestone when, ordered like ``replications.csv``
        (milestone, then agency, in scenario order)."""
        best: dict[tuple[str, str], float] = {}
        for e in self.events:
            if e.kind == "milestone":
                key = (e.milestone, e.agency)
                if key not in best or e.time < best[key]:
                    best[key] = e.time
        winners = self.winners()
        out = []
        for m in self.scenario.milestones:
            for a in self.scenario.agencies:
                t = best.get((m, a))
                if t is not None:
                    w = winners[m]
                    out.append(Reach(m, a, self.date(t), float(t), w is not None and w[0] == a))
        return out

    def winners(self) -> dict[str, tuple[str, dt.date] | None]:
        """For each milestone, the agency that reached it first and when (None: nobody
        by the horizon).  At the same moment the agency listed first wins."""
        order = {a: i for i, a in enumerate(self.scenario.agencies)}
        best: dict[str, tuple[float, int, str]] = {}
        for e in self.events:
            if e.kind == "milestone":
                m = e.milestone
                cand = (e.time, order[e.agency], e.agency)
                if m not in best or cand < best[m]:
                    best[m] = cand
        return {
            m: (None if m not in best else (best[m][2], self.date(best[m][0])))
            for m in self.scenario.milestones
        }

    # -- text -----------------------------------------------------------------------
    def agency_key(self, who: str) -> str:
        """An agency's key from its key or its name (any case); ValueError if none."""
        for k, a in self.scenario.agencies.items():
            if who.lower() in (k.lower(), (a.name or k).lower()):
                return k
        raise ValueError(
            f"no agency {who!r} in scenario {self.scenario.name!r}; its "
            f"agencies are {', '.join(self.scenario.agencies)}"
        )

    def lines(self, only: str | None = None) -> list[str]:
        """The story as lines of text: a heading, the events grouped by budget year
        (one per line: date, agency, mission, what happened), what was left undone at
        the horizon, and who reached each milestone first.  ``only``: one agency's
        events (its key or name) and those of the missions it helps pay for."""
        s = self.scenario
        key = None if only is None else self.agency_key(only)
        names = {k: short(a.name or k) for k, a in s.agencies.items()}
        missions = {
            f"{a}.{m.id}": short(m.name or m.id)
            for a, ag in s.agencies.items()
            for m in ag.missions
        }
        shared = {
            (a, m.id) for a, ag in s.agencies.items() for m in ag.missions if key in m.partners
        }
        events = [
            e
            for e in self.events
            if key is None or e.agency == key or (e.agency, e.mission) in shared
        ]
        w_agency = max([len(names[e.agency]) for e in events] + [6])
        w_mission = min(
            MISSION_WIDTH,
            max([len(missions.get(f"{e.agency}.{e.mission}", "")) for e in events] + [7]),
        )
        w_label = max(len(v) for v in LABELS.values())
        winners = self.winners()

        head = f"Replication {self.replication} of {s.name!r}"
        if s.title:
            head += f": {s.title}"
        out = [
            head,
            f"seed {self.seed}; {s.start} to {s.horizon}; amounts in USD millions"
            + (f"; only {names[key]}" if key else ""),
        ]
        out += [x for x in (self.mixture, self.world) if x]

        group = None
        for e in events:
            g = self._group(e)
            if g != group:
                group = g
                out.append("")
                out.append(self._heading(g))
            mission = missions.get(f"{e.agency}.{e.mission}", "") if e.mission else ""
            if len(mission) > w_mission:
                mission = mission[: w_mission - 1] + "…"
            out.append(
                f"  {self.date(e.time).isoformat()}  {names[e.agency]:<{w_agency}}  "
                f"{mission:<{w_mission}}  {LABELS.get(e.kind, e.kind):<{w_label}}  "
                f"{self._what(e, names, missions, winners)}".rstrip()
            )

        out.append("")
        out.append("Milestones (first to reach each)")
        w_ms = max(len(m) for m in s.milestones)
        w_title = max(len(ms.title or m) for m, ms in s.milestones.items())
        reached: dict[str, list[Reach]] = {}
        for r in self.reaches():
            reached.setdefault(r.milestone, []).append(r)
        for m, ms in s.milestones.items():
            w = winners[m]
            if w is None:
                text = "nobody by the horizon"
            else:
                text = f"{names[w[0]]}, {w[1].isoformat()}"
                later = sorted(
                    (r.years, names[r.agency], r.date) for r in reached[m] if not r.first
                )
                if later:
                    text += "; then " + ", ".join(f"{n} {d.isoformat()}" for _, n, d in later)
            out.append(f"  {m:<{w_ms}}  {ms.title or m:<{w_title}}  {text}")
        out.append("")
        out.append("Money, start to horizon (USD millions)")
        for i, (k, name) in enumerate(names.items()):
            if key is not None and k != key:
                continue
            if not s.agencies[k].budget:
                continue
            out.append(
                f"  {name:<{w_agency}}  received {self.received[i]:>9,.0f}  "
                f"spent {self.spent[i]:>9,.0f}"
            )
        return out

    def text(self, only: str | None = None) -> str:
        return "\n".join(self.lines(only)) + "\n"

    def __str__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p, cycle) -> None:  # IPython / Jupyter
        p.text(self.text())

    # -- helpers --------------------------------------------------------------------
    def _group(self, e: StoryEvent) -> int | str:
        if e.kind == "blocked":
            return "horizon"
        if e.time < 0:
            return "before"
        return int(math.floor(e.time + 1e-9))

    def _heading(self, g: int | str) -> str:
        if g == "before":
            return "Before the start"
        if g == "horizon":
            return f"Left undone at the horizon ({self.scenario.horizon})"
        return f"Budget year {g + 1}, from {self.date(float(g)).isoformat()}"

    def _what(self, e: StoryEvent, names: dict, missions: dict, winners: dict) -> str:
        """What happened, in words (the engine's events carry data only)."""
        kind = e.kind
        if kind == "budget":
            shocks = f" ({', '.join(e.shocks)} shock)" if e.shocks else ""
            return f"year {e.year}: USD {e.amount:,.0f}M{shocks}"
        if kind == "start":
            what = "development" if e.attempt == 1 else f"re-flight {e.attempt - 1}"
            return f"starts {what}: {e.years:.2f} years at full funding, USD {e.cost:,.0f}M"
        if kind == "stall":
            if e.payer == e.agency:
                return f"{names[e.payer]} has no money left for it until the next instalment"
            return f"partner {names.get(e.payer, e.payer)} cannot pay its share"
        if kind == "resume":
            return "funding available again"
        if kind == "complete":
            return "development complete"
        if kind == "wait":
            return "waiting for its launch window"
        if kind in ("success", "failure"):
            if e.attempt is None:
                return "succeeded before the start"
            outcome = "succeeded" if kind == "success" else "failed"
            return f"attempt {e.attempt} {outcome} (chance {e.chance:.0%})"
        if kind == "gave_up":
            return f"no attempts left after {e.attempt}"
        if kind == "launch":
            lands = self.date(e.time + e.years).isoformat()
            return f"attempt {e.attempt} launched {self.date(e.time).isoformat()}; lands {lands}"
        if kind == "partial":
            return f"attempt {e.attempt}: partial landing (chance {e.chance:.0%})"
        if kind == "stand_down":
            return f"stands down {e.years:.1f} years after the failure"
        if kind == "cancelled":
            return f"cancelled by hazard {e.hazard!r} (rate {e.rate:.0%}/yr)"
        if kind == "paused":
            return f"paused by hazard {e.hazard!r} for {e.years:.1f} years"
        if kind == "partner_left":
            owner = names.get(e.agency, e.agency)
            return f"partner {names.get(e.payer, e.payer)} left; {owner} pays its share"
        if kind == "milestone":
            m = e.milestone
            w = winners[m]
            if w is not None and w[0] == e.agency:
                return f"reaches {m}, the first to do so"
            return f"reaches {m}" + (f" (after {names[w[0]]})" if w else "")
        if kind == "blocked":
            if e.waiting_for:
                # say why each required mission is still missing
                fate = {}
                for x in self.events:
                    ref = f"{x.agency}.{x.mission}"
                    if x.kind == "gave_up":
                        fate[ref] = "failed for good"
                    elif x.kind == "cancelled":
                        fate[ref] = "cancelled"
                    elif x.kind == "blocked" and ref not in fate:
                        fate[ref] = "never started" if x.waiting_for else "unfinished"
                return "never started: needs " + ", ".join(
                    f"{missions.get(r, r)} ({fate.get(r, 'unfinished')})" for r in e.waiting_for
                )
            last = [
                x
                for x in self.events
                if x.agency == e.agency and x.mission == e.mission and x.kind != "blocked"
            ]
            if last and last[-1].kind == "wait":
                return "ready, waiting for its launch window at the horizon"
            if last and last[-1].kind == "stall":
                why = self._what(last[-1], names, missions, winners)
                return (
                    f"unfinished at the horizon, stalled since "
                    f"{self.date(last[-1].time).isoformat()}: {why}"
                )
            return "unfinished at the horizon"
        raise ValueError(f"no words for an event of kind {kind!r}")  # pragma: no cover


def tell(
    scenario: Scenario | str | Path,
    replication: int,
    seed: int | None = None,
    overrides=(),
    worlds: tuple[int, int] | None = None,
) -> Story:
    """The story of replication ``replication`` of ``scenario`` (a Scenario or a file,
    with ``overrides`` as ``PATH=VALUE`` strings) at root ``seed`` (default: the
    scenario's); ``worlds``: (K, N), that replication of a run of N replications in K
    worlds (its factors are its world's)."""
    if isinstance(scenario, Mixture):
        if overrides:
            raise ValueError("overrides apply to a scenario file; load the scenario with them")
        return _tell_mixture(scenario, replication, seed, worlds)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        raise ValueError("overrides apply to a scenario file; load the scenario with them")
    if replication < 0:
        raise ValueError(f"replication must be >= 0, not {replication}")
    seed = scenario.seed if seed is None else seed
    plan = Plan.from_scenario(scenario)
    log: list[StoryEvent] = []
    record = run_replication(plan, seed, replication, log, worlds)
    before = [
        StoryEvent(m.succeeded, plan.agencies[m.agency].key, m.id, "success")
        for m in plan.missions
        if m.succeeded is not None
    ]
    events = sorted([*before, *log], key=lambda e: e.time)  # stable
    return Story(
        scenario,
        seed,
        replication,
        tuple(events),
        tuple(np.asarray(record.received, dtype=float).tolist()),
        tuple(np.asarray(record.spent, dtype=float).tolist()),
        world=None if worlds is None else world_note(replication, worlds),
    )


def _tell_mixture(
    mixture: Mixture, replication: int, seed: int | None, worlds: tuple[int, int] | None
) -> Story:
    """A mixture's replication: the story of the component drawn for it (its
    replication ``replication`` at the mixture's seed), with a line saying which."""
    from racesim.run.mixture import choose

    if replication < 0:
        raise ValueError(f"replication must be >= 0, not {replication}")
    seed = mixture.seed if seed is None else seed
    cumulative = np.cumsum(mixture.weights).tolist()
    keys = None if worlds is None else world_of(np.array([replication]), *worlds)
    c = int(choose(cumulative, seed, replication, 1, keys)[0])
    comp = mixture.components[c]
    story = tell(comp.scenario, replication, seed, worlds=worlds)
    note = (
        f"mixture {mixture.name!r}: this replication runs component {c + 1} of "
        f"{len(mixture.components)}, {comp.name!r} ({comp.file}, weight "
        f"{100 * comp.weight:.1f}%)"
    )
    return dataclasses.replace(story, mixture=note)


def world_note(replication: int, worlds: tuple[int, int]) -> str:
    """The line saying which world a replication belongs to."""
    k, n = worlds
    w = int(world_of(np.array([replication]), k, n)[0])
    return (
        f"world {w + 1} of {k} (a run of {n:,} replications with --worlds {k}): the factors "
        "are that world's draws"
    )
