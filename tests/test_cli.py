"""The command line and the results folder (the README's "Commands" and "The results
folder"), end to end in-process."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from racesim import __version__
from racesim.run.stats import wilson
from racesim.scenario import load_scenario
from racesim.scenario.timeutil import decimal_year

from .helpers import invoke

N = 300  # replications for most runs: fast, and enough for every branch to occur
AGENCIES = ["alpha", "beta"]
COLUMNS = ["replication", "milestone", "agency", "date", "year", "first"]
# what every run writes (plots and the report come on top unless switched off)
RESULT_FILES = {"summary.json", "scenario.yaml", "manifest.json", "replications.csv", "dates.csv"}


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def assert_clean_failure(result) -> str:
    """Non-zero exit through sys.exit with a message, not an exception/traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.output


def run_ok(scenario: Path, out: Path, *extra: str | Path):
    result = invoke("run", scenario, "--out", out, *extra)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (plots/ included), by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(parent: Path, name: str) -> list[str]:
    """Hidden staging folders left next to a results folder."""
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]


@pytest.fixture(scope="module")
def mini_module_path(tmp_path_factory, mini_scenario_text) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "mini.yaml"
    path.write_text(mini_scenario_text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def base_run(tmp_path_factory, mini_module_path) -> Path:
    """One ordinary run (-n N --seed 11), shared by the read-only checks."""
    out = tmp_path_factory.mktemp("runs") / "base"
    run_ok(mini_module_path, out, "-n", N, "--seed", 11)
    return out


# ---------------------------------------------------------------------------------------
# --version, validate
# ---------------------------------------------------------------------------------------
def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert __version__ in result.output
    assert "racesim" in result.output


def test_validate_ok(mini_scenario_path):
    result = invoke("validate", mini_scenario_path)
    assert result.exit_code == 0, result.output
    assert "ok" in result.output and str(mini_scenario_path) in result.output


def test_validate_failing(write_scenario, mini_scenario_data):
    mini_scenario_data["agencies"]["beta"]["missions"][2]["success"] = 1.3
    path = write_scenario(mini_scenario_data)
    out = assert_clean_failure(invoke("validate", path))
    assert str(path) in out
    assert "agencies.beta.missions[2].success" in out
    assert "between 0 and 1" in out
    assert "\n\n" not in out.strip()  # one paragraph


def test_validate_missing_file(tmp_path):
    out = assert_clean_failure(invoke("validate", tmp_path / "nope.yaml"))
    assert "nope.yaml" in out


def test_validate_yaml_syntax_error(write_scenario):
    path = write_scenario("name: x\nstart: [2023\nfoo: bar\n")
    out = assert_clean_failure(invoke("validate", path))
    assert str(path) in out and "line " in out


def test_validate_impossible_date_unquoted(write_scenario, mini_scenario_text):
    path = write_scenario(mini_scenario_text.replace("start: 2023-08-20", "start: 2023-13-01"))
    out = assert_clean_failure(invoke("validate", path))
    assert str(path) in out


# ---------------------------------------------------------------------------------------
# run: the results folder
# ---------------------------------------------------------------------------------------
def test_run_writes_the_results_folder(base_run):
    assert {p.name for p in base_run.iterdir()} >= RESULT_FILES
    assert leftovers(base_run.parent, base_run.name) == []


def test_run_prints_a_table(mini_scenario_path, tmp_path):
    result = run_ok(mini_scenario_path, tmp_path / "out", "-n", 50)
    assert "First soft landing" in result.output
    assert "Alpha" in result.output and "Beta" in result.output
    assert "50 replications" in result.output


def test_summary_shape(base_run):
    s = read_json(base_run / "summary.json")
    assert s["scenario"] == "mini" and s["replications"] == N and s["seed"] == 11
    assert list(s["milestones"]) == ["landing"]
    ms = s["milestones"]["landing"]
    assert ms["title"] == "First soft landing"

    first = ms["first"]
    assert list(first) == [*AGENCIES, "none"]
    assert abs(sum(v["p"] for v in first.values()) - 1) <= 1e-12
    for v in first.values():
        lo, hi = v["ci95"]
        assert 0 <= lo <= v["p"] <= hi <= 1

    reached = ms["reached"]
    assert list(reached) == AGENCIES
    for a, v in reached.items():
        assert {"p", "ci95", "median", "p10", "p90"} <= set(v)
        lo, hi = v["ci95"]
        assert 0 <= lo <= v["p"] <= hi <= 1
        assert v["p"] >= first[a]["p"]  # winning implies reaching
        assert v["p"] > 0  # both agencies can land in this scenario
        dates = [dt.date.fromisoformat(v[k]) for k in ("p10", "median", "p90")]
        assert dates == sorted(dates)
        assert all(dt.date(2023, 8, 20) <= d <= dt.date(2035, 12, 31) for d in dates)


def test_summary_numbers_are_unrounded(base_run):
    s = read_json(base_run / "summary.json")
    _, rows = read_rows(base_run / "replications.csv")
    wins = Counter(r["agency"] for r in rows if r["first"] == "1")
    wins["none"] = N - sum(wins.values())
    for a, v in s["milestones"]["landing"]["first"].items():
        assert v["p"] == wins[a] / N  # exactly, not rounded
        assert v["ci95"] == list(wilson(wins[a], N))
    # the interval bounds are irrational: written in full, not to a few decimals
    assert all(
        len(repr(x)) > 12
        for v in s["milestones"]["landing"]["first"].values()
        for x in v["ci95"]
        if 0 < x < 1
    )


def test_replications_table(base_run):
    s = read_json(base_run / "summary.json")
    columns, rows = read_rows(base_run / "replications.csv")
    assert columns == COLUMNS
    assert rows, "somebody should land in some replication"

    firsts: dict[tuple[str, str], int] = defaultdict(int)
    reached = Counter()
    for r in rows:
        rep = int(r["replication"])
        assert 0 <= rep < N
        assert r["milestone"] == "landing" and r["agency"] in AGENCIES
        assert r["first"] in ("0", "1")
        d = dt.date.fromisoformat(r["date"])
        assert abs(float(r["year"]) - decimal_year(d)) < 1e-4
        firsts[(r["replication"], r["milestone"])] += int(r["first"])
        reached[r["agency"]] += 1
    # everybody who appears reached it, so exactly one of them is first
    assert set(firsts.values()) == {1}

    first = s["milestones"]["landing"]["first"]
    wins = Counter(r["agency"] for r in rows if r["first"] == "1")
    for a in AGENCIES:
        assert wins[a] == round(first[a]["p"] * N)
        assert reached[a] == round(s["milestones"]["landing"]["reached"][a]["p"] * N)
    assert N - len(firsts) == round(first["none"]["p"] * N)


def test_first_row_is_the_earliest(base_run):
    _, rows = read_rows(base_run / "replications.csv")
    by_rep = defaultdict(list)
    for r in rows:
        by_rep[r["replication"]].append(r)
    for group in by_rep.values():
        winner = next(r for r in group if r["first"] == "1")
        assert winner["date"] == min(r["date"] for r in group)


def test_resolved_scenario_and_manifest(base_run, mini_module_path):
    resolved = load_scenario(base_run / "scenario.yaml")
    assert resolved == load_scenario(mini_module_path)
    m = read_json(base_run / "manifest.json")
    assert m["racesim"] == __version__
    assert m["seed"] == 11 and m["replications"] == N
    assert m["resolved_scenario_sha256"] == resolved.digest()
    assert m["overrides"] == []
    dt.datetime.fromisoformat(m["started"])  # the date of the run


def test_saved_scenario_finds_the_record_from_the_results_folder(tmp_path):
    # the saved record.file is relative to the results folder (not to the original
    # scenario file), so a rerun of results/X/scenario.yaml can fit a class again
    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "one" / "two" / "base"
    run_ok(root / "scenarios" / "base.yaml", out, "-n", 20, "--no-plots", "--no-report")
    file = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))["record"]["file"]
    assert not Path(file).is_absolute()  # no machine-specific path in the folder
    assert (out / file).resolve() == (root / "seeds" / "landings.csv").resolve()
    again = tmp_path / "again"
    crewed = "agencies.nasa.missions.artemis3.success={record: crewed}"
    run_ok(out / "scenario.yaml", again, "-n", 20, "--set", crewed, "--no-plots", "--no-report")
    assert read_json(again / "summary.json")["replications"] == 20
    # and the folder's scenario is the scenario that ran
    assert load_scenario(out / "scenario.yaml") == load_scenario(root / "scenarios" / "base.yaml")


def test_default_results_folder(mini_scenario_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", mini_scenario_path, "-n", 30)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "mini" / "summary.json").exists()


def test_defaults_come_from_the_scenario(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out)
    m = read_json(out / "manifest.json")
    assert m["replications"] == 200 and m["seed"] == 7
    assert read_json(out / "summary.json")["replications"] == 200


# ---------------------------------------------------------------------------------------
# never replace silently; write nothing on error
# ---------------------------------------------------------------------------------------
def test_second_run_refuses_without_force(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out, "-n", 50, "--seed", 1)
    before = snapshot(out)
    result = invoke("run", mini_scenario_path, "--out", out, "-n", 60, "--seed", 2)
    msg = assert_clean_failure(result)
    assert "--force" in msg and str(out) in msg
    assert snapshot(out) == before
    assert leftovers(tmp_path, "out") == []


def test_force_replaces(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out, "-n", 50, "--seed", 1)
    run_ok(mini_scenario_path, out, "-n", 60, "--seed", 2, "--force", "--table", "none")
    s = read_json(out / "summary.json")
    assert s["replications"] == 60 and s["seed"] == 2
    # replaced, not merged: the old table is gone
    names = {p.name for p in out.iterdir()}
    assert names >= RESULT_FILES - {"replications.csv"} and "replications.csv" not in names
    assert leftovers(tmp_path, "out") == []


def test_existing_empty_folder_is_fine(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    run_ok(mini_scenario_path, out, "-n", 30)
    assert (out / "summary.json").exists()


def test_bad_scenario_writes_nothing(write_scenario, mini_scenario_data, tmp_path):
    mini_scenario_data["agencies"]["beta"]["missions"][2]["success"] = 1.3
    path = write_scenario(mini_scenario_data)
    out = tmp_path / "out"
    msg = assert_clean_failure(invoke("run", path, "--out", out, "-n", 30))
    assert "agencies.beta.missions[2].success" in msg
    assert not out.exists()
    assert leftovers(tmp_path, "out") == []


@pytest.mark.parametrize(
    "override",
    [
        "agencies.beta.missions.landr.success=0.5",
        "agencies.beta.missions.lander.success=1.3",
        "no-equals-sign",
    ],
)
def test_bad_set_writes_nothing(mini_scenario_path, tmp_path, override):
    out = tmp_path / "out"
    msg = assert_clean_failure(
        invoke("run", mini_scenario_path, "--out", out, "-n", 30, "--set", override)
    )
    assert str(mini_scenario_path) in msg
    assert not out.exists()
    assert leftovers(tmp_path, "out") == []


@pytest.mark.parametrize(
    "option", [["-n", "0"], ["--seed", "-1"], ["--table", "xlsx"], ["--precision", "0"]]
)
def test_bad_option_writes_nothing(mini_scenario_path, tmp_path, option):
    out = tmp_path / "out"
    result = invoke("run", mini_scenario_path, "--out", out, *option)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert not out.exists()


# ---------------------------------------------------------------------------------------
# -n, --seed, --set; reproducibility
# ---------------------------------------------------------------------------------------
def test_n_seed_and_set_are_recorded(mini_scenario_path, tmp_path, base_run):
    out = tmp_path / "out"
    override = "agencies.beta.missions.lander.success=0.1"
    run_ok(mini_scenario_path, out, "-n", 123, "--seed", 5, "--set", override)
    m = read_json(out / "manifest.json")
    s = read_json(out / "summary.json")
    assert m["replications"] == s["replications"] == 123
    assert m["seed"] == s["seed"] == 5
    assert m["overrides"] == [override]
    resolved = load_scenario(out / "scenario.yaml")
    assert resolved.agencies["beta"].missions[2].success.params == (0.1,)
    assert m["resolved_scenario_sha256"] == resolved.digest()
    assert (
        m["resolved_scenario_sha256"]
        != read_json(base_run / "manifest.json")["resolved_scenario_sha256"]
    )
    assert (
        m["scenario_file_sha256"] == read_json(base_run / "manifest.json")["scenario_file_sha256"]
    )  # the file itself is unchanged


def test_set_changes_the_result(mini_scenario_path, tmp_path, base_run):
    out = tmp_path / "out"
    run_ok(
        mini_scenario_path,
        out,
        "-n",
        N,
        "--seed",
        11,
        "--set",
        "agencies.beta.missions.lander.success=0.1",
    )
    low = read_json(out / "summary.json")["milestones"]["landing"]["first"]
    base = read_json(base_run / "summary.json")["milestones"]["landing"]["first"]
    assert low["beta"]["p"] < base["beta"]["p"]
    assert low["alpha"]["p"] > base["alpha"]["p"]


def test_seed_changes_the_result(mini_scenario_path, tmp_path, base_run):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out, "-n", N, "--seed", 12)
    assert (out / "replications.csv").read_bytes() != (base_run / "replications.csv").read_bytes()


def test_same_seed_same_bytes(mini_scenario_path, tmp_path, base_run):
    out = tmp_path / "again"
    run_ok(mini_scenario_path, out, "-n", N, "--seed", 11)
    for name in ("summary.json", "replications.csv", "scenario.yaml"):
        assert (out / name).read_bytes() == (base_run / name).read_bytes(), name


def test_jobs_do_not_change_results(mini_scenario_path, tmp_path, base_run):
    out = tmp_path / "jobs2"
    run_ok(mini_scenario_path, out, "-n", N, "--seed", 11, "--jobs", 2)
    assert read_json(out / "manifest.json")["jobs"] == 2
    for name in ("summary.json", "replications.csv"):
        assert (out / name).read_bytes() == (base_run / name).read_bytes(), name


# ---------------------------------------------------------------------------------------
# --table, --precision
# ---------------------------------------------------------------------------------------
def test_table_none(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out, "-n", 50, "--table", "none")
    names = {p.name for p in out.iterdir()}
    assert names >= RESULT_FILES - {"replications.csv"} and "replications.csv" not in names
    assert read_json(out / "manifest.json")["table"] is None


def test_table_csv_gz(mini_scenario_path, tmp_path, base_run):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out, "-n", N, "--seed", 11, "--table", "csv.gz")
    path = out / "replications.csv.gz"
    assert path.exists() and not (out / "replications.csv").exists()
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert read_json(out / "manifest.json")["table"] == "replications.csv.gz"
    columns, rows = read_rows(path)
    assert columns == COLUMNS
    assert rows == read_rows(base_run / "replications.csv")[1]
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        assert fh.read() == (base_run / "replications.csv").read_text(encoding="utf-8")
    # and csv can read it straight from the decompressed bytes
    text = gzip.decompress(path.read_bytes()).decode()
    assert next(csv.reader(io.StringIO(text))) == COLUMNS


def test_precision(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    result = run_ok(mini_scenario_path, out, "-n", 50, "--seed", 3, "--precision", 0.05)
    m = read_json(out / "manifest.json")
    s = read_json(out / "summary.json")
    n = m["replications"]
    assert m["precision"] == 0.05
    assert s["replications"] == n > 50  # 50 is far too few for +-0.05
    for v in s["milestones"]["landing"]["first"].values():
        lo, hi = v["ci95"]
        assert (hi - lo) / 2 <= 0.05
    _, rows = read_rows(out / "replications.csv")
    assert max(int(r["replication"]) for r in rows) < n
    assert f"{n:,}" in result.output and "precision" in result.output


def test_precision_says_when_it_stopped_at_the_limit(mini_scenario_path, tmp_path):
    # 200 replications cannot give +-0.001 (that needs about 10**6): the run stops at
    # the limit and must say so, with the half-width it got
    out = tmp_path / "out"
    args = ("-n", 100, "--seed", 3, "--precision", 0.001, "--max-replications", 200)
    result = run_ok(mini_scenario_path, out, *args, "--no-plots", "--no-report")
    m = read_json(out / "manifest.json")
    s = read_json(out / "summary.json")
    assert m["replications"] == s["replications"] == 200
    assert m["precision_reached"] is False
    # the widest half-width of the 95% (Wilson) intervals in summary.json
    widest = max(
        (v["ci95"][1] - v["ci95"][0]) / 2 for v in s["milestones"]["landing"]["first"].values()
    )
    assert m["half_width"] == pytest.approx(widest, abs=1e-4)
    assert m["half_width"] > 0.001
    assert "stopped at the limit of 200 replications" in result.output
    assert f"{m['half_width']:.4f}" in result.output
    assert "reached the requested precision" not in result.output


def test_precision_says_when_it_reached_it(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    result = run_ok(mini_scenario_path, out, "-n", 50, "--seed", 3, "--precision", 0.05)
    m = read_json(out / "manifest.json")
    assert m["precision_reached"] is True and m["half_width"] <= 0.05
    assert "reached the requested precision 0.05" in result.output
    assert "stopped at the limit" not in result.output


def test_precision_without_n_starts_from_a_small_batch(mini_scenario_path, tmp_path):
    # a first batch of 500 already gives a half-width of at most
    # 1.96 * sqrt(0.25 / 500) = 0.044 <= 0.05, so exactly 500 run, not the scenario's
    # 100,000
    out = tmp_path / "out"
    extra = ("--set", "replications=100000", "--precision", 0.05, "--no-plots", "--no-report")
    run_ok(mini_scenario_path, out, *extra)
    assert read_json(out / "summary.json")["replications"] == 500


@pytest.mark.parametrize(
    "extra",
    [
        ["-n", 500, "--precision", 0.01, "--max-replications", 300],
        ["-n", 50, "--max-replications", 300],
    ],
)
def test_max_replications_below_n_or_without_precision_is_refused(
    mini_scenario_path, tmp_path, extra
):
    out = tmp_path / "out"
    message = assert_clean_failure(invoke("run", mini_scenario_path, "--out", out, *extra))
    assert "--max-replications" in message
    assert not out.exists()


def test_force_never_replaces_a_folder_that_is_not_racesim_results(
    mini_scenario_path, tmp_path, monkeypatch
):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.txt").write_text("two years of work")
    for extra in ((), ("--force",)):
        result = invoke("run", mini_scenario_path, "-n", 10, "--out", notes, *extra)
        assert result.exit_code != 0
        assert "not a racesim results folder" in result.output
        assert "Traceback" not in result.output
    assert [p.name for p in notes.iterdir()] == ["thesis.txt"]
    assert leftovers(tmp_path, "notes") == []
    monkeypatch.chdir(notes)
    result = invoke("run", mini_scenario_path, "-n", 10, "--out", ".", "--force")
    assert result.exit_code != 0 and "not a racesim results folder" in result.output
    assert [p.name for p in notes.iterdir()] == ["thesis.txt"]


def test_force_replaces_only_what_racesim_wrote(mini_scenario_path, tmp_path):
    out = tmp_path / "out"
    run_ok(mini_scenario_path, out, "-n", 20)
    assert (out / ".racesim-results").is_file()
    run_ok(mini_scenario_path, out, "-n", 30, "--force")
    assert read_json(out / "summary.json")["replications"] == 30


def test_run_help_has_examples_and_breaks_no_path_mid_word():
    from click.testing import CliRunner

    from racesim.cli import main

    r = CliRunner().invoke(main, ["run", "--help"], terminal_width=80)
    assert r.exit_code == 0
    assert "Examples:" in r.output
    assert "--set agencies.roscosmos.missions.luna27.success=0.5" in r.output
    assert "agencies.roscosmos.budget.annual=120" in r.output  # the --set help, whole
    words = r.output.split()
    # every dotted path printed is one of the scenario's paths, not a broken piece
    for w in words:
        if w.count(".") >= 2 and "=" in w:
            assert w.startswith(("agencies.", "--set")), w
    assert all(len(line) <= 80 for line in r.output.splitlines()), r.output


def test_progress_bar_labels_its_times(monkeypatch):
    # 300 of 1,000 replications in 30 s: 10 rep/s, and 700 left take 70 s
    from racesim.cli import common

    clock = [100.0]
    monkeypatch.setattr(common.time, "perf_counter", lambda: clock[0])
    p = common.Progress(1000, "base")
    p.done = 300
    clock[0] += 30
    assert p.status() == "10 rep/s, 0:30 elapsed, about 1:10 left"
    assert common._clock(3725) == "1:02:05"
