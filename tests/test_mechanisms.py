"""The format-v2 mechanisms (contract 5), each against a closed form.

Random cases run at fixed seeds and compare a Monte Carlo proportion with its exact
value within 4 standard errors (``within``: a wrong model fails, a right one passes
with probability above 0.9999); deterministic cases compare exact dates.  Costs are 0
unless money is the point, so that only the mechanism decides.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from racesim.engine.plan import Plan
from racesim.run.replication import run_replication
from racesim.run.streams import draw_factors
from racesim.scenario import from_data
from tests.helpers import BASE, mission, prop_se, reached, scenario, within

N = 4000


def _p(times: np.ndarray) -> float:
    return float(np.mean(~np.isnan(times)))


# -- hazards ---------------------------------------------------------------------------
@pytest.mark.parametrize(("p", "rate", "d"), [(0.8, 0.1, 3.0), (1.0, 0.3, 2.0)])
def test_cancel_hazard_reached_is_p_times_survival(p, rate, d):
    """A mission attempting once at D, cancelled by the first event of a Poisson
    process of rate λ: P(reached) = p e^(−λD)."""
    s = scenario(
        {
            "a": {
                "hazards": [{"name": "axe", "rate": rate}],
                "missions": [mission("x", duration=d, success=p)],
            }
        }
    )
    got = _p(reached(s, N, seed=11)[:, 0, 0])
    want = p * math.exp(-rate * d)
    within(got, want, prop_se(want, N))


def test_cancel_hazard_window_and_listed_missions():
    """Only the window's events count (P = e^(−λ·(D − from))), and an unlisted mission
    is never cancelled."""
    s = scenario(
        {
            "a": {
                "hazards": [{"name": "axe", "rate": 0.4, "from": "2031-01-01", "missions": ["x"]}],
                "missions": [
                    mission("x", duration=3.0, achieves=["m"]),
                    mission("y", duration=3.0, achieves=["n"]),
                ],
            }
        },
        milestones=["m", "n"],
    )
    r = reached(s, N, seed=12)
    start_to_from = 365 / 365.25  # 2030-01-01 .. 2031-01-01
    want = math.exp(-0.4 * (3.0 - start_to_from))
    within(_p(r[:, 0, 0]), want, prop_se(want, N))
    assert _p(r[:, 1, 0]) == 1.0


def test_a_success_before_the_cancel_stands_and_dependents_are_blocked():
    """x attempts at 1, y (requires x) develops 1..4; one cancel hazard on both: x is
    reached unless the first event comes before 1 (P = e^(−λ)), y unless it comes
    before 4 (P = e^(−4λ)); a success of x before the event stands."""
    s = scenario(
        {
            "a": {
                "hazards": [{"name": "axe", "rate": 0.2}],
                "missions": [
                    mission("x", duration=1.0, achieves=["m"]),
                    mission("y", duration=3.0, requires=["x"], achieves=["n"]),
                ],
            }
        },
        milestones=["m", "n"],
    )
    r = reached(s, N, seed=13)
    within(_p(r[:, 0, 0]), math.exp(-0.2), prop_se(math.exp(-0.2), N))
    within(_p(r[:, 1, 0]), math.exp(-0.8), prop_se(math.exp(-0.8), N))
    assert np.all(np.isnan(r[:, 1, 0]) | ~np.isnan(r[:, 0, 0]))


def _pause_scenario(money: str):
    kw: dict = {}
    if money != "free":
        kw["cost"] = 100
    if money == "covered":  # a partner that cannot pay, covered by the owner
        kw["partners"] = {"b": {"share": 0.5, "shortfall": "owner_covers"}}
    return scenario(
        {
            "a": {
                "budget": {"annual": 1000},
                "hazards": [{"name": "hold", "rate": 0.5, "effect": "pause", "pause": 1.0}],
                "missions": [mission("x", duration=5.0, **kw)],
            },
            "b": {"budget": {"annual": 1e-3}},
        }
    )


def _paused_until(events, d: float) -> float:
    """The date a development of ``d`` years completes, given the pause events: ``d``
    plus the time covered by the union of the pauses before it completes."""
    end = -math.inf
    done = d  # completion if nothing else pauses it
    for e in sorted((e for e in events if e.kind == "paused"), key=lambda e: e.time):
        if e.time >= done:
            break
        start = max(end, e.time)
        new_end = max(end, e.time + e.years)
        done += max(0.0, new_end - start)
        end = new_end
    return done


@pytest.mark.parametrize("money", ["free", "paid", "covered"])
def test_pause_shifts_the_date_by_the_paused_time(money):
    """Development stops during each pause (overlapping pauses extend it) and goes on
    with the work left: the date moves by the time paused, with or without money."""
    from racesim.output.story import tell

    s = _pause_scenario(money)
    n_paused = 0
    for i in range(12):
        story = tell(s, i)
        (t,) = [e.time for e in story.events if e.kind == "milestone"]
        n_paused += any(e.kind == "paused" and e.time < 5 for e in story.events)
        assert t == pytest.approx(_paused_until(story.events, 5.0), abs=1e-9)
    assert n_paused >= 6  # the case is not vacuous


def test_pause_makes_a_due_attempt_wait():
    """Ready at 1, launch window opens at 2; a pause of 3 years from its first event
    (rate 0.5 from 1.5 to 1.6, so at most a few events) delays the launch to the
    pause's end."""
    from racesim.output.story import tell

    s = scenario(
        {
            "a": {
                "hazards": [
                    {
                        "name": "hold",
                        "rate": 5.0,
                        "from": "2031-07-02",
                        "until": "2031-08-01",
                        "effect": "pause",
                        "pause": 3.0,
                    }
                ],
                "missions": [mission("x", duration=1.0, not_before="2032-01-01")],
            }
        }
    )
    nb = 730 / 365.25
    seen = 0
    for i in range(20):
        ev = tell(s, i).events
        pauses = [e.time for e in ev if e.kind == "paused"]
        (t,) = [e.time for e in ev if e.kind == "milestone"]
        if pauses:
            seen += 1
            assert t == pytest.approx(max(pauses) + 3.0, abs=1e-9)
        else:
            assert t == pytest.approx(nb, abs=1e-9)
    assert 0 < seen < 20


# -- partners ----------------------------------------------------------------------------
def _partner_case(terms, partner_budget=0.0, owner_budget=50.0):
    return scenario(
        {
            "a": {
                "budget": {"annual": owner_budget},
                "missions": [mission("x", duration=1.0, cost=100, partners={"b": terms})],
            },
            "b": {"budget": {"annual": partner_budget}},
        }
    )


def test_a_partner_that_never_pays_stalls_the_mission_under_stall():
    for terms in (0.3, {"share": 0.3}, {"share": 0.3, "shortfall": "stall"}):
        r = reached(_partner_case(terms, owner_budget=1e4), 50, seed=3)
        assert np.all(np.isnan(r))


def test_owner_covers_a_partner_that_never_pays():
    """With ample money the owner pays everything: done at D = 1.  With 50 a year
    (12.5 a quarter, spent at 100 a year: 0.125 years of work a quarter) the work of 1
    year takes 8 quarters' money: done at 7 x 0.25 + 0.125 = 1.875, as if the owner
    paid alone."""
    r = reached(_partner_case({"share": 0.3, "shortfall": "owner_covers"}, 0.0, 1e4), 20)
    assert np.allclose(r[:, 0, 0], 1.0)
    r = reached(_partner_case({"share": 0.3, "shortfall": "owner_covers"}, 0.0, 50.0), 20)
    assert np.allclose(r[:, 0, 0], 1.875)
    rec = run_replication(_partner_case({"share": 0.3, "shortfall": "owner_covers"}), 1, 0)
    assert rec.spent[0] == pytest.approx(100.0) and rec.spent[1] == 0.0


def test_owner_covers_only_the_shortfall():
    """A partner of share 0.5 with 20 a year pays 5 a quarter (its reservation), the
    owner the rest of the spend: in all, the partner pays what it had by completion."""
    s = _partner_case({"share": 0.5, "shortfall": "owner_covers"}, 20.0, 1e4)
    rec = run_replication(s, 1, 0)
    assert rec.reached[0, 0] == pytest.approx(1.0)
    # instalments at 0, .25, .5, .75 (and 1.0, the completion instant): 4 x 5 = 20
    assert rec.spent[1] == pytest.approx(20.0)
    assert rec.spent[0] == pytest.approx(80.0)


@pytest.mark.parametrize("mu", [0.05, 0.2])
def test_a_partner_leaving_after_an_exponential_time(mu):
    """A partner that never pays stalls the work until it leaves at L ~ Exp(μ); then
    the owner pays all and the work of D = 1 year is done at L + 1.  By a horizon H:
    P = 1 − e^(−μ(H − 1)), and L given L <= T = H − 1 has mean
    1/μ − T e^(−μT) / (1 − e^(−μT))."""
    s = _partner_case({"share": 0.3, "leave_rate": mu}, 0.0, 1e4)
    h = Plan.from_scenario(s).horizon
    t = reached(s, N, seed=21)[:, 0, 0]
    big_t = h - 1.0
    want = 1 - math.exp(-mu * big_t)
    within(_p(t), want, prop_se(want, N))
    lv = t[~np.isnan(t)] - 1.0
    mean = 1 / mu - big_t * math.exp(-mu * big_t) / (1 - math.exp(-mu * big_t))
    var = 1 / mu**2  # an upper bound for the truncated variance
    within(float(lv.mean()), mean, math.sqrt(var / len(lv)))


# -- persistence -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stand_down", "expected"),
    # attempts at 2, then every 0.5 x 2 (+ stand-down) years up to the horizon H =
    # 29.997: 1 + floor((H − 2) / 1) = 28, 1 + floor((H − 2) / 1.6) = 18
    [(0.0, 28), (0.6, 18)],
)
def test_attempts_unlimited_fit_before_the_horizon(stand_down, expected):
    s = scenario(
        {
            "a": {
                "missions": [
                    mission(
                        "x",
                        duration=2.0,
                        success=0.0,
                        attempts="unlimited",
                        refly={"duration": 0.5, "stand_down": stand_down},
                    )
                ]
            }
        },
        horizon="2059-12-31",  # 29.9973 years
    )
    for i in range(3):
        assert run_replication(s, 1, i).attempts[0] == expected


def test_attempts_unlimited_succeeds_with_one_minus_q_to_the_n():
    """Success 0.2 per attempt, attempts at 1, 3, 5, ... 29 (15 fit by the horizon
    of 30 with re-flights of 1 year and a stand-down of 1): P = 1 − 0.8^15."""
    s = scenario(
        {
            "a": {
                "missions": [
                    mission(
                        "x",
                        duration=1.0,
                        success=0.2,
                        attempts="unlimited",
                        refly={"duration": 1.0, "stand_down": 1.0},
                    )
                ]
            }
        }
    )
    t = reached(s, N, seed=31)[:, 0, 0]
    want = 1 - 0.8**15
    within(_p(t), want, prop_se(want, N))
    # the k-th attempt at 1 + 2(k − 1): every reach date is one of them
    k = (t[~np.isnan(t)] - 1.0) / 2.0
    assert np.allclose(k, np.round(k))
    # P(first attempt) = 0.2
    within(float(np.mean(t == 1.0)), 0.2, prop_se(0.2, N))


def test_stand_down_distribution_is_drawn_at_each_failure():
    """Two attempts of chance 0.5: a failure at 1 is followed by a stand-down
    S ~ U(1, 3) and a re-flight of 1 year, so second attempts come at 2 + S, uniform on
    [3, 5] (mean 4, variance 1/3)."""
    s = scenario(
        {
            "a": {
                "missions": [
                    mission(
                        "x",
                        duration=1.0,
                        success=0.5,
                        attempts=2,
                        refly={"duration": 1.0, "stand_down": {"uniform": {"low": 1, "high": 3}}},
                    )
                ]
            }
        }
    )
    t = reached(s, N, seed=32)[:, 0, 0]
    second = t[(~np.isnan(t)) & (t > 1.5)]
    within(float(np.mean(t == 1.0)), 0.5, prop_se(0.5, N))
    within(len(second) / N, 0.25, prop_se(0.25, N))
    assert second.min() >= 3.0 and second.max() <= 5.0
    within(float(second.mean()), 4.0, math.sqrt((1 / 3) / len(second)))


# -- factors and slip --------------------------------------------------------------------
def test_a_shared_factor_gives_e_f_squared_for_a_two_step_chain():
    """x then y (requires x), both with success {factor: f}, f ~ U(0.2, 1):
    P(y) = E[f²] = (1 − 0.008) / 2.4, not E[f]² = 0.36."""
    s = scenario(
        {
            "a": {
                "missions": [
                    mission("x", success={"factor": "f"}, achieves=[]),
                    mission("y", success={"factor": "f"}, requires=["x"]),
                ]
            }
        },
        factors={"f": {"uniform": {"low": 0.2, "high": 1.0}}},
    )
    got = _p(reached(s, N, seed=41)[:, 0, 0])
    want = (1.0 - 0.2**3) / (3 * 0.8)
    within(got, want, prop_se(want, N))
    assert abs(got - 0.36) > 4 * prop_se(0.36, N)  # independent draws would give this


def test_a_slip_factor_scales_two_missions_by_the_same_draw():
    s = scenario(
        {
            "a": {
                "slip": "late",
                "missions": [
                    mission("x", duration=2.0, achieves=["m"]),
                    mission("y", duration=3.0, achieves=["n"]),
                    mission("z", duration=4.0, achieves=["o"], slip="early"),
                ],
            }
        },
        milestones=["m", "n", "o"],
        factors={
            "late": {"lognormal": {"median": 1.0, "sigma": 0.3}},
            "early": {"uniform": {"low": 0.5, "high": 0.9}},
        },
    )
    p = Plan.from_scenario(s)
    r = reached(s, 200, seed=42)
    f = draw_factors(p, 42, np.arange(200))
    late, early = f[p.factor_index["late"]], f[p.factor_index["early"]]
    assert np.allclose(r[:, 0, 0], 2.0 * late)
    assert np.allclose(r[:, 1, 0], 3.0 * late)
    assert np.allclose(r[:, 2, 0], 4.0 * early)  # the mission's own slip wins
    assert np.std(late) > 0.1


def test_slip_scales_reflights_too():
    s = scenario(
        {
            "a": {
                "slip": "k",
                "missions": [mission("x", duration=2.0, success=0.0, attempts=3)],
            }
        },
        factors={"k": {"uniform": {"low": 1.0, "high": 2.0}}},
        horizon="2100-01-01",
    )
    from racesim.output.story import tell

    p = Plan.from_scenario(s)
    for i in range(5):
        k = draw_factors(p, 7, np.array([i]))[0, 0]
        fails = [e.time for e in tell(s, i).events if e.kind == "failure"]
        assert fails == pytest.approx([2 * k, 3 * k, 4 * k])


# -- transit -----------------------------------------------------------------------------
def test_transit_shifts_the_outcome_after_the_launch():
    nb = 731 / 365.25  # 2032-01-02
    cases = [
        ({"duration": 1.0}, 1.0 + 0.1),  # launch when developed, land 0.1 later
        ({"duration": 1.0, "not_before": "2032-01-02"}, nb + 0.1),  # earliest LAUNCH
    ]
    for kw, want in cases:
        s = scenario({"a": {"missions": [mission("x", transit=0.1, **kw)]}})
        assert np.allclose(reached(s, 10)[:, 0, 0], want)


def test_reflight_development_starts_after_the_outcome_and_stand_down():
    """Launch at 1, outcome at 1.1; after a failure: stand-down 0.4, re-flight of 0.5,
    launch at 2.0, outcome at 2.1."""
    s = scenario(
        {
            "a": {
                "missions": [
                    mission(
                        "x",
                        duration=1.0,
                        success=0.5,
                        attempts=2,
                        transit=0.1,
                        refly={"duration": 0.5, "stand_down": 0.4},
                    )
                ]
            }
        }
    )
    t = reached(s, N, seed=51)[:, 0, 0]
    t = t[~np.isnan(t)]
    assert set(np.round(t, 9)) == {1.1, 2.1}
    within(float(np.sum(np.isclose(t, 1.1))) / N, 0.5, prop_se(0.5, N))
    within(float(np.sum(np.isclose(t, 2.1))) / N, 0.25, prop_se(0.25, N))


# -- partial landings ------------------------------------------------------------------
def test_partial_landings_with_reflights():
    """s = 0.3, partial q = 0.2, at most 3 attempts: a partial ends the mission.
    Strict milestone: s (1 − f³) / (s + q) with f = 0.5; one with partial_counts:
    1 − f³; a mission requiring it starts after either."""
    data = {
        **BASE,
        "milestones": {
            "strict": {"title": "s"},
            "soft": {"title": "p", "partial_counts": True},
            "after": {"title": "a"},
        },
        "agencies": {
            "a": {
                "missions": [
                    mission("x", success=0.3, partial=0.2, attempts=3, achieves=["strict", "soft"]),
                    mission("y", requires=["x"], achieves=["after"]),
                ]
            }
        },
    }
    r = reached(from_data(data), N, seed=61)
    f = 0.5
    strict, soft = 0.3 * (1 - f**3) / 0.5, 1 - f**3
    within(_p(r[:, 0, 0]), strict, prop_se(strict, N))
    within(_p(r[:, 1, 0]), soft, prop_se(soft, N))
    assert np.array_equal(~np.isnan(r[:, 1, 0]), ~np.isnan(r[:, 2, 0]))  # requires met
    # a partial is never followed by a re-flight: a strict reach is the soft one
    both = ~np.isnan(r[:, 0, 0])
    assert np.allclose(r[both, 0, 0], r[both, 1, 0])


# -- direction of effect -------------------------------------------------------------------
def _mixed(rate: float, policy: str = "stall"):
    return scenario(
        {
            "a": {
                "budget": {"annual": {"uniform": {"low": 40, "high": 120}}, "volatility": 0.3},
                "hazards": [{"name": "axe", "rate": rate}],
                "missions": [
                    mission(
                        "x",
                        duration={"uniform": {"low": 0.5, "high": 3}},
                        cost=150,
                        success=0.7,
                        attempts=3,
                        partners={"b": {"share": 0.4, "shortfall": policy}},
                        achieves=["m"],
                    ),
                    mission(
                        "y", duration=2.0, cost=100, success=0.6, requires=["x"], achieves=["n"]
                    ),
                    mission("z", duration=1.5, cost=80, success=0.5, attempts=2, achieves=["n"]),
                ],
            },
            "b": {
                "budget": {"annual": {"uniform": {"low": 0, "high": 60}}, "volatility": 0.5},
                "missions": [mission("w", duration=2.0, cost=60, achieves=["m"])],
            },
        },
        milestones=["m", "n"],
        horizon="2045-01-01",
    )


def test_a_higher_hazard_rate_never_raises_the_agencys_chance():
    """Pathwise, at one seed: the first event comes earlier at a higher rate, so every
    milestone the agency reaches at the higher rate it reaches at the lower one, at
    the same date."""
    lo = reached(_mixed(0.05), 800, seed=71)[:, :, 0]
    hi = reached(_mixed(0.3), 800, seed=71)[:, :, 0]
    kept = ~np.isnan(hi)
    assert np.array_equal(hi[kept], lo[kept])
    assert np.sum(~np.isnan(lo)) > np.sum(kept) + 50  # the hazard does something


def test_owner_covers_never_delays_the_mission_compared_with_stall():
    inf = np.inf
    st = np.nan_to_num(reached(_mixed(0.0, "stall"), 800, seed=72), nan=inf)
    cov = np.nan_to_num(reached(_mixed(0.0, "owner_covers"), 800, seed=72), nan=inf)
    assert np.all(cov[:, 0, 0] <= st[:, 0, 0] + 1e-9)
    assert np.sum(cov[:, 0, 0] < st[:, 0, 0] - 1e-6) > 50  # covering matters here


def test_unlimited_reflights_that_take_no_time_stop_at_the_bound():
    """No development, stand-down or transit between attempts: they follow one another
    at once, at most MAX_ATTEMPTS at one instant (README), and the run ends."""
    from racesim.scenario.schema import MAX_ATTEMPTS

    s = scenario(
        {
            "a": {
                "missions": [
                    mission(
                        "x", duration=1.0, success=0.0, attempts="unlimited", refly={"duration": 0}
                    )
                ]
            }
        }
    )
    rec = run_replication(s, 1, 0)
    assert rec.attempts[0] == MAX_ATTEMPTS and np.isnan(rec.reached[0, 0])
    # with a chance, the first success ends them: its attempt number is geometric
    s2 = s.model_copy(deep=True)
    data = s2.to_data()
    data["agencies"]["a"]["missions"][0]["success"] = 0.01
    t = reached(from_data(data), 200, seed=3)[:, 0, 0]
    assert np.all(t == 1.0)
