"""Kept for the import path the README has always used: see :mod:`racesim.output.plots`."""

from racesim.output.plots import *  # noqa: F403
from racesim.output.plots import plot_dates, plot_first, plot_reached  # noqa: F401
from racesim.output.plots_race import (  # noqa: F401, E402 - the questions people ask of a race
    plot_density,
    plot_lead,
    plot_leader,
    plot_versus,
)
