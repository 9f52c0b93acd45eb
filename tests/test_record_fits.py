"""Record fits beyond one class's Beta (issue 9 section 1): the three-outcome fit of a
mission that declares ``partial``, and one agency's attempts pooled with its class.

Every expected value is worked out by hand in the comments from the toy record below."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner
from scipy import stats

from racesim.cli import main
from racesim.scenario import ScenarioError, load_scenario
from racesim.scenario import record as rec
from racesim.scenario.pooling import estimate_strength, log_likelihood, pool

# agencies u (3 of 4), v (1 of 4), w (2 s, 1 p, 1 f), x (2 of 2, the one pooled), a
# company c; all government except c; x's 2019-2020 attempts are later attempts
RECORD = """id,agency,date,outcome,class,crewed,attempt_by_operator,latitude_deg,notes
u1,u,2001-01-01,success,government,0,1,,
u2,u,2002-01-01,success,government,0,2,,
u3,u,2003-01-01,success,government,0,3,,
u4,u,2004-01-01,failure,government,0,4,,
v1,v,2001-06-01,failure,government,0,1,,
v2,v,2002-06-01,failure,government,0,2,,
v3,v,2003-06-01,success,government,0,3,,
v4,v,2004-06-01,failure,government,0,4,,
w1,w,2005-01-01,success,government,0,1,,
w2,w,2006-01-01,partial,government,0,2,,
w3,w,2007-01-01,success,government,0,3,,
w4,w,2008-01-01,failure,government,0,4,,
x1,x,2019-01-01,success,government,0,2,,
x2,x,2020-01-01,success,government,0,3,,
c1,c,2021-01-01,partial,commercial,0,1,,
c2,c,2022-01-01,failure,commercial,0,2,,
"""


@pytest.fixture
def rows(tmp_path):
    path = tmp_path / "landings.csv"
    path.write_text(RECORD)
    return rec.read_record(path)


def test_three_outcome_fit_by_hand(rows):
    # government: s = 3 + 1 + 2 + 2 = 8, p = 1, f = 1 + 3 + 1 = 5 -> Dirichlet(9, 2, 6)
    f3 = rec.fit3(rows, ["government"])
    assert (f3.n, f3.successes, f3.partials, f3.failures) == (14, 8, 1, 5)
    assert f3.alpha == (9.0, 2.0, 6.0)
    assert f3.marginal(0) == (9.0, 8.0)  # success ~ Beta(1 + s, 2 + p + f)
    assert f3.marginal(1) == (2.0, 15.0)  # partial ~ Beta(1 + p, 2 + s + f)
    # the two-outcome fit of the same attempts counts the partial half
    f2 = rec.fit(rows, ["government"])
    assert (f2.a, f2.b) == (9.5, 6.5)
    # the means of the three marginals add up to 1 (one Dirichlet)
    a = f3.alpha
    assert sum(x / sum(a) for x in a) == pytest.approx(1.0)


def test_pooling_with_a_stated_strength_by_hand(rows):
    chosen = rec.select(rows, ["government"])
    p = pool(chosen, "x", ["government"], outcomes=2, strength=4)
    # without x: s = 6, p = 1, f = 5 (n = 12) -> two-outcome counts (6.5, 5.5),
    # mean ((1 + 6.5) / 14, (1 + 5.5) / 14) = (7.5/14, 6.5/14)
    assert p.others == (6, 1, 5) and p.own == (2, 0, 0)
    assert p.prior_mean == pytest.approx((7.5 / 14, 6.5 / 14))
    # prior 4 x mean; posterior adds x's 2 successes
    assert p.prior == pytest.approx((30 / 14, 26 / 14))
    assert p.success() == pytest.approx((30 / 14 + 2, 26 / 14))
    assert p.weight == pytest.approx(2 / 6)
    p3 = pool(chosen, "x", ["government"], outcomes=3, strength=4)
    # three outcomes: mean ((1 + 6) / 15, (1 + 1) / 15, (1 + 5) / 15), x adds (2, 0, 0)
    assert p3.posterior == pytest.approx((28 / 15 + 2, 8 / 15, 24 / 15))
    assert p3.partial() == pytest.approx((8 / 15, 28 / 15 + 2 + 24 / 15))


def test_agencies_alike_give_the_class_its_full_weight(tmp_path):
    # u and v both 2 of 4, exactly the others' mean 0.5: no spread beyond chance, so the
    # strength is the upper bound K + n = 2 + 8 and the posterior is the class fit with
    # x's attempts included: Beta(1 + 4 + 2, 1 + 4) = Beta(7, 5)
    text = "id,agency,date,outcome,class,crewed,attempt_by_operator\n" + "".join(
        f"{a}{i},{a},2000-01-0{i},{o},government,0,{i}\n"
        for a in "uv"
        for i, o in enumerate(["success", "failure", "success", "failure"], 1)
    )
    text += "x1,x,2010-01-01,success,government,0,1\nx2,x,2011-01-01,success,government,0,2\n"
    (tmp_path / "r.csv").write_text(text)
    rows = rec.read_record(tmp_path / "r.csv")
    p = pool(rec.select(rows, ["government"]), "x", ["government"])
    assert p.how == "estimated" and p.strength == pytest.approx(10.0)
    assert p.success() == pytest.approx((7.0, 5.0))
    f = rec.fit(rows, ["government"])
    assert p.success() == pytest.approx((f.a, f.b))


def test_agencies_far_apart_give_the_class_little_weight(tmp_path):
    # u 5 of 5, v 0 of 5: the others' mean is (1 + 5) / 12 = 0.5, and the likelihood
    # falls with the strength (P(5 of 5) goes from 0.5 at k -> 0 to 1/32), so k = 2:
    # prior Beta(1, 1), posterior after x's 2 of 2 = Beta(3, 1)
    text = "id,agency,date,outcome,class,crewed,attempt_by_operator\n"
    text += "".join(f"u{i},u,2000-01-0{i},success,government,0,{i}\n" for i in range(1, 6))
    text += "".join(f"v{i},v,2001-01-0{i},failure,government,0,{i}\n" for i in range(1, 6))
    text += "x1,x,2010-01-01,success,government,0,1\nx2,x,2011-01-01,success,government,0,2\n"
    (tmp_path / "r.csv").write_text(text)
    rows = rec.read_record(tmp_path / "r.csv")
    p = pool(rec.select(rows, ["government"]), "x", ["government"])
    assert p.strength == pytest.approx(2.0)
    assert p.success() == pytest.approx((3.0, 1.0))


def test_estimated_strength_maximises_the_beta_binomial_likelihood(rows):
    # an independent likelihood (scipy's beta-binomial) over a grid: the estimate is at
    # its maximum, for five groups spread a little more than chance would
    mean = (0.45, 0.55)
    groups = [(3.0, 1.0), (1.0, 3.0), (4.0, 0.0), (0.0, 2.0), (2.0, 2.0)]

    def ll(k):
        return sum(
            stats.betabinom.logpmf(int(s), int(s + f), k * mean[0], k * mean[1]) for s, f in groups
        )

    k = estimate_strength(mean, groups, 2.0, 200.0)
    grid = [2 * 1.01**i for i in range(int(math.log(100) / math.log(1.01)) + 1)]
    best = max(grid, key=ll)
    assert 2.0 < k < 200.0  # an interior maximum for these groups
    assert abs(math.log(k / best)) < 0.011
    assert ll(k) >= ll(best) - 1e-9
    # and our likelihood differs from scipy's by a constant (the binomial coefficients)
    d = [ll(t) - log_likelihood(t, mean, groups) for t in (3.0, 10.0, 50.0)]
    assert max(d) - min(d) < 1e-9


def test_pooling_moves_toward_the_agency_as_its_attempts_grow(rows):
    # x with k successes in k attempts, k = 0 .. 8: the posterior mean rises from the
    # class's mean toward 1, by the weight k / (strength + k)
    base = [r for r in rows if r["agency"] != "x"]
    x1 = next(r for r in rows if r["id"] == "x1")
    means, weights = [], []
    for k in range(9):
        own = [
            {**x1, "id": f"x{i}", "date": f"2019-01-{i + 1:02d}", "outcome": "success"}
            for i in range(k)
        ]
        p = pool(rec.select(base + own, ["government"]), "x", ["government"])
        a, b = p.success()
        means.append(a / (a + b))
        weights.append(p.weight)
        m = p.prior_mean[0]
        assert a / (a + b) == pytest.approx(m + p.weight * (1 - m))
    assert means[0] == pytest.approx(7.5 / 14)
    assert all(b > a for a, b in zip(means, means[1:]))
    assert all(b > a for a, b in zip(weights, weights[1:]))
    assert 1 - means[-1] < 1 - means[1]


def _scenario(tmp_path, success, extra=""):
    (tmp_path / "landings.csv").write_text(RECORD)
    path = tmp_path / "s.yaml"
    path.write_text(f"""
name: s
start: 2023-08-20
horizon: 2030-01-01
record: {{file: landings.csv}}
milestones: {{m: {{title: M}}}}
agencies:
  a:
    missions:
      - {{id: x, duration: 1, success: {success}, achieves: [m]{extra}}}
""")
    return path


def test_a_scenario_gets_the_pooled_success(tmp_path):
    s = load_scenario(_scenario(tmp_path, "{record: government, agency: x, strength: 4}"))
    d = s.agencies["a"].missions[0].success
    assert d.family == "beta"
    assert d.params == pytest.approx((30 / 14 + 2, 26 / 14))
    # without agency: today's fit, untouched
    s = load_scenario(_scenario(tmp_path, "{record: government}"))
    assert s.agencies["a"].missions[0].success.params == (9.5, 6.5)


def _issues(path) -> dict[str, str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return dict(info.value.issues)


@pytest.mark.parametrize(
    "spec,field,words",
    [
        ("{record: government, agency: z}", "success.agency", "no agency 'z' in the landing"),
        ("{record: government, agency: uu}", "success.agency", "did you mean 'u'"),
        ("{record: government, agnecy: x}", "success.agnecy", "did you mean 'agency'"),
        ("{record: [], agency: x}", "success.record", "a class name or a list"),
        ("{record: government, agency: 3}", "success.agency", "agency key"),
        ("{record: government, agency: x, strength: -1}", "success.strength", "> 0"),
        ("{record: government, agency: x, strength: true}", "success.strength", "> 0"),
        ("{record: government, strength: 5}", "success.strength", "needs agency"),
        ("{record: govermnent, agency: x}", "success", "did you mean 'government'"),
    ],
)
def test_bad_record_references_name_the_field(tmp_path, spec, field, words):
    issues = _issues(_scenario(tmp_path, spec))
    path = f"agencies.a.missions[0].{field}"
    assert path in issues or f"{path} (mission x)" in issues, issues
    message = issues.get(path) or issues[f"{path} (mission x)"]
    assert words in message


def test_unknown_agency_lists_the_record_s_agencies(tmp_path):
    issues = _issues(_scenario(tmp_path, "{record: government, agency: esa}"))
    (message,) = issues.values()
    assert "its agencies are u, v, w, x, c" in message


# -- the three-outcome fit in a scenario (raw data: resolve_records) ---------------------
def _data(tmp_path, **fields):
    (tmp_path / "landings.csv").write_text(RECORD)
    return {
        "name": "s",
        "start": "2023-08-20",
        "horizon": "2030-01-01",
        "record": {"file": "landings.csv"},
        "milestones": {"m": {"title": "M"}},
        "agencies": {"a": {"missions": [{"id": "x", "duration": 1, **fields}]}},
    }


def test_declaring_partial_gives_the_three_outcome_fit(tmp_path):
    data = _data(tmp_path, success={"record": "government"}, partial={"record": "government"})
    out, issues, joint = rec.resolve_records_joint(data, tmp_path)
    assert issues == [] and joint == {("a", 0)}
    m = out["agencies"]["a"]["missions"][0]
    assert m["success"] == {"beta": {"a": 9.0, "b": 8.0}}
    assert m["partial"] == {"beta": {"a": 2.0, "b": 15.0}}
    # a declared partial that is not from the record: success is still the strict
    # (three-outcome) marginal, partials no longer counting half
    out, issues, joint = rec.resolve_records_joint(
        _data(tmp_path, success={"record": "government"}, partial=0.05), tmp_path
    )
    assert issues == [] and joint == set()
    assert out["agencies"]["a"]["missions"][0]["success"] == {"beta": {"a": 9.0, "b": 8.0}}
    # and pooled: Dirichlet(4 x mean + x's counts), as in the stated-strength test
    spec = {"record": "government", "agency": "x", "strength": 4}
    out, issues, _ = rec.resolve_records_joint(
        _data(tmp_path, success=spec, partial=dict(spec)), tmp_path
    )
    m = out["agencies"]["a"]["missions"][0]
    assert (m["success"]["beta"]["a"], m["success"]["beta"]["b"]) == pytest.approx(
        (28 / 15 + 2, 8 / 15 + 24 / 15)
    )
    assert (m["partial"]["beta"]["a"], m["partial"]["beta"]["b"]) == pytest.approx(
        (8 / 15, 28 / 15 + 2 + 24 / 15)
    )


def test_partial_from_the_record_needs_the_same_reference_as_success(tmp_path):
    _, issues, _ = rec.resolve_records_joint(
        _data(tmp_path, success=0.5, partial={"record": "government"}), tmp_path
    )
    assert issues[0][0] == "agencies.a.missions[0].partial"
    assert "needs success from the record too" in issues[0][1]
    _, issues, _ = rec.resolve_records_joint(
        _data(tmp_path, success={"record": "government"}, partial={"record": "all"}), tmp_path
    )
    assert issues[0][0] == "agencies.a.missions[0].partial"
    assert "same record classes" in issues[0][1]


def test_calibrate_shows_three_outcomes_and_the_pooling(tmp_path):
    (tmp_path / "landings.csv").write_text(RECORD)
    args = ["calibrate", "--record", str(tmp_path / "landings.csv")]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    # government: success Beta(9, 8) mean 0.529; partial Beta(2, 15) mean 0.118;
    # failure 6/17 = 0.353
    line = next(x for x in r.output.split("Three outcomes")[1].splitlines() if "government" in x)
    assert "0.529" in line and "0.118" in line and line.endswith("0.353")
    r = CliRunner().invoke(
        main, [*args, "--agency", "x", "--class", "government", "--strength", "4"]
    )
    assert r.exit_code == 0, r.output
    # two outcomes: prior Beta(30/14, 26/14) = (2.14, 1.86), posterior (4.14, 1.86),
    # mean 0.690; the weight 2 / (4 + 2) = 33%
    assert "4.14    1.86   0.690" in r.output
    assert "2 / (4 + 2) = 33%" in r.output
    assert "class without x" in r.output and "x's own attempts" in r.output


@pytest.mark.parametrize(
    "extra,words",
    [
        (["--agency", "z", "--class", "government"], "no agency 'z'"),
        (["--agency", "x"], "name it with --class"),
        (["--strength", "3"], "give --agency too"),
        (["--class", "crewed"], "no attempts in the record match"),
    ],
)
def test_calibrate_refuses_bad_options(tmp_path, extra, words):
    (tmp_path / "landings.csv").write_text(RECORD)
    r = CliRunner().invoke(main, ["calibrate", "--record", str(tmp_path / "landings.csv"), *extra])
    assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output


def test_the_record_counts_post_soviet_russia_as_one_operator():
    # Luna-25 is attempt 1 of post-Soviet Russia and its only row as `roscosmos`; the
    # Soviet Lunas are `ussr` (seeds/README.md, "One rule for operators")
    rows = rec.read_record("seeds/landings.csv")
    russia = [r for r in rows if r["agency"] == "roscosmos"]
    assert [(r["id"], r["attempt_by_operator"]) for r in russia] == [("luna25", "1")]
    assert all(r["operator"] == "Lavochkin/USSR" for r in rows if r["agency"] == "ussr")
    assert all(r["agency"] == "ussr" for r in rows if r["operator"] == "Lavochkin/USSR")
    # every operator's attempts are numbered 1, 2, ... within its agency from its first
    # row in the table, except the USSR's (attempts 1-11 fall before the table)
    for agency in {r["agency"] for r in rows} - {"ussr"}:
        numbers = [int(r["attempt_by_operator"]) for r in rows if r["agency"] == agency]
        assert numbers[0] == 1, agency


def test_the_readme_s_pooling_example_holds_on_the_real_record():
    # government attempts to 2023-08-20 without CNSA: 32, with 18 successes, 1 partial
    # (Luna 23) and 13 failures -> mean (1 + 18.5) / (2 + 32) = 0.5735; CNSA's own 3 of 3
    import datetime as dt
    from pathlib import Path

    rows = rec.read_record("seeds/landings.csv")
    chosen = rec.select(rows, ["government"], dt.date(2023, 8, 20))
    p = pool(chosen, "cnsa", ["government"])
    assert p.others == (18, 1, 13) and p.own == (3, 0, 0) and p.groups == 4
    assert p.prior_mean[0] == pytest.approx(19.5 / 34)
    a, b = p.success()
    k = p.strength
    assert a / (a + b) == pytest.approx((k * 19.5 / 34 + 3) / (k + 3))
    readme = Path("README.md").read_text(encoding="utf-8")
    assert f"k = {k:.1f}" in readme and f"from {19.5 / 34:.3f} to {a / (a + b):.3f}" in readme
