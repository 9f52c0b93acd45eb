"""Random numbers: where each replication's uniforms come from, and what they become.

Each agency of replication *i* owns a fixed block of uniforms from a counter-based
Philox stream.  The key is derived with ``SeedSequence([seed, agency])`` (the agency's
name, not its position), and the block of replication *i* starts at counter
``i * stride``: it is the same whether drawn alone or with its neighbours in a chunk,
so results do not depend on how replications are split among workers.

Inside the block every random quantity has its own slot (layout below), turned into a
draw by inverse transform.  Changing one mission's parameters therefore leaves every
other quantity's draw unchanged, and two scenarios run at the same seed are paired
agency by agency (common random numbers).

Layout of an agency's block (``Y`` budget years, ``K`` = ``ATTEMPT_BLOCK``)::

    [annual] [noise x Y] {[applies x Y] [factor x Y]} per shock
    {[success] [duration] [cost] [attempt x K]} per mission
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from racesim.engine.plan import ATTEMPT_BLOCK, Plan

#: USD millions: a yearly budget is held below this, so that sums of money stay finite
#: (no real budget comes near it; an absurd one, such as 1e300 growing 10-fold a year,
#: would otherwise overflow to infinity and turn the books into NaN)
MAX_AMOUNT = 1e100


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def philox_key(seed: int, *names: str) -> np.ndarray:
    return np.random.SeedSequence([seed, *map(_name_key, names)]).generate_state(2, np.uint64)


def block_size(plan: Plan, agency: int) -> int:
    ag = plan.agencies[agency]
    y = plan.n_years
    return 1 + y + 2 * y * len(ag.shocks) + (3 + ATTEMPT_BLOCK) * len(ag.missions)


def uniforms(plan: Plan, seed: int, agency: int, first: int, count: int) -> np.ndarray:
    """The blocks of replications ``first .. first+count-1`` for one agency, shape
    ``(count, block_size)``."""
    size = block_size(plan, agency)
    stride = -(-size // 4)  # Philox gives 4 words per counter step
    key = philox_key(seed, plan.agencies[agency].key)
    gen = np.random.Generator(np.random.Philox(key=key, counter=[first * stride, 0, 0, 0]))
    return gen.random(count * stride * 4).reshape(count, stride * 4)[:, :size]


def extra_attempts(seed: int, plan: Plan, mission: int, replication: int) -> np.random.Generator:
    """Stream for attempts beyond the fixed block (a mission with many re-flights)."""
    m = plan.missions[mission]
    key = philox_key(seed, plan.agencies[m.agency].key, m.id, "attempts")
    return np.random.Generator(np.random.Philox(key=key, counter=[0, replication, 0, 0]))


@dataclass
class Draws:
    """Everything random about a chunk of replications, already transformed.

    ``income[a]`` has shape ``(count, n_years)``: each year's quarterly instalment
    (a quarter of the year's amount), USD millions.
    Mission arrays have shape ``(n_missions, count)``; ``attempt_u`` has shape
    ``(count, n_missions, ATTEMPT_BLOCK)``.
    """

    first: int
    count: int
    income: list[np.ndarray]
    yearly: list[np.ndarray]  # (count, n_years) yearly budget amounts
    shocks_hit: list[np.ndarray]  # (count, n_shocks, n_years) bool
    success: np.ndarray  # (n_missions, count)
    duration: np.ndarray
    cost: np.ndarray
    attempt_u: np.ndarray  # (count, n_missions, ATTEMPT_BLOCK)
    plan: Plan | None = None  # what they were drawn for, at root seed ``seed``
    seed: int = 0
    #: every drawn quantity by its ``--set`` path, shape (count,) or, per budget year,
    #: (count, n_years): what ``racesim run --inputs`` writes (:mod:`racesim.run.inputs`)
    named: dict = field(default_factory=dict)

    def extra_attempts(self, mission: int, replication: int) -> np.random.Generator:
        """The stream of mission ``mission``'s attempts beyond the fixed block, in
        replication ``replication`` (see :func:`extra_attempts`)."""
        return extra_attempts(self.seed, self.plan, mission, replication)

    def income_rows(self, row: int) -> list[list[float]]:
        """Per agency, for one row: each budget year's quarterly instalment."""
        cache = self.__dict__.get("_income")
        if cache is None:
            cache = self.__dict__["_income"] = [x.tolist() for x in self.income]
        return [c[row] for c in cache]

    def rows(self, row: int) -> tuple[list[float], list[float], list[float], list]:
        """Per mission, for one row: success chances, durations, costs, and attempt
        uniforms (lists in scenario order)."""
        cache = self.__dict__.get("_lists")
        if cache is None:
            cache = self.__dict__["_lists"] = (
                self.success.T.tolist(),
                self.duration.T.tolist(),
                self.cost.T.tolist(),
            )
        return cache[0][row], cache[1][row], cache[2][row], self.attempt_u[row]


def draw_chunk(plan: Plan, seed: int, first: int, count: int) -> Draws:
    y = plan.n_years
    nm = len(plan.missions)
    success = np.zeros((nm, count))
    duration = np.zeros((nm, count))
    cost = np.zeros((nm, count))
    attempt_u = np.empty((count, nm, ATTEMPT_BLOCK))
    income, yearly, hits = [], [], []
    named: dict[str, np.ndarray] = {}  # what was drawn, by --set path
    years = np.arange(y)
    for ag in plan.agencies:
        u = uniforms(plan, seed, ag.index, first, count)
        at = f"agencies.{ag.key}"
        pos = 0
        annual = np.clip(ag.annual.quantile(u[:, pos]), 0.0, MAX_AMOUNT)
        if not ag.annual.is_fixed:
            named[f"{at}.budget.annual"] = annual
        pos += 1
        z = _ndtri(u[:, pos : pos + y])
        pos += y
        vol = ag.volatility
        amount = annual[:, None] * (1.0 + ag.growth) ** years[None, :]
        if vol > 0:
            noise = np.exp(vol * z - vol * vol / 2)
            named[f"{at}.budget.noise"] = noise
            amount = amount * noise
        amount = np.minimum(amount, MAX_AMOUNT)
        hit = np.zeros((count, len(ag.shocks), y), dtype=bool)
        for s, sh in enumerate(ag.shocks):
            applies = u[:, pos : pos + y] < sh.probability
            window = (years >= sh.first_year) & (years <= sh.last_year)
            applies &= window[None, :]
            pos += y
            factor = np.clip(sh.factor.quantile(u[:, pos : pos + y]), 0.0, MAX_AMOUNT)
            pos += y
            amount = np.minimum(np.where(applies, amount * factor, amount), MAX_AMOUNT)
            hit[:, s, :] = applies
            if window.any():
                named[f"{at}.budget.shocks[{s}].factor"] = np.where(applies, factor, 1.0)
        yearly.append(amount)
        income.append(amount / 4.0)
        hits.append(hit)
        for gi in ag.missions:
            m = plan.missions[gi]
            if m.success is not None:
                success[gi] = np.clip(m.success.quantile(u[:, pos]), 0.0, 1.0)
            if m.duration is not None:
                duration[gi] = np.maximum(m.duration.quantile(u[:, pos + 1]), 0.0)
            cost[gi] = np.maximum(m.cost.quantile(u[:, pos + 2]), 0.0)
            for name, dist, value in (
                ("success", m.success, success),
                ("duration", m.duration, duration),
                ("cost", m.cost, cost),
            ):
                if dist is not None and not dist.is_fixed:
                    named[f"{at}.missions.{m.id}.{name}"] = value[gi]
            attempt_u[:, gi, :] = u[:, pos + 3 : pos + 3 + ATTEMPT_BLOCK]
            pos += 3 + ATTEMPT_BLOCK
        assert pos == u.shape[1]
    return Draws(
        first, count, income, yearly, hits, success, duration, cost, attempt_u, plan, seed, named
    )


def _ndtri(u: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    return ndtri(np.clip(u, 1e-300, None))
