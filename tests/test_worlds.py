"""``--worlds K`` (contract section 6, issue 10 section 1): the factors drawn once per
world, the spread of each P across worlds (what we don't know) apart from its Monte
Carlo error.  Expected values are closed forms (binomial and uniform laws), never the
code's own output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, optimize, stats

import racesim
from racesim.engine.plan import Plan
from racesim.run import montecarlo
from racesim.run.mixture import choose
from racesim.run.streams import draw_chunk
from racesim.run.worlds import world_of

from .helpers import invoke, scenario

LOW, HIGH = 0.2, 0.8  # the factor: the mission's chance, uniform on [LOW, HIGH]


def one_factor(**top):
    """Agency a's one attempt succeeds with chance s, a factor ~ U(LOW, HIGH): the only
    uncertainty between worlds; within a world, success is Bernoulli(s)."""
    return scenario(
        {
            "a": {
                "missions": [
                    {"id": "x", "duration": 1.0, "success": {"factor": "s"}, "achieves": ["m"]}
                ]
            }
        },
        factors={"s": {"uniform": {"low": LOW, "high": HIGH}}},
        **top,
    )


def no_factor():
    return scenario(
        {"a": {"missions": [{"id": "x", "duration": 1.0, "success": 0.5, "achieves": ["m"]}]}}
    )


def mixture_quantile(q: float, m: int) -> float:
    """The q-quantile of X = Binomial(m, s) / m with s ~ U(LOW, HIGH): a world's
    proportion of successes (the factor's spread plus the world's binomial noise)."""

    def cdf(x: float) -> float:
        k = np.floor(m * x + 1e-9)
        value, _ = integrate.quad(lambda s: stats.binom.cdf(k, m, s), LOW, HIGH, limit=200)
        return value / (HIGH - LOW)

    # the smallest multiple of 1/m whose CDF reaches q
    x = optimize.brentq(lambda x: cdf(x) - q, 0.0, 1.0, xtol=1e-6)
    return np.ceil(m * x - 1e-6) / m


def quantile_se(q: float, k: int, density: float) -> float:
    """Standard error of a sample q-quantile of k draws, at a density ``density``."""
    return float(np.sqrt(q * (1 - q) / k) / density)


K, M = 400, 100  # worlds, replications per world
N = K * M


@pytest.fixture(scope="module")
def factor_run():
    return racesim.simulate(one_factor(), n=N, seed=3, worlds=K)


def test_spread_matches_the_factors_quantiles(factor_run):
    w = factor_run.summary["milestones"]["m"]["reached"]["a"]["worlds"]
    for name, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        expected = mixture_quantile(q, M)
        # density of X is about 1 / (HIGH - LOW) away from the ends; 3 standard errors
        # of the sample quantile of K worlds, plus 1/M for the steps of the binomial
        tol = 3 * quantile_se(q, K, 1 / (HIGH - LOW)) + 1 / M
        assert abs(w[name] - expected) <= tol, (name, w[name], expected, tol)
    # and the noise-free factor quantiles are within the same reach: s's own p10/p90
    assert abs(w["p10"] - (LOW + 0.1 * (HIGH - LOW))) < 0.05
    assert abs(w["p90"] - (LOW + 0.9 * (HIGH - LOW))) < 0.05
    # first (only one agency) has the same spread; "none" the mirror image
    f = factor_run.summary["milestones"]["m"]["first"]
    assert f["a"]["worlds"] == w
    assert f["none"]["worlds"]["p10"] == pytest.approx(1 - w["p90"])


def test_ci95_is_the_monte_carlo_error_of_worlds(factor_run):
    # replications of a world share s, so the pooled estimate's error is that of K
    # worlds: Var(X) = Var(s) + E[s(1-s)]/M, half-width 1.96 sqrt(Var(X) / K)
    var_s = (HIGH - LOW) ** 2 / 12
    e_s1s = 0.5 - (var_s + 0.25)  # E[s] - E[s^2], with E[s] = 0.5
    half = 1.959964 * np.sqrt((var_s + e_s1s / M) / K)
    e = factor_run.summary["milestones"]["m"]["reached"]["a"]
    lo, hi = e["ci95"]
    assert (hi - lo) / 2 == pytest.approx(half, rel=0.15)  # the sd's estimate: ~4% error
    assert lo < 0.5 < hi
    # the binomial interval of N independent replications would be sqrt(Var(X) M /
    # 0.25) = 3.6 times narrower
    assert (hi - lo) / 2 > 3 * 1.96 * np.sqrt(0.25 / N)


def test_no_factor_gives_the_binomial_spread_only():
    run = racesim.simulate(no_factor(), n=N, seed=3, worlds=K)
    w = run.summary["milestones"]["m"]["reached"]["a"]["worlds"]
    # each world's proportion is Binomial(M, 0.5) / M: p10 and p90 are its quantiles
    for name, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        expected = stats.binom.ppf(q, M, 0.5) / M
        assert abs(w[name] - expected) <= 0.015, (name, w[name], expected)
    assert w["p90"] - w["p10"] < 0.15  # against about 0.48 with the factor
    assert run.summary["worlds"]["factors"] == []
    # without factors the worlds are independent replications: ci95 stays Wilson's at N
    plain = racesim.simulate(no_factor(), n=N, seed=3)
    e, p = run.summary["milestones"]["m"]["reached"]["a"], plain.summary["milestones"]["m"]
    assert e["p"] == p["reached"]["a"]["p"]  # the same replications: nothing is shared
    assert e["ci95"] == pytest.approx(p["reached"]["a"]["ci95"], rel=0.1)


def test_a_world_shares_its_factor_draws():
    plan = Plan.from_scenario(one_factor())
    keys = world_of(np.arange(0, 50), 5, 50)
    draws = draw_chunk(plan, 3, 0, 50, keys)
    s = draws.success[0]
    for w in range(5):
        assert np.unique(s[keys == w]).size == 1
    assert np.unique(s).size == 5


def test_world_of_depends_on_i_k_n_only():
    w = world_of(np.arange(1003), 10, 1003)
    sizes = np.bincount(w)
    assert sizes.size == 10 and sizes.max() - sizes.min() <= 1
    assert (np.diff(w) >= 0).all()
    assert (world_of(np.arange(500, 1003), 10, 1003) == w[500:]).all()


def test_without_worlds_nothing_changes():
    a = racesim.simulate(one_factor(), n=300, seed=3)
    assert "worlds" not in a.summary
    assert "worlds" not in a.summary["milestones"]["m"]["first"]["a"]


def test_jobs_and_chunks_do_not_change_worlds(tmp_path: Path):
    path = tmp_path / "f.yaml"
    path.write_text(json.dumps(one_factor().to_data()), encoding="utf-8")
    outs = []
    for j in (1, 2):
        out = tmp_path / f"j{j}"
        r = invoke(
            "run",
            path,
            "-n",
            1200,
            "--worlds",
            30,
            "-j",
            j,
            "--out",
            out,
            "--no-plots",
            "--no-report",
        )
        assert r.exit_code == 0, r.output
        outs.append(out)
    for f in ("summary.json", "replications.csv", "dates.csv"):
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    assert "what we" in r.output and "don't know" in r.output and "Monte Carlo" in r.output


def test_mixture_in_worlds_draws_the_component_per_world(tmp_path: Path):
    for name, p in (("lo", 0.1), ("hi", 0.9)):
        (tmp_path / f"{name}.yaml").write_text(
            json.dumps(
                scenario(
                    {
                        "a": {
                            "missions": [
                                {"id": "x", "duration": 1.0, "success": p, "achieves": ["m"]}
                            ]
                        }
                    },
                    name=name,
                ).to_data()
            ),
            encoding="utf-8",
        )
    mix = tmp_path / "mix.yaml"
    mix.write_text(
        "name: mix\nmixture:\n  - {file: lo.yaml, weight: 1}\n  - {file: hi.yaml, weight: 1}\n",
        encoding="utf-8",
    )
    run = racesim.simulate(mix, n=2000, seed=4, worlds=40, keep_table=True)
    t = run.table()
    worlds = world_of(t["replication"].to_numpy(), 40, 2000)
    assert (t.groupby(worlds)["component"].nunique() == 1).all()
    comp = choose([0.5, 1.0], 4, 0, 2000, world_of(np.arange(2000), 40, 2000))
    assert (t["component"].to_numpy() == np.array(["lo", "hi"])[comp[t["replication"]]]).all()
    # the spread across worlds is that of the two stories: p10 near 0.1, p90 near 0.9
    w = run.summary["milestones"]["m"]["first"]["a"]["worlds"]
    assert w["p10"] < 0.2 and w["p90"] > 0.8


# -- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, words",
    [
        (("--worlds", 0), "give at least 1 world"),
        (("--worlds", -3), "give at least 1 world"),
        (("--worlds", 11), "more than the 10 replications"),
        (("--worlds", 2, "--precision", 0.1), "--precision adds replications"),
    ],
)
def test_bad_worlds_writes_nothing(tmp_path, args, words):
    path = tmp_path / "f.yaml"
    path.write_text(json.dumps(one_factor().to_data()), encoding="utf-8")
    out = tmp_path / "out"
    extra = () if "--precision" in args else ("-n", 10)
    r = invoke("run", path, *extra, *args, "--out", out)
    assert r.exit_code == 2, r.output
    assert words in r.output and "Traceback" not in r.output
    assert not out.exists()


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"worlds": 0}, "at least 1"),
        ({"worlds": 11}, "more than the replications"),
        ({"worlds": 2, "precision": 0.1}, "precision"),
        ({"worlds": 2.5}, "whole number"),
    ],
)
def test_api_refuses_bad_worlds(kw, words):
    n = None if "precision" in kw else 10
    with pytest.raises(ValueError, match=words):
        racesim.simulate(one_factor(), n=n, **kw)


def test_no_factor_note_is_printed(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(json.dumps(no_factor().to_data()), encoding="utf-8")
    r = invoke(
        "run", path, "-n", 100, "--worlds", 4, "--out", tmp_path / "o", "--no-plots", "--no-report"
    )
    assert r.exit_code == 0, r.output
    assert "declares no factors" in r.output


def test_run_many_checks_worlds_too():
    with pytest.raises(ValueError, match="between 1 and n"):
        montecarlo.run_many(one_factor(), 10, 1, worlds=20)


def test_trace_tells_a_replication_of_the_worlds_run(tmp_path):
    s = one_factor()
    run = racesim.simulate(s, n=400, seed=3, worlds=8, keep_table=True)
    plain = racesim.simulate(s, n=400, seed=3, keep_table=True)
    assert (np.isnan(run.reached) != np.isnan(plain.reached)).any()  # worlds matter
    for k in range(0, 400, 37):
        told = racesim.trace(s, k, 3, worlds=(8, 400))
        assert [r.years for r in told.reaches()] == list(run.reached[k][~np.isnan(run.reached[k])])
        assert run.story(k).events == told.events
        assert f"world {k * 8 // 400 + 1} of 8" in told.text()
    path = tmp_path / "f.yaml"
    path.write_text(json.dumps(s.to_data()), encoding="utf-8")
    r = invoke("trace", path, "-r", 5, "--worlds", 8, "-n", 400)
    assert r.exit_code == 0 and "world 1 of 8 (a run of 400 replications" in r.output
    r = invoke("trace", path, "-r", 400, "--worlds", 8, "-n", 400)
    assert r.exit_code == 2 and "replications 0 to 399" in r.output


def test_api_first_has_the_spread(factor_run):
    df = factor_run.first()
    row = df[df["agency"] == "a"].iloc[0]
    w = factor_run.summary["milestones"]["m"]["first"]["a"]["worlds"]
    assert (row["worlds_p10"], row["worlds_p50"], row["worlds_p90"]) == (
        w["p10"],
        w["p50"],
        w["p90"],
    )


def test_plot_refuses_a_damaged_spread(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(json.dumps(one_factor().to_data()), encoding="utf-8")
    out = tmp_path / "o"
    assert invoke("run", path, "-n", 40, "--worlds", 4, "--out", out, "--no-plots").exit_code == 0
    summary = json.loads((out / "summary.json").read_text())
    summary["milestones"]["m"]["first"]["a"]["worlds"]["p90"] = "high"
    (out / "summary.json").write_text(json.dumps(summary))
    r = invoke("plot", out, "--out", tmp_path / "plots")
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert "milestones.m.first.a.worlds.p90" in r.output


def test_a_world_shares_its_slip():
    # slip multiplies development time (contract 5): with success certain and a fixed
    # duration, the only randomness is the slip factor, so within a world every
    # replication lands on the same day, and worlds differ
    s = scenario(
        {
            "a": {
                "slip": "late",
                "missions": [{"id": "x", "duration": 1.0, "success": 1.0, "achieves": ["m"]}],
            }
        },
        factors={"late": {"lognormal": {"median": 1.5, "sigma": 0.3}}},
    )
    run = racesim.simulate(s, n=200, seed=2, worlds=10, keep_table=True)
    t = run.reached[:, 0, 0]
    w = world_of(np.arange(200), 10, 200)
    for k in range(10):
        assert np.unique(t[w == k]).size == 1
    assert np.unique(t).size == 10
    # the per-world reach years are the factor's draws (duration 1 year x slip)
    median = float(np.median([t[w == k][0] for k in range(10)]))
    assert 1.0 < median < 2.5


def test_a_mixture_without_factors_gets_no_noise_note(tmp_path):
    for name, p in (("lo", 0.1), ("hi", 0.9)):
        data = scenario(
            {"a": {"missions": [{"id": "x", "duration": 1.0, "success": p, "achieves": ["m"]}]}},
            name=name,
        ).to_data()
        (tmp_path / f"{name}.yaml").write_text(json.dumps(data), encoding="utf-8")
    mix = tmp_path / "mix.yaml"
    mix.write_text(
        "name: mix\nmixture:\n  - {file: lo.yaml, weight: 1}\n  - {file: hi.yaml, weight: 1}\n",
        encoding="utf-8",
    )
    r = invoke("run", mix, "-n", 100, "--worlds", 10, "--out", tmp_path / "o", "--no-plots")
    assert r.exit_code == 0, r.output
    assert "the component and every factor are drawn once" in r.output
    assert "declares no factors" not in r.output
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "component is drawn once per world" in html and "declares no factors" not in html
