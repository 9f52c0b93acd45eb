"""Distribution specs and how they turn uniforms into draws.

Every random quantity in racesim is drawn by *inverse transform*: the model gives each
quantity its own uniform number (see :mod:`racesim.run.streams`) and the spec maps it to a
value with its quantile function.  Two consequences users can rely on:

* changing a parameter never reshuffles the luck of any other quantity, and
* a larger parameter gives a larger (or equal) draw from the same uniform, so scenario
  comparisons are paired and monotone.

A field may also name a *factor* (``{factor: NAME}``, scenario format version 2): a
quantity of the scenario's top-level ``factors`` drawn once per replication from its own
stream (:func:`racesim.run.streams.draw_factors`) and shared by every field that names
it.  Such a spec has ``family == "factor"`` and ``ref == NAME``; it holds no
distribution of its own, so it cannot be drawn here (the run looks the draw up) and its
value is clipped to the field's range when used.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from scipy import special

from racesim.scenario.errors import brief, did_you_mean  # noqa: F401 - brief: older import path

#: what a factor's name looks like (as an agency or mission key)
FACTOR_NAME = r"^[A-Za-z][A-Za-z0-9_-]*$"

#: parameter names of each distribution family, in the order they are stored
FAMILIES: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "beta": ("a", "b"),
}


@dataclass(frozen=True)
class Dist:
    """A fixed number (``family == "fixed"``) or a named distribution.

    ``params`` holds the parameters in the order of :data:`FAMILIES`.
    """

    family: str
    params: tuple[float, ...]
    ref: str = ""  # the factor's name, for family "factor"

    # -- construction -------------------------------------------------------------
    @classmethod
    def fixed(cls, value: float) -> Dist:
        return cls("fixed", (float(value),))

    @classmethod
    def factor(cls, name: str) -> Dist:
        """``{factor: NAME}``: the replication's draw of factor ``name``."""
        return cls("factor", (), name)

    @property
    def is_factor(self) -> bool:
        return self.family == "factor"

    @property
    def is_fixed(self) -> bool:
        return self.family == "fixed"

    # -- summaries ------------------------------------------------------------------
    def mean(self) -> float:
        p = self.params
        if self.family == "fixed":
            return p[0]
        if self.family == "uniform":
            return (p[0] + p[1]) / 2
        if self.family == "triangular":
            return sum(p) / 3
        if self.family == "normal":
            return p[0]
        if self.family == "lognormal":
            return p[0] * math.exp(p[1] ** 2 / 2)
        if self.family == "beta":
            return p[0] / (p[0] + p[1])
        if self.family == "factor":
            return math.nan  # the factor's own spec knows (see the module docstring)
        raise AssertionError(self.family)

    def support(self) -> tuple[float, float]:
        p = self.params
        if self.family == "fixed":
            return (p[0], p[0])
        if self.family in ("uniform", "triangular"):
            return (p[0], p[-1])
        if self.family == "lognormal":
            return (0.0, math.inf)
        if self.family == "beta":
            return (0.0, 1.0)
        return (-math.inf, math.inf)

    def scaled(self, factor: float) -> Dist:
        """The same shape with its location scaled by ``factor`` (for sensitivity).
        A ``{factor: NAME}`` reference is returned as it is: scale the factor itself."""
        p = self.params
        if self.family == "factor":
            return self
        if self.family in ("fixed", "uniform", "triangular"):
            return Dist(self.family, tuple(x * factor for x in p))
        if self.family == "normal":
            return Dist("normal", (p[0] * factor, p[1] * abs(factor)))
        if self.family == "lognormal":
            return Dist("lognormal", (p[0] * factor, p[1]))
        if self.family == "beta":
            # keep the concentration a+b, move the mean (clipped into (0, 1))
            n = p[0] + p[1]
            m = min(max(self.mean() * factor, 1e-6), 1 - 1e-6)
            return Dist("beta", (m * n, (1 - m) * n))
        raise AssertionError(self.family)

    # -- drawing --------------------------------------------------------------------
    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms in [0, 1) to draws (vectorised inverse CDF)."""
        u = np.asarray(u, dtype=float)
        p = self.params
        f = self.family
        if f == "factor":
            raise ValueError(f"factor {self.ref!r} is drawn by the run, not from a uniform")
        if f == "fixed":
            return np.full(u.shape, p[0])
        if f == "uniform":
            return p[0] + u * (p[1] - p[0])
        if f == "triangular":
            low, mode, high = p
            if high == low:
                return np.full(u.shape, low)
            span = high - low
            cut = (mode - low) / span
            if math.isfinite(span * max(mode - low, high - mode)):
                left = low + np.sqrt(u * span * (mode - low))
                right = high - np.sqrt((1 - u) * span * (high - mode))
            else:  # the same, scaled, for bounds beyond 1e154 (the product overflows)
                left = low + span * np.sqrt(u * cut)
                right = high - span * np.sqrt((1 - u) * (1 - cut))
            return np.where(u < cut, left, right)
        z = special.ndtri(np.clip(u, 1e-300, None))
        with np.errstate(over="ignore"):  # an absurd spread gives inf, clipped later
            if f == "normal":
                return p[0] + p[1] * z
            if f == "lognormal":
                return p[0] * np.exp(p[1] * z)
        if f == "beta":
            return special.betaincinv(p[0], p[1], u)
        raise AssertionError(f)

    def to_data(self) -> float | dict:
        """The YAML form of this spec (inverse of :func:`parse`)."""
        if self.is_fixed:
            return self.params[0]
        if self.is_factor:
            return {"factor": self.ref}
        return {self.family: dict(zip(FAMILIES[self.family], self.params))}

    def __str__(self) -> str:
        if self.is_fixed:
            return f"{self.params[0]:g}"
        if self.is_factor:
            return f"factor {self.ref}"
        inner = ", ".join(f"{k}={v:g}" for k, v in zip(FAMILIES[self.family], self.params))
        return f"{self.family}({inner})"


def parse(
    value: object, low: float = -math.inf, high: float = math.inf, factor_ok: bool = True
) -> Dist:
    """Read a distribution from its YAML form, checking it against the field's range.

    Raises ``ValueError`` with a message meant for a person.  Fixed values and the
    bounds of bounded families must lie in ``[low, high]``; unbounded families are
    clipped to the range when drawn.  ``{factor: NAME}`` is accepted unless
    ``factor_ok`` is false (a factor's own spec); whether NAME exists is checked with
    the whole scenario (:mod:`racesim.scenario.checks`).
    """
    if isinstance(value, Dist):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected a number or a distribution, got {brief(value)}")
    if isinstance(value, (int, float)):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"must be a finite number, got {brief(value)}")
        _check_range(v, low, high, "value")
        return Dist.fixed(v)
    if not isinstance(value, dict):
        raise ValueError(
            f"expected a number or a one-key mapping such as {{uniform: {{low: 1, high: 2}}}}, "
            f"got {brief(value)}"
        )
    if len(value) != 1:
        raise ValueError(
            f"a distribution is a mapping with exactly one key (one of {', '.join(FAMILIES)}), "
            f"got keys {', '.join(map(str, value))}"
        )
    ((family, args),) = value.items()
    if family == "factor":
        if not factor_ok:
            raise ValueError("a factor is a distribution, not another factor")
        if not isinstance(args, str) or not re.match(FACTOR_NAME, args):
            raise ValueError(
                f"{{factor: NAME}} needs the name of one of the scenario's factors, "
                f"got {brief(args)}"
            )
        return Dist.factor(args)
    if family not in FAMILIES:
        names = (*FAMILIES, "factor") if factor_ok else tuple(FAMILIES)
        raise ValueError(
            f"unknown distribution {family!r}{did_you_mean(str(family), names)}; "
            f"use one of {', '.join(names)}"
        )
    names = FAMILIES[family]
    if not isinstance(args, dict):
        raise ValueError(
            f"{family} needs named parameters {{{', '.join(names)}}}, got {brief(args)}"
        )
    unknown = [k for k in args if k not in names]
    if unknown:
        k = str(unknown[0])
        raise ValueError(
            f"{family} has no parameter {k!r}{did_you_mean(k, names)}; "
            f"its parameters are {', '.join(names)}"
        )
    missing = [k for k in names if k not in args]
    if missing:
        raise ValueError(f"{family} is missing parameter(s) {', '.join(missing)}")
    params = []
    for k in names:
        x = args[k]
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise ValueError(f"{family} parameter {k} must be a finite number, got {brief(x)}")
        params.append(float(x))
    d = Dist(family, tuple(params))
    _check_params(d, low, high)
    return d


def _check_params(d: Dist, low: float, high: float) -> None:
    p = d.params
    f = d.family
    if f == "uniform" and not p[0] <= p[1]:
        raise ValueError(f"uniform needs low <= high, got low={p[0]:g}, high={p[1]:g}")
    if f == "triangular" and not p[0] <= p[1] <= p[2]:
        raise ValueError(f"triangular needs low <= mode <= high, got {p[0]:g}, {p[1]:g}, {p[2]:g}")
    if f == "normal" and p[1] < 0:
        raise ValueError(f"normal sd must be >= 0, got {p[1]:g}")
    if f == "lognormal" and (p[0] <= 0 or p[1] < 0):
        raise ValueError(f"lognormal needs median > 0 and sigma >= 0, got {p[0]:g}, {p[1]:g}")
    if f == "beta" and (p[0] <= 0 or p[1] <= 0):
        raise ValueError(f"beta needs a > 0 and b > 0, got a={p[0]:g}, b={p[1]:g}")
    if f in ("uniform", "triangular"):
        _check_range(p[0], low, high, "low")
        _check_range(p[-1], low, high, "high")
    if f == "normal":
        _check_range(p[0], low, high, "mean")
    if f == "lognormal" and low > 0:
        _check_range(p[0], low, high, "median")
    if f == "beta" and (low > 0 or high < 1):
        raise ValueError(
            f"beta draws lie in [0, 1], outside this field's range [{low:g}, {high:g}]"
        )


def _check_range(v: float, low: float, high: float, what: str) -> None:
    if v < low or v > high:
        if high == math.inf:
            raise ValueError(f"{what} must be >= {low:g}, got {v:g}")
        raise ValueError(f"{what} must be between {low:g} and {high:g}, got {v:g}")
