"""racesim: a Monte Carlo scenario simulator of the lunar race."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("racesim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"
