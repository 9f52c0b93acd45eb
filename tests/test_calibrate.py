"""Success chances fitted to the landing record, and scenarios that use them."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from racesim.cli import main
from racesim.scenario import ScenarioError, load_scenario
from racesim.scenario import record as calibrate

RECORD = """id,date,outcome,class,crewed,attempt_by_operator,latitude_deg,notes
a1,2019-01-01,success,government,0,1,10,
a2,2019-06-01,failure,government,0,1,,target_lat=-70.9
a3,2020-01-01,partial,commercial,0,1,-80,
a4,2021-01-01,success,government,0,2,-45,
a5,2022-01-01,failure,commercial,0,2,,
a6,2024-01-01,success,commercial,0,3,-69,
c1,1969-07-20,success,government,1,8,0.7,
"""


@pytest.fixture
def record(tmp_path):
    path = tmp_path / "landings.csv"
    path.write_text(RECORD)
    return path


def test_fit_by_hand(record):
    rows = calibrate.read_record(record)
    first = calibrate.fit(rows, ["first_attempt"])
    # a1 success, a2 failure, a3 partial: a = 1 + 1 + 0.5, b = 1 + 1 + 0.5
    assert (first.n, first.a, first.b) == (3, 2.5, 2.5)
    later = calibrate.fit(rows, ["later_attempt"], until=dt.date(2023, 8, 20))
    # a4 success, a5 failure, c1 success (a6 is after the cut-off)
    assert (later.n, later.a, later.b) == (3, 3.0, 2.0)
    both = calibrate.fit(rows, ["commercial", "first_attempt"])
    assert (both.n, both.a, both.b) == (1, 1.5, 1.5)
    polar = calibrate.fit(rows, ["south_polar"])  # a2 (target), a3, a6
    assert (polar.n, polar.a, polar.b) == (3, 2.5, 2.5)
    assert calibrate.fit(rows, ["crewed"]).a == 2.0
    assert first.mean == pytest.approx(0.5)
    lo, hi = first.interval(0.9)
    assert lo < 0.5 < hi and hi - lo == pytest.approx(2 * (0.5 - lo))


def test_unknown_class_suggests(record):
    with pytest.raises(calibrate.RecordError, match="did you mean 'commercial'"):
        calibrate.fit(calibrate.read_record(record), ["comercial"])


def _scenario(tmp_path, record, success, extra=""):
    path = tmp_path / "s.yaml"
    path.write_text(f"""
name: s
start: 2023-08-20
horizon: 2030-01-01
record: {{file: {record.name}{extra}}}
milestones: {{m: {{title: M}}}}
agencies:
  a:
    missions:
      - {{id: x, duration: 1, success: {success}, achieves: [m]}}
""")
    return path


def test_scenario_success_from_the_record(tmp_path, record):
    s = load_scenario(_scenario(tmp_path, record, "{record: later_attempt}"))
    d = s.agencies["a"].missions[0].success
    # the start date is the default cut-off: a6 (2024) is not used
    assert d.family == "beta" and d.params == (3.0, 2.0)
    s2 = load_scenario(
        _scenario(tmp_path, record, "{record: later_attempt}", ", until: 2025-01-01")
    )
    assert s2.agencies["a"].missions[0].success.params == (4.0, 2.0)


def test_record_errors_name_the_field(tmp_path, record):
    with pytest.raises(ScenarioError) as info:
        load_scenario(_scenario(tmp_path, record, "{record: [crewed, commercial]}"))
    path, message = info.value.issues[0]
    assert path.startswith("agencies.a.missions[0].success") and "no attempts" in message
    with pytest.raises(ScenarioError) as info:
        load_scenario(_scenario(tmp_path, tmp_path / "missing.csv", "{record: all}"))
    assert info.value.issues[0][0] == "record.file"


def test_base_scenario_uses_only_the_record_before_its_start():
    s = load_scenario("scenarios/base.yaml")
    rows = calibrate.read_record("seeds/landings.csv")
    crewed = calibrate.fit(rows, ["crewed"], s.start)
    # the base declares its success classes as shared factors (format 2)
    used = {f.params for f in s.factors.values() if f.family == "beta"}
    assert (crewed.a, crewed.b) in used
    # Chandrayaan-3 landed three days after the start: it must not count
    assert (
        calibrate.fit(rows, ["later_attempt"], s.start).n
        == calibrate.fit(rows, ["later_attempt"], dt.date(2023, 8, 22)).n
    )


def test_calibrate_command_prints_the_classes():
    out = CliRunner().invoke(main, ["calibrate", "--until", "2023-08-20"])
    assert out.exit_code == 0, out.output
    assert "first_attempt" in out.output and "crewed" in out.output


def test_a_bad_start_is_one_problem_not_one_per_record_reference(tmp_path, record):
    path = _scenario(tmp_path, record, "{record: later_attempt}")
    path.write_text(path.read_text().replace("start: 2023-08-20", "start: 20/08/2023"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [p for p, _ in info.value.issues] == ["start"]


def test_calibrate_prints_95_percent_intervals(record):
    # 95%, as everywhere else: Beta(2.5, 2.5)'s central 95% is [0.1228, 0.8772]
    # (scipy.stats.beta.ppf([0.025, 0.975], 2.5, 2.5)); its 90% is [0.1653, 0.8347]
    from click.testing import CliRunner

    from racesim.cli import main

    r = CliRunner().invoke(main, ["calibrate", "--record", str(record)])
    assert r.exit_code == 0, r.output
    assert "95% interval" in r.output and "90%" not in r.output
    line = next(x for x in r.output.splitlines() if x.strip().startswith("first_attempt"))
    assert line.endswith("[0.123, 0.877]"), line
