"""A mixture's replications: which component each runs, and its results in one array.

Replication *i* of a mixture runs one component, chosen from a stream of its own (a
Philox stream keyed by ``SeedSequence([seed, "mixture:component"])``, one uniform per
replication at counter *i*) by the normalised weights.  The choice depends on (seed,
i, weights) alone, so it is the same in any chunk, process or executor; and the
component then runs its replication *i* at the same root seed, exactly as the
component run alone would (so a mixture's replication is one of its component's).

The reach times of every component are put into one array over the mixture's agencies
(:attr:`racesim.scenario.mixture.Mixture.agencies`, every component's in order of first
appearance; NaN for an agency a component does not have) and milestones (the first
component's order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from racesim.engine.plan import Plan
from racesim.run.streams import philox_key

#: the stream of the component choice (":" cannot be in an agency key, so no agency's
#: stream can share its key)
STREAM = "mixture:component"


@dataclass(frozen=True)
class MixturePlan:
    """The compiled components of a mixture, for the executors (picklable)."""

    plans: tuple[Plan, ...]
    cumulative: tuple[float, ...]  # cumulative normalised weights
    milestones: tuple[str, ...]
    agency_keys: tuple[str, ...]
    #: per component: the mixture's index of each of its milestones and agencies
    milestone_index: tuple[tuple[int, ...], ...]
    agency_index: tuple[tuple[int, ...], ...]

    @classmethod
    def from_mixture(cls, mixture) -> MixturePlan:
        plans = tuple(Plan.from_scenario(c.scenario) for c in mixture.components)
        milestones = tuple(mixture.milestones)
        keys = tuple(mixture.agencies)
        return cls(
            plans,
            tuple(np.cumsum(mixture.weights).tolist()),
            milestones,
            keys,
            tuple(tuple(milestones.index(m) for m in p.milestones) for p in plans),
            tuple(tuple(keys.index(a.key) for a in p.agencies) for p in plans),
        )

    @property
    def horizon(self) -> float:
        return self.plans[0].horizon

    @property
    def missions(self) -> tuple:
        """Every component's missions (for the earliest date a tally must hold)."""
        return tuple(m for p in self.plans for m in p.missions)

    def components_of(
        self, seed: int, first: int, count: int, keys: np.ndarray | None = None
    ) -> np.ndarray:
        """The component (index) of replications ``first .. first+count-1`` (drawn at
        ``keys``, e.g. their worlds, if given)."""
        return choose(self.cumulative, seed, first, count, keys)


def choose(
    cumulative, seed: int, first: int, count: int, keys: np.ndarray | None = None
) -> np.ndarray:
    """Indices into ``cumulative`` (cumulative weights, last about 1) drawn for
    replications ``first .. first+count-1``: replication *i* takes the first component
    whose cumulative weight exceeds the uniform at counter *i* of the stream (at
    counter ``keys[j]`` instead, with ``keys``: a world's replications share one)."""
    key = philox_key(seed, STREAM)
    if keys is None:
        lo, idx = first, np.arange(count)
        span = count
    else:
        keys = np.asarray(keys, dtype=np.int64)
        lo = int(keys.min()) if count else 0
        idx = keys - lo
        span = int(keys.max()) - lo + 1 if count else 0
    gen = np.random.Generator(np.random.Philox(key=key, counter=[lo, 0, 0, 0]))
    u = gen.random(4 * span).reshape(span, 4)[:, 0][idx]  # one Philox step per key
    k = np.searchsorted(np.asarray(cumulative), u, side="right")
    return np.minimum(k, len(cumulative) - 1)


def run_mixture_chunk(
    mix: MixturePlan, seed: int, first: int, count: int, run_rows, keys=None
) -> np.ndarray:
    """Replications ``first .. first+count-1`` of a mixture: reach times, shape
    (count, milestones, agencies); ``run_rows(plan, seed, first, count, rows, keys)``
    runs the given rows of one plan's chunk (shape (len(rows), M, A) of that plan);
    ``keys``: the replications' worlds, if the run has worlds."""
    comp = mix.components_of(seed, first, count, keys)
    out = np.full((count, len(mix.milestones), len(mix.agency_keys)), np.nan)
    for c, plan in enumerate(mix.plans):
        rows = np.flatnonzero(comp == c)
        if rows.size == 0:
            continue
        got = run_rows(plan, seed, first, count, rows, keys)
        mi = np.asarray(mix.milestone_index[c])
        ai = np.asarray(mix.agency_index[c])
        out[np.ix_(rows, mi, ai)] = got
    return out
