"""Outcome chances fitted to the landing record: three outcomes, and one agency's own
attempts shrunk toward its class (partial pooling).

**Three outcomes.**  A class's attempts give counts of successes ``s``, partial
landings ``p`` and failures ``f``; from a uniform Dirichlet(1, 1, 1) prior the chances
(success, partial, failure) are Dirichlet(1 + s, 1 + p, 1 + f).  A mission field gets
its marginal: success ~ Beta(1 + s, 2 + p + f), partial ~ Beta(1 + p, 2 + s + f).  (The
two-outcome fit of :func:`racesim.scenario.record.fit`, a partial counting half, is the
same construction with two outcomes and counts (s + p/2, f + p/2).)

**Partial pooling** (:func:`pool`), beta-binomial (Dirichlet-multinomial) empirical
Bayes.  For agency A and a class C:

1. *The class without A*: the attempts in C by every other agency give the prior's
   mean, m = (1 + c) / (K + n) per outcome (K = 2 or 3 outcomes, c the counts, n the
   attempts): the class fit with A's own attempts left out.
2. *The prior's strength* k (in attempts): the other agencies' own counts in C are
   treated as draws from one Dirichlet(k m); k maximises their Dirichlet-multinomial
   likelihood (one agency's rate far from another's means a weak prior, agencies
   alike a strong one), searched between K (barely more than a uniform prior) and
   K + n (the class's full weight).  With fewer than two other agencies in C there is
   no spread to measure and k = K + n.  A scenario may state k instead
   (``strength: 10``).
3. *The posterior*: Dirichlet(k m + A's counts), a field getting its marginal Beta.

So A's chance moves from the class's toward A's own rate as A's attempts grow, by the
weight n_A / (k + n_A); with k = K + n it is the class fit with A's attempts included
(today's fit of the whole class).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import special

Row = dict[str, str]


def counts(rows: Sequence[Row]) -> tuple[int, int, int]:
    """(successes, partials, failures) among ``rows``."""
    s = sum(r["outcome"] == "success" for r in rows)
    p = sum(r["outcome"] == "partial" for r in rows)
    f = sum(r["outcome"] == "failure" for r in rows)
    return s, p, f


def outcome_counts(spf: tuple[int, int, int], outcomes: int) -> tuple[float, ...]:
    """The counts per outcome: (s, p, f) for three outcomes, (s + p/2, f + p/2) for two."""
    s, p, f = spf
    return (float(s), float(p), float(f)) if outcomes == 3 else (s + p / 2, f + p / 2)


def beta_interval(a: float, b: float, level: float = 0.95) -> tuple[float, float]:
    tail = (1 - level) / 2
    return (
        float(special.betaincinv(a, b, tail)),
        float(special.betaincinv(a, b, 1 - tail)),
    )


@dataclass(frozen=True)
class Fit3:
    """Dirichlet(1 + s, 1 + p, 1 + f) for the attempts in every one of ``classes``."""

    classes: tuple[str, ...]
    n: int
    successes: int
    partials: int
    failures: int

    @property
    def alpha(self) -> tuple[float, float, float]:
        return (1.0 + self.successes, 1.0 + self.partials, 1.0 + self.failures)

    def marginal(self, k: int) -> tuple[float, float]:
        """Beta(a, b) of outcome ``k`` (0 success, 1 partial, 2 failure)."""
        return marginal(self.alpha, k)


def marginal(alpha: Sequence[float], k: int) -> tuple[float, float]:
    """The marginal Beta(a, b) of component ``k`` of Dirichlet(``alpha``)."""
    a = float(alpha[k])
    return a, float(sum(alpha)) - a


def log_likelihood(kappa: float, mean: Sequence[float], groups: Sequence[Sequence[float]]) -> float:
    """Dirichlet-multinomial log-likelihood of each group's counts under
    Dirichlet(``kappa`` x ``mean``), up to terms that do not depend on ``kappa``."""
    a = [kappa * m for m in mean]
    total = 0.0
    for c in groups:
        total += special.gammaln(kappa) - special.gammaln(kappa + sum(c))
        total += sum(special.gammaln(ak + ck) - special.gammaln(ak) for ak, ck in zip(a, c))
    return float(total)


def estimate_strength(
    mean: Sequence[float], groups: Sequence[Sequence[float]], low: float, high: float
) -> float:
    """The ``kappa`` in [low, high] that maximises :func:`log_likelihood` (a bounded
    search on log kappa; the two bounds are candidates too)."""
    from scipy import optimize  # about a second to import: only when pooling

    if high <= low:
        return high
    res = optimize.minimize_scalar(
        lambda x: -log_likelihood(math.exp(x), mean, groups),
        bounds=(math.log(low), math.log(high)),
        method="bounded",
        options={"xatol": 1e-9},
    )
    best = [low, high] + ([math.exp(res.x)] if res.success else [])
    return max(best, key=lambda k: (log_likelihood(k, mean, groups), -k))


@dataclass(frozen=True)
class Pooled:
    """One agency's chances in a class, its attempts shrunk toward the others'."""

    classes: tuple[str, ...]
    agency: str
    outcomes: int  # 2: success / failure, a partial half each; 3: success / partial / failure
    others: tuple[int, int, int]  # (s, p, f) of the class without the agency
    own: tuple[int, int, int]  # (s, p, f) of the agency's own attempts in the class
    groups: int  # other agencies with attempts in the class (for the strength)
    strength: float  # k, in attempts
    how: str  # "estimated", "stated" or "class weight (fewer than two other agencies)"
    low: float  # the bounds of the search for k
    high: float

    @property
    def prior_mean(self) -> tuple[float, ...]:
        c = outcome_counts(self.others, self.outcomes)
        n = sum(self.others)
        return tuple((1 + x) / (self.outcomes + n) for x in c)

    @property
    def prior(self) -> tuple[float, ...]:
        return tuple(self.strength * m for m in self.prior_mean)

    @property
    def posterior(self) -> tuple[float, ...]:
        return tuple(a + c for a, c in zip(self.prior, outcome_counts(self.own, self.outcomes)))

    @property
    def weight(self) -> float:
        """The agency's own attempts' weight in the posterior mean, n_A / (k + n_A)."""
        n = sum(self.own)
        return n / (self.strength + n)

    def success(self) -> tuple[float, float]:
        """The posterior Beta(a, b) of the chance of success."""
        return marginal(self.posterior, 0)

    def partial(self) -> tuple[float, float]:
        """The posterior Beta(a, b) of the chance of a partial landing (three outcomes)."""
        if self.outcomes != 3:
            raise ValueError("a two-outcome fit has no partial chance")
        return marginal(self.posterior, 1)


def pool(
    class_rows: Sequence[Row],
    agency: str,
    classes: Sequence[str],
    outcomes: int = 2,
    strength: float | None = None,
) -> Pooled:
    """Partial pooling of ``agency``'s attempts among ``class_rows`` (the attempts of
    the class, already selected and cut off) toward the other agencies' (see the
    module's docstring)."""
    own = [r for r in class_rows if r.get("agency", "").strip() == agency]
    others = [r for r in class_rows if r.get("agency", "").strip() != agency]
    by_agency: dict[str, list[Row]] = {}
    for r in others:
        by_agency.setdefault(r.get("agency", "").strip(), []).append(r)
    oc = counts(others)
    low, high = float(outcomes), float(outcomes + len(others))
    probe = Pooled(
        tuple(classes), agency, outcomes, oc, counts(own), len(by_agency), high, "", low, high
    )
    if strength is not None:
        kappa, how = float(strength), "stated"
    elif len(by_agency) < 2:
        kappa, how = high, "class weight (fewer than two other agencies)"
    else:
        groups = [outcome_counts(counts(g), outcomes) for g in by_agency.values()]
        kappa, how = estimate_strength(probe.prior_mean, groups, low, high), "estimated"
    return Pooled(
        tuple(classes), agency, outcomes, oc, counts(own), len(by_agency), kappa, how, low, high
    )
