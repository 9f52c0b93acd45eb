"""Regression tests for three defects a reviewer found: a live pipe as a scenario
input, the ``--plots all`` set from the Python API, and long ``requires`` chains."""

from __future__ import annotations

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
