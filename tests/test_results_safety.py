"""What --force may replace, crash-safe replacement, racing runs, write errors, damaged
results folders, folder permissions, the manifest's start time, --scheduler."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import racesim
from racesim.output import folders
from racesim.output.folders import MARKER, ResultsExistError, staged_folder
from racesim.run import executors, montecarlo

from .helpers import clean_failure, invoke, tree


def run_ok(scenario, out, *extra, plots=False):
    quick = () if plots or "--no-plots" in extra else ("--no-plots", "--no-report")
    result = invoke("run", scenario, "--out", out, "-n", 30, *extra, *quick)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def others(folder: Path) -> list[str]:
    """What is in ``folder`` besides the test's scenario file."""
    return sorted(p.name for p in folder.iterdir() if p.name != "mini.yaml")


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# -- what --force may replace -----------------------------------------------------------
def test_a_manifest_json_does_not_make_a_folder_racesims(mini_scenario_path, tmp_path):
    web = tmp_path / "webapp"
    web.mkdir()
    (web / "manifest.json").write_text('{"name": "my app", "start_url": "/"}')
    (web / "notes.txt").write_text("keep me")
    before = tree(web)
    for extra in ((), ("--force",)):
        msg = clean_failure(invoke("run", mini_scenario_path, "-n", 20, "--out", web, *extra))
        assert str(web) in msg and "not a racesim results folder" in msg
        assert "--force" not in msg  # it must not invite what would not be safe
    assert tree(web) == before
    assert hidden(tmp_path) == []


def test_a_results_folder_with_a_users_file_is_never_replaced(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out)
    (out / "notes.txt").write_text("my notes on this run")
    before = tree(out)
    msg = clean_failure(invoke("run", mini_scenario_path, "-n", 20, "--out", out, "--force"))
    assert "notes.txt" in msg and "--force" not in msg
    assert tree(out) == before


def test_a_symlink_inside_a_results_folder_is_not_racesims(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out)
    precious = tmp_path / "precious.txt"
    precious.write_text("x")
    (out / "link").symlink_to(precious)
    clean_failure(invoke("run", mini_scenario_path, "-n", 20, "--out", out, "--force"))
    assert precious.read_text() == "x" and (out / "link").is_symlink()


def test_the_marker_lists_every_file_racesim_wrote(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out, plots=True)
    lines = (out / MARKER).read_text().splitlines()
    assert lines[0] == "racesim results folder"
    listed = set(lines[lines.index("files:") + 1 :])
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert listed == on_disk - {MARKER}
    assert {"summary.json", "manifest.json", "dates.csv", "report.html"} <= listed
    assert any(f.startswith("plots/") for f in listed)


def make_legacy(out: Path, marker: bool) -> None:
    """A results folder as the version before the listing marker wrote it."""
    (out / "plots").mkdir(parents=True)
    for name in ("summary.json", "scenario.yaml", "dates.csv", "replications.csv"):
        (out / name).write_text("old\n")
    (out / "manifest.json").write_text(json.dumps({"racesim": "0.9", "seed": 1}))
    (out / "plots" / "landing_first.png").write_bytes(b"png")
    (out / "report.html").write_text("<html></html>")
    if marker:
        (out / MARKER).write_text("written by racesim; `--force` may replace this folder\n")


@pytest.mark.parametrize("marker", [False, True])
def test_a_folder_of_the_previous_version_is_replaced_only_if_it_is_all_racesims(
    mini_scenario_path, tmp_path, marker
):
    out = tmp_path / "old"
    make_legacy(out, marker)
    if not marker:  # a manifest alone never makes a folder racesim's (review F1)
        before = tree(out)
        clean_failure(invoke("run", mini_scenario_path, "-n", 20, "--out", out, "--force"))
        assert tree(out) == before
        return
    run_ok(mini_scenario_path, out, "--force")
    assert json.loads((out / "summary.json").read_text())["replications"] == 30
    other = tmp_path / "other"
    make_legacy(other, marker)
    (other / "plots" / "figure-for-my-paper.pdf").write_bytes(b"pdf")
    before = tree(other)
    msg = clean_failure(invoke("run", mini_scenario_path, "-n", 20, "--out", other, "--force"))
    assert "figure-for-my-paper.pdf" in msg
    assert tree(other) == before


def test_replacing_leaves_nothing_beside_the_folder(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out, "--seed", "1")
    run_ok(mini_scenario_path, out, "--seed", "2", "--force")
    assert json.loads((out / "summary.json").read_text())["seed"] == 2
    assert hidden(tmp_path) == []


# -- crash-safe replacement -------------------------------------------------------------
CRASH = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from racesim.output import folders
    folders.USE_EXCHANGE = {exchange}
    real, calls = os.rename, []
    def rename(a, b):
        calls.append((a, b))
        if len(calls) == {die_at}:
            os._exit(9)  # the process dies here, as under SIGKILL or a power cut
        real(a, b)
    os.rename = rename
    with folders.staged_folder(Path(sys.argv[1]), force=True) as tmp:
        (tmp / "summary.json").write_text("new")
    """
)


def crash(out: Path, exchange: bool, die_at: int) -> None:
    code = CRASH.format(exchange=exchange, die_at=die_at)
    proc = subprocess.run([sys.executable, "-c", code, str(out)], timeout=60)
    assert proc.returncode == 9


def racesim_folder(out: Path, text: str) -> None:
    with staged_folder(out, force=False) as tmp:
        (tmp / "summary.json").write_text(text)


def test_a_crash_between_moving_aside_and_moving_in_is_undone(tmp_path):
    out = tmp_path / "res"
    racesim_folder(out, "old")
    crash(out, exchange=False, die_at=2)  # after out -> .res.old-PID, before tmp -> out
    assert not out.exists()
    assert any(".res.old-" in n for n in hidden(tmp_path))
    # the next racesim command that touches the folder puts the old results back
    folders.recover(out)
    assert (out / "summary.json").read_text() == "old"
    assert hidden(tmp_path) == []  # and the dead run's staged folder is gone


def test_a_crash_leaves_old_results_for_the_next_run(mini_scenario_path, tmp_path):
    out = tmp_path / "res"
    run_ok(mini_scenario_path, out, "--seed", "3")
    crash(out, exchange=False, die_at=2)
    assert not out.exists()
    # a run without --force finds the old results (restored) and refuses to replace them
    msg = clean_failure(invoke("run", mini_scenario_path, "-n", 20, "--out", out))
    assert "already holds results" in msg
    assert json.loads((out / "summary.json").read_text())["seed"] == 3
    assert hidden(tmp_path) == []


def test_the_exchange_replaces_in_one_step(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not folders.exchange(a, b):
        pytest.skip("no atomic exchange on this system")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"
    out = tmp_path / "res"
    racesim_folder(out, "old")
    with staged_folder(out, force=True) as tmp:
        (tmp / "summary.json").write_text("new")
    assert (out / "summary.json").read_text() == "new"
    assert [n for n in hidden(tmp_path)] == []


def test_a_dead_runs_staged_folders_are_removed_by_the_next_run(mini_scenario_path, tmp_path):
    out = tmp_path / "res"
    crash_staging = textwrap.dedent(
        """
        import os, sys
        from pathlib import Path
        from racesim.output import folders
        with folders.staged_folder(Path(sys.argv[1]), force=False) as tmp:
            (tmp / "summary.json").write_text("half")
            os._exit(9)
        """
    )
    proc = subprocess.run([sys.executable, "-c", crash_staging, str(out)], timeout=60)
    assert proc.returncode == 9
    stale = [n for n in hidden(tmp_path) if ".partial-" in n]
    assert len(stale) == 1
    # not racesim's, or of a live process: left alone
    mine = tmp_path / f".notes.partial-{dead_pid()}-abcd"
    mine.mkdir()
    (mine / "thesis.txt").write_text("x")
    live = tmp_path / f".res.partial-{os.getpid()}-beef"
    live.mkdir()
    (live / MARKER).write_text(f"racesim results folder\npid={os.getpid()}\n")
    run_ok(mini_scenario_path, tmp_path / "another")
    assert stale[0] not in hidden(tmp_path)
    assert mine.exists() and live.exists()


# -- two runs into the same folder ------------------------------------------------------
def test_the_run_that_loses_a_race_for_a_new_folder_is_told_and_leaves_nothing(tmp_path):
    out = tmp_path / "res"
    with pytest.raises(ResultsExistError, match="another program or racesim run"):
        with staged_folder(out, force=False) as tmp_a:
            (tmp_a / "summary.json").write_text("a")
            racesim_folder(out, "b")  # the other run finishes first
    assert (out / "summary.json").read_text() == "b"
    assert hidden(tmp_path) == []


def test_with_force_on_both_the_loser_does_not_say_its_results_are_there(
    mini_scenario_path, tmp_path, monkeypatch
):
    out = tmp_path / "res"
    run_ok(mini_scenario_path, out, "--seed", "1")
    real = montecarlo.run_many

    def simulate(*args, **kw):
        result = real(*args, **kw)
        monkeypatch.setattr(montecarlo, "run_many", real)
        other = racesim.simulate(racesim.load(mini_scenario_path), n=20, seed=9)
        other.save(out, force=True, plots=False, report=False)  # the other run wins
        return result

    monkeypatch.setattr(montecarlo, "run_many", simulate)
    result = invoke("run", mini_scenario_path, "-n", 30, "--seed", 2, "--out", out, "--force")
    msg = clean_failure(result)
    assert "another program or racesim run" in msg and "results in" not in msg
    assert json.loads((out / "summary.json").read_text())["seed"] == 9
    assert hidden(tmp_path) == []


# -- write errors -----------------------------------------------------------------------
def one_line(msg: str) -> str:
    lines = msg.strip().splitlines()
    assert len(lines) == 1, msg
    assert lines[0].startswith("racesim: cannot write the results folder")
    return lines[0]


def test_out_under_a_file(mini_scenario_path, tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    line = one_line(clean_failure(invoke("run", mini_scenario_path, "--out", f / "a" / "b")))
    assert str(f) in line and "is a file" in line
    assert f.read_text() == "x"


def test_a_long_folder_name_works(mini_scenario_path, tmp_path):
    out = tmp_path / ("r" * 245)
    run_ok(mini_scenario_path, out)
    assert (out / "summary.json").is_file()
    assert hidden(tmp_path) == []


def test_a_folder_name_too_long_for_the_file_system(mini_scenario_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "n" * 300
    result = invoke("run", mini_scenario_path, "-n", 10, "--set", f"name={name}")
    line = one_line(clean_failure(result))
    assert "300 bytes long" in line and "results" in line
    assert others(tmp_path) == []  # not even results/


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EROFS, "Read-only file system"), (errno.EACCES, "Permission denied")],
)
def test_a_file_system_that_refuses(mini_scenario_path, tmp_path, monkeypatch, code, words):
    real = os.mkdir

    def mkdir(path, mode=0o777, *a, **kw):
        if Path(path).name.startswith("."):  # the staged folder
            raise OSError(code, os.strerror(code), str(path))
        return real(path, mode, *a, **kw)

    monkeypatch.setattr(os, "mkdir", mkdir)
    out = tmp_path / "new" / "deeper" / "res"
    line = one_line(clean_failure(invoke("run", mini_scenario_path, "-n", 10, "--out", out)))
    assert str(out) in line and words in line
    assert others(tmp_path) == []  # the parents it created are gone again


def test_a_full_disk(mini_scenario_path, tmp_path, monkeypatch):
    from racesim.output import results

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(results, "write_json", full)
    out = tmp_path / "new" / "res"
    line = one_line(clean_failure(invoke("run", mini_scenario_path, "-n", 10, "--out", out)))
    assert str(out) in line and "No space left on device" in line
    assert others(tmp_path) == []


def test_an_empty_mount_point(mini_scenario_path, tmp_path, monkeypatch):
    out = tmp_path / "mnt"
    out.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == out or real(p))
    line = one_line(clean_failure(invoke("run", mini_scenario_path, "-n", 10, "--out", out)))
    assert "mount point" in line
    assert others(tmp_path) == [out.name] and list(out.iterdir()) == []


def test_a_failing_final_rename_leaks_no_staged_folder(mini_scenario_path, tmp_path, monkeypatch):
    out = tmp_path / "mnt"
    real = os.rename

    def rename(a, b):
        if Path(b) == out:
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(a), None, str(b))
        return real(a, b)

    monkeypatch.setattr(os, "rename", rename)
    result = invoke("run", mini_scenario_path, "-n", 10, "--out", out)
    clean_failure(result)
    # the table came first (it is printed before the pictures); the error is one line
    assert result.stdout.startswith("mini: 10 replications") and "results in" not in result.stdout
    line = one_line(result.stderr)
    assert "busy" in line
    assert others(tmp_path) == []


def test_folders_respect_the_umask(mini_scenario_path, tmp_path):
    old = os.umask(0o027)
    try:
        run_ok(mini_scenario_path, tmp_path / "a" / "res")
    finally:
        os.umask(old)
    assert (tmp_path / "a" / "res").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "a" / "res" / "summary.json").stat().st_mode & 0o777 == 0o640


# -- plot --out and report --out --------------------------------------------------------
@pytest.fixture
def results(mini_scenario_path, tmp_path) -> Path:
    out = tmp_path / "res"
    run_ok(mini_scenario_path, out)
    return out


def test_report_never_overwrites_a_results_file(results):
    before = tree(results)
    msg = clean_failure(invoke("report", results, "--out", results / "summary.json"))
    assert "summary.json" in msg and "--force" in msg
    assert tree(results) == before


def test_report_and_plot_keep_other_files_unless_forced(results, tmp_path):
    mine = tmp_path / "mine.html"
    mine.write_text("my page")
    clean_failure(invoke("report", results, "--out", mine))
    assert mine.read_text() == "my page"
    assert invoke("report", results, "--out", mine, "--force").exit_code == 0
    assert "racesim report" in mine.read_text()
    assert invoke("report", results, "--out", mine).exit_code == 0  # its own report now
    assert invoke("report", results).exit_code == 0  # RESULTS/report.html again
    figs = tmp_path / "figs"
    figs.mkdir()
    (figs / "landing_first.png").write_bytes(b"my figure")
    clean_failure(invoke("plot", results, "--out", figs))
    assert (figs / "landing_first.png").read_bytes() == b"my figure"
    assert invoke("plot", results).exit_code == 0  # RESULTS/plots: its own plots


def test_a_folder_redrawn_by_plot_may_still_be_replaced(mini_scenario_path, tmp_path):
    out = tmp_path / "res"
    run_ok(mini_scenario_path, out, "--no-plots", "--no-report")
    assert invoke("plot", out).exit_code == 0
    assert invoke("report", out).exit_code == 0
    run_ok(mini_scenario_path, out, "--force", "--seed", "5")
    assert json.loads((out / "summary.json").read_text())["seed"] == 5


# -- damaged results folders ------------------------------------------------------------
DAMAGE = {
    "empty summary": ("summary.json", "{}"),
    "list summary": ("summary.json", "[1, 2]"),
    "not JSON": ("summary.json", "{"),
    "text p": ("summary.json", None),
    "NaN p": ("summary.json", None),
    "broken scenario": ("scenario.yaml", "a: [b"),
    "dates without columns": ("dates.csv", "x,y\n1,2\n"),
    "empty dates": ("dates.csv", ""),
    "dates without rows": ("dates.csv", "milestone,agency,date,year,count,p_by_date\n"),
    "NaN date p": ("dates.csv", None),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("command", ["plot", "report"])
def test_a_damaged_folder_is_refused(mini_scenario_path, tmp_path, damage, command):
    out = tmp_path / "res"
    run_ok(mini_scenario_path, out, "--seed", "4")
    name, text = DAMAGE[damage]
    path = out / name
    if damage == "text p":
        s = json.loads(path.read_text())
        s["milestones"]["landing"]["first"]["alpha"]["p"] = "high"
        text = json.dumps(s)
    elif damage == "NaN p":
        s = json.loads(path.read_text())
        s["milestones"]["landing"]["reached"]["alpha"]["p"] = float("nan")
        text = json.dumps(s)  # Python writes NaN; JSON readers accept it
    elif damage == "NaN date p":
        lines = path.read_text().splitlines()
        lines[1] = ",".join([*lines[1].split(",")[:-1], "nan"])
        text = "\n".join(lines) + "\n"
    path.write_text(text)
    before = tree(out)
    msg = clean_failure(invoke(command, out))
    assert name in msg and "damaged" in msg
    assert tree(out) == before  # nothing drawn


# -- manifest and executor --------------------------------------------------------------
def test_manifest_started_is_when_the_run_started(mini_scenario_path, tmp_path, monkeypatch):
    real = montecarlo.run_many

    def slow(*args, **kw):
        time.sleep(2.5)
        return real(*args, **kw)

    monkeypatch.setattr(montecarlo, "run_many", slow)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run_ok(mini_scenario_path, tmp_path / "res")
    started = dt.datetime.fromisoformat(
        json.loads((tmp_path / "res" / "manifest.json").read_text())["started"]
    )
    assert before - dt.timedelta(seconds=1) <= started <= before + dt.timedelta(seconds=1)


def test_scheduler_implies_dask_and_refuses_local():
    assert montecarlo.resolve_executor(None, "tcp://10.0.0.1:8786") == "dask"
    assert montecarlo.resolve_executor(None, None) == "local"
    with pytest.raises(montecarlo.ExecutorError, match="only used by the dask executor"):
        montecarlo.resolve_executor("local", "tcp://10.0.0.1:8786")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (("--scheduler", "not-a-url"), "not a Dask scheduler address"),
        (("--scheduler", "tcp://127.0.0.1:9", "--executor", "local"), "only used by the dask"),
    ],
)
def test_a_bad_scheduler_is_refused_before_anything_runs(
    mini_scenario_path, tmp_path, extra, words
):
    out = tmp_path / "res"
    msg = clean_failure(invoke("run", mini_scenario_path, "-n", 10, "--out", out, *extra))
    assert words in msg
    assert others(tmp_path) == []


def serve(reply: bytes | None):
    """A TCP server that is not a Dask scheduler: it sends ``reply``, or stays silent."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held = []

    def loop():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            held.append(conn)
            if reply is not None:
                conn.sendall(reply)

    threading.Thread(target=loop, daemon=True).start()
    return srv, held


@pytest.mark.parametrize("reply", [None, b"\xff" * 64 + b"HTTP/1.1 200 OK\r\n\r\n"])
def test_something_else_at_the_scheduler_address_is_a_clear_error(monkeypatch, reply):
    pytest.importorskip("distributed")
    from .helpers import mission, scenario

    monkeypatch.setattr(executors, "DASK_CONNECT_TIMEOUT", "1s")
    srv, held = serve(reply)
    try:
        s = scenario({"a": {"missions": [mission("x")]}})
        address = f"tcp://127.0.0.1:{srv.getsockname()[1]}"
        t0 = time.monotonic()
        with pytest.raises(montecarlo.ExecutorError, match="Dask scheduler"):
            montecarlo.run_many(s, 10, 1, scheduler=address)
        assert time.monotonic() - t0 < 30  # bounded: 1 s connect limit + 5 s grace
    finally:
        srv.close()
        for c in held:
            c.close()


def test_report_finds_results_a_dead_run_left_aside(mini_scenario_path, tmp_path):
    out = tmp_path / "res"
    run_ok(mini_scenario_path, out, "--seed", "6")
    crash(out, exchange=False, die_at=2)
    assert not out.exists()
    result = invoke("report", out)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "summary.json").read_text())["seed"] == 6
    assert (out / "report.html").is_file() and hidden(tmp_path) == []


def test_two_real_runs_into_one_new_folder(mini_scenario_path, tmp_path):
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "racesim.cli", "run", str(mini_scenario_path), "-n", "3000"]
    cmd += ["--out", str(out), "--no-plots", "--no-report"]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in outs)
    assert codes == [0, 2], outs
    loser_out, loser = next((so, err) for code, so, err in outs if code == 2)
    assert "Traceback" not in loser and "results in" not in loser_out
    assert "another program or racesim run" in loser or "already holds results" in loser
    winner_out, winner = next((so, err) for code, so, err in outs if code == 0)
    assert f"results in {out}" in winner  # a note: on stderr, the table on stdout
    assert winner_out.startswith("mini: 3,000 replications")
    assert hidden(tmp_path) == [] and (out / "summary.json").is_file()


@pytest.mark.parametrize("exchange", [True, False])
def test_a_failing_replacement_keeps_the_old_results(tmp_path, monkeypatch, exchange):
    out = tmp_path / "res"
    racesim_folder(out, "old")
    monkeypatch.setattr(folders, "USE_EXCHANGE", exchange)
    real = os.rename

    def rename(a, b):
        if Path(a) == out or Path(b) == out:
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(a), None, str(b))
        return real(a, b)

    monkeypatch.setattr(os, "rename", rename)
    monkeypatch.setattr(folders, "exchange", lambda a, b: rename(a, b) if exchange else False)
    with pytest.raises(folders.WriteError, match="cannot write the results folder"):
        with staged_folder(out, force=True) as tmp:
            (tmp / "summary.json").write_text("new")
    assert (out / "summary.json").read_text() == "old"
    assert hidden(tmp_path) == []
