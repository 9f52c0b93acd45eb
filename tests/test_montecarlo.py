"""Many replications: executors, tallies, intervals, adaptive precision."""

from __future__ import annotations

import numpy as np
import pytest

from racesim.engine.plan import Plan
from racesim.output.results import summarize
from racesim.run import montecarlo
from racesim.run.replication import run_chunk
from racesim.run.stats import Tally, day_quantile, days, wilson

from .helpers import mission, scenario


@pytest.fixture(scope="module")
def race():
    return scenario(
        {
            "a": {
                "budget": {"annual": 120, "volatility": 0.2},
                "missions": [
                    mission(
                        "x",
                        duration={"lognormal": {"median": 2, "sigma": 0.3}},
                        cost=250,
                        success=0.6,
                        attempts=3,
                    )
                ],
            },
            "b": {
                "missions": [
                    mission(
                        "y",
                        duration={"triangular": {"low": 1, "mode": 2, "high": 6}},
                        success=0.5,
                        attempts=2,
                    )
                ]
            },
        }
    )


def test_pool_equals_serial(race):
    serial = montecarlo.run_many(race, 400, 3, jobs=1).tally
    pooled = montecarlo.run_many(race, 400, 3, jobs=2).tally
    for name in ("first", "reached", "hist", "first_hist"):
        np.testing.assert_array_equal(getattr(serial, name), getattr(pooled, name))


def test_pool_streams_chunks_in_replication_order(race):
    seen = []
    montecarlo.run_many(race, 300, 3, jobs=2, sink=lambda first, r: seen.append(first))
    assert seen == sorted(seen) and seen[0] == 0


def test_tally_is_order_independent(race):
    plan = Plan.from_scenario(race)
    parts = [run_chunk(plan, 9, i, 50) for i in range(0, 200, 50)]
    a = montecarlo.new_tally(plan, race)
    b = montecarlo.new_tally(plan, race)
    for p in parts:
        a.add(p)
    for p in reversed(parts):
        t = montecarlo.new_tally(plan, race)
        t.add(p)
        b.merge(t)
    np.testing.assert_array_equal(a.first, b.first)
    np.testing.assert_array_equal(a.hist, b.hist)


def test_summary_invariants(race):
    out = montecarlo.run_many(race, 500, 1)
    summary = summarize(race, out.tally, 1)
    ms = summary["milestones"]["m"]
    assert sum(v["p"] for v in ms["first"].values()) == pytest.approx(1, abs=1e-12)
    for agency in ("a", "b"):
        assert ms["reached"][agency]["p"] >= ms["first"][agency]["p"]
        lo, hi = ms["reached"][agency]["ci95"]
        assert lo <= ms["reached"][agency]["p"] <= hi
        assert (
            ms["reached"][agency]["p10"]
            <= ms["reached"][agency]["median"]
            <= ms["reached"][agency]["p90"]
        )


def test_summary_dates_are_day_quantiles(race):
    plan = Plan.from_scenario(race)
    t = run_chunk(plan, 4, 0, 800)
    tally = montecarlo.new_tally(plan, race)
    tally.add(t)
    summary = summarize(race, tally, 4)
    d = np.sort(days(t[~np.isnan(t[:, 0, 0]), 0, 0]))
    # lower quantile: the k-th smallest day with k = ceil(q * n)
    k = int(np.ceil(0.5 * d.size)) - 1
    expected = np.datetime64("2030-01-01") + np.timedelta64(int(d[k]), "D")
    assert summary["milestones"]["m"]["reached"]["a"]["median"] == str(expected)


def test_day_quantile_small_cases():
    h = np.array([0, 2, 0, 1, 1])  # values 1, 1, 3, 4
    assert day_quantile(h, 0.5) == 1
    assert day_quantile(h, 0.75) == 3
    assert day_quantile(h, 1.0) == 4
    assert day_quantile(np.zeros(3), 0.5) is None


def test_wilson_interval_known_values():
    # Wilson (1927) interval for 81 of 263 at 95%: [0.2553, 0.3662] (Newcombe 1998, case 1)
    lo, hi = wilson(81, 263)
    assert lo == pytest.approx(0.2553, abs=1e-4) and hi == pytest.approx(0.3662, abs=1e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0


def test_wilson_coverage_is_about_95_percent():
    rng = np.random.default_rng(0)
    p, n, trials = 0.1, 200, 4000
    hits = rng.binomial(n, p, trials)
    covered = np.mean([lo <= p <= hi for lo, hi in (wilson(h, n) for h in hits)])
    assert abs(covered - 0.95) < 4 * np.sqrt(0.95 * 0.05 / trials)


def test_precision_mode_adds_replications_until_narrow(race):
    out = montecarlo.run_many(race, 200, 2, precision=0.02, max_replications=20000)
    assert out.n > 200
    assert out.tally.max_half_width() <= 0.02
    again = montecarlo.run_many(race, 200, 2, precision=0.02, max_replications=20000)
    assert again.n == out.n  # deterministic batches


def test_precision_mode_respects_the_limit(race):
    out = montecarlo.run_many(race, 100, 2, precision=0.001, max_replications=300)
    assert out.n == 300


def test_tally_counts_pre_start_dates():
    s = scenario({"a": {"missions": [{"id": "old", "succeeded": "2019-01-03", "achieves": ["m"]}]}})
    out = montecarlo.run_many(s, 10, 1)
    summary = summarize(s, out.tally, 1)
    assert summary["milestones"]["m"]["reached"]["a"]["median"] == "2019-01-03"
    assert summary["milestones"]["m"]["first_date"]["median"] == "2019-01-03"
    assert isinstance(out.tally, Tally)
