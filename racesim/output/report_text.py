"""How the HTML report words numbers, chances and distributions, and escapes text."""

from __future__ import annotations

import html
import json
import math

from racesim.output.text import pct


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _pct(p: float | None, digits: int = 1) -> str:
    return "–" if p is None else pct(p, digits)


def _interval(ci: list[float]) -> str:
    return f"{100 * ci[0]:.1f}–{100 * ci[1]:.1f}%"


def _num(x: float, digits: int = 3) -> str:
    """A number people read: thousands separated and never in e-notation ("6,500",
    "2,480", "12.3", "0.35"); values of 100 or more as whole numbers, smaller ones to
    ``digits`` significant digits (trailing zeros dropped)."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 100 or x == round(x):
        return f"{x:,.0f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _plain(x: float) -> str:
    """A distribution parameter as written in a scenario: no separators, no e-notation."""
    x = float(x)
    if x == round(x) and abs(x) < 1e15:
        return f"{x:.0f}"
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _spec(d) -> str:
    """A distribution as in scenario files, ``lognormal(median=6000, sigma=0.4)``."""
    from racesim.scenario.distributions import FAMILIES

    names = FAMILIES.get(d.family)
    if not names:
        return str(d)
    return f"{d.family}({', '.join(f'{k}={_plain(v)}' for k, v in zip(names, d.params))})"


def _dist(value, unit: str = "", percent: bool = False) -> str:
    """A distribution spec (plain data from scenario.yaml) in a few words."""
    from racesim.scenario.distributions import parse

    if value is None:
        return "–"
    try:
        d = parse(value)
    except (ValueError, TypeError):
        return _e(json.dumps(value))
    if d.is_factor:
        return (
            f"factor <code>{_e(d.ref)}</code><br><span class=dim>drawn once per replication</span>"
        )
    if d.is_fixed:
        x = d.params[0]
        return _e(f"{100 * x:.0f}%" if percent else f"{_num(x)}{unit}")
    mean = f"{100 * d.mean():.0f}%" if percent else f"{_num(d.mean())}{unit}"
    return f"{_e(_spec(d))}<br><span class=dim>mean {_e(mean)}</span>"


def _swatch(color: str) -> str:
    return f'<span class=sw style="background:{_e(color)}"></span>'
