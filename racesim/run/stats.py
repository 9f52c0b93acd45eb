"""Pure statistics: proportions with Wilson intervals, and a streaming tally of
replications whose memory does not grow with their number.

Dates are tallied per day (days from start), so quantiles are exact to the day —
the resolution of every date racesim reports — and tallies from any split of the
replications add up to the same integers, in any order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054


def wilson(successes: int | float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if successes <= 0 else max(0.0, centre - half)
    hi = 1.0 if successes >= n else min(1.0, centre + half)
    return (lo, hi)


def half_width(successes: int | float, n: int) -> float:
    lo, hi = wilson(successes, n)
    return (hi - lo) / 2


def days(years: np.ndarray) -> np.ndarray:
    """Whole days from start (the calendar day on which it happened)."""
    from racesim.scenario.timeutil import DAYS_PER_YEAR

    return np.floor(years * DAYS_PER_YEAR + 1e-6).astype(np.int64)


def first_index(reached: np.ndarray) -> np.ndarray:
    """Winner per (replication, milestone): the agency index, or A for nobody.

    ``reached`` has shape (N, M, A) with NaN for not reached; ties go to the agency
    listed first.
    """
    n, m, a = reached.shape
    filled = np.where(np.isnan(reached), np.inf, reached)
    winner = np.argmin(filled, axis=2)
    nobody = np.isinf(np.take_along_axis(filled, winner[..., None], axis=2)[..., 0])
    return np.where(nobody, a, winner)


@dataclass
class Tally:
    """Counts over replications of one scenario (shape: M milestones, A agencies).

    ``first[m, a]`` (a == A is "none"), ``reached[m, a]``, and per-day histograms of
    the reach dates (``hist[m, a, d - day0]``) and of the first reach by anyone
    (``first_hist[m, d - day0]``); with ``winners``, also per agency the dates on
    which it was the first (``win_hist[m, a, d - day0]``: who leads by each date).
    """

    n: int
    first: np.ndarray
    reached: np.ndarray
    hist: np.ndarray
    first_hist: np.ndarray
    day0: int
    win_hist: np.ndarray | None = None

    @classmethod
    def empty(
        cls, n_milestones: int, n_agencies: int, day0: int, day1: int, winners: bool = False
    ) -> Tally:
        width = day1 - day0 + 1
        return cls(
            0,
            np.zeros((n_milestones, n_agencies + 1), dtype=np.int64),
            np.zeros((n_milestones, n_agencies), dtype=np.int64),
            np.zeros((n_milestones, n_agencies, width), dtype=np.int64),
            np.zeros((n_milestones, width), dtype=np.int64),
            day0,
            np.zeros((n_milestones, n_agencies, width), dtype=np.int64) if winners else None,
        )

    def add(self, reached: np.ndarray) -> None:
        """Add replications: ``reached`` has shape (N, M, A), years, NaN = not reached."""
        n, nm, na = reached.shape
        self.n += n
        win = first_index(reached)
        width = self.hist.shape[2]
        for m in range(nm):
            self.first[m] += np.bincount(win[:, m], minlength=na + 1)
            for a in range(na):
                t = reached[:, m, a]
                t = t[~np.isnan(t)]
                self.reached[m, a] += t.size
                if t.size:
                    d = np.clip(days(t) - self.day0, 0, width - 1)
                    self.hist[m, a] += np.bincount(d, minlength=width)
            won = win[:, m] < na
            if won.any():
                t = np.nanmin(reached[won, m, :], axis=1)
                d = np.clip(days(t) - self.day0, 0, width - 1)
                self.first_hist[m] += np.bincount(d, minlength=width)
                if self.win_hist is not None:
                    flat = np.bincount(win[won, m] * width + d, minlength=na * width)
                    self.win_hist[m] += flat.reshape(na, width)

    def merge(self, other: Tally) -> None:
        self.n += other.n
        self.first += other.first
        self.reached += other.reached
        self.hist += other.hist
        self.first_hist += other.first_hist
        if self.win_hist is not None:
            if other.win_hist is None:
                raise ValueError(
                    "a tally without the winners' dates cannot be merged into one with them"
                )
            self.win_hist += other.win_hist

    def max_half_width(self) -> float:
        """The widest 95% half-width among all P(first) estimates."""
        return max(half_width(int(c), self.n) for c in self.first.ravel())


def day_quantile(hist: np.ndarray, q: float) -> int | None:
    """Lower q-quantile of a per-day histogram: the first index whose cumulative
    count reaches q * total (None if empty)."""
    total = int(hist.sum())
    if total == 0:
        return None
    cum = np.cumsum(hist)
    return int(np.searchsorted(cum, max(1, math.ceil(q * total - 1e-9))))


@dataclass
class DateTally:
    """Counts over replications of each outcome *on or before* some dates (``--by``).

    ``cutoffs[k]`` is the k-th date as whole days from start (a reach counts when its
    calendar day, :func:`days`, is at most that); ``first[k, m, a]`` counts the
    replications in which agency ``a`` was the first to reach milestone ``m`` and did
    so by then (``a == A``: nobody had reached it by then), ``reached[k, m, a]`` those
    in which ``a`` had reached ``m`` by then.  Integer counts, so any split of the
    replications adds up to the same numbers."""

    cutoffs: tuple[int, ...]
    n: int
    first: np.ndarray
    reached: np.ndarray

    @classmethod
    def empty(cls, cutoffs, n_milestones: int, n_agencies: int) -> DateTally:
        k = len(cutoffs)
        return cls(
            tuple(int(c) for c in cutoffs),
            0,
            np.zeros((k, n_milestones, n_agencies + 1), dtype=np.int64),
            np.zeros((k, n_milestones, n_agencies), dtype=np.int64),
        )

    def add(self, reached: np.ndarray) -> None:
        """Add replications: ``reached`` has shape (N, M, A), years, NaN = not reached."""
        n, nm, na = reached.shape
        self.n += n
        ok = ~np.isnan(reached)
        day = np.full(reached.shape, np.iinfo(np.int64).max, dtype=np.int64)
        day[ok] = days(reached[ok])
        win = first_index(reached)  # (N, M): the agency, or na for nobody
        win_day = np.take_along_axis(day, np.minimum(win, na - 1)[..., None], axis=2)[..., 0]
        for k, cut in enumerate(self.cutoffs):
            self.reached[k] += (day <= cut).sum(axis=0)
            who = np.where((win < na) & (win_day <= cut), win, na)
            for m in range(nm):
                self.first[k, m] += np.bincount(who[:, m], minlength=na + 1)
