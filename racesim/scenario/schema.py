"""The scenario's schema: typed, validated, immutable (pydantic models).

Once a :class:`Scenario` exists it is valid.  Reading a file is
:mod:`racesim.scenario.loading` (with :mod:`~racesim.scenario.extends`,
:mod:`~racesim.scenario.overrides`, the record fits in :mod:`~racesim.scenario.record`
and the cross-checks in :mod:`~racesim.scenario.checks`); the fields and their
meaning are the README's "Scenario reference".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    WithJsonSchema,
)

from racesim.scenario import distributions
from racesim.scenario.distributions import Dist
from racesim.scenario.errors import TAG, ScenarioError
from racesim.scenario.errors import brief as _q
from racesim.scenario.yamlio import Dumper

SLUG = r"^[A-Za-z][A-Za-z0-9_-]*$"

#: bounds that keep a run finite and its numbers meaningful (checked with a message)
MAX_YEARS = 200  # from start to horizon, and from the earliest `succeeded` to start
FIRST_YEAR, LAST_YEAR = 1900, 2999  # start and horizon lie in these calendar years
MAX_ATTEMPTS = 10_000  # attempts of one mission
MAX_VOLATILITY = 10.0  # log-sd of the yearly budget noise
MAX_TALLY_BYTES = 1 << 30  # the date tallies: milestones x agencies x days
#: agency keys that the results use for something else: "none" (nobody) in
#: summary.json, "first" (anybody) in dates.csv, and words that tables read back as
#: missing values (compared without case)
RESERVED_AGENCY_KEYS = ("none", "first", "any", "anybody", "nobody", "all", "na", "nan", "null")


def _dist_field(low: float, high: float = math.inf, factor_ok: bool = True):
    def check(v: Any) -> Dist:
        return distributions.parse(v, low, high, factor_ok)

    return Annotated[
        Dist,
        BeforeValidator(check),
        PlainSerializer(lambda d: d.to_data(), return_type=Any),
        WithJsonSchema(distributions.json_schema(low, high)),
    ]


def strict_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an ISO date such as 2028-06-30, got {_q(v)}")


Date = Annotated[
    dt.date,
    BeforeValidator(strict_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
]
Probability = Annotated[float, Field(ge=0, le=1)]
Slug = Annotated[str, Field(pattern=SLUG)]
Money = _dist_field(0.0)
Years = _dist_field(0.0)
Chance = _dist_field(0.0, 1.0)
Factor = _dist_field(0.0)
Rate = _dist_field(0.0)  # events per year
FactorSpec = _dist_field(-math.inf, math.inf, factor_ok=False)  # a top-level factor
#: ``attempts: unlimited`` in the plan: one more than a finite ``attempts`` may be, so
#: that a mission whose re-flights take next to no time still ends (its cost bounded as
#: that of ``attempts: 10000``); a programme that flies again after every failure
#: makes a few dozen attempts by any horizon
UNLIMITED_ATTEMPTS = MAX_ATTEMPTS + 1


#: the most replications one run takes (``replications``, ``-n``, ``--max-replications``):
#: 10^9 is days of work at the fastest rates measured; beyond it a typo, not a plan
MAX_REPLICATIONS = 10**9


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        arbitrary_types_allowed=True,
        allow_inf_nan=False,  # no field means anything with an infinite value
    )


class RecordSource(_Strict):
    """Where `success: {record: CLASS}` finds the landing record, and up to when."""

    file: str = Field(
        "../seeds/landings.csv", description="the landing record, relative to the scenario (path)"
    )
    until: Date | None = Field(None, description="last attempt date used; default start (date)")


class Milestone(_Strict):
    title: str = Field("", description="one line shown in tables and plots")
    description: str = Field("", description="shown in reports")
    partial_counts: bool = Field(
        False, strict=True, description="a partial landing reaches it (true or false)"
    )


class Shock(_Strict):
    name: str = Field(description="shown in traces")
    factor: Factor = Field(description="multiplies the year's budget; drawn each year (factor)")
    from_: Date | None = Field(
        None, alias="from", description="first date a budget year may begin (date)"
    )
    until: Date | None = Field(None, description="last date a budget year may begin (date)")
    probability: Probability = Field(
        1.0, description="chance per year that it applies (probability)"
    )


class Hazard(_Strict):
    """Events that end or pause an agency's programmes (format v2, README)."""

    name: str = Field(description="shown in traces")
    rate: Rate = Field(description="events per year while the window is open (per year)")
    from_: Date | None = Field(
        None, alias="from", description="window start, default the start (date)"
    )
    until: Date | None = Field(None, description="window end, default the horizon (date)")
    missions: tuple[str, ...] | None = Field(
        None, description="this agency's missions it strikes, default all (mission ids)"
    )
    effect: Literal["cancel", "pause"] = Field(
        "cancel", description="what an event does (cancel or pause)"
    )
    pause: Years | None = Field(
        None, description="how long a pause lasts, drawn per event; for effect: pause (years)"
    )


class Budget(_Strict):
    annual: Money = Field(
        description="funding in the first budget year; drawn once per replication "
        "(USD millions per year)"
    )
    growth: float = Field(0.0, gt=-1, le=10, description="real growth per year (fraction)")
    volatility: float = Field(
        0.0,
        ge=0,
        le=MAX_VOLATILITY,
        description="sd of the log of the yearly noise factor (fraction)",
    )
    shocks: tuple[Shock, ...] = Field((), description="multiplicative budget factors")


class Refly(_Strict):
    cost: float = Field(
        0.5, ge=0, description="each re-attempt's cost per first attempt's (fraction)"
    )
    duration: float = Field(
        0.5, ge=0, description="each re-attempt's duration per first attempt's (fraction)"
    )
    stand_down: Years = Field(
        Dist.fixed(0.0),
        description="time from a failure to its re-development; drawn per failure (years)",
    )


class Partner(_Strict):
    """A partner's terms (format v2); a plain number is ``{share: N}``."""

    share: float = Field(gt=0, le=1, description="share of the mission's cost it pays (fraction)")
    shortfall: Literal["stall", "owner_covers"] = Field(
        "stall", description="what happens when it cannot pay (stall or owner_covers)"
    )
    leave_rate: Rate = Field(
        Dist.fixed(0.0), description="chance per year that it leaves, from start (per year)"
    )


Share = Annotated[float, Field(gt=0, le=1)]
#: a partner: a plain share (format 1) or its terms (format v2)
PartnerEntry = Annotated[
    Annotated[Share, Tag(TAG + "share")] | Annotated[Partner, Tag(TAG + "terms")],
    Discriminator(lambda v: TAG + ("terms" if isinstance(v, (dict, Partner)) else "share")),
]
#: attempts: a whole number (format 1) or "unlimited" (format v2)
Attempts = Annotated[
    Annotated[int, Field(ge=1, le=MAX_ATTEMPTS, strict=True), Tag(TAG + "count")]
    | Annotated[Literal["unlimited"], Tag(TAG + "word")],
    Discriminator(lambda v: TAG + ("word" if isinstance(v, str) else "count")),
]


class Mission(_Strict):
    id: Slug = Field(description="unique within the agency; agency.id from elsewhere")
    name: str = Field("", description="display name; default the id")
    cost: Money = Field(
        Dist.fixed(0.0), description="development cost still to spend from start (USD millions)"
    )
    duration: Years | None = Field(
        None, description="development time still needed at full funding (years)"
    )
    not_before: Date | None = Field(None, description="no launch before this date (date)")
    succeeded: Date | None = Field(
        None, description="the mission already succeeded on this date, before start (date)"
    )
    requires: tuple[str, ...] = Field(
        (), description="missions that must succeed before development starts (mission ids)"
    )
    success: Chance | None = Field(
        None, description="chance that one attempt succeeds (probability)"
    )
    attempts: Attempts = Field(
        1, description="attempts allowed in all, or unlimited until the horizon (count)"
    )
    refly: Refly = Field(Refly(), description="the cost and duration of each re-attempt")
    partners: dict[Slug, PartnerEntry] = Field(
        {}, description="other agencies paying this share of the cost (fraction)"
    )
    achieves: tuple[str, ...] = Field(
        (), description="milestones reached when it succeeds (milestone keys)"
    )
    # format v2 (README, "Mechanisms"): every one optional, today's behaviour by default
    slip: Slug | None = Field(
        None, description="multiplies its development times; overrides the agency's (factor)"
    )
    partial: Chance | None = Field(
        None, description="chance that one attempt ends in a partial landing (probability)"
    )
    transit: Years = Field(
        Dist.fixed(0.0), description="time from launch to the attempt's outcome (years)"
    )

    def partner_terms(self) -> dict[str, Partner]:
        """Every partner as :class:`Partner` (a plain share is ``{share: N}``)."""
        return {
            k: v if isinstance(v, Partner) else Partner(share=v) for k, v in self.partners.items()
        }


class Agency(_Strict):
    name: str = Field("", description="display name; default the key")
    budget: Budget | None = Field(None, description="the agency's lunar funding")
    missions: tuple[Mission, ...] = Field((), description="in priority order (missions)")
    slip: Slug | None = Field(
        None, description="multiplies its missions' development times (factor)"
    )
    hazards: tuple[Hazard, ...] = Field(
        (), description="events that cancel or pause its programmes (hazards)"
    )


class Scenario(_Strict):
    name: Slug = Field(description="identifier; results go to results/<name>/")
    title: str = Field("", description="shown in reports")
    description: str = Field("", description="shown in reports")
    start: Date = Field(description="clock zero (date)")
    horizon: Date = Field(description="the run stops here (date)")
    seed: int = Field(0, ge=0, strict=True, description="root seed; --seed overrides (integer)")
    replications: int = Field(
        1000,
        ge=1,
        le=MAX_REPLICATIONS,
        strict=True,
        description="default number of replications (count)",
    )
    record: RecordSource | None = Field(
        None, description="the landing record for success: {record: CLASS}"
    )
    factors: dict[Slug, FactorSpec] = Field(
        {}, description="named quantities drawn once per replication (distributions)"
    )
    milestones: dict[Slug, Milestone] = Field(description="what the race is about")
    agencies: dict[Slug, Agency] = Field(description="the agencies, by key")

    # -- convenience ------------------------------------------------------------------
    def to_data(self) -> dict:
        """Plain data (YAML/JSON-ready) that loads back into an equal scenario.  The
        format-v2 fields are left out where they hold their defaults, so a scenario
        that uses none of them is written exactly as before."""
        return _drop_v2_defaults(
            self.model_dump(mode="json", by_alias=True, exclude_defaults=False)
        )

    def to_yaml(self, relative_to: str | os.PathLike | None = None) -> str:
        """The scenario as YAML.  ``relative_to`` (the folder the YAML is written to):
        an absolute ``record.file`` is written relative to that folder, so that the
        written file finds the landing record wherever the project is checked out
        (absolute if no relative path exists, e.g. on another Windows drive)."""
        data = self.to_data()
        rec = data.get("record")
        if relative_to is not None and rec and os.path.isabs(rec["file"]):
            try:
                rel = os.path.relpath(rec["file"], os.path.abspath(relative_to))
                rec["file"] = rel.replace(os.sep, "/")
            except ValueError:  # no relative path between drives
                pass
        return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True)

    def digest(self) -> str:
        """SHA-256 of the resolved scenario: equal scenarios, equal digests.  The
        record's file is left out: it is a path on this machine, and once the fits are
        made (every ``{record: ...}`` is a Beta here) it changes nothing in a run."""
        data = self.to_data()
        if data.get("record"):
            data["record"].pop("file", None)
            if data["record"].get("until") is None:
                data["record"] = None
        text = yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def with_record_dir(self, base_dir: str | os.PathLike) -> Scenario:
        """This scenario with ``record.file`` (default ``../seeds/landings.csv``) made
        absolute from ``base_dir`` (the scenario file's folder), so that the saved
        scenario can be written to point at the same record from anywhere."""
        rec = self.record or RecordSource()
        if os.path.isabs(rec.file):
            return self
        file = os.path.abspath(os.path.join(os.fspath(base_dir), rec.file))
        return self.model_copy(update={"record": rec.model_copy(update={"file": file})})

    def mission(self, ref: str, agency: str | None = None) -> tuple[str, Mission]:
        """Find a mission by ``"agency.id"`` (or ``"id"`` within ``agency``)."""
        a, _, m = ref.rpartition(".")
        a = a or agency
        for mission in self.agencies[a].missions:
            if mission.id == m:
                return a, mission
        raise KeyError(ref)


#: format-v2 fields and their defaults (as plain data), left out of ``to_data`` when
#: they hold them (contract 5: a file without them keeps its meaning and its output)
_V2_DEFAULTS = {
    "scenario": {"factors": {}},
    "milestone": {"partial_counts": False},
    "agency": {"slip": None, "hazards": []},
    "mission": {"slip": None, "partial": None, "transit": 0.0},
    "refly": {"stand_down": 0.0},
}


def _drop_v2_defaults(data: dict) -> dict:
    def prune(d: dict, kind: str) -> None:
        for k, v in _V2_DEFAULTS[kind].items():
            if k in d and d[k] == v:
                del d[k]

    prune(data, "scenario")
    for ms in data.get("milestones", {}).values():
        prune(ms, "milestone")
    for ag in data.get("agencies", {}).values():
        prune(ag, "agency")
        for m in ag.get("missions", []):
            prune(m, "mission")
            prune(m["refly"], "refly")
    return data


#: names kept importable from here for older import paths (the loading functions live
#: in their own modules now; importing them here at load time would be circular)
_MOVED = {
    "load_scenario": "racesim.scenario.loading",
    "from_data": "racesim.scenario.loading",
    "read_yaml": "racesim.scenario.extends",
    "apply_overrides": "racesim.scenario.overrides",
    "parse_override": "racesim.scenario.overrides",
    "set_path": "racesim.scenario.overrides",
    "MAX_SET_PARTS": "racesim.scenario.overrides",
    "read_text_bounded": "racesim.scenario.yamlio",
    "yaml_load": "racesim.scenario.yamlio",
    "resolve_records": "racesim.scenario.record",
}

__all__ = ["Scenario", "ScenarioError", *_MOVED]


def __getattr__(name: str):
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
