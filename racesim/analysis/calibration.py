"""Several forecast origins scored together (``racesim backtest S1 S2 ...``): each
origin's :class:`~racesim.analysis.backtest.Backtest`, the means pooled over all their
events, and the reliability diagram's bins.

**Pooling.** Every event of every origin counts once: the pooled mean score of a
forecaster is the mean of its per-event scores over all events of all origins (so an
origin with more events weighs more).  The events are not independent: within an
origin, a milestone's "reached" and "first" events are decided by the same history
and forecast from the same replications, and the origins share the same history.

**Reliability.** The events' racesim probabilities are put into :data:`BINS` equal
bins of [0, 1] (``[0, 0.1)``, ..., ``[0.9, 1]``: a p of exactly 1 falls in the last);
each bin gives its count, the mean predicted p and the observed frequency (the share
of its events that happened).  A calibrated forecaster's points lie on the diagonal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from racesim.analysis.backtest import FORECASTERS, Backtest

BINS = 10
#: ``scores.csv``: one row per origin and event (contract §6)
SCORE_COLUMNS = (
    "scenario",
    "event",
    "outcome",
    "p",
    "brier",
    "log",
    "p_base_rate",
    "brier_base_rate",
    "log_base_rate",
    "brier_coin",
    "log_coin",
)
#: ``calibration.csv``: the reliability diagram's bins
BIN_COLUMNS = ("bin_low", "bin_high", "count", "mean_p", "observed")


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    mean_p: float | None  # None for an empty bin
    observed: float | None


def reliability(p: Sequence[float], happened: Sequence[bool], bins: int = BINS) -> list[Bin]:
    """The reliability diagram's bins of forecasts ``p`` of events that ``happened``."""
    p = np.asarray(p, dtype=float)
    o = np.asarray(happened, dtype=float)
    k = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        sel = k == b
        n = int(sel.sum())
        out.append(
            Bin(
                b / bins,
                (b + 1) / bins,
                n,
                float(p[sel].mean()) if n else None,
                float(o[sel].mean()) if n else None,
            )
        )
    return out


@dataclass
class Backtests:
    """Several origins' backtests, in the order given."""

    origins: list[Backtest]

    @property
    def n_events(self) -> int:
        return sum(len(b.events) for b in self.origins)

    @property
    def groups(self) -> int:
        """How many (origin, milestone) pairs the events come from: the events of a
        pair are decided by the same history and forecast from the same replications."""
        return len({(b.scenario, e.milestone) for b in self.origins for e in b.events})

    def _pooled(self, what: str, who: str) -> np.ndarray:
        parts = [getattr(b, what)(who) for b in self.origins]
        return np.concatenate(parts) if parts else np.empty(0)

    def pooled(self) -> dict[str, dict[str, float]]:
        """Mean Brier and log score per forecaster over every event of every origin."""
        out = {}
        for who in FORECASTERS:
            b, lg = self._pooled("brier", who), self._pooled("log", who)
            out[who] = {
                "brier": float(b.mean()) if b.size else 0.0,
                "log": float(lg.mean()) if lg.size else 0.0,
            }
        return out

    def beats(self, reference: str) -> dict[str, dict[str, bool]]:
        """Per origin (by name) and ``pooled``: whether racesim's mean Brier and log
        score are better than ``reference``'s."""
        out = {b.scenario: b.beats(reference) for b in self.origins}
        t = self.pooled()
        out["pooled"] = {
            "brier": t["racesim"]["brier"] < t[reference]["brier"],
            "log": t["racesim"]["log"] > t[reference]["log"],
        }
        return out

    def reliability(self, bins: int = BINS) -> list[Bin]:
        """racesim's reliability bins over every event of every origin."""
        p = np.concatenate([b.p["racesim"] for b in self.origins])
        o = np.concatenate([b.happened for b in self.origins])
        return reliability(p, o, bins)

    def score_rows(self) -> list[tuple]:
        """Rows of ``scores.csv`` (:data:`SCORE_COLUMNS`), numbers unrounded."""
        rows = []
        for b in self.origins:
            sc = {who: (b.brier(who), b.log(who)) for who in FORECASTERS}
            for i, e in enumerate(b.events):
                rows.append(
                    (
                        b.scenario,
                        e.label(),
                        int(e.happened),
                        float(b.p["racesim"][i]),
                        float(sc["racesim"][0][i]),
                        float(sc["racesim"][1][i]),
                        float(b.p["base_rate"][i]),
                        float(sc["base_rate"][0][i]),
                        float(sc["base_rate"][1][i]),
                        float(sc["coin"][0][i]),
                        float(sc["coin"][1][i]),
                    )
                )
        return rows

    def bin_rows(self, bins: int = BINS) -> list[tuple]:
        """Rows of ``calibration.csv`` (:data:`BIN_COLUMNS`); empty cells for empty bins."""
        return [
            (
                b.low,
                b.high,
                b.count,
                "" if b.mean_p is None else b.mean_p,
                "" if b.observed is None else b.observed,
            )
            for b in self.reliability(bins)
        ]
