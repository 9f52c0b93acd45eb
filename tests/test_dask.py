"""The Dask executor on a real local cluster gives exactly the local results."""

from __future__ import annotations

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
