"""The Python API (racesim.load / simulate / Run): the same results as `racesim run`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import racesim
from racesim import api
from racesim.cli import main
from racesim.output.results import ResultsExistError, read_table
from racesim.scenario import ScenarioError

pd = pytest.importorskip("pandas")

N = 300
SEED = 3
LANDER = "agencies.beta.missions.lander.success"


def quiet() -> list[str]:
    opts = {o for p in main.commands["run"].params for o in p.opts}
    return [o for o in ("--no-plots", "--no-report") if o in opts]


def cli_run(scenario: Path, out: Path, *extra) -> Path:
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(scenario),
            "-n",
            str(N),
            "--seed",
            str(SEED),
            "--out",
            str(out),
            *quiet(),
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def cli_results(mini_scenario_path, tmp_path) -> Path:
    return cli_run(mini_scenario_path, tmp_path / "cli")


@pytest.fixture
def run(mini_scenario_path):
    return racesim.simulate(racesim.load(mini_scenario_path), n=N, seed=SEED)


# ---------------------------------------------------------------------------------------
def test_summary_equals_the_command_line(run, cli_results):
    assert json.loads(json.dumps(run.summary)) == read_json(cli_results / "summary.json")
    assert run.n == N and run.seed == SEED


def test_table_and_dates_equal_the_files(run, cli_results):
    pd.testing.assert_frame_equal(run.table(), read_table(cli_results / "replications.csv"))
    want = pd.read_csv(cli_results / "dates.csv", parse_dates=["date"])
    pd.testing.assert_frame_equal(run.dates(), want)
    assert run.dates_rows() == racesim_read_dates(cli_results / "dates.csv")


def racesim_read_dates(path):
    from racesim.output.results import read_dates

    return read_dates(path)


def test_first_and_reached_frames(run):
    first = run.first()
    assert list(first.columns) == ["milestone", "agency", "p", "lo", "hi"]
    assert set(first.agency) == {"alpha", "beta", "none"}
    assert first.groupby("milestone").p.sum().tolist() == pytest.approx([1.0])
    assert ((first.lo <= first.p) & (first.p <= first.hi)).all()
    reached = run.reached_by_horizon()
    assert set(reached.agency) == {"alpha", "beta"}
    assert reached.loc[reached.p > 0, "median"].notna().all()


def test_parallel_equals_serial(mini_scenario_path, run):
    par = racesim.simulate(mini_scenario_path, n=N, seed=SEED, jobs=2)
    assert par.summary == run.summary
    pd.testing.assert_frame_equal(par.table(), run.table())


@pytest.mark.parametrize(
    "overrides",
    [
        {LANDER: 0.3, "agencies.alpha.budget.annual": {"uniform": {"low": 50, "high": 90}}},
        [f"{LANDER}=0.3", "agencies.alpha.budget.annual={uniform: {low: 50, high: 90}}"],
    ],
)
def test_overrides_match_set(mini_scenario_path, tmp_path, overrides):
    out = cli_run(
        mini_scenario_path,
        tmp_path / "set",
        "--set",
        f"{LANDER}=0.3",
        "--set",
        "agencies.alpha.budget.annual={uniform: {low: 50, high: 90}}",
    )
    s = racesim.load(mini_scenario_path, overrides)
    assert s.agencies["beta"].missions[2].success.to_data() == 0.3
    r = racesim.simulate(s, n=N, seed=SEED)
    assert json.loads(json.dumps(r.summary)) == read_json(out / "summary.json")
    # the path form too, and the manifest records the overrides as --set would
    r2 = racesim.simulate(mini_scenario_path, n=N, seed=SEED, overrides=overrides)
    assert r2.summary == r.summary
    assert r2.overrides == [
        f"{LANDER}=0.3",
        "agencies.alpha.budget.annual={uniform: {low: 50, high: 90}}",
    ]


def test_single_override_string(mini_scenario_path):
    s = racesim.load(mini_scenario_path, f"{LANDER}=0.25")
    assert s.agencies["beta"].missions[2].success.to_data() == 0.25


@pytest.mark.parametrize(
    "overrides, needle",
    [
        ({LANDER: 1.5}, "agencies.beta.missions[2].success"),
        ({"agencies.beta.missions.landr.success": 0.5}, "lander"),
        ({"agencies.alpha.budget.anual": 100}, "annual"),
        ([f"{LANDER}=[oops"], "not valid YAML"),
        (["no-equals-sign"], "PATH=VALUE"),
    ],
)
def test_bad_overrides_are_reported(mini_scenario_path, overrides, needle):
    with pytest.raises(ScenarioError) as err:
        racesim.load(mini_scenario_path, overrides)
    assert needle in str(err.value)
    assert str(mini_scenario_path) in str(err.value)


def test_overrides_need_a_file(mini_scenario_path):
    s = racesim.load(mini_scenario_path)
    with pytest.raises(ValueError, match="overrides"):
        racesim.simulate(s, n=10, overrides={LANDER: 0.5})


def test_save_is_the_command_line_folder_and_refuses_to_overwrite(run, cli_results, tmp_path):
    out = run.save(tmp_path / "api", plots=False, report=False)
    for name in ("summary.json", "dates.csv", "replications.csv", "scenario.yaml"):
        assert (out / name).read_bytes() == (cli_results / name).read_bytes(), name
    m = read_json(out / "manifest.json")
    assert (m["seed"], m["replications"], m["table"]) == (SEED, N, "replications.csv")
    assert m["scenario_file"] == str(run.source) and m["scenario_file_sha256"]
    before = (out / "summary.json").read_bytes()
    other = racesim.simulate(run.scenario, n=50, seed=SEED + 1)
    with pytest.raises(ResultsExistError):
        other.save(out, plots=False, report=False)
    assert (out / "summary.json").read_bytes() == before
    other.save(out, force=True, plots=False, report=False)
    assert read_json(out / "summary.json")["replications"] == 50
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_api_errors_speak_of_its_arguments_not_of_options(run, mini_scenario_path, tmp_path):
    # a Python caller has no --out, --force or --set: the messages name force=True and
    # overrides instead
    out = run.save(tmp_path / "api", plots=False, report=False)
    for save in (
        lambda: run.save(out, plots=False, report=False),
        lambda: racesim.compare(mini_scenario_path, overrides_b={LANDER: 0.5}, n=20).save(out),
    ):
        with pytest.raises(ResultsExistError) as err:
            save()
        assert "force=True" in str(err.value)
        assert "--" not in str(err.value)
    with pytest.raises(ScenarioError) as err:
        racesim.load(mini_scenario_path, {LANDER: 1.5})
    assert "(value given in overrides)" in str(err.value)
    with pytest.raises(ScenarioError) as err:
        racesim.simulate(mini_scenario_path, n=10, overrides=[f"{LANDER}=[oops"])
    assert "--set" not in str(err.value) and "overrides" in str(err.value)


def test_the_command_line_keeps_its_own_words(mini_scenario_path, tmp_path):
    out = tmp_path / "cli"
    args = ["run", str(mini_scenario_path), "-n", "20", "--out", str(out), "--no-plots"]
    assert CliRunner().invoke(main, [*args, "--no-report"]).exit_code == 0
    again = CliRunner().invoke(main, [*args, "--no-report"])
    assert again.exit_code != 0 and "--force" in again.output
    bad = CliRunner().invoke(main, ["run", str(mini_scenario_path), "--set", f"{LANDER}=1.5"])
    assert "(value given with --set)" in bad.output


def test_save_table_formats(run, tmp_path):
    run.save(tmp_path / "gz", table="csv.gz", plots=False, report=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "gz" / "replications.csv.gz"), run.table())
    run.save(tmp_path / "none", table="none", plots=False, report=False)
    assert not list((tmp_path / "none").glob("replications*"))
    with pytest.raises(ValueError, match="table format"):
        run.save(tmp_path / "bad", table="xlsx")


def test_keep_table(mini_scenario_path, monkeypatch, tmp_path):
    lean = racesim.simulate(mini_scenario_path, n=60, seed=SEED, keep_table=False)
    assert lean.reached is None
    with pytest.raises(ValueError, match="keep_table"):
        lean.table()
    with pytest.raises(ValueError, match="keep_table"):
        lean.save(tmp_path / "x", plots=False, report=False)
    assert not (tmp_path / "x").exists()
    lean.save(tmp_path / "x", table="none", plots=False, report=False)
    monkeypatch.setattr(api, "KEEP_TABLE_LIMIT", 50)
    assert racesim.simulate(mini_scenario_path, n=60, seed=SEED).reached is None
    assert racesim.simulate(mini_scenario_path, n=50, seed=SEED).reached.shape == (50, 1, 2)


def test_story_is_the_trace(run, mini_scenario_path):
    story = run.story(4)
    result = CliRunner().invoke(
        main, ["trace", str(mini_scenario_path), "-r", "4", "--seed", str(SEED)]
    )
    assert result.exit_code == 0
    assert str(story) == result.output
    table = run.table()
    rows = table[table.replication == 4]
    assert [(r.milestone, r.agency, r.date, r.first) for r in story.reaches()] == [
        (r.milestone, r.agency, r.date.date(), bool(r.first)) for r in rows.itertuples()
    ]
    assert str(racesim.trace(mini_scenario_path, 4, seed=SEED)) == str(story)
    with pytest.raises(IndexError):
        run.story(N)


def test_pandas_missing_is_explained(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install"):
        run.first()


def test_the_library_never_prints(mini_scenario_path, tmp_path, capsys):
    r = racesim.simulate(mini_scenario_path, n=40, seed=SEED)
    r.first(), r.table(), r.dates(), r.story(0)
    r.save(tmp_path / "q", plots=False, report=False)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_import_is_lazy():
    code = "import sys, racesim; print('racesim.api' in sys.modules, callable(racesim.load))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]
    with pytest.raises(AttributeError):
        racesim.nonexistent  # noqa: B018


# -- plots (racesim.output.plots) ----------------------------------------------------------------
@pytest.fixture
def plots():
    pytest.importorskip("matplotlib")
    try:
        import racesim.output.plots as plots
    except ImportError:
        pytest.skip("racesim.output.plots is not available")
    import matplotlib

    matplotlib.use("Agg")
    return plots


@pytest.mark.parametrize("method", ["plot_first", "plot_reached", "plot_dates"])
def test_plot_methods(run, plots, method):
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if not hasattr(plots, method):
        pytest.skip(f"racesim.output.plots has no {method}")
    ax = getattr(run, method)("landing")
    assert isinstance(ax, Axes)
    fig, given = plt.subplots()
    assert getattr(run, method)("landing", ax=given) is given
    plt.close("all")


def test_save_draws_plots_and_report_when_available(run, plots, tmp_path):
    pytest.importorskip("racesim.output.report")
    out = run.save(tmp_path / "full")
    assert (out / "report.html").exists()
    assert list((out / "plots").glob("*.png"))


def test_jobs_from_a_script_on_stdin_fails_with_a_hint(mini_scenario_path):
    # the workers would import '<stdin>' again and die: one message, not a pool's
    # tracebacks
    script = f"import racesim\nracesim.simulate({str(mini_scenario_path)!r}, n=50, jobs=2)\n"
    p = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120
    )
    assert p.returncode != 0
    assert "WorkersError" in p.stderr and "jobs=1" in p.stderr and "stdin" in p.stderr
    assert "BrokenProcessPool" not in p.stderr
    assert len(p.stderr.splitlines()) < 15, p.stderr


def test_a_broken_pool_becomes_one_message(mini_scenario_path, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from racesim.run import montecarlo

    def broken(*args, **kwargs):
        raise BrokenProcessPool("A child process terminated abruptly")

    monkeypatch.setattr(montecarlo, "run_many", broken)
    with pytest.raises(api.WorkersError, match="jobs=1"):
        racesim.simulate(mini_scenario_path, n=50, jobs=2)
    r = CliRunner().invoke(main, ["run", str(mini_scenario_path), "-n", "50", "-j", "2"])
    assert r.exit_code == 2 and "-j 1" in r.output and "Traceback" not in r.output


def test_precision_arguments_are_checked(mini_scenario_path):
    with pytest.raises(ValueError, match="below n"):
        racesim.simulate(mini_scenario_path, n=500, precision=0.01, max_replications=300)
    with pytest.raises(ValueError, match="give precision too"):
        racesim.simulate(mini_scenario_path, n=50, max_replications=300)
    run = racesim.simulate(mini_scenario_path, n=50, precision=0.001, max_replications=100)
    assert run.n == 100 and run.precision_reached is False and run.half_width > 0.001
