"""One simulation on every backend (serial, process pool, Dask's local cluster): each
executor yields every chunk, in order, with exactly the reach times that the
replications give when run one by one (racesim/run/executors.py)."""

from __future__ import annotations

import numpy as np
import pytest

from racesim.engine.plan import Plan
from racesim.run import executors
from racesim.run.montecarlo import chunks
from racesim.run.replication import run_replication

from .helpers import mission, scenario

SEED = 4
N = 120


def _scenario(annual_b: float):
    return scenario(
        {
            "a": {
                "budget": {"annual": 90, "volatility": 0.2},
                "missions": [
                    mission("x", duration=1.5, cost=200, success=0.6, attempts=3),
                    mission("z", duration=1.0, cost=50, success=0.7, requires=["x"]),
                ],
            },
            "b": {
                "budget": {"annual": annual_b},
                "missions": [
                    mission("y", duration=2.0, cost=100, success=0.5, partners={"a": 0.3})
                ],
            },
        }
    )


@pytest.fixture(scope="module")
def plans():
    """Two variants, run together on the same replications (as compare does)."""
    return (Plan.from_scenario(_scenario(10)), Plan.from_scenario(_scenario(400)))


@pytest.fixture(scope="module")
def one_by_one(plans):
    return [np.stack([run_replication(p, SEED, i).reached for i in range(N)]) for p in plans]


def _gather(executor, plans) -> list[np.ndarray]:
    work = chunks(0, N, 3)
    got = list(executor.run(plans, SEED, work))
    assert len(got) == len(work) > 1
    assert [g[0].shape[0] for g in got] == [count for _, count in work]
    return [np.concatenate([g[k] for g in got]) for k in range(len(plans))]


def _check(executor, plans, one_by_one) -> None:
    for reached, alone in zip(_gather(executor, plans), one_by_one, strict=True):
        np.testing.assert_array_equal(reached, alone)


def test_serial_executor(plans, one_by_one):
    assert isinstance(executors.make_executor(1), executors.SerialExecutor)
    _check(executors.SerialExecutor(), plans, one_by_one)


def test_pool_executor(plans, one_by_one):
    ex = executors.make_executor(2)
    assert isinstance(ex, executors.PoolExecutor)
    _check(ex, plans, one_by_one)


def test_dask_executor(plans, one_by_one):
    pytest.importorskip("distributed")
    ex = executors.make_executor(2, "dask")
    assert isinstance(ex, executors.DaskExecutor)
    _check(ex, plans, one_by_one)


def test_the_replications_and_the_variants_differ(one_by_one):
    """Otherwise agreement would prove little: the outcomes vary across replications,
    and between the two variants."""
    for alone in one_by_one:
        assert len({tuple(np.nan_to_num(r, nan=-1).ravel()) for r in alone}) > N // 2
    a, b = (np.nan_to_num(x, nan=-1) for x in one_by_one)
    assert not np.array_equal(a, b)
