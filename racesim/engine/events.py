"""Story events as data: what happened in one replication, with typed fields.

The engine records a :class:`StoryEvent` for each step of a traced replication
(``racesim trace``, ``run.story(k)``); it never writes English.  The words are
:mod:`racesim.output.story`'s.  Each kind uses the fields listed beside it; the others
keep their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

#: every kind of event, and the fields it fills in
KINDS = {
    "budget": "year, amount, shocks",  # a budget year's amount (agency-level)
    "start": "attempt, years, cost",  # a development starts (attempt 1) or a re-flight
    "stall": "payer",  # a development stops for want of money (``payer``'s)
    "resume": "",  # a stalled development runs again
    "complete": "",  # development complete
    "wait": "",  # ready, waiting for ``not_before``
    "success": "attempt, chance",  # an attempt succeeded (attempt None: before the start)
    "failure": "attempt, chance",  # an attempt failed
    "gave_up": "attempt",  # no attempts left (``attempt``: how many were made)
    "milestone": "milestone",  # the agency reaches a milestone
    "blocked": "waiting_for",  # at the horizon: unfinished, or never started
    # format v2 (contract 5)
    "launch": "attempt, years",  # an attempt launches; its outcome comes ``years`` later
    "partial": "attempt, chance",  # an attempt ended in a partial landing
    "stand_down": "years",  # after a failure, before the re-flight's development
    "cancelled": "hazard, rate",  # cancelled for good by a hazard (rate: per year)
    "paused": "hazard, years",  # paused by a hazard for ``years``
    "partner_left": "payer",  # partner ``payer`` left; the owner pays its share
}


@dataclass(frozen=True, slots=True)
class StoryEvent:
    """One event of a replication's story.

    ``time``: years from the scenario's start.  ``agency``: the agency's key; ``mission``
    its mission's id ("" for an agency-level event).  The other fields, by kind (see
    :data:`KINDS`):

    - ``attempt``: the attempt's number, from 1 (for ``start``: 1 is the first
      development, k > 1 the re-flight before attempt k); for ``gave_up`` the number of
      attempts made;
    - ``chance``: the attempt's probability of success (fraction);
    - ``years``, ``cost``: development time at full funding (years) and its cost (USD
      millions);
    - ``year``, ``amount``, ``shocks``: budget year (from 1), its amount (USD millions)
      and the names of the shocks that hit it;
    - ``payer``: the key of the agency whose money ran out (the mission's own agency,
      or a partner that cannot pay its share);
    - ``milestone``: the milestone's key;
    - ``waiting_for``: the required missions (``agency.id``) not yet succeeded; empty for
      a mission that started but did not finish by the horizon;
    - ``hazard``, ``rate``: the name of the hazard that cancelled or paused a mission
      and its rate in that replication (events per year); ``years`` for ``paused``: how
      long, for ``stand_down``: how long, for ``launch``: the transit time; ``payer``
      for ``partner_left``: the partner's key.
    """

    time: float
    agency: str
    mission: str
    kind: str
    attempt: int | None = None
    chance: float | None = None
    years: float | None = None
    cost: float | None = None
    year: int | None = None
    amount: float | None = None
    shocks: tuple[str, ...] = ()
    payer: str | None = None
    milestone: str | None = None
    waiting_for: tuple[str, ...] = ()
    hazard: str | None = None
    rate: float | None = None
