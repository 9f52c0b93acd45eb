"""Worlds (``racesim run --worlds K``, contract section 6): what we don't know, apart
from chance.

The N replications are split into K worlds: replication *i* belongs to world
``i * K // N`` (so world *w* holds the replications from ``ceil(w N / K)`` on, N/K of
them, give or take one).  That depends on i, K and N alone, never on chunks, jobs or
executors.  In a world every factor (the scenario's ``factors``) is drawn once, from
the factor's stream at the WORLD's index instead of the replication's
(:func:`racesim.run.streams.draw_factors`), and shared by the world's replications;
everything else is drawn per replication as usual.  A mixture's component is drawn
per world in the same way (one story per world).

Each world's proportions (P(first), P(reached)) then estimate what the model says
*given* that world's factors, and their spread across worlds (p10, p50, p90) is what
we don't know; ``ci95`` stays the Monte Carlo error of the pooled estimate.
See :func:`spread` for how the quantiles are computed, and what small worlds do to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the quantiles of the spread across worlds, as summary.json names them
QUANTILES = (("p10", 0.1), ("p50", 0.5), ("p90", 0.9))


def world_of(replications: np.ndarray, k: int, n: int) -> np.ndarray:
    """The world of each replication index (``i * k // n``)."""
    return (np.asarray(replications, dtype=np.int64) * k) // n


def check_worlds(worlds: int | None, n: int, precision: float | None) -> None:
    """``ValueError`` unless ``worlds`` (if given) is a whole number from 1 to ``n``
    and ``precision`` is not asked for too."""
    if worlds is None:
        return
    if isinstance(worlds, bool) or not isinstance(worlds, int | np.integer):
        raise ValueError(f"worlds must be a whole number, not {worlds!r}")
    if worlds < 1:
        raise ValueError(f"worlds must be at least 1, not {worlds}")
    if worlds > n:
        raise ValueError(
            f"worlds ({worlds:,}) is more than the replications ({n:,}): every world "
            "needs at least one replication (a few hundred for a useful spread)"
        )
    if precision is not None:
        raise ValueError(
            "worlds split a fixed number of replications; precision adds replications "
            "as it goes: use one or the other"
        )


@dataclass(frozen=True)
class InWorlds:
    """A plan (or a mixture's plan) run in ``k`` worlds over ``n`` replications: what
    the executors carry to the workers instead of the bare plan."""

    plan: object
    k: int
    n: int

    def keys(self, first: int, count: int) -> np.ndarray:
        """The factor keys (world indices) of replications ``first .. first+count-1``."""
        return world_of(np.arange(first, first + count), self.k, self.n)


@dataclass
class WorldTally:
    """Per-world counts: ``first[w, m, a]`` (a == A is nobody), ``reached[w, m, a]``
    and ``n[w]`` replications."""

    n: np.ndarray
    first: np.ndarray
    reached: np.ndarray

    @classmethod
    def empty(cls, k: int, n_milestones: int, n_agencies: int) -> WorldTally:
        return cls(
            np.zeros(k, dtype=np.int64),
            np.zeros((k, n_milestones, n_agencies + 1), dtype=np.int64),
            np.zeros((k, n_milestones, n_agencies), dtype=np.int64),
        )

    def add(self, reached: np.ndarray, worlds: np.ndarray) -> None:
        """Add replications (``reached``: (count, M, A), NaN = not reached) of the
        given worlds (one index per replication)."""
        from racesim.run.stats import first_index

        count, nm, na = reached.shape
        np.add.at(self.n, worlds, 1)
        win = first_index(reached)  # (count, M)
        for m in range(nm):
            np.add.at(self.first[:, m, :], (worlds, win[:, m]), 1)
        np.add.at(self.reached, worlds, (~np.isnan(reached)).astype(np.int64))

    def effective_n(self) -> tuple[np.ndarray, np.ndarray]:
        """``(first, reached)``: the effective number of independent replications of
        each pooled proportion (see :func:`effective_n`)."""
        return effective_n(self.first, self.n), effective_n(self.reached, self.n)

    def spread(self) -> tuple[dict, dict]:
        """``(first, reached)``: for each (milestone, agency) index, the quantiles of
        its per-world proportion (see :func:`spread`)."""
        return spread(self.first, self.n), spread(self.reached, self.n)


def spread(counts: np.ndarray, n: np.ndarray) -> dict[tuple[int, int], dict[str, float]]:
    """p10, p50 and p90 of the per-world proportions ``counts[w] / n[w]``, each world
    counting once (numpy's default, linear interpolation between the sorted worlds).

    A world of m replications estimates its own proportion with a binomial error of sd
    sqrt(p(1-p)/m), which adds to the true spread: with few replications per world the
    quantiles come out wider than what the factors alone would give (with no factors at
    all, the spread is that noise alone: about p ± 1.28 sqrt(p(1-p)/m)).  Use at least
    a few hundred replications per world for a spread that is mostly the factors'."""
    p = counts / n[:, None, None]
    qs = np.quantile(p, [q for _, q in QUANTILES], axis=0)  # (3, M, A)
    out = {}
    for m in range(p.shape[1]):
        for a in range(p.shape[2]):
            out[(m, a)] = {name: float(qs[i, m, a]) for i, (name, _) in enumerate(QUANTILES)}
    return out


def effective_n(counts: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The Monte Carlo error of a pooled proportion when replications share their
    world, as an effective number of independent replications (shape (M, A)).

    The replications of a world are not independent (they share its factors), so the
    binomial error of N replications would understate the pooled estimate's error.
    The cluster-robust variance of the pooled ratio p = sum(c_w) / sum(n_w) is
    ``K / (K - 1) * sum((c_w - p n_w)^2) / N^2``; the effective N is p(1 - p) over that
    variance, at most N (and N where it cannot be estimated: one world, or p at 0 or
    1).  ``ci95`` is then Wilson's interval at that N."""
    k = n.size
    total = int(n.sum())
    c = counts.sum(axis=0)
    p = c / total
    if k < 2:
        return np.full(p.shape, float(total))
    resid = counts - p[None] * n[:, None, None]
    var = k / (k - 1) * np.sum(resid**2, axis=0) / total**2
    with np.errstate(divide="ignore", invalid="ignore"):
        eff = np.where(var > 0, p * (1 - p) / var, float(total))
    return np.minimum(eff, float(total))
