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

Format v2 (contract 5) adds randomness only in NEW streams, so that every draw above
is unchanged and a scenario without v2 fields gives bit-identical results:

- each factor of the scenario's ``factors`` has its own stream, keyed by its name
  (:func:`draw_factors`); a field that names a factor (``{factor: NAME}``) takes that
  draw instead of its slot above (the slot is still there, unused, so that the layout
  does not move), and ``slip`` multiplies the mission's drawn duration by its draw;
- each mission with a v2 mechanism has a block per replication from the stream keyed
  ``(seed, agency, mission, "v2")``: ``[partial] [transit] {[leave rate] [leave
  time]} per partner``; each hazard one from ``(seed, agency, "hazard", name, n)``
  (``n``: how many earlier hazards of the agency have that name): ``[rate]``;
- what is drawn at events has a stream per replication (counter ``[0, i, 0, 0]``,
  as the extra attempts): a hazard's events ``(..., "events")``, a gap and a pause
  duration per event; a mission's stand-downs ``(seed, agency, mission, "stand_down")``,
  one per failure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from racesim.engine.plan import ATTEMPT_BLOCK, Plan

#: USD millions: a yearly budget is held below this, so that sums of money stay finite
#: (no real budget comes near it; an absurd one, such as 1e300 growing 10-fold a year,
#: would otherwise overflow to infinity and turn the books into NaN)
MAX_AMOUNT = 1e100


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def philox_key(seed: int, *names: str) -> np.ndarray:
    """The Philox key of the stream named ``names`` at root ``seed`` (read-only: it is
    computed once per seed and names, see :func:`_key`)."""
    return _key(seed, names)


@lru_cache(maxsize=4096)
def _key(seed: int, names: tuple[str, ...]) -> np.ndarray:
    """:func:`philox_key`, remembered: a key depends only on the seed and the names,
    and a run asks for the same few thousands of times (one event stream per
    replication and mission or hazard)."""
    key = np.random.SeedSequence([seed, *map(_name_key, names)]).generate_state(2, np.uint64)
    key.setflags(write=False)
    return key


def draw_factors(plan: Plan, seed: int, keys: np.ndarray) -> np.ndarray:
    """Every factor's draw for a chunk of replications, shape ``(n_factors, len(keys))``
    (factors in scenario order).

    ``keys`` holds one integer "factor key" per replication of the chunk: the
    replication's index in an ordinary run, so every replication draws its own factors;
    ``--worlds`` passes the replication's WORLD index instead, so that every
    replication of a world shares one draw of each factor (contract 6).  Factor ``f``
    with key ``k`` is the inverse transform of the first uniform of counter block ``k``
    of the Philox stream keyed by ``(seed, "factor", f)``: it depends only on the seed,
    the factor's name and the key (not on the chunk, the other factors or the order).
    """
    keys = np.asarray(keys, dtype=np.int64)
    out = np.empty((len(plan.factors), len(keys)))
    if not len(keys) or not plan.factors:
        return out
    lo, hi = int(keys.min()), int(keys.max())
    contiguous = hi - lo < 4 * len(keys) + 1024  # draw the whole range, then pick
    for f, (name, spec) in enumerate(plan.factors):
        key = philox_key(seed, "factor", name)
        if contiguous:
            gen = np.random.Generator(np.random.Philox(key=key, counter=[lo, 0, 0, 0]))
            u = gen.random(4 * (hi - lo + 1))[0::4][keys - lo]
        else:
            u = np.empty(len(keys))
            for j, k in enumerate(keys.tolist()):
                gen = np.random.Generator(np.random.Philox(key=key, counter=[k, 0, 0, 0]))
                u[j] = gen.random()
        out[f] = spec.quantile(u)
    return out


def _value(spec, u: np.ndarray, factors: np.ndarray | None, plan: Plan) -> np.ndarray:
    """A quantity's draws: the inverse transform of its uniforms ``u`` (shape
    ``(count,)`` or ``(count, Y)``), or, for ``{factor: NAME}``, that factor's draws."""
    if spec.family != "factor":
        return spec.quantile(u)
    f = factors[plan.factor_index[spec.ref]]
    return np.broadcast_to(f if u.ndim == 1 else f[:, None], u.shape)


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


def _block(seed: int, names: tuple[str, ...], first: int, count: int, size: int) -> np.ndarray:
    """Uniforms ``(count, size)`` of replications ``first ..``, from the stream keyed by
    ``names``: replication i's block starts at counter ``i * stride`` (as
    :func:`uniforms`)."""
    stride = -(-size // 4)
    gen = np.random.Generator(
        np.random.Philox(key=philox_key(seed, *names), counter=[first * stride, 0, 0, 0])
    )
    return gen.random(count * stride * 4).reshape(count, stride * 4)[:, :size]


def event_stream(seed: int, names: tuple[str, ...], replication: int) -> np.random.Generator:
    """The stream of one replication's draws at events (counter ``[0, i, 0, 0]``)."""
    key = philox_key(seed, *names)
    return np.random.Generator(np.random.Philox(key=key, counter=[0, replication, 0, 0]))


#: a stream that has drawn more numbers than this keeps its own generator state when
#: another stream takes the shared generator over, instead of replaying its draws
REPLAY_AT_MOST = 8


class SharedGenerator:
    """One Philox generator that many :class:`EventStream` take turns on: the stream
    about to draw sets the generator to its own start and replays its earlier draws,
    or, once it has drawn more than ``REPLAY_AT_MOST`` numbers, the generator's state
    it saved when another stream took over (so a turn costs at most a few draws, not
    all of the stream's so far: two hazards of many events each would otherwise cost
    the square of their events).  Cheaper than a generator per stream (setting a state
    takes about a microsecond, making a Philox generator about ten), and most streams
    draw once or twice."""

    __slots__ = ("gen", "bits", "owner", "state")

    def __init__(self):
        self.bits = np.random.Philox(key=np.zeros(2, np.uint64))
        self.gen = np.random.Generator(self.bits)
        self.owner: EventStream | None = None
        self.state = self.bits.state  # a fresh Philox's: only counter and key change


class EventStream:
    """The draws of :func:`event_stream` (the same numbers, in the same order), on a
    :class:`SharedGenerator`: each call draws as ``Generator.random`` or
    ``Generator.exponential`` of the stream's own generator would."""

    __slots__ = ("shared", "key", "replication", "drawn", "saved")

    def __init__(self, shared: SharedGenerator, key: np.ndarray, replication: int):
        self.shared = shared
        self.key = key
        self.replication = replication
        self.drawn: list[bool] = []  # per draw so far: an exponential (else a uniform)
        self.saved: dict | None = None  # the generator's state when another took over

    def _take(self) -> np.random.Generator:
        shared = self.shared
        gen = shared.gen
        if shared.owner is not self:
            before = shared.owner
            if before is not None and len(before.drawn) > REPLAY_AT_MOST:
                before.saved = shared.bits.state  # a copy: the state as it is now
            if self.saved is not None:
                shared.bits.state = self.saved
                self.saved = None
                shared.owner = self
                return gen
            state = shared.state
            # as np.random.Philox(key=key, counter=[0, replication, 0, 0])
            state["state"] = {
                "counter": np.array([0, self.replication, 0, 0], np.uint64),
                "key": self.key,
            }
            shared.bits.state = state
            for exp in self.drawn:  # where this stream had got to
                if exp:
                    gen.exponential()
                else:
                    gen.random()
            shared.owner = self
        return gen

    def random(self) -> float:
        x = self._take().random()
        self.drawn.append(False)
        return x

    def exponential(self) -> float:
        x = self._take().exponential()
        self.drawn.append(True)
        return x


def hazard_names(plan: Plan, agency: int) -> list[tuple[str, ...]]:
    """The stream names of an agency's hazards (a repeated name gets a number)."""
    seen: dict[str, int] = {}
    out = []
    key = plan.agencies[agency].key
    for h in plan.agencies[agency].hazards:
        n = seen.get(h.name, 0)
        seen[h.name] = n + 1
        out.append((key, "hazard", h.name, str(n)))
    return out


@dataclass
class MechanismDraws:
    """The once-per-replication draws of format-v2 mechanisms for a chunk: arrays of
    shape ``(n_missions, count)`` (``partial``: chance, ``transit``: years), ``leave``
    per mission ``(n_partners, count)`` (years from start at which each partner
    leaves; inf: never), ``hazard_rate`` per agency ``(n_hazards, count)`` (events per
    year)."""

    partial: np.ndarray
    transit: np.ndarray
    leave: list[np.ndarray]
    hazard_rate: list[np.ndarray]

    def row(self, row: int) -> tuple[list, list, list, list]:
        cache = self.__dict__.get("_lists")
        if cache is None:
            cache = self.__dict__["_lists"] = (
                self.partial.T.tolist(),
                self.transit.T.tolist(),
                [x.T.tolist() for x in self.leave],
                [x.T.tolist() for x in self.hazard_rate],
            )
        return (
            cache[0][row],
            cache[1][row],
            [x[row] for x in cache[2]],
            [x[row] for x in cache[3]],
        )


def draw_mechanisms(
    plan: Plan,
    seed: int,
    first: int,
    count: int,
    success: np.ndarray,
    fac,
    named: dict | None = None,
) -> MechanismDraws:
    """The format-2 draws of a chunk; ``named`` (if given) gets each drawn one by its
    ``--set`` path, as :func:`draw_chunk` records the others (for ``--inputs``)."""
    named = {} if named is None else named

    def drawn(spec) -> bool:
        return spec is not None and not spec.is_fixed and spec.family != "factor"

    nm = len(plan.missions)
    partial = np.zeros((nm, count))
    transit = np.zeros((nm, count))
    leave = []
    for m in plan.missions:
        n_p = len(m.partners)
        times = np.full((n_p, count), np.inf)
        if m.uses_v2:
            key = (plan.agencies[m.agency].key, m.id, "v2")
            u = _block(seed, key, first, count, 2 + 2 * n_p)
            at = f"agencies.{plan.agencies[m.agency].key}.missions.{m.id}"
            if m.partial is not None:
                q = np.clip(_value(m.partial, u[:, 0], fac, plan), 0.0, 1.0)
                partial[m.index] = np.minimum(q, 1.0 - success[m.index])
                if drawn(m.partial):
                    named[f"{at}.partial"] = partial[m.index]
            if m.transit is not None:
                transit[m.index] = np.maximum(_value(m.transit, u[:, 1], fac, plan), 0.0)
                if drawn(m.transit):
                    named[f"{at}.transit"] = transit[m.index]
            for j, (_, rate) in enumerate(m.partner_terms):
                if rate is None:
                    continue
                r = np.maximum(_value(rate, u[:, 2 + 2 * j], fac, plan), 0.0)
                if drawn(rate):
                    who = plan.agencies[m.partners[j][0]].key
                    named[f"{at}.partners.{who}.leave_rate"] = r
                with np.errstate(divide="ignore"):
                    times[j] = -np.log1p(-u[:, 3 + 2 * j]) / r
        leave.append(times)
    rates = []
    for ag in plan.agencies:
        r = np.zeros((len(ag.hazards), count))
        for k, names in enumerate(hazard_names(plan, ag.index)):
            u = _block(seed, names, first, count, 1)
            r[k] = np.maximum(_value(ag.hazards[k].rate, u[:, 0], fac, plan), 0.0)
            if drawn(ag.hazards[k].rate):
                named[f"agencies.{ag.key}.hazards[{k}].rate"] = r[k]
        rates.append(r)
    return MechanismDraws(partial, transit, leave, rates)


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
    #: format v2: the factors' draws ``(n_factors, count)`` and the mechanisms' draws
    #: (None when the plan has none)
    factors: np.ndarray | None = None
    mech: MechanismDraws | None = None
    #: every drawn quantity by its ``--set`` path, shape (count,) or, per budget year,
    #: (count, n_years): what ``racesim run --inputs`` writes (:mod:`racesim.run.inputs`)
    named: dict = field(default_factory=dict)

    def hazard_events(self, agency: int, hazard: int, replication: int) -> EventStream:
        """The stream of a hazard's events in replication ``replication``: an
        exponential gap (years x rate) and, for a pause, a uniform for its length, per
        event (:func:`event_stream`'s numbers)."""
        keys = self.__dict__.get("_hazard_keys")
        if keys is None:  # per agency, per hazard
            keys = self.__dict__["_hazard_keys"] = [
                [philox_key(self.seed, *names, "events") for names in hazard_names(self.plan, a)]
                for a in range(len(self.plan.agencies))
            ]
        return EventStream(self._shared(), keys[agency][hazard], replication)

    def stand_downs(self, mission: int, replication: int) -> EventStream:
        """The stream of a mission's stand-downs (a uniform per failure;
        :func:`event_stream`'s numbers)."""
        m = self.plan.missions[mission]
        key = philox_key(self.seed, self.plan.agencies[m.agency].key, m.id, "stand_down")
        return EventStream(self._shared(), key, replication)

    def _shared(self) -> SharedGenerator:
        """The chunk's generator for its event streams (made on first use)."""
        shared = self.__dict__.get("_gen")
        if shared is None:
            shared = self.__dict__["_gen"] = SharedGenerator()
        return shared

    def factor_row(self, row: int) -> list[float]:
        return [] if self.factors is None else self.factors[:, row].tolist()

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


def draw_chunk(
    plan: Plan, seed: int, first: int, count: int, factor_keys: np.ndarray | None = None
) -> Draws:
    """Everything random about replications ``first .. first+count-1``.
    ``factor_keys``: see :func:`draw_factors` (default: the replication indices)."""
    y = plan.n_years
    fac = None
    if plan.factors:
        if factor_keys is None:
            factor_keys = np.arange(first, first + count)
        fac = draw_factors(plan, seed, factor_keys)
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
        annual = np.clip(_value(ag.annual, u[:, pos], fac, plan), 0.0, MAX_AMOUNT)
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
            factor = np.clip(_value(sh.factor, u[:, pos : pos + y], fac, plan), 0.0, MAX_AMOUNT)
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
                success[gi] = np.clip(_value(m.success, u[:, pos], fac, plan), 0.0, 1.0)
            if m.duration is not None:
                duration[gi] = np.maximum(_value(m.duration, u[:, pos + 1], fac, plan), 0.0)
            cost[gi] = np.maximum(_value(m.cost, u[:, pos + 2], fac, plan), 0.0)
            for name, dist, value in (
                ("success", m.success, success),
                ("duration", m.duration, duration),
                ("cost", m.cost, cost),
            ):
                if dist is not None and not dist.is_fixed and dist.family != "factor":
                    named[f"{at}.missions.{m.id}.{name}"] = value[gi].copy()
            if m.slip is not None:  # every development time, by the factor's draw
                duration[gi] = duration[gi] * np.maximum(fac[m.slip], 0.0)
            attempt_u[:, gi, :] = u[:, pos + 3 : pos + 3 + ATTEMPT_BLOCK]
            pos += 3 + ATTEMPT_BLOCK
        assert pos == u.shape[1]
    if fac is not None:  # the factors by their --set path, shared where they are named
        for i, (name, _) in enumerate(plan.factors):
            named[f"factors.{name}"] = fac[i]
    mech = draw_mechanisms(plan, seed, first, count, success, fac, named) if plan.uses_v2 else None
    return Draws(
        first,
        count,
        income,
        yearly,
        hits,
        success,
        duration,
        cost,
        attempt_u,
        plan,
        seed,
        fac,
        mech,
        named,
    )


def _ndtri(u: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    return ndtri(np.clip(u, 1e-300, None))
