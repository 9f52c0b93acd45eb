"""Model time is in years (float) from the scenario's start date.

A year is 365.25 days, so ``to_date(start, years_between(start, d)) == d`` for any date.
"""

from __future__ import annotations

import datetime as dt
import math

DAYS_PER_YEAR = 365.25


def years_between(start: dt.date, date: dt.date) -> float:
    return (date - start).days / DAYS_PER_YEAR


def to_date(start: dt.date, years: float) -> dt.date:
    """The calendar date ``years`` after ``start`` (rounded down to the day)."""
    return start + dt.timedelta(days=math.floor(years * DAYS_PER_YEAR + 1e-6))


def decimal_year(date: dt.date) -> float:
    """2028-07-01 -> 2028.497...: the year plus the elapsed fraction of it."""
    first = dt.date(date.year, 1, 1)
    length = (dt.date(date.year + 1, 1, 1) - first).days
    return date.year + (date - first).days / length
