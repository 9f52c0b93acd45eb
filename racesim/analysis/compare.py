"""Paired comparison of two scenarios run on common random numbers.

Scenarios A and B run at the same seed, chunk by chunk in lockstep
(:func:`racesim.run.lockstep.execute_many`).  Replication *i* of A and of B use the same
uniforms agency by agency, so the per-replication differences of the outcome
indicators (B won the milestone - A won it) vary much less than two independent runs
would: the difference B - A is estimated far more precisely for the same N.

For each milestone and agency the comparison keeps the 2x2 table of paired outcomes
(``n10``: yes in A, no in B; ``n01``: no in A, yes in B) and gives the difference
``(n01 - n10) / n`` with a 95% interval by Bonett & Price's adjusted Wald method for
paired proportions (one success added to each discordant cell), which keeps close to
its nominal coverage even for small differences.  When no replication differs
(``n10 = n01 = 0``), the change altered no outcome and the interval is [0, 0].
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from racesim.engine.plan import Plan
from racesim.run.lockstep import execute_many, unpaired_agencies
from racesim.run.montecarlo import new_tally
from racesim.run.stats import Z95, Tally, days, first_index, wilson
from racesim.scenario import Scenario

METHOD = (
    "difference B - A of paired proportions (common random numbers); 95% interval "
    "by Bonett & Price's adjusted Wald method for paired data; [0, 0] when no "
    "replication differs"
)


# -- statistics ----------------------------------------------------------------------------
def paired_interval(n10: int, n01: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95% interval for p_B - p_A from n paired binary outcomes.

    ``n10``: replications with the outcome in A but not in B; ``n01``: in B but not A.
    Bonett & Price (2012), adjusted Wald: p12 = (n10 + 1)/(n + 2), p21 = (n01 + 1)/(n + 2),
    (p21 - p12) +- z * sqrt((p12 + p21 - (p21 - p12)^2) / (n + 2)), clipped to [-1, 1].
    Zero width when no pair is discordant: the two scenarios agreed in every replication.
    """
    if n <= 0:
        return (-1.0, 1.0)
    if n10 == 0 and n01 == 0:
        return (0.0, 0.0)
    p12 = (n10 + 1) / (n + 2)
    p21 = (n01 + 1) / (n + 2)
    d = p21 - p12
    half = z * math.sqrt(max(0.0, p12 + p21 - d * d) / (n + 2))
    return (max(-1.0, d - half), min(1.0, d + half))


def unpaired_interval(
    k_a: int, n_a: int, k_b: int, n_b: int, z: float = Z95
) -> tuple[float, float]:
    """95% interval for p_B - p_A from two INDEPENDENT runs (Newcombe's hybrid score
    interval from the two Wilson intervals) — what a comparison costs without pairing."""
    pa, pb = k_a / n_a, k_b / n_b
    la, ua = wilson(k_a, n_a, z)
    lb, ub = wilson(k_b, n_b, z)
    d = pb - pa
    return (
        d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2),
        d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2),
    )


@dataclass
class PairedCounts:
    """Paired outcome counts per (milestone, who): ``a``/``b`` how often the outcome
    happened in A/B, ``n10`` in A only, ``n01`` in B only, over ``n`` replications."""

    n: int
    a: np.ndarray
    b: np.ndarray
    n10: np.ndarray
    n01: np.ndarray

    @classmethod
    def empty(cls, shape: tuple[int, ...]) -> PairedCounts:
        z = np.zeros(shape, dtype=np.int64)
        return cls(0, z.copy(), z.copy(), z.copy(), z.copy())

    def add(self, x: np.ndarray, y: np.ndarray) -> None:
        """Add replications: boolean outcomes ``x`` (in A) and ``y`` (in B), shape
        (count, *shape)."""
        self.n += x.shape[0]
        self.a += x.sum(axis=0)
        self.b += y.sum(axis=0)
        self.n10 += (x & ~y).sum(axis=0)
        self.n01 += (~x & y).sum(axis=0)

    def estimate(self, idx) -> dict:
        n = self.n
        a, b = int(self.a[idx]), int(self.b[idx])
        n10, n01 = int(self.n10[idx]), int(self.n01[idx])
        lo, hi = paired_interval(n10, n01, n)
        return {
            "a": {"p": a / n, "ci95": list(wilson(a, n))},
            "b": {"p": b / n, "ci95": list(wilson(b, n))},
            "diff": (n01 - n10) / n,
            "ci95": [lo, hi],
            "clear": bool(lo > 0 or hi < 0),
            "changed": n10 + n01,
        }


# -- running a comparison --------------------------------------------------------------------
@dataclass
class Comparison:
    a: Scenario
    b: Scenario
    seed: int
    milestones: list[str]  # in both scenarios, in A's order
    agencies: list[str]  # in either scenario (A's order, then B's additions)
    first: PairedCounts  # (milestones, agencies + none)
    reached: PairedCounts  # (milestones, agencies)
    tally_a: Tally
    tally_b: Tally
    unpaired: list[str]  # agencies whose random numbers could not be paired
    labels: dict = field(default_factory=dict)  # {"a": "...", "b": "..."} for reports
    #: ``--by`` dates (ISO) and, per date, the paired counts by then (first, reached)
    by: dict[str, tuple[PairedCounts, PairedCounts]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.first.n

    def to_dict(self) -> dict:
        from racesim.analysis.summary import summarize
        from racesim.scenario.params import differences
        from racesim.scenario.reach import contenders

        sa = summarize(self.a, self.tally_a, self.seed)
        sb = summarize(self.b, self.tally_b, self.seed)
        out = {
            "a": {"scenario": self.a.name, **self.labels.get("a", {})},
            "b": {"scenario": self.b.name, **self.labels.get("b", {})},
            "replications": self.n,
            "seed": self.seed,
            "method": METHOD,
            "unpaired_agencies": self.unpaired,
            "differences": [
                {"path": d.path, "a": d.a, "b": d.b} for d in differences(self.a, self.b)
            ],
            "milestones": {},
        }
        can_a, can_b = contenders(self.a), contenders(self.b)
        for m, key in enumerate(self.milestones):
            title = self.a.milestones[key].title or key
            first, reached = {}, {}
            for j, who in enumerate([*self.agencies, "none"]):
                first[who] = self.first.estimate((m, j))
            for j, who in enumerate(self.agencies):
                e = self.reached.estimate((m, j))
                for side, s in (("a", sa), ("b", sb)):
                    r = s["milestones"][key]["reached"].get(who)
                    for q in ("median", "p10", "p90"):
                        e[side][q] = r[q] if r else None
                reached[who] = e
            able = set(can_a[key]) | set(can_b[key])
            out["milestones"][key] = {
                "title": title,
                "can_reach": [w for w in self.agencies if w in able],
                "first": first,
                "reached": reached,
            }
            if self.by:
                out["milestones"][key]["by"] = {
                    d: {
                        "first": {
                            who: fb.estimate((m, j))
                            for j, who in enumerate([*self.agencies, "none"])
                        },
                        "reached": {
                            who: rb.estimate((m, j)) for j, who in enumerate(self.agencies)
                        },
                    }
                    for d, (fb, rb) in self.by.items()
                }
        return out


def compare(
    a: Scenario,
    b: Scenario,
    n: int,
    seed: int,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    by: Sequence[dt.date] = (),
) -> Comparison:
    """Run ``a`` and ``b`` on the same ``n`` replications at ``seed`` and count the
    paired outcomes, streaming chunk by chunk (memory does not grow with ``n``).

    Milestones compared are those in both scenarios; an agency in only one of them
    counts as never reaching anything in the other.  ``by``: dates at which to
    compare, too, the chance of each outcome on or before the date (a reach counts
    when its calendar day is on or before it, in each scenario's own clock)."""
    pa, pb = Plan.from_scenario(a), Plan.from_scenario(b)
    milestones = [k for k in a.milestones if k in b.milestones]
    agencies = [*a.agencies, *[k for k in b.agencies if k not in a.agencies]]
    na = len(agencies)
    ma = np.array([list(a.milestones).index(k) for k in milestones], dtype=int)
    mb = np.array([list(b.milestones).index(k) for k in milestones], dtype=int)
    # scenario agency index -> union index (the extra last entry is "nobody")
    ua = np.array([agencies.index(k) for k in a.agencies] + [na])
    ub = np.array([agencies.index(k) for k in b.agencies] + [na])
    first = PairedCounts.empty((len(milestones), na + 1))
    reached = PairedCounts.empty((len(milestones), na))
    tally_a, tally_b = new_tally(pa, a), new_tally(pb, b)
    who = np.arange(na + 1)
    by_counts = {
        d.isoformat(): (
            PairedCounts.empty((len(milestones), na + 1)),
            PairedCounts.empty((len(milestones), na)),
        )
        for d in by
    }
    for _, (ra, rb) in execute_many([pa, pb], seed, n, jobs):
        tally_a.add(ra)
        tally_b.add(rb)
        wa = ua[first_index(ra)][:, ma]  # (count, milestones): union index of the winner
        wb = ub[first_index(rb)][:, mb]
        first.add(wa[..., None] == who, wb[..., None] == who)
        first_ok = np.zeros((ra.shape[0], len(milestones), na), dtype=bool)
        xa, xb = first_ok.copy(), first_ok.copy()
        xa[:, :, ua[:-1]] = ~np.isnan(ra[:, ma, :])
        xb[:, :, ub[:-1]] = ~np.isnan(rb[:, mb, :])
        reached.add(xa, xb)
        for d, (fb, rbc) in by_counts.items():
            day = dt.date.fromisoformat(d)
            fa_, xa_ = _by_outcomes(ra, (day - a.start).days, ma, ua, na)
            fb_, xb_ = _by_outcomes(rb, (day - b.start).days, mb, ub, na)
            fb.add(fa_, fb_)
            rbc.add(xa_, xb_)
        if progress is not None:
            progress(2 * ra.shape[0])
    return Comparison(
        a,
        b,
        seed,
        milestones,
        agencies,
        first,
        reached,
        tally_a,
        tally_b,
        unpaired_agencies(pa, pb),
        by=by_counts,
    )


def _by_outcomes(
    r: np.ndarray, cut: int, ms: np.ndarray, union: np.ndarray, na: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per replication of one side's chunk ``r`` (count, M, A): who was first by day
    ``cut`` (boolean, (count, milestones, na + 1), the last "nobody by then") and who
    had reached it by then ((count, milestones, na)), over the compared milestones
    ``ms`` and with agencies mapped to the union's indices ``union``."""
    ok = ~np.isnan(r)
    day = np.full(r.shape, np.iinfo(np.int64).max, dtype=np.int64)
    day[ok] = days(r[ok])
    win = first_index(r)
    n_a = r.shape[2]
    win_day = np.take_along_axis(day, np.minimum(win, n_a - 1)[..., None], axis=2)[..., 0]
    who = np.where((win < n_a) & (win_day <= cut), union[win], na)[:, ms]
    first = who[..., None] == np.arange(na + 1)
    reached = np.zeros((r.shape[0], len(ms), na), dtype=bool)
    reached[:, :, union[:-1]] = (day <= cut)[:, ms, :]
    return first, reached


# -- output ----------------------------------------------------------------------------------
CSV_COLUMNS = (
    "milestone",
    "measure",
    "agency",
    "p_a",
    "p_a_lo",
    "p_a_hi",
    "p_b",
    "p_b_lo",
    "p_b_hi",
    "diff",
    "diff_lo",
    "diff_hi",
    "clear",
    "changed",
    "median_a",
    "median_b",
)


def csv_rows(result: dict) -> list[tuple]:
    """Rows of ``compare.csv`` from :meth:`Comparison.to_dict` (numbers unrounded)."""
    rows = []
    for key, ms in result["milestones"].items():
        for measure in ("first", "reached"):
            for who, e in ms[measure].items():
                rows.append(
                    (
                        key,
                        measure,
                        who,
                        e["a"]["p"],
                        *e["a"]["ci95"],
                        e["b"]["p"],
                        *e["b"]["ci95"],
                        e["diff"],
                        *e["ci95"],
                        int(e["clear"]),
                        e["changed"],
                        e["a"].get("median") or "",
                        e["b"].get("median") or "",
                    )
                )
        for d, at in ms.get("by", {}).items():
            for measure in ("first", "reached"):
                for who, e in at[measure].items():
                    rows.append(
                        (
                            key,
                            f"{measure} by {d}",
                            who,
                            e["a"]["p"],
                            *e["a"]["ci95"],
                            e["b"]["p"],
                            *e["b"]["ci95"],
                            e["diff"],
                            *e["ci95"],
                            int(e["clear"]),
                            e["changed"],
                            "",
                            "",
                        )
                    )
    return rows
