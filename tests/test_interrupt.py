"""Ctrl-C part-way through a run: workers stop, nothing half-written is left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

SCENARIO = """
name: long
start: 2030-01-01
horizon: 2060-01-01
replications: 100000000
milestones: {m: {title: M}}
agencies:
  a:
    budget: {annual: 100, volatility: 0.3}
    missions:
      - {id: x, cost: 300, duration: {lognormal: {median: 2, sigma: 0.3}}, success: 0.5,
         attempts: 50, achieves: [m]}
"""


@pytest.mark.parametrize(
    ("jobs", "sig"), [("1", signal.SIGINT), ("2", signal.SIGINT), ("2", signal.SIGTERM)]
)
def test_ctrl_c_leaves_nothing_behind(tmp_path, jobs, sig):
    scenario = tmp_path / "long.yaml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "results" / "long"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "racesim.cli",
            "run",
            str(scenario),
            "--out",
            str(out),
            "--jobs",
            jobs,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(3.0)  # well into the run (workers started, table being written)
    assert proc.poll() is None
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # what a terminal's Ctrl-C does: the whole group
    else:
        os.kill(proc.pid, sig)  # `kill PID`: only racesim itself is told
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists()
    # no partial folder either, nor the parent folder the run created for it
    assert not (tmp_path / "results").exists()
    # no worker (nor the pool's fork server) is left in the run's process group
    for _ in range(20):
        leftover = subprocess.run(
            ["pgrep", "-g", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        if not leftover:
            break
        time.sleep(0.25)
    assert leftover == []
