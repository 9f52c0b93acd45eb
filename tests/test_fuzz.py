"""Property-based fuzzing of scenario files and ``--set`` values (issue 13 section 6).

Every input must end in one of two ways:

* a clean refusal: :class:`ScenarioError` with a bounded message (on the command
  line, exit code 2 and no traceback), or
* a run whose results hold the invariants: every p in [0, 1]; ``first`` summing to 1;
  each 95% interval containing its p; date quantiles ordered and within the horizon;
  the per-replication table agreeing with the summary; and ``trace`` of a replication
  telling what the run's table says about it.

Any other exception is a bug.  The budget is small in CI (a fixed, derandomised set of
examples, some 20 s); for a release, run many more::

    RACESIM_FUZZ=release python -m pytest tests/test_fuzz.py   # 2,000 examples each
"""

from __future__ import annotations

import datetime as dt
import math
import os
import warnings
from pathlib import Path

import hypothesis
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import racesim
from racesim.scenario import ScenarioError, load_scenario

from .helpers import invoke

LANDINGS = Path(__file__).resolve().parent.parent / "seeds" / "landings.csv"

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
settings.register_profile(
    "release",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
PROFILE = os.environ.get("RACESIM_FUZZ", "ci")
N = 30  # replications per run


# -- values: mostly sensible, now and then absurd ----------------------------------
def rarely(good, bad, one_in: int = 30):
    """``good``, except one time in ``one_in`` ``bad``."""
    # a middle value: Hypothesis favours the ends of a range (and shrinks to the low one)
    return st.integers(1, one_in).flatmap(lambda k: bad if k == (one_in + 1) // 2 else good)


NASTY = [0, -1, 1e-12, 1e-300, 1e308, math.inf, -math.inf, math.nan, True, None, "x", [], {}]
nasty = st.sampled_from(NASTY)
number = rarely(st.one_of(st.floats(0, 10), st.integers(0, 1000)), nasty)
positive = rarely(st.floats(0.01, 5), st.sampled_from([0, 1e-12, 50, 1e308, -1]))


def dist(inner=number):
    return rarely(
        st.one_of(
            inner,
            st.builds(lambda lo, w: {"uniform": {"low": lo, "high": lo + w}}, inner, positive),
            st.builds(lambda m, s: {"lognormal": {"median": m, "sigma": s}}, inner, positive),
            st.builds(lambda a, b: {"beta": {"a": a, "b": b}}, positive, positive),
            st.builds(lambda m, s: {"normal": {"mean": m, "sd": s}}, inner, positive),
            st.builds(
                lambda lo, a, b: {"triangular": {"low": lo, "mode": lo + a, "high": lo + a + b}},
                inner,
                positive,
                positive,
            ),
        ),
        st.sampled_from([{"gamma": {"k": 1}}, {"uniform": 3}, {"beta": {"a": 1}}, {}]),
    )


chance = rarely(
    st.one_of(
        st.floats(0, 1), st.builds(lambda a, b: {"beta": {"a": a, "b": b}}, positive, positive)
    ),
    st.sampled_from([1.5, -0.1, {"record": "all"}, {"record": "nope"}]),
)
dates = rarely(
    st.dates(dt.date(1990, 1, 1), dt.date(2080, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(["9999-12-31", "0001-01-01", "2030-02-30", "soon", 2030]),
)
AGENCY_KEYS = ["alpha", "beta", "gamma", "none", "first", "NA"]
MILESTONES = ["m1", "m2", "m3"]


@st.composite
def missions(draw, agency: str, agencies: list[str], milestones: list[str]):
    out = []
    for j in range(draw(st.integers(0, 3))):
        m = {
            "id": draw(rarely(st.just(f"x{j}"), st.sampled_from(["x0", "1bad", 7]))),
            "duration": draw(dist(positive)),
            "success": draw(chance),
            "cost": draw(st.one_of(st.just(0), dist(positive))),
            "achieves": draw(
                st.lists(rarely(st.sampled_from(milestones), st.just("zz")), max_size=2)
            ),
        }
        if j and draw(st.booleans()):
            m["requires"] = [f"x{draw(st.integers(0, j - 1))}"]
        if draw(st.integers(0, 3)) == 0:
            m["attempts"] = draw(
                rarely(st.sampled_from([2, 5, 50]), st.sampled_from([0, 10_001, 2.5]), 5)
            )
            m["refly"] = {"cost": draw(positive), "duration": draw(positive)}
        if draw(st.integers(0, 4)) == 0:
            m["not_before"] = draw(dates)
        if draw(st.integers(0, 6)) == 0:
            m["succeeded"] = draw(dates)
        others = [x for x in agencies if x != agency]
        if others and draw(st.integers(0, 4)) == 0:
            m["partners"] = {
                draw(rarely(st.sampled_from(others), st.just(agency))): draw(
                    rarely(st.floats(0.01, 0.5), number)
                )
            }
        out.append(m)
    return out


@st.composite
def scenarios(draw) -> dict:
    start = draw(st.dates(dt.date(2000, 1, 1), dt.date(2050, 1, 1)))
    years = draw(rarely(st.floats(0.1, 40), st.sampled_from([-1, 0, 250, 8000])))
    days = max(-400, int(years * 365.25))
    horizon = min(start + dt.timedelta(days=min(days, 2_900_000)), dt.date(9999, 12, 31))
    milestones = draw(st.lists(st.sampled_from(MILESTONES), min_size=1, max_size=3, unique=True))
    names = rarely(st.sampled_from(AGENCY_KEYS[:3]), st.sampled_from(AGENCY_KEYS), 12)
    keys = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    agencies = {}
    for a in keys:
        ag: dict = {"missions": draw(missions(a, keys, milestones))}
        if draw(st.integers(0, 12)):
            ag["budget"] = {
                "annual": draw(dist(positive)),
                "growth": draw(rarely(st.floats(-0.5, 0.5), nasty, 12)),
                "volatility": draw(rarely(st.floats(0, 1), nasty, 12)),
            }
            if draw(st.booleans()):
                ag["budget"]["shocks"] = [
                    {
                        "name": "s",
                        "factor": draw(dist(positive)),
                        "probability": draw(st.floats(0, 1)),
                        "from": draw(dates),
                    }
                ]
        agencies[a] = ag
    data = {
        "name": draw(rarely(st.just("fuzz"), st.just("9bad"), 20)),
        "start": start.isoformat(),
        "horizon": horizon.isoformat(),
        "seed": draw(st.integers(0, 2**32)),
        "milestones": {m: {"title": m.upper()} for m in milestones},
        "agencies": agencies,
        "record": {"file": str(LANDINGS)},
    }
    if draw(st.integers(0, 12)) == 6:  # some junk where a field should be
        where = draw(st.sampled_from(["name", "milestones", "agencies", "seed", "zzz"]))
        data[where] = draw(st.sampled_from([[1, 2], {"a": {"b": 1}}, None, "text", 3.5]))
    return data


# -- the property ------------------------------------------------------------------
def check_outcome(path, overrides=()) -> None:
    with warnings.catch_warnings():
        # the library never prints, and a numpy warning is printed: overflow, NaN
        warnings.simplefilter("error", RuntimeWarning)
        _check_outcome(path, overrides)


def _check_outcome(path, overrides) -> None:
    try:
        s = load_scenario(path, overrides)
    except ScenarioError as exc:
        text = exc.describe()
        assert isinstance(text, str) and 0 < len(text) < 30_000
        hypothesis.event("refused")
        return
    run = racesim.simulate(s, n=N, seed=s.seed, keep_table=True)
    check_invariants(s, run)
    hypothesis.event("ran")


def check_invariants(s, run) -> None:
    summary = run.summary
    table = run.table()
    lo_day = min(
        [s.start] + [m.succeeded for a in s.agencies.values() for m in a.missions if m.succeeded]
    )
    for key, ms in summary["milestones"].items():
        first = ms["first"]
        assert set(first) == {*s.agencies, "none"}
        assert abs(sum(v["p"] for v in first.values()) - 1) < 1e-9
        rows = table[table["milestone"] == key]
        for a, v in first.items():
            p, (lo, hi) = v["p"], v["ci95"]
            assert 0 <= lo <= p <= hi <= 1
            if a != "none":
                wins = int(((rows["agency"] == a) & (rows["first"] == 1)).sum())
                assert wins == round(p * N)
        nobody = N - int(rows["first"].sum())
        assert nobody == round(first["none"]["p"] * N)
        for a, v in ms["reached"].items():
            p, (lo, hi) = v["p"], v["ci95"]
            assert 0 <= lo <= p <= hi <= 1
            mine = rows[rows["agency"] == a]
            assert len(mine) == round(p * N)
            if p == 0:
                assert v["median"] is None
                continue
            q = [dt.date.fromisoformat(v[k]) for k in ("p10", "median", "p90")]
            assert lo_day <= q[0] <= q[1] <= q[2] <= s.horizon
    # trace agrees with run: replication k's story is its rows of the table
    for k in {0, N - 1}:
        told = [(r.milestone, r.agency, r.date, int(r.first)) for r in run.story(k).reaches()]
        mine = table[table["replication"] == k]
        rows = [
            (m, a, d.date(), int(f))
            for m, a, d, f in zip(mine["milestone"], mine["agency"], mine["date"], mine["first"])
        ]
        assert told == rows


@settings(settings.get_profile(PROFILE))
@given(data=scenarios())
def test_fuzzed_scenario_files(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    check_outcome(path)


SET_PATHS = [
    "agencies.alpha.budget.annual",
    "agencies.alpha.budget.volatility",
    "agencies.alpha.budget.shocks[0].factor",
    "agencies.alpha.missions.orbiter.duration",
    "agencies.alpha.missions[1].attempts",
    "agencies.beta.missions.lander.success",
    "agencies.beta.missions.lander.partners.alpha",
    "agencies.beta.missions.lander.refly",
    "agencies.beta.missions.lander.requires",
    "agencies.beta.missions.lander.achieves",
    "agencies.beta.missions.lander.id",
    "agencies.none",
    "horizon",
    "start",
    "milestones.landing",
    "record.file",
    "name",
    "agencies.nobody.budget.annual",
    "agencies.alpha.budget.annual.lognormal.sigma",
]
SET_VALUES = [
    "1:30", "0o12", "012", "1_000", "yes", "off", "~", ".inf", "-.inf", ".nan", "1e308",
    "1e-320", "-1", "0", "0.5", "2", "[1, 2]", "{a: 1}", "&a [*a]", "{lognormal: {median: 1, "
    "sigma: 30}}", "{uniform: {low: 0, high: 1}}", "2030-01-01", "9999-12-31", "'text'",
    "[landing]", "[orbiter]", "{alpha: 0.5}", "{cost: 0, duration: 0}", "{", "]", "!!python/none",
    "? [a]\n: b", "[" * 60 + "]" * 60,
]  # fmt: skip
GOOD = {  # values that suit the path, so that many overridden scenarios run
    "agencies.alpha.budget.annual": ["50", "{lognormal: {median: 80, sigma: 0.5}}", "1e3"],
    "agencies.alpha.budget.volatility": ["0", "0.3", "2"],
    "agencies.alpha.missions.orbiter.duration": ["0", "0.001", "{uniform: {low: 1, high: 3}}"],
    "agencies.alpha.missions[1].attempts": ["1", "4", "30"],
    "agencies.beta.missions.lander.success": ["0", "1", "0.3", "{beta: {a: 2, b: 2}}"],
    "agencies.beta.missions.lander.refly": ["{cost: 0, duration: 0}", "{cost: 1, duration: 2}"],
    "horizon": ["2030-01-01", "2060-06-30"],
}
good_item = st.sampled_from(sorted(GOOD)).flatmap(
    lambda p: st.sampled_from(GOOD[p]).map(lambda v: f"{p}={v}")
)
bad_item = st.builds(
    lambda p, v: f"{p}={v}",
    st.one_of(st.sampled_from(SET_PATHS), st.text(max_size=20)),
    st.one_of(st.sampled_from(SET_VALUES), st.text(max_size=20)),
)
set_item = rarely(good_item, bad_item, 3)


@settings(settings.get_profile(PROFILE))
@given(overrides=st.lists(set_item, min_size=1, max_size=3))
def test_fuzzed_set_values(mini_scenario_path, overrides):
    check_outcome(mini_scenario_path, overrides)
    # the command line: a trace, or exit 2 with a message; never a traceback
    args = ["trace", mini_scenario_path, "-r", "0"]
    for o in overrides:
        args += ["--set", o]
    r = invoke(*args)
    assert r.exit_code in (0, 2), r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert "Traceback" not in r.output
