"""Head to head: two agencies' race to each milestone, replication by replication.

For a pair (A, B) and a milestone, every replication falls in exactly one of six
cases: both get there and A is earlier, both and B is earlier, both at the same moment,
only A, only B, neither.  "A before B" is the first, or only A; "B before A" likewise.
Where both get there, the lead time is B's day minus A's day (positive: A is ahead),
tallied per day, so that, like :class:`racesim.run.stats.Tally`, tallies from any split
of the replications add up to the same integers in any order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from racesim.run.stats import days

#: the six cases, in the order of :attr:`VersusTally.cases`' last axis
CASES = ("a_earlier", "b_earlier", "same_time", "only_a", "only_b", "neither")


@dataclass
class VersusTally:
    """Counts for each pair of agencies (indices into the scenario's agencies) and
    milestone: ``cases[p, m, c]`` (``c`` as in :data:`CASES`) and ``lead[p, m, k]``, the
    runs where both get there with B ``k - span`` days after A."""

    pairs: tuple[tuple[int, int], ...]
    span: int
    n: int
    cases: np.ndarray
    lead: np.ndarray

    @classmethod
    def empty(cls, pairs, n_milestones: int, span: int) -> VersusTally:
        pairs = tuple((int(a), int(b)) for a, b in pairs)
        return cls(
            pairs,
            span,
            0,
            np.zeros((len(pairs), n_milestones, len(CASES)), dtype=np.int64),
            np.zeros((len(pairs), n_milestones, 2 * span + 1), dtype=np.int64),
        )

    def add(self, reached: np.ndarray) -> None:
        """Add replications: ``reached`` has shape (N, M, A), years, NaN = not reached."""
        self.n += reached.shape[0]
        width = 2 * self.span + 1
        for p, (a, b) in enumerate(self.pairs):
            for m in range(reached.shape[1]):
                ta, tb = reached[:, m, a], reached[:, m, b]
                has_a, has_b = ~np.isnan(ta), ~np.isnan(tb)
                both = has_a & has_b
                tab, tbb = ta[both], tb[both]
                self.cases[p, m] += (
                    int(np.count_nonzero(tab < tbb)),
                    int(np.count_nonzero(tbb < tab)),
                    int(np.count_nonzero(tab == tbb)),
                    int(np.count_nonzero(has_a & ~has_b)),
                    int(np.count_nonzero(has_b & ~has_a)),
                    int(np.count_nonzero(~has_a & ~has_b)),
                )
                if tab.size:
                    k = np.clip(days(tbb) - days(tab) + self.span, 0, width - 1)
                    self.lead[p, m] += np.bincount(k, minlength=width)

    def merge(self, other: VersusTally) -> None:
        if other.pairs != self.pairs or other.span != self.span:
            raise ValueError("head-to-head tallies of different pairs cannot be merged")
        self.n += other.n
        self.cases += other.cases
        self.lead += other.lead
