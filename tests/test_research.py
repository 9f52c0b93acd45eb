"""For researchers (issue 11 §4): the inputs and outcomes tables of ``run --inputs``,
Parquet tables read back by ``racesim.open``, provenance in the manifest, and
``--quiet``/``--json`` with tables on stdout and notes on stderr.  Each on a real run."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import racesim
from racesim.cli import main
from tests.helpers import prop_se, within

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")

QUIET = ("--no-plots", "--no-report")


def run_cli(*args):
    r = CliRunner().invoke(main, ["run", *map(str, args)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# -- a scenario whose outcome follows from its inputs in closed form ------------------
# one agency, one mission, no money: it lands `duration` years after the start, and
# a shock and noise that play no part in the outcome (their columns are checked alone)
SOLO = {
    "name": "solo",
    "start": "2030-01-01",
    "horizon": "2060-01-01",
    "seed": 11,
    "replications": 4000,
    "milestones": {"landing": {"title": "Landing"}},
    "agencies": {
        "a": {
            "budget": {
                "annual": {"uniform": {"low": 50, "high": 150}},
                "volatility": 0.2,
                "shocks": [
                    {
                        "name": "cut",
                        "factor": {"uniform": {"low": 0.5, "high": 0.9}},
                        "from": "2031-06-01",
                        "until": "2035-06-01",
                        "probability": 0.3,
                    }
                ],
            },
            "missions": [
                {
                    "id": "m",
                    "duration": {"uniform": {"low": 1, "high": 3}},
                    "success": 1.0,
                    "achieves": ["landing"],
                }
            ],
        }
    },
}


@pytest.fixture
def solo(write_scenario) -> Path:
    return write_scenario(SOLO, "solo.yaml")


def test_inputs_are_the_numbers_each_replication_ran_on(solo, tmp_path):
    out = tmp_path / "r"
    run_cli(solo, "-n", 4000, "--inputs", "--out", out, *QUIET)
    inputs, outcomes = rows(out / "inputs.csv"), rows(out / "outcomes.csv")
    assert len(inputs) == len(outcomes) == 4000
    assert [int(r["replication"]) for r in inputs] == list(range(4000))
    cols = list(inputs[0])
    # named by --set paths; the fixed success has no column; a shock only in its window
    assert "agencies.a.missions.m.duration" in cols and "agencies.a.budget.annual" in cols
    assert "agencies.a.missions.m.success" not in cols
    assert [c for c in cols if ".noise[" in c] == [
        f"agencies.a.budget.noise[{k}]"
        for k in range(30)  # years 0..29 cover 30 years
    ]
    # budget years begin on 2030-01-01 + k years: 2032..2035 begin inside the window
    shock = [c for c in cols if ".shocks[0]" in c]
    assert shock == [f"agencies.a.budget.shocks[0].factor[{k}]" for k in (2, 3, 4, 5)]
    start = dt.date(2030, 1, 1)
    for i, o in zip(inputs, outcomes):
        # the landing is on the day `duration` years after the start
        d = float(i["agencies.a.missions.m.duration"])
        landed = (dt.date.fromisoformat(o["landing.date"]) - start).days
        assert abs(landed - d * 365.25) <= 1.0, (i["replication"], d, o)
        assert o["landing.winner"] == "a"
    # and each column has the distribution the scenario gives it
    n = len(inputs)
    dur = np.array([float(r["agencies.a.missions.m.duration"]) for r in inputs])
    within(dur.mean(), 2.0, (2 / np.sqrt(12)) / np.sqrt(n))
    noise = np.array([float(r["agencies.a.budget.noise[7]"]) for r in inputs])
    sd_noise = np.sqrt(np.exp(0.2**2) - 1)  # lognormal with mean 1 and log-sd 0.2
    within(noise.mean(), 1.0, sd_noise / np.sqrt(n))
    factor = np.array([float(r["agencies.a.budget.shocks[0].factor[3]"]) for r in inputs])
    hit = factor != 1.0
    within(hit.mean(), 0.3, prop_se(0.3, n))
    assert ((factor[hit] >= 0.5) & (factor[hit] <= 0.9)).all()
    within(factor[hit].mean(), 0.7, (0.4 / np.sqrt(12)) / np.sqrt(hit.sum()))


def test_an_input_set_with_set_reproduces_its_replication(mini_scenario_path, tmp_path):
    """Replication k's drawn annual budget of beta, given back with --set, leaves its
    outcome unchanged: the column is the very number the replication used."""
    out = tmp_path / "r"
    run_cli(mini_scenario_path, "-n", 300, "--inputs", "--out", out, *QUIET)
    inputs, outcomes = rows(out / "inputs.csv"), rows(out / "outcomes.csv")
    path = "agencies.beta.budget.annual"
    s = racesim.load(mini_scenario_path)
    changed = 0
    for k in (3, 17, 101):
        fixed = racesim.load(mini_scenario_path, {path: float(inputs[k][path])})
        base, again = s_run(s, k), s_run(fixed, k)
        assert base == again, k
        changed += base != s_run(racesim.load(mini_scenario_path, {path: 1.0}), k)
        assert outcomes[k]["landing.winner"] == winner(s, k)
    assert changed  # the budget matters in some of these replications


def s_run(s, k: int):
    from racesim.run.replication import run_replication

    return [float(x) for x in np.nan_to_num(run_replication(s, s.seed, k).reached).ravel()]


def winner(s, k: int) -> str:
    from racesim.run.replication import run_replication
    from racesim.run.stats import first_index

    r = run_replication(s, s.seed, k).reached[None]
    w = int(first_index(r)[0, 0])
    return [*s.agencies, "none"][w]


def test_outcomes_agree_with_the_tidy_table(mini_scenario_path, tmp_path):
    out = tmp_path / "r"
    run_cli(mini_scenario_path, "-n", 500, "--inputs", "--out", out, *QUIET)
    firsts = {int(r["replication"]): r for r in rows(out / "replications.csv") if r["first"] == "1"}
    outcomes = rows(out / "outcomes.csv")
    assert list(outcomes[0]) == ["replication", "landing.winner", "landing.date", "landing.year"]
    nobody = 0
    for o in outcomes:
        f = firsts.get(int(o["replication"]))
        if f is None:
            nobody += 1
            assert (o["landing.winner"], o["landing.date"], o["landing.year"]) == ("none", "", "")
        else:
            assert (o["landing.winner"], o["landing.date"], o["landing.year"]) == (
                f["agency"],
                f["date"],
                f["year"],
            )
    summary = json.loads((out / "summary.json").read_text())
    assert nobody == round(summary["milestones"]["landing"]["first"]["none"]["p"] * 500)


# -- Parquet -------------------------------------------------------------------------------
def test_parquet_tables_are_the_csv_tables_and_do_not_depend_on_jobs(mini_scenario_path, tmp_path):
    csv_out, one, two = tmp_path / "csv", tmp_path / "p1", tmp_path / "p2"
    run_cli(mini_scenario_path, "-n", 700, "--inputs", "--out", csv_out, *QUIET)
    run_cli(mini_scenario_path, "-n", 700, "--inputs", "--table", "parquet", "--out", one, *QUIET)
    run_cli(mini_scenario_path, "-n", 700, "--inputs", "--table", "parquet", "-j", 2, "--out", two)
    for name in ("replications.parquet", "inputs.parquet", "outcomes.parquet"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    t = pq.read_table(one / "replications.parquet").to_pandas()
    c = pd.read_csv(csv_out / "replications.csv", parse_dates=["date"])
    assert list(t.columns) == list(c.columns)
    assert (t["replication"].to_numpy() == c["replication"].to_numpy()).all()
    assert (t["agency"].astype(str).to_numpy() == c["agency"].to_numpy()).all()
    assert (pd.to_datetime(t["date"]).to_numpy() == c["date"].to_numpy()).all()
    assert (t["year"].to_numpy() == c["year"].to_numpy()).all()
    i = pq.read_table(one / "inputs.parquet").to_pandas()
    ci = pd.read_csv(csv_out / "inputs.csv")
    assert list(i.columns) == list(ci.columns) and (i.to_numpy() == ci.to_numpy()).all()
    o = pq.read_table(one / "outcomes.parquet").to_pandas()
    co = pd.read_csv(csv_out / "outcomes.csv", keep_default_na=False)
    assert (o["landing.winner"].astype(str).to_numpy() == co["landing.winner"].to_numpy()).all()
    got = ["" if pd.isna(d) else d.isoformat() for d in o["landing.date"]]
    assert got == list(co["landing.date"])
    man = json.loads((one / "manifest.json").read_text())
    assert man["table"] == "replications.parquet" and man["inputs"] == "inputs.parquet"
    assert man["versions"]["pyarrow"] == metadata.version("pyarrow")


def test_racesim_open_reads_a_parquet_folder_as_simulate_returned(mini_scenario_path, tmp_path):
    out = tmp_path / "p"
    run_cli(mini_scenario_path, "-n", 600, "--table", "parquet", "--out", out, *QUIET)
    back = racesim.open(out)
    fresh = racesim.simulate(mini_scenario_path, n=600)
    assert back.summary == fresh.summary
    assert back.table().equals(fresh.table())
    assert back.outcomes().equals(fresh.outcomes())


def test_parquet_row_groups_have_a_fixed_size_whatever_the_chunks(tmp_path, monkeypatch):
    """The same rows in different blocks give the same file, in groups of ROW_GROUP."""
    from racesim.output import tables

    monkeypatch.setattr(tables, "ROW_GROUP", 1000)
    data = np.arange(3500, dtype=np.int64)
    for name, blocks in (("a", [3500]), ("b", [7, 993, 1, 2498, 1])):
        w = tables.Columns(tmp_path / f"{name}.parquet", "parquet", ["x"], ["int64"])
        at = 0
        for size in blocks:
            w.add([data[at : at + size]])
            at += size
            assert w._rows < 1000  # never more than one group buffered
        w.close()
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    f = pq.ParquetFile(tmp_path / "a.parquet")
    assert [f.metadata.row_group(g).num_rows for g in range(f.num_row_groups)] == [
        1000,
        1000,
        1000,
        500,
    ]


def test_a_wide_parquet_table_buffers_a_bounded_group(tmp_path):
    """The inputs table has a column per drawn number: its row groups are smaller."""
    from racesim.output import tables

    names = [f"c{i}" for i in range(205)]
    w = tables.Columns(tmp_path / "w.parquet", "parquet", names, ["float64"] * 205)
    assert 1000 < w.group and w.group * 205 * 8 <= tables.GROUP_BYTES
    narrow = tables.Columns(tmp_path / "n.parquet", "parquet", ["x"], ["int64"])
    assert narrow.group == tables.ROW_GROUP
    w.close()
    narrow.close()


def test_parquet_without_pyarrow_is_one_clear_line(mini_scenario_path, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "p"
    r = CliRunner().invoke(
        main, ["run", str(mini_scenario_path), "--table", "parquet", "--out", str(out)]
    )
    assert r.exit_code == 2
    assert "pip install 'racesim[parquet]'" in r.stderr and "Traceback" not in r.output
    assert not out.exists()


# -- provenance, --quiet, --json -----------------------------------------------------------
def test_manifest_records_versions_and_the_command_line(mini_scenario_path, tmp_path):
    out = tmp_path / "r"
    cmd = ["run", str(mini_scenario_path), "-n", "50", "--out", str(out), *QUIET]
    p = subprocess.run(
        [sys.executable, "-m", "racesim.cli", *cmd], capture_output=True, text=True, timeout=300
    )
    assert p.returncode == 0, p.stderr
    man = json.loads((out / "manifest.json").read_text())
    for name in ("racesim", "simpy", "numpy", "scipy", "pydantic", "matplotlib"):
        assert man["versions"][name] == metadata.version(name), name
    assert "pyarrow" not in man["versions"]  # not used by a CSV run
    assert man["command"] == "racesim " + " ".join(cmd)
    assert man["argv"][-len(cmd) :] == cmd


def test_command_line_only_for_racesim_itself():
    from racesim.output.provenance import command_line

    assert command_line(["/x/bin/racesim", "run", "a b.yaml"]) == "racesim run 'a b.yaml'"
    assert command_line(["/x/racesim/cli/__main__.py", "run"]) == "racesim run"
    assert command_line(["analysis.py", "--n", "3"]) is None


def test_json_puts_the_summary_alone_on_stdout(mini_scenario_path, tmp_path):
    out = tmp_path / "r"
    r = run_cli(mini_scenario_path, "-n", 80, "--json", "--out", out, *QUIET)
    assert json.loads(r.stdout) == json.loads((out / "summary.json").read_text())
    assert f"results in {out}" in r.stderr


def test_quiet_prints_nothing_and_writes_the_folder(mini_scenario_path, tmp_path):
    out = tmp_path / "r"
    r = run_cli(mini_scenario_path, "-n", 80, "--quiet", "--out", out, *QUIET)
    assert r.stdout == "" and r.stderr == ""
    assert (out / "summary.json").is_file() and (out / "replications.csv").is_file()
    q = run_cli(mini_scenario_path, "-n", 80, "-q", "--json", "--out", tmp_path / "j", *QUIET)
    assert json.loads(q.stdout)["replications"] == 80 and q.stderr == ""


def test_tables_on_stdout_notes_on_stderr(mini_scenario_path, tmp_path):
    r = run_cli(mini_scenario_path, "-n", 60, "--out", tmp_path / "r", *QUIET)
    assert r.stdout.startswith("mini: 60 replications") and "results in" not in r.stdout
    assert "results in" in r.stderr
    s = CliRunner().invoke(
        main,
        [
            "sweep",
            str(mini_scenario_path),
            "--vary",
            "agencies.beta.missions.lander.success=0.3:0.9:2",
        ]
        + ["-n", "40", "--out", str(tmp_path / "s"), "--no-plots"],
    )
    assert s.exit_code == 0, s.output
    assert "results in" in s.stderr and "results in" not in s.stdout


def test_api_save_with_inputs_writes_the_command_line_tables(mini_scenario_path, tmp_path):
    cli = tmp_path / "cli"
    run_cli(mini_scenario_path, "-n", 250, "--inputs", "--table", "csv.gz", "--out", cli, *QUIET)
    run = racesim.simulate(mini_scenario_path, n=250)
    api = run.save(tmp_path / "api", table="csv.gz", inputs=True, plots=False, report=False)
    for name in ("inputs.csv.gz", "outcomes.csv.gz", "replications.csv.gz"):
        assert (cli / name).read_bytes() == (api / name).read_bytes(), name
    frame = run.inputs()
    assert list(frame.columns) == next(csv.reader([_gz_head(cli / "inputs.csv.gz")]))
    assert len(frame) == 250


def _gz_head(path: Path) -> str:
    import gzip

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return fh.readline().strip()


def test_precision_batches_share_one_worker_pool(mini_scenario_path, monkeypatch):
    """A --precision run adds batches on the pool it started with (same results)."""
    from racesim.run import executors

    started = []
    real = executors.ProcessPoolExecutor

    def counting(*args, **kwargs):
        started.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(executors, "ProcessPoolExecutor", counting)
    pooled = racesim.simulate(mini_scenario_path, n=100, jobs=2, precision=0.02)
    serial = racesim.simulate(mini_scenario_path, n=100, jobs=1, precision=0.02)
    assert pooled.n > 200  # several batches
    assert started == [1]
    assert pooled.summary == serial.summary
