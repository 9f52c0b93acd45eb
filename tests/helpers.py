"""Small builders for test scenarios (plain dicts validated like a file)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from racesim.cli import main
from racesim.engine.plan import Plan
from racesim.run.replication import run_chunk
from racesim.scenario import from_data

BASE = {
    "name": "t",
    "start": "2030-01-01",
    "horizon": "2060-01-01",
    "seed": 7,
    "replications": 100,
    "milestones": {"m": {"title": "M"}},
    "agencies": {},
}


def scenario(agencies: dict, milestones=None, **top):
    data = copy.deepcopy(BASE)
    data["agencies"] = agencies
    if milestones is not None:
        data["milestones"] = {k: {"title": k} for k in milestones}
    data.update(top)
    return from_data(data)


def mission(id, duration=1.0, success=1.0, **kw):
    return {"id": id, "duration": duration, "success": success, "achieves": ["m"], **kw}


def reached(s, n, seed=1, first=0):
    """(n, M, A) reach times, years."""
    return run_chunk(Plan.from_scenario(s), seed, first, n)


def within(estimate, expected, se, k=4.0):
    assert abs(estimate - expected) <= k * se, (estimate, expected, se)


def prop_se(p, n):
    return float(np.sqrt(max(p * (1 - p), 1e-12) / n))


def invoke(*args):
    """Run the racesim command line in-process with these arguments (str() of each)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def clean_failure(result) -> str:
    """A clean refusal of a command: exit 2, one message, no traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.output


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative path: its bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
