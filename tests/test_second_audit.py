"""Regression tests of the second adversarial pass over issue 13: every case here ended
in a traceback, a hang, a lost file or a replaced device before its fix."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from racesim import api
from racesim.api_evidence import CrowdResult
from racesim.scenario import ScenarioError

from .helpers import clean_failure, invoke, tree

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = ROOT / "seeds" / "outcomes.csv"
QUESTIONS = ROOT / "seeds" / "crowd.csv"


def run_ok(scenario, out, *extra):
    result = invoke("run", scenario, "--out", out, "-n", 30, *extra)
    assert result.exit_code == 0, (result.output, result.exception)
    return out


# -- report --out and plot --out onto another results folder ---------------------------
def test_report_and_plot_of_one_folder_keep_anothers_unless_forced(mini_scenario_path, tmp_path):
    a = run_ok(mini_scenario_path, tmp_path / "a", "--seed", 1)
    b = run_ok(mini_scenario_path, tmp_path / "b", "--seed", 2)
    before = tree(b)
    msg = clean_failure(invoke("report", a, "--out", b / "report.html"))
    assert "another results folder" in msg and "--force" in msg
    msg = clean_failure(invoke("plot", a, "--out", b / "plots", "--format", "png"))
    assert "landing_" in msg and "--force" in msg
    assert tree(b) == before
    assert invoke("report", a).exit_code == 0  # its own report and plots: no --force
    assert invoke("plot", a, "--format", "png").exit_code == 0
    assert invoke("report", a, "--out", b / "report.html", "--force").exit_code == 0
    assert (b / "report.html").read_bytes() == (a / "report.html").read_bytes()


# -- crowd --out onto something that is not a file -------------------------------------
def test_crowd_never_replaces_a_device_or_pipe_with_its_ledger(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    scenario = ROOT / "scenarios" / "2026.yaml"
    msg = clean_failure(
        invoke("crowd", scenario, "--questions", QUESTIONS, "-n", 5, "--out", fifo, "--force")
    )
    assert "not a regular file" in msg and str(fifo) in msg
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    with pytest.raises(OSError, match="not a regular file"):
        CrowdResult.save_ledger(None, fifo)  # the API refuses before it writes anything
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# -- backtest of a scenario whose landing record cannot be read ------------------------
def test_backtest_refuses_a_missing_landing_record_before_running(mini_scenario_path, monkeypatch):
    from racesim.analysis import backtest as bt

    def must_not_run(*_a, **_k):
        raise AssertionError("the run started")

    monkeypatch.setattr(bt, "reach_times", must_not_run)
    msg = clean_failure(invoke("backtest", mini_scenario_path, "--outcomes", OUTCOMES, "-n", 5))
    assert "record.file" in msg and "landings.csv" in msg and "'mini'" in msg
    with pytest.raises(bt.OutcomesError, match="landing record"):
        api.backtest(mini_scenario_path, OUTCOMES, n=5)


# -- counts and precision beyond what a run can do -------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("run", "--precision", "nan"),
        ("run", "--precision", "1e-300", "--max-replications", "500"),
        ("run", "-n", str(10**12)),
        ("run", "--precision", "0.1", "--max-replications", str(10**11)),
        ("trace", "-r", str(10**20)),
    ],
)
def test_counts_and_precision_out_of_range_are_usage_errors(mini_scenario_path, tmp_path, args):
    command, *rest = args
    result = invoke(command, mini_scenario_path, *rest, "--out", tmp_path / "r")
    if command == "trace":
        result = invoke(command, mini_scenario_path, *rest)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "Invalid value" in result.output
    assert not (tmp_path / "r").exists()


def test_the_api_and_the_scenario_bound_the_same_counts(mini_scenario_data):
    from racesim.scenario import from_data

    s = from_data(mini_scenario_data)
    for precision in (float("nan"), 0.0, 1e-300, 0.6):
        with pytest.raises(ValueError, match="precision"):
            api.precision_batches(s, None, precision, None)
    with pytest.raises(ValueError, match="more than"):
        api.precision_batches(s, 10**12, None, None)
    assert api.precision_batches(s, None, 0.01, None) == (200, 20_000)
    with pytest.raises(ScenarioError, match="replications"):
        from_data({**mini_scenario_data, "replications": 10**12})


# -- results files nested deeper than Python recurses ----------------------------------
@pytest.mark.parametrize(
    "name, text", [("summary.json", "[" * 100_000), ("scenario.yaml", "a: " + "[" * 100_000)]
)
def test_a_deeply_nested_results_file_is_a_clean_refusal(mini_scenario_path, tmp_path, name, text):
    out = run_ok(mini_scenario_path, tmp_path / "r", "--no-plots", "--no-report")
    (out / name).write_text(text)
    for command in ("report", "plot"):
        msg = clean_failure(invoke(command, out))
        assert name in msg and "damaged" in msg
    with pytest.raises(Exception, match="damaged") as info:
        api.open(out)
    assert not isinstance(info.value, RecursionError)


# -- pipes, devices and sizes among the input files ------------------------------------
@pytest.fixture
def fifo(tmp_path):
    """A named pipe, and a thread that keeps opening it for writing so that a reader
    that (wrongly) waits on it gets an empty read instead of hanging the test."""
    import threading
    import time

    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    stop = threading.Event()

    def unblock():
        while not stop.is_set():
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
            time.sleep(0.05)

    t = threading.Thread(target=unblock, daemon=True)
    t.start()
    yield path
    stop.set()
    t.join()


def test_a_pipe_as_scenario_parent_or_component_is_refused(fifo, tmp_path, mini_scenario_path):
    assert "pipe or socket" in clean_failure(invoke("validate", fifo))
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {fifo}\nname: child\n")
    assert "not a regular file" in clean_failure(invoke("validate", child))
    mix = tmp_path / "mix.yaml"
    mix.write_text(f"name: mix\nmixture:\n  - {{file: {fifo}, weight: 1}}\n")
    assert "not a regular file" in clean_failure(invoke("validate", mix))


def test_a_mixture_of_thousands_of_components_is_refused_before_loading_them(
    tmp_path, mini_scenario_path, monkeypatch
):
    from racesim.scenario import loading

    def must_not_load(*_a, **_k):
        raise AssertionError("a component was loaded")

    monkeypatch.setattr(loading, "load_scenario", must_not_load)
    mix = tmp_path / "mix.yaml"
    rows = "".join("  - {file: mini.yaml, weight: 1}\n" for _ in range(5000))
    mix.write_text(f"name: mix\nmixture:\n{rows}")
    msg = clean_failure(invoke("validate", mix))
    assert "at most 100" in msg and len(msg) < 600


def test_a_number_too_long_to_read_is_named_as_such(tmp_path, mini_scenario_text):
    f = tmp_path / "big.yaml"
    f.write_text(mini_scenario_text.replace("cost: 50", "cost: " + "9" * 5000))
    msg = clean_failure(invoke("validate", f))
    assert "5,000 digits" in msg and "base 60" not in msg and len(msg) < 600


def test_a_huge_versus_value_gives_a_short_message(mini_scenario_path, tmp_path):
    msg = clean_failure(
        invoke("run", mini_scenario_path, "--versus", "a" * 100_000 + ":b", "--out", tmp_path / "r")
    )
    assert "100,002 characters" in msg and len(msg) < 300


def test_fail_cuts_any_message_to_a_bounded_length(capsys):
    from racesim.cli.common import MAX_MESSAGE, fail

    with pytest.raises(SystemExit):
        fail("start " + "x" * 1_000_000 + " end")
    err = capsys.readouterr().err
    assert err.startswith("racesim: start") and err.rstrip().endswith("end")
    assert len(err) < MAX_MESSAGE + 100


# -- racesim report on a full disk -----------------------------------------------------
def test_a_report_that_cannot_be_written_whole_leaves_the_old_one(
    mini_scenario_path, tmp_path, monkeypatch
):
    import errno

    out = run_ok(mini_scenario_path, tmp_path / "r", "--no-plots")
    before = (out / "report.html").read_bytes()
    real = Path.write_text

    def full_disk(self, text, *a, **k):
        real(self, text[: len(text) // 2], *a, **k)  # half of it reached the disk
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full_disk)
    msg = clean_failure(invoke("report", out))
    assert "No space left" in msg and "report.html" in msg
    assert (out / "report.html").read_bytes() == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".racesim-results"]


def test_plot_and_report_of_a_backtest_folder_say_what_it_is(tmp_path):
    out = tmp_path / "bt"
    hindcast = ROOT / "scenarios" / "hindcast-2019.yaml"
    result = invoke("backtest", hindcast, "--outcomes", OUTCOMES, "-n", 5, "--out", out)
    assert result.exit_code == 0, result.output
    for command in ("plot", "report"):
        msg = clean_failure(invoke(command, out))
        assert "racesim backtest" in msg and "calibration.png" in msg
        assert "not a racesim results folder" not in msg


# -- Ctrl-C before a command's own handling --------------------------------------------
def test_ctrl_c_while_the_scenario_loads_is_one_line_and_status_130(
    mini_scenario_path, tmp_path, monkeypatch
):
    from racesim.cli import run as run_command

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_command, "load", interrupted)
    result = invoke("run", mini_scenario_path, "--out", tmp_path / "r")
    assert result.exit_code == 130, (result.output, result.exception)
    assert result.output.strip() == "racesim: interrupted."
    assert not (tmp_path / "r").exists()


# -- attempts: unlimited with re-flights that take no time -----------------------------
def test_unlimited_attempts_with_instant_reflights_end(mini_scenario_data):
    from racesim.engine.plan import Plan
    from racesim.run.replication import run_chunk
    from racesim.scenario import from_data
    from racesim.scenario.schema import MAX_ATTEMPTS

    lander = mini_scenario_data["agencies"]["beta"]["missions"][2]
    lander.update(attempts="unlimited", success=0, refly={"cost": 1e-9, "duration": 1e-9})
    plan = Plan.from_scenario(from_data(mini_scenario_data))
    mission = next(m for m in plan.missions if m.id == "lander" and m.unlimited)
    assert mission.attempts == MAX_ATTEMPTS + 1
    reached = run_chunk(plan, 7, 0, 2)  # before: 10^9 and more attempts, for hours
    beta = list(plan_agencies(plan)).index("beta")
    assert np.isnan(reached[:, 0, beta]).all()  # it never lands, and the run ends


def plan_agencies(plan):
    return [a.key for a in plan.agencies]


@pytest.mark.parametrize(
    "address",
    ["tcp://" + "a" * 5000 + ":8786", "tcp://localhost:99999", "tcp://localhost:0"],
)
def test_a_scheduler_address_out_of_bounds_is_refused_at_once(
    mini_scenario_path, tmp_path, address
):
    """A 5,000-character host gave a 5 KB message after a connection attempt, and port
    99999 waited 15 s: both are refused before connecting, with the address cut short."""
    out = tmp_path / "o"
    result = invoke("run", mini_scenario_path, "-n", 20, "--scheduler", address, "--out", out)
    msg = clean_failure(result)
    assert "not a Dask scheduler address" in msg and len(msg) < 400, msg
    assert not out.exists()


def test_the_fork_servers_hook_drops_only_a_shut_pools_semaphore_error(capsys):
    """A worker forked as its pool shuts down (a Ctrl-C to racesim's process alone)
    failed to rebuild the pool's semaphore and the fork server printed that traceback;
    its preloaded hook now drops exactly that one."""
    from racesim.run import forkchild

    def raised(filename: str, kind: type[BaseException]):
        code = compile(
            f"def __setstate__():\n    raise {kind.__name__}(2, 'gone')\n", filename, "exec"
        )
        space: dict = {}
        exec(code, space)
        try:
            space["__setstate__"]()
        except BaseException as exc:  # noqa: BLE001 - the exception under test
            return type(exc), exc, exc.__traceback__

    shown = []
    default = forkchild._DEFAULT
    forkchild._DEFAULT = lambda *info: shown.append(info[0])
    try:
        forkchild.quiet_hook(*raised("/x/multiprocessing/synchronize.py", FileNotFoundError))
        assert shown == []
        forkchild.quiet_hook(*raised("/x/multiprocessing/other.py", FileNotFoundError))
        forkchild.quiet_hook(*raised("/x/multiprocessing/synchronize.py", KeyError))
        assert shown == [FileNotFoundError, KeyError]
    finally:
        forkchild._DEFAULT = default
