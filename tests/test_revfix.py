"""Regression tests for three defects a reviewer found: a live pipe as a scenario
input, the ``--plots all`` set from the Python API, and long ``requires`` chains."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
import yaml

from .helpers import invoke

# -- long requires chains: no recursion -------------------------------------------------
N_CHAIN = 3000


def chain(n: int, cycle: bool = False) -> dict:
    """One agency, n missions; mission k requires mission k+1 (the chain runs backwards,
    so a depth-first walk from the first goes n deep); ``cycle``: the last requires the
    first."""
    missions = []
    for k in range(n):
        m = {"id": f"m{k}", "duration": 0.01, "success": 1.0, "achieves": ["m"]}
        if k + 1 < n:
            m["requires"] = [f"a.m{k + 1}"]
        elif cycle:
            m["requires"] = ["a.m0"]
        missions.append(m)
    return {
        "name": "chain",
        "start": "2030-01-01",
        "horizon": "2200-01-01",
        "seed": 7,
        "replications": 10,
        "milestones": {"m": {"title": "M"}},
        "agencies": {"a": {"name": "A", "budget": {"annual": 1.0}, "missions": missions}},
    }


def test_a_long_backward_chain_validates(tmp_path):
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(chain(N_CHAIN), sort_keys=False), encoding="utf-8")
    r = invoke("validate", path)
    assert r.exit_code == 0, (r.output, r.exception)
    assert "Traceback" not in r.output and not isinstance(r.exception, RecursionError)


def test_a_long_backward_chain_with_a_cycle_is_refused_cleanly(tmp_path):
    path = tmp_path / "cycle.yaml"
    path.write_text(yaml.safe_dump(chain(N_CHAIN, cycle=True), sort_keys=False), encoding="utf-8")
    r = invoke("validate", path)
    assert r.exit_code == 2, (r.output, r.exception)
    assert isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output
    assert "dependency cycle: a.m0 -> a.m1 -> a.m2" in r.output  # (a long message is cut)


def test_find_cycle_gives_the_same_cycles():
    from racesim.scenario.checks import _find_cycle

    assert _find_cycle({"a": ["b"], "b": ["c"], "c": []}) is None
    assert _find_cycle({"a": ["b"], "b": ["c", "a"], "c": ["b"]}) == ["b", "c", "b"]
    assert _find_cycle({"x": [], "a": ["x", "b"], "b": ["a"]}) == ["a", "b", "a"]
    deep = {str(k): [str(k + 1)] for k in range(N_CHAIN)}
    assert _find_cycle(deep) is None
    deep[str(N_CHAIN)] = ["0"]
    found = _find_cycle(deep)
    assert found[0] == found[-1] == "0" and len(found) == N_CHAIN + 2


def test_closures_of_a_long_backward_chain():
    from racesim.engine.plan import Plan
    from racesim.run.lockstep import _closures, after_decided
    from racesim.scenario import from_data

    plan = Plan.from_scenario(from_data(chain(N_CHAIN)))
    got = _closures(plan)
    assert got[0] == set(range(1, N_CHAIN))
    assert got[N_CHAIN - 1] == set()
    assert got[N_CHAIN // 2] == set(range(N_CHAIN // 2 + 1, N_CHAIN))
    after_decided(plan, 0)  # no RecursionError


# -- a live pipe as the scenario is read; one that nothing writes to is refused ----------
def feed(fd: int, data: bytes, delay: float = 0.0) -> threading.Thread:
    """A thread writing ``data`` to ``fd`` (after ``delay`` seconds), then closing it."""

    def write():
        time.sleep(delay)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("delay", [0.0, 0.3])  # written at once, or while racesim waits
def test_a_live_pipe_is_read_as_the_scenario(mini_scenario_text, delay):
    r_fd, w_fd = os.pipe()
    try:
        t = feed(w_fd, mini_scenario_text.encode(), delay)
        r = invoke("validate", f"/dev/fd/{r_fd}")
        t.join(5)
    finally:
        os.close(r_fd)
    assert r.exit_code == 0, (r.output, r.exception)
    assert "ok" in r.output and "'mini'" in r.output


def test_a_named_pipe_with_a_writer_is_read(tmp_path, mini_scenario_text):
    path = tmp_path / "live.yaml"
    os.mkfifo(path)

    def write():
        with open(path, "wb") as fh:  # waits for racesim to open it
            time.sleep(0.2)
            fh.write(mini_scenario_text.encode())

    t = threading.Thread(target=write, daemon=True)
    t.start()
    r = invoke("validate", path)
    t.join(5)
    assert r.exit_code == 0, (r.output, r.exception)
    assert "'mini'" in r.output


def test_a_live_pipe_keeps_the_size_bound():
    from racesim.scenario.yamlio import read_text_bounded

    r_fd, w_fd = os.pipe()
    try:
        t = feed(w_fd, b"x" * 5000, 0.1)
        with pytest.raises(ValueError, match="larger than"):
            read_text_bounded(Path(f"/dev/fd/{r_fd}"), limit=1000)
    finally:
        os.close(r_fd)
    t.join(5)


def test_a_named_pipe_nobody_writes_to_is_refused_naming_it(tmp_path):
    path = tmp_path / "dead.yaml"
    os.mkfifo(path)
    r = invoke("validate", path)
    assert r.exit_code == 2 and isinstance(r.exception, SystemExit), (r.output, r.exception)
    assert "Traceback" not in r.output
    assert str(path) in r.output and "nothing writing to it" in r.output


# -- the --plots all set from the Python API ---------------------------------------------
def pngs(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "plots").glob("*.png"))


def test_save_writes_the_plot_set_of_the_command_line(mini_scenario_path, tmp_path):
    import racesim

    run = racesim.simulate(racesim.load(mini_scenario_path), n=40)
    for plot_set in ("some", "all"):
        cli = tmp_path / f"cli_{plot_set}"
        r = invoke("run", mini_scenario_path, "-n", 40, "--out", cli, "--plots", plot_set)
        assert r.exit_code == 0, (r.output, r.exception)
        api = run.save(tmp_path / f"api_{plot_set}", plots=plot_set)
        assert pngs(api) == pngs(cli), plot_set
        for name in pngs(cli):  # the same pictures, extra panels and all
            assert (api / "plots" / name).read_bytes() == (cli / "plots" / name).read_bytes()
    assert "landing_dates.png" in pngs(tmp_path / "api_all")
    assert "landing_dates.png" not in pngs(tmp_path / "api_some")
    assert pngs(run.save(tmp_path / "default")) == pngs(tmp_path / "api_some")
    assert not (run.save(tmp_path / "none", plots=False, report=False) / "plots").exists()
    with pytest.raises(ValueError, match="plot set 'every'"):
        run.save(tmp_path / "bad", plots="every")
    assert not (tmp_path / "bad").exists()


def test_figure_items_with_kinds_given_keep_the_pairs():
    from racesim.output.plots import KINDS, SOME_KINDS, figure_items

    run = {
        "summary": {
            "milestones": {"landing": {}},
            "versus": {"alpha:beta": {"a": "alpha", "b": "beta"}},
        }
    }
    keys = [k for k, _kind, _s in figure_items(run, kinds=KINDS)]
    assert keys == ["landing_first", "landing_reached", "landing_dates", "versus_alpha_beta"]
    assert keys == [k for k, _kind, _s in figure_items(run, extras=True)]
    assert "versus_alpha_beta" in [k for k, *_ in figure_items(run)]
    assert [k for k, *_ in figure_items(run, kinds=("first",))] == ["landing_first"]
    assert [k for k, *_ in figure_items(run, kinds=SOME_KINDS)][-1] == "landing_reached"
    assert [k for k, *_ in figure_items(run, kinds=("versus",))] == ["versus_alpha_beta"]
