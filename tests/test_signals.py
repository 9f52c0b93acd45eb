"""Real processes and real signals: SIGKILL of a pooled run, Ctrl-C of a Dask run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import invoke
from .test_interrupt import SCENARIO


def start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    scenario = tmp_path / "long.yaml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "results" / "long"
    proc = subprocess.Popen(
        [sys.executable, "-m", "racesim.cli", "run", str(scenario), "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    return proc, out


def group(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-g", str(pid)], capture_output=True, text=True).stdout.split()


def wait_for_workers(pid: int, at_least: int, limit: float = 30) -> None:
    t0 = time.monotonic()
    while len(group(pid)) < at_least:
        assert time.monotonic() - t0 < limit, "the pool never started"
        time.sleep(0.2)


def test_sigkill_of_a_pooled_run_leaves_no_process_and_the_next_run_tidies(
    tmp_path, mini_scenario_path
):
    proc, out = start(tmp_path, "--jobs", "2")
    try:
        wait_for_workers(proc.pid, 4)  # racesim, fork server, two workers
        time.sleep(1.0)  # well into the run: the staged folder holds a table
        os.kill(proc.pid, signal.SIGKILL)
        # every process that held racesim's pipes has gone: they close
        proc.communicate(timeout=30)
        t0 = time.monotonic()
        while group(proc.pid) and time.monotonic() - t0 < 20:
            time.sleep(0.25)
        assert group(proc.pid) == []  # workers, fork server and resource tracker
    finally:
        for pid in group(proc.pid):
            os.kill(int(pid), signal.SIGKILL)
    parent = out.parent
    stale = [p.name for p in parent.iterdir() if ".partial-" in p.name]
    assert len(stale) == 1 and not out.exists()
    # a later run into the same parent removes the dead run's staged folder
    result = invoke("run", mini_scenario_path, "-n", 10, "--out", parent / "other", "--no-plots")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in parent.iterdir()) == ["other"]


def test_ctrl_c_of_a_dask_run_prints_no_worker_traceback(tmp_path):
    pytest.importorskip("distributed")
    proc, out = start(tmp_path, "--jobs", "2", "--executor", "dask")
    try:
        wait_for_workers(proc.pid, 3, limit=60)  # racesim and the cluster's processes
        time.sleep(4.0)  # the cluster is up and working
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        _, err = proc.communicate(timeout=60)
    finally:
        for pid in group(proc.pid):
            os.kill(int(pid), signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines() == ["racesim: interrupted; no results were written."]
    assert not out.exists()
