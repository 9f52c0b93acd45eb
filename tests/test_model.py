"""The model against closed-form answers (fixed seeds; k standard errors stated)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from racesim.engine.plan import Plan
from racesim.run.replication import run_chunk, run_replication
from racesim.run.stats import first_index
from racesim.run.streams import draw_chunk

from .helpers import mission, prop_se, reached, scenario, within

N = 4000  # replications for the statistical checks; tolerance 4 standard errors


def test_two_agencies_single_attempts_match_closed_form():
    pa, pb = 0.6, 0.7
    s = scenario(
        {
            "a": {"missions": [mission("x", duration=1.0, success=pa)]},
            "b": {"missions": [mission("y", duration=2.0, success=pb)]},
        }
    )
    t = reached(s, N)
    win = first_index(t)[:, 0]
    expected = [pa, (1 - pa) * pb, (1 - pa) * (1 - pb)]
    for k, p in enumerate(expected):
        within(np.mean(win == k), p, prop_se(p, N))
    # exact timing: a succeeds at 1 year, b at 2 years
    assert np.all(t[~np.isnan(t[:, 0, 0]), 0, 0] == 1.0)
    assert np.all(t[~np.isnan(t[:, 0, 1]), 0, 1] == 2.0)


def test_reflights_count_and_timing():
    p, k, d, rd = 0.3, 4, 2.0, 0.5
    s = scenario(
        {
            "a": {
                "missions": [
                    mission(
                        "x", duration=d, success=p, attempts=k, refly={"cost": 0.5, "duration": rd}
                    )
                ]
            }
        }
    )
    plan = Plan.from_scenario(s)
    t = reached(s, N)[:, 0, 0]
    within(np.mean(~np.isnan(t)), 1 - (1 - p) ** k, prop_se(1 - (1 - p) ** k, N))
    # success on attempt j happens at d + (j - 1) * d * rd; P(attempt j) = (1-p)^(j-1) p
    for j in range(1, k + 1):
        pj = (1 - p) ** (j - 1) * p
        within(np.mean(np.isclose(t, d + (j - 1) * d * rd)), pj, prop_se(pj, N))
    attempts = np.array([run_replication(plan, 1, i).attempts[0] for i in range(1500)])
    mean = (1 - (1 - p) ** k) / p  # E[min(geometric, k)]
    sd = np.std(attempts)
    within(attempts.mean(), mean, sd / math.sqrt(1500))


def test_dependency_chain_across_agencies():
    s = scenario(
        {
            "a": {"missions": [mission("x", duration=1.5, success=0.8, achieves=[])]},
            "b": {"missions": [mission("y", duration=2.0, success=0.5, requires=["a.x"])]},
        }
    )
    t = reached(s, N)[:, 0, 1]
    within(np.mean(~np.isnan(t)), 0.4, prop_se(0.4, N))
    assert np.all(t[~np.isnan(t)] == 3.5)  # starts when a.x succeeds, 2 years later


def test_requires_within_agency_and_blocking_failure():
    s = scenario(
        {
            "a": {
                "missions": [
                    mission("x", duration=1.0, success=0.0, achieves=[]),
                    mission("y", duration=1.0, success=1.0, requires=["x"]),
                ]
            }
        }
    )
    assert np.all(np.isnan(reached(s, 200)))  # x never succeeds, so y never starts


@pytest.mark.parametrize("annual", [40.0, 90.0, 130.0])
def test_budget_limited_development_time(annual):
    cost, duration = 100.0, 0.5  # spend rate 200 / year
    s = scenario(
        {
            "a": {
                "budget": {"annual": annual},
                "missions": [mission("x", duration=duration, cost=cost)],
            }
        }
    )
    t = reached(s, 3)[:, 0, 0]
    rate, q = cost / duration, annual / 4
    # every quarter's instalment is spent at the full rate until it runs out; the
    # instalment that completes the cost is index k
    k = math.ceil(cost / q) - 1
    expected = k * 0.25 + (cost - k * q) / rate
    assert t == pytest.approx(np.full(3, expected), abs=1e-9)


def test_rich_agency_develops_at_full_rate():
    s = scenario(
        {"a": {"budget": {"annual": 10_000}, "missions": [mission("x", duration=1.3, cost=100)]}}
    )
    assert reached(s, 2)[:, 0, 0] == pytest.approx([1.3, 1.3])


def test_partner_limited_development_time():
    cost, duration, share, partner_annual = 100.0, 1.0, 0.4, 20.0
    s = scenario(
        {
            "a": {
                "budget": {"annual": 1e6},
                "missions": [mission("x", duration=duration, cost=cost, partners={"b": share})],
            },
            "b": {"budget": {"annual": partner_annual}},
        }
    )
    t = reached(s, 2)[:, 0, 0]
    rate = cost / duration * share  # what b must pay per year
    q = partner_annual / 4
    k = math.ceil(cost * share / q) - 1
    expected = k * 0.25 + (cost * share - k * q) / rate
    assert t == pytest.approx([expected, expected], abs=1e-9)


def test_partner_pays_after_its_own_missions():
    # b's own mission takes all of b's money first; a's joint mission waits for it
    s = scenario(
        {
            "a": {
                "budget": {"annual": 1e6},
                "missions": [mission("joint", duration=1.0, cost=100, partners={"b": 0.5})],
            },
            "b": {
                "budget": {"annual": 100},
                "missions": [mission("own", duration=1.0, cost=100, achieves=[])],
            },
        }
    )
    t = reached(s, 1)[0, 0, 0]
    # b's 100/yr all go to "own" in year 1; then b's 50/yr share is covered in full
    assert t == pytest.approx(2.0, abs=1e-9)


def test_priority_goes_to_missions_listed_first():
    s = scenario(
        {
            "a": {
                "budget": {"annual": 100},
                "missions": [
                    mission("first", duration=1.0, cost=100),
                    mission("second", duration=1.0, cost=100),
                ],
            }
        },
        milestones=["m"],
    )
    plan = Plan.from_scenario(s)
    from racesim.engine.missions import Race

    draws = draw_chunk(plan, 1, 0, 1)
    log = []
    Race(plan, draws, 0, 1, 0, log).run()
    done = {e.mission: e.time for e in log if e.kind == "success"}
    assert done["first"] == pytest.approx(1.0)
    assert done["second"] == pytest.approx(2.0)


def test_not_before_holds_the_attempt_back():
    s = scenario({"a": {"missions": [mission("x", duration=0.5, not_before="2032-01-01")]}})
    t = reached(s, 2)[0, 0, 0]
    assert t == pytest.approx(
        (np.datetime64("2032-01-01") - np.datetime64("2030-01-01")).astype(int) / 365.25
    )


def test_pre_start_success_counts_from_its_date():
    s = scenario(
        {
            "a": {"missions": [mission("x", duration=0.1)]},
            "b": {"missions": [{"id": "old", "succeeded": "2029-01-01", "achieves": ["m"]}]},
        }
    )
    t = reached(s, 10)
    assert np.all(t[:, 0, 1] == pytest.approx(-365 / 365.25))
    assert np.all(first_index(t)[:, 0] == 1)


def test_tie_goes_to_agency_listed_first():
    s = scenario(
        {
            "a": {"missions": [mission("x", duration=1.0)]},
            "b": {"missions": [mission("y", duration=1.0)]},
        }
    )
    assert np.all(first_index(reached(s, 20))[:, 0] == 0)


def test_budget_draws_growth_volatility_and_shocks():
    s = scenario(
        {
            "a": {
                "budget": {
                    "annual": 100,
                    "growth": 0.05,
                    "volatility": 0.2,
                    "shocks": [
                        {
                            "name": "war",
                            "factor": 0.5,
                            "probability": 0.3,
                            "from": "2031-06-01",
                            "until": "2036-01-01",
                        }
                    ],
                }
            }
        }
    )
    plan = Plan.from_scenario(s)
    d = draw_chunk(plan, 3, 0, N)
    amount = d.yearly[0]
    hit = d.shocks_hit[0][:, 0, :]
    # years beginning inside the window: 2032-01-01 .. 2036-01-01 -> k = 2..6
    assert not hit[:, [0, 1, 7]].any() and hit[:, 2:7].any()
    within(hit[:, 2:7].mean(), 0.3, prop_se(0.3, hit[:, 2:7].size))
    noise = amount / (100 * 1.05 ** np.arange(amount.shape[1])) / np.where(hit, 0.5, 1.0)
    within(noise.mean(), 1.0, noise.std() / math.sqrt(noise.size))  # mean-one noise
    within(np.log(noise).std(), 0.2, 0.2 / math.sqrt(2 * noise.size))
    assert np.allclose(d.income[0] * 4, amount)  # four equal quarterly instalments


def test_no_agency_spends_more_than_it_received():
    s = scenario(
        {
            "a": {
                "budget": {
                    "annual": {"uniform": {"low": 20, "high": 200}},
                    "volatility": 0.3,
                    "shocks": [{"name": "cut", "factor": {"uniform": {"low": 0.2, "high": 1}}}],
                },
                "missions": [
                    mission(
                        "x",
                        duration={"lognormal": {"median": 2, "sigma": 0.5}},
                        cost=300,
                        success=0.5,
                        attempts=3,
                        partners={"b": 0.3},
                    ),
                    mission("y", duration=1, cost=200, success=0.6, requires=["x"]),
                ],
            },
            "b": {
                "budget": {"annual": 60, "volatility": 0.3},
                "missions": [mission("z", duration=2, cost=150, success=0.5, attempts=2)],
            },
        }
    )
    plan = Plan.from_scenario(s)
    for i in range(300):
        r = run_replication(plan, 5, i)
        assert np.all(r.spent <= r.received + 1e-6)
        assert np.all(r.spent >= 0)


def test_replication_is_the_same_alone_or_in_any_chunk():
    s = scenario(
        {
            "a": {
                "budget": {"annual": 80, "volatility": 0.2},
                "missions": [
                    mission(
                        "x",
                        duration={"uniform": {"low": 1, "high": 3}},
                        cost=150,
                        success=0.5,
                        attempts=20,
                    )
                ],
            },
            "b": {
                "missions": [
                    mission(
                        "y", duration={"normal": {"mean": 2, "sd": 1}}, success=0.4, attempts=12
                    )
                ]
            },
        }
    )
    plan = Plan.from_scenario(s)
    whole = run_chunk(plan, 11, 0, 60)
    parts = np.concatenate([run_chunk(plan, 11, 0, 17), run_chunk(plan, 11, 17, 43)])
    alone = np.stack([run_replication(plan, 11, i).reached for i in (0, 33, 59)])
    np.testing.assert_array_equal(whole, parts)
    np.testing.assert_array_equal(whole[[0, 33, 59]], alone)


def test_changing_one_agency_leaves_the_others_luck_alone():
    agencies = {
        "a": {
            "missions": [
                mission(
                    "x",
                    duration={"lognormal": {"median": 2, "sigma": 0.4}},
                    success=0.5,
                    attempts=3,
                )
            ]
        },
        "b": {"missions": [mission("y", duration=1, success=0.3, attempts=5)]},
    }
    s1 = scenario(agencies)
    agencies["b"]["missions"][0]["success"] = 0.9
    agencies["b"]["missions"][0]["duration"] = {"uniform": {"low": 1, "high": 9}}
    s2 = scenario(agencies)
    np.testing.assert_array_equal(reached(s1, 300)[:, 0, 0], reached(s2, 300)[:, 0, 0])


def test_more_budget_never_delays_own_milestones():
    def build(annual):
        return scenario(
            {
                "a": {
                    "budget": {"annual": annual, "volatility": 0.3},
                    "missions": [
                        mission(
                            "x",
                            duration={"lognormal": {"median": 2, "sigma": 0.3}},
                            cost=400,
                            success=0.6,
                            attempts=3,
                        ),
                        mission(
                            "y", duration=1.5, cost=300, success=0.7, requires=["x"], achieves=["n"]
                        ),
                    ],
                }
            },
            milestones=["m", "n"],
        )

    lo, hi = reached(build(100), 500), reached(build(160), 500)
    both = ~np.isnan(lo)
    assert np.all(np.isnan(lo) | (hi <= lo + 1e-9))
    assert np.all(~np.isnan(hi[both]))
    assert np.nanmean(hi[:, 1, 0]) < np.nanmean(lo[:, 1, 0])


def test_higher_success_never_loses_wins():
    def build(p):
        return scenario(
            {
                "a": {"missions": [mission("x", duration=2, success=p, attempts=2)]},
                "b": {
                    "missions": [
                        mission(
                            "y",
                            duration={"uniform": {"low": 1, "high": 5}},
                            success=0.6,
                            attempts=2,
                        )
                    ]
                },
            }
        )

    wins = []
    for p in (0.3, 0.5, 0.8):
        t = reached(build(p), 2000)
        wins.append(first_index(t)[:, 0] == 0)
    assert np.all(wins[1] >= wins[0]) and np.all(wins[2] >= wins[1])  # pathwise
    assert wins[0].mean() < wins[2].mean()


def test_story_mode_decides_exactly_what_a_silent_run_decides():
    # the traced run takes the general funding path, the silent run the fast one
    s = scenario(
        {
            "a": {
                "budget": {"annual": 100, "volatility": 0.3},
                "missions": [
                    mission(
                        "x",
                        duration={"lognormal": {"median": 2, "sigma": 0.4}},
                        cost=300,
                        success=0.5,
                        attempts=4,
                    ),
                    mission("y", duration=1, cost=150, success=0.7, requires=["x"], achieves=["n"]),
                ],
            },
            "b": {
                "budget": {"annual": 60},
                "missions": [
                    mission("z", duration=2, cost=100, success=0.4, attempts=3, partners={"a": 0.3})
                ],
            },
        },
        milestones=["m", "n"],
    )
    plan = Plan.from_scenario(s)
    for i in range(150):
        silent = run_replication(plan, 2, i).reached
        told = run_replication(plan, 2, i, log=[]).reached
        np.testing.assert_allclose(told, silent, rtol=0, atol=1e-9)


def test_mission_requiring_a_pre_start_success_runs_once():
    s = scenario(
        {
            "a": {
                "missions": [
                    {"id": "old", "succeeded": "2029-06-01"},
                    mission("x", duration=1.0, success=0.0, requires=["old"]),
                    mission("y", duration=2.0, success=1.0, requires=["old", "a.x"]),
                ]
            }
        }
    )
    r = run_replication(Plan.from_scenario(s), 1, 0)
    assert list(r.attempts) == [0, 1, 0]


def test_money_a_partner_cannot_match_goes_to_the_next_mission():
    # o reserves for its joint mission only what the joint mission can use while its
    # poor partner pays; the rest funds o's next mission in full
    s = scenario(
        {
            "o": {
                "budget": {"annual": 100},
                "missions": [
                    mission("joint", duration=1.0, cost=100, partners={"p": 0.5}, achieves=[]),
                    mission("b", duration=1.0, cost=80),
                ],
            },
            "p": {"budget": {"annual": 10}},
        }
    )
    t = reached(s, 1)[0, 0, 0]
    # joint runs 0.05 years a quarter (p's 2.5 per quarter / 50 a year), costing o 2.5;
    # b needs 20 a quarter and gets it from o's remaining 22.5
    assert t == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("linked", [False, True])
def test_replanning_mid_quarter_retraces_the_same_path(linked):
    # a's two missions compete for its money; c's cost-free dummy, when linked to a's
    # group by a (zero-cost) partner share, forces a's books to be re-planned at a
    # random moment mid-quarter. That must not change anything for a.
    def build(link):
        dummy = mission(
            "dummy", duration={"uniform": {"low": 0.01, "high": 0.2}}, requires=["b.z"], achieves=[]
        )
        if link:
            dummy["partners"] = {"a": 0.5}
        return scenario(
            {
                "a": {
                    "budget": {"annual": 100, "volatility": 0.3},
                    "missions": [
                        mission("x", duration={"lognormal": {"median": 3, "sigma": 0.3}}, cost=40),
                        mission(
                            "y",
                            duration={"lognormal": {"median": 2, "sigma": 0.3}},
                            cost=300,
                            achieves=["n"],
                        ),
                    ],
                },
                "b": {
                    "missions": [
                        mission("z", duration={"uniform": {"low": 0.1, "high": 4}}, achieves=[])
                    ]
                },
                "c": {"missions": [dummy]},
            },
            milestones=["m", "n"],
        )

    plain, relinked = reached(build(False), 300), reached(build(linked), 300)
    np.testing.assert_allclose(relinked[:, :, 0], plain[:, :, 0], rtol=0, atol=1e-9)


def test_story_blames_the_partner_that_cannot_pay():
    s = scenario(
        {
            "o": {
                "budget": {"annual": 1000},
                "missions": [mission("joint", duration=2.0, cost=200, partners={"p": 0.1})],
            },
            "p": {
                "budget": {"annual": 10},
                "missions": [mission("own", duration=3.0, cost=30, achieves=[])],
            },
        }
    )
    log = []
    run_replication(Plan.from_scenario(s), 1, 0, log=log)
    stalls = [e for e in log if e.kind == "stall" and e.mission == "joint"]
    assert stalls and all(e.agency == "o" and e.payer == "p" for e in stalls)


def test_skipping_ahead_keeps_the_priority_of_missions_listed_first():
    # at 1.0 the balance (160) cannot cover big's quarter (250): big, listed first, takes
    # it all and small waits, though the total balance would last until small is done
    s = scenario(
        {
            "a": {
                "budget": {"annual": 240},
                "missions": [
                    mission("x", duration=0.9, achieves=[]),
                    mission("big", duration=1.0, cost=1000, requires=["x"], achieves=[]),
                    mission("small", duration=0.2, cost=80, requires=["x"]),
                ],
            }
        }
    )
    silent = reached(s, 1)[0, 0, 0]
    log = []
    run_replication(Plan.from_scenario(s), 1, 0, log=log)
    stalls = [e.time for e in log if e.kind == "stall" and e.mission == "small"]
    assert stalls and stalls[0] == pytest.approx(1.0)
    assert silent > 1.1 + 0.25  # not at 1.1, as if nothing had to wait


def test_a_pre_start_success_is_not_undone_by_a_later_failure():
    s = scenario(
        {
            "a": {
                "missions": [
                    mission("i", duration=1.0, success=0.0, achieves=[]),
                    {"id": "j", "succeeded": "2029-01-01", "requires": ["i"]},
                    mission("k", duration=2.0, requires=["j"]),
                ]
            }
        }
    )
    assert reached(s, 5)[:, 0, 0] == pytest.approx([2.0] * 5)


def test_an_instalment_is_never_spent_a_quarter_early():
    # x ends a hair (5e-10 years) before a quarter boundary
    s = scenario(
        {
            "a": {
                "budget": {"annual": 40},
                "missions": [
                    mission("x", duration=0.4999999995, achieves=[]),
                    mission("y", duration=0.45, cost=45, requires=["x"]),
                ],
            }
        }
    )
    t = reached(s, 1)[0, 0, 0]
    # 10 per quarter, 20 saved by 0.5; y spends 100/yr: 45 is all paid by the instalment
    # at 1.0 (20 + 10 + 10 = 40 by 0.75 ... 45 needs the one at 1.0), done 0.05 after it
    assert t == pytest.approx(1.05, abs=1e-6)
    log = []
    run_replication(Plan.from_scenario(s), 1, 0, log=log)  # the story runs too
