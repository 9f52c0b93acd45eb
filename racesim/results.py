"""Kept for the import path the README has always used: see :mod:`racesim.output.results`."""

from racesim.output.results import load_run, read_dates, read_versus  # noqa: F401
