"""Regression tests for what the adversarial review of issue 13 found (F1-F6), driven
through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import invoke


def refused(result) -> str:
    """A clean refusal: exit 2, one message, no traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.output


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def results(mini_scenario_path, tmp_path) -> Path:
    out = tmp_path / "R"
    r = invoke("run", mini_scenario_path, "-n", 30, "--out", out, "--no-plots", "--no-report")
    assert r.exit_code == 0, (r.output, r.exception)
    return out


# -- F1: only racesim's marker makes a folder racesim's -------------------------------
def users_folder(d: Path) -> Path:
    d.mkdir()
    (d / "manifest.json").write_text('{"racesim": "x", "seed": 1}\n')
    (d / "summary.json").write_text("mine\n")
    return d


@pytest.mark.parametrize("force", [(), ("--force",)])
def test_f1_a_manifest_with_racesim_and_seed_is_not_a_marker(mini_scenario_path, tmp_path, force):
    d = users_folder(tmp_path / "D")
    before = files(d)
    msg = refused(invoke("run", mini_scenario_path, "-n", 20, "--out", d, *force))
    assert "--force" not in msg  # --force would not be safe, so it is not offered
    msg = refused(invoke("compare", mini_scenario_path, "-n", 20, "--out", d, *force))
    assert "--force" not in msg
    assert files(d) == before


def test_f1_report_does_not_overwrite_a_users_report_beside_such_a_manifest(results, tmp_path):
    d = users_folder(tmp_path / "D")
    (d / "report.html").write_text("my report\n")
    msg = refused(invoke("report", results, "--out", d / "report.html"))
    assert "--force" in msg  # one named file: the user may choose to overwrite it
    assert (d / "report.html").read_text() == "my report\n"


def test_f1_a_folder_of_the_previous_version_with_its_marker_is_still_replaced(
    mini_scenario_path, tmp_path
):
    d = users_folder(tmp_path / "D")
    (d / ".racesim-results").write_text("written by racesim; `--force` may replace this folder\n")
    r = invoke("run", mini_scenario_path, "-n", 20, "--out", d, "--force", "--no-plots")
    assert r.exit_code == 0, (r.output, r.exception)
    assert json.loads((d / "summary.json").read_text())["replications"] == 20


# -- F2: a name longer than the file system allows --------------------------------------
def test_f2_a_name_too_long_is_one_line_naming_the_path(mini_scenario_path, results, tmp_path):
    long = tmp_path / ("d" * 256)
    for args in (
        ("run", mini_scenario_path, "-n", 20, "--out", long),
        ("compare", mini_scenario_path, "--set", "seed=3", "-n", 20, "--out", long),
        ("report", long),
        ("report", results, "--out", long),
        ("report", results, "--out", long / "r.html"),
        ("plot", results, "--out", long),
        ("plot", results, "--out", long / "p"),
    ):
        msg = refused(invoke(*args))
        assert "256 bytes long" in msg and "ddd" in msg, (args, msg)
        assert len(msg.strip().splitlines()) == 1, (args, msg)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R", "mini.yaml"]


# -- F3: devices and pipes are never read or written as output or a landing record -------
def cli(*args, cwd=None):
    """The command line in a child process (a hang ends in a timeout, not a stuck suite)."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "racesim.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@pytest.mark.parametrize("device", ["/dev/full", "/dev/zero", "fifo"])
def test_f3_report_out_a_device_or_pipe_is_refused(results, tmp_path, device):
    import os

    if device == "fifo":
        device = tmp_path / "fifo"
        os.mkfifo(device)
    for force in ((), ("--force",)):
        p = cli("report", results, "--out", device, *force)
        assert p.returncode == 2, (p.stdout, p.stderr)
        assert "not a regular file" in p.stderr and "Traceback" not in p.stderr
        assert "--force" not in p.stderr


def test_f3_a_pipe_as_record_file_is_refused(tmp_path):
    import os

    os.mkfifo(tmp_path / "landings.csv")
    (tmp_path / "s.yaml").write_text(
        (Path(__file__).parent / "golden" / "v1" / "base.yaml")  # fits success to its record
        .read_text()
        .replace("../../../seeds/landings.csv", "landings.csv")
    )
    p = cli("validate", tmp_path / "s.yaml")
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "record.file" in p.stderr and "not a regular file" in p.stderr
    assert "Traceback" not in p.stderr


# -- F4: --set paths with an empty part -------------------------------------------------
@pytest.mark.parametrize("path", [".", "..", "seed.", ".seed", "agencies..alpha"])
def test_f4_an_empty_part_in_a_set_path_is_refused(mini_scenario_path, tmp_path, path):
    out = tmp_path / "o"
    for extra in ((), ("--set", "seed=-1")):
        msg = refused(
            invoke("run", mini_scenario_path, "-n", 20, "--set", f"{path}=1", *extra, "--out", out)
        )
        assert "empty part" in msg and repr(path) in msg, msg
        if extra:
            assert "seed" in msg and ">= 0" in msg  # the other problem is reported too
    assert not out.exists()


# -- F5: summary.json's replications ------------------------------------------------------
@pytest.mark.parametrize("value", [None, "many", -3, 0, 2.5, True])
def test_f5_replications_must_be_a_positive_whole_number(results, value):
    path = results / "summary.json"
    summary = json.loads(path.read_text())
    if value is None:
        del summary["replications"]
    else:
        summary["replications"] = value
    path.write_text(json.dumps(summary))
    before = files(results)
    for cmd in ("report", "plot"):
        msg = refused(invoke(cmd, results))
        assert "summary.json" in msg and "'replications'" in msg, msg
    assert files(results) == before


def test_f5_an_intact_folder_still_reports(results):
    r = invoke("report", results)
    assert r.exit_code == 0, (r.output, r.exception)


# -- F6: the values bound counts what aliases add, not the size of an honest file --------
def big_scenario(agencies: int, missions: int) -> str:
    """An honest scenario of agencies x missions, about 22 values per mission."""
    mission = (
        "      - {{id: m{m}, name: Mission {m} of agency {a}, cost: {{lognormal: {{median: "
        "{c}, sigma: 0.5}}}}, duration: {{triangular: {{low: 0.5, mode: 1.0, high: 2.5}}}},"
        " success: {{beta: {{a: 6.5, b: 3.5}}}}, attempts: 2, refly: {{cost: 0.5, "
        "duration: 0.5}}, not_before: 2026-01-01, achieves: [{ach}]}}"
    )
    lines = ["name: big", "start: 2025-01-01", "horizon: 2060-01-01", "seed: 1"]
    lines += ["milestones: {landing: {title: First landing}}", "agencies:"]
    for a in range(agencies):
        lines += [f"  a{a}:", f"    name: Agency {a}", "    budget: {annual: 100}"]
        lines += ["    missions:"]
        lines += [
            mission.format(m=m, a=a, c=10 + m, ach="landing" if m == missions - 1 else "")
            for m in range(missions)
        ]
    return "\n".join(lines) + "\n"


def test_f6_a_200_agency_by_50_mission_scenario_is_accepted(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(big_scenario(200, 50))
    assert path.stat().st_size > 1_000_000  # large enough for the fast parser too
    r = invoke("validate", path)
    assert r.exit_code == 0, (r.output, r.exception)
    assert "200 agencies, 10000 missions" in r.output


@pytest.mark.parametrize("copies, refused_for_size", [(150, False), (250, True)])
def test_f6_aliases_may_add_at_most_200000_values(
    mini_scenario_path, tmp_path, copies, refused_for_size
):
    # an anchored list of 1,000 values, repeated `copies` times: adds copies x 1,000
    text = mini_scenario_path.read_text() + (
        "description: {a: &x ["
        + ", ".join(["1"] * 1000)
        + "], b: ["
        + ", ".join(["*x"] * copies)
        + "]}\n"
    )
    path = tmp_path / "aliases.yaml"
    path.write_text(text)
    msg = refused(invoke("validate", path))
    assert ("aliases repeat more than 200,000 values" in msg) == refused_for_size, msg


# -- also: plot --out on a full disk; --scheduler '' --------------------------------------
def test_plot_out_on_a_full_disk_leaves_no_truncated_file_and_no_new_folder(
    results, tmp_path, monkeypatch
):
    import errno

    real = Path.write_bytes

    def full_disk(self, data):
        if self.suffix != ".svg":
            return real(self, data)
        real(self, data[:100])  # what fitted
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    out = tmp_path / "new" / "plots"
    msg = refused(invoke("plot", results, "--out", out))
    assert "No space left on device" in msg
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    refused(invoke("plot", results, "--out", kept))
    assert not [p.name for p in kept.iterdir() if p.suffix == ".svg"]


def test_an_empty_scheduler_is_named_not_executor_local(mini_scenario_path, tmp_path):
    msg = refused(
        invoke("run", mini_scenario_path, "-n", 20, "--scheduler", "", "--out", tmp_path / "o")
    )
    assert "not a Dask scheduler address" in msg and "--executor local" not in msg
    assert not (tmp_path / "o").exists()
