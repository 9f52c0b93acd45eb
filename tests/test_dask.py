"""The Dask executor on a real local cluster gives exactly the local results."""

from __future__ import annotations

import json

import numpy as np
import pytest

from racesim.run import executors, montecarlo

from .helpers import mission, scenario

distributed = pytest.importorskip("distributed")


def test_dask_cluster_equals_local_executor():
    s = scenario(
        {
            "a": {
                "budget": {"annual": 90, "volatility": 0.2},
                "missions": [
                    mission(
                        "x",
                        duration={"lognormal": {"median": 2, "sigma": 0.3}},
                        cost=200,
                        success=0.6,
                        attempts=3,
                    )
                ],
            },
            "b": {
                "missions": [
                    mission(
                        "y", duration={"uniform": {"low": 1, "high": 4}}, success=0.5, attempts=2
                    )
                ]
            },
        }
    )
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        remote = montecarlo.run_many(
            s, 600, 5, jobs=2, executor="dask", scheduler=cluster.scheduler_address
        ).tally
    finally:
        cluster.close()
    local = montecarlo.run_many(s, 600, 5, jobs=1).tally
    for name in ("first", "reached", "hist", "first_hist"):
        np.testing.assert_array_equal(getattr(local, name), getattr(remote, name))


def test_unreachable_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(executors, "DASK_CONNECT_TIMEOUT", "1s")
    s = scenario({"a": {"missions": [mission("x")]}})
    with pytest.raises(montecarlo.ExecutorError, match="cannot reach"):
        montecarlo.run_many(s, 10, 1, executor="dask", scheduler="tcp://127.0.0.1:9")


def test_worlds_and_mixtures_on_dask_equal_local(tmp_path):
    """Issue 12 target 5: worlds and mixtures run through the same executors."""
    import racesim

    s = scenario(
        {
            "a": {
                "missions": [
                    mission("x", duration={"factor": "d"}, success={"factor": "p"}, attempts=2)
                ]
            },
            "b": {"missions": [mission("y", duration=2.0, success=0.6)]},
        },
        factors={
            "d": {"lognormal": {"median": 2, "sigma": 0.3}},
            "p": {"beta": {"a": 4, "b": 3}},
        },
    )
    (tmp_path / "one.yaml").write_text(json.dumps(s.to_data()), encoding="utf-8")
    (tmp_path / "two.yaml").write_text(
        json.dumps({**s.to_data(), "name": "two", "horizon": s.to_data()["horizon"]}),
        encoding="utf-8",
    )
    (tmp_path / "mix.yaml").write_text(
        "name: mix\nmixture:\n  - {file: one.yaml, weight: 2}\n  - {file: two.yaml, weight: 1}\n",
        encoding="utf-8",
    )
    mix = racesim.load(tmp_path / "mix.yaml")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        remote = [
            montecarlo.run_many(
                x, 600, 5, jobs=2, executor="dask", scheduler=cluster.scheduler_address, worlds=30
            )
            for x in (s, mix)
        ]
    finally:
        cluster.close()
    for x, far in zip((s, mix), remote):
        near = montecarlo.run_many(x, 600, 5, jobs=1, worlds=30)
        for name in ("first", "reached", "hist", "first_hist"):
            np.testing.assert_array_equal(getattr(near.tally, name), getattr(far.tally, name))
        for name in ("n", "first", "reached"):
            np.testing.assert_array_equal(getattr(near.worlds, name), getattr(far.worlds, name))
