"""Kept for the import path the README has always used: see :mod:`racesim.output.plots`."""

from racesim.output.plots import *  # noqa: F403
from racesim.output.plots import plot_dates, plot_first, plot_reached  # noqa: F401
