"""racesim: a Monte Carlo scenario simulator of the lunar race."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("racesim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

# The Python API (racesim.api), imported on first use so that `import racesim` and the
# command line stay quick: one function per command, and the result types
_API = (
    "load",
    "simulate",
    "trace",
    "compare",
    "sweep",
    "sensitivity",
    "backtest",
    "backtests",
    "crowd",
    "open",
    "params",
    "diff",
    "schema",
    "Run",
    "CompareResult",
    "SweepResult",
    "SensitivityResult",
    "BacktestResult",
    "BacktestsResult",
    "CrowdResult",
)
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from racesim import api

        return getattr(api, name)
    raise AttributeError(f"module 'racesim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
