"""Every quantity a replication draws, as columns named by its ``--set`` path: what
``racesim run --inputs`` writes beside the outcomes (for scenario discovery and
regression, as EMA Workbench keeps its experiments).

The quantities are those :func:`racesim.run.streams.draw_chunk` records in
``Draws.named`` — a new drawn quantity is one line there — so the inputs are the very
numbers the replication ran on.  A quantity of one number per replication is one
column (``agencies.nasa.budget.annual``); a quantity of each budget year is one column
per year, ``PATH[k]`` for budget year *k* (0 = the year that begins at ``start``):
``agencies.nasa.budget.noise[k]`` is year *k*'s noise factor and
``agencies.roscosmos.budget.shocks[0].factor[k]`` the factor shock 0 applied to year
*k* (1 in a year it did not apply; only the years inside its window).  A fixed number
is not drawn and has no column.
"""

from __future__ import annotations

import numpy as np

from racesim.engine.plan import Plan
from racesim.run.streams import draw_chunk


def _expand(plan: Plan, named: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for path, value in named.items():
        if value.ndim == 1:
            out[path] = value
            continue
        for k in _years(plan, path, value.shape[1]):
            out[f"{path}[{k}]"] = value[:, k]
    return out


def _years(plan: Plan, path: str, n_years: int) -> range:
    """The budget years a per-year quantity has columns for (a shock: its window)."""
    if ".shocks[" in path:
        agency = path.split(".")[1]
        s = int(path.split(".shocks[")[1].split("]")[0])
        (ag,) = [a for a in plan.agencies if a.key == agency]
        sh = ag.shocks[s]
        return range(max(0, sh.first_year), min(n_years - 1, sh.last_year) + 1)
    return range(n_years)


def input_columns(plan: Plan) -> list[str]:
    """The column names of the inputs table, in scenario order (the replication
    number aside)."""
    return list(_expand(plan, draw_chunk(plan, 0, 0, 1).named))


def input_values(
    plan: Plan, seed: int, first: int, count: int, factor_keys: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Replications ``first .. first+count-1``: each column's values, shape (count,)
    (``factor_keys``: as for :func:`racesim.run.streams.draw_chunk`, the worlds')."""
    return _expand(plan, draw_chunk(plan, seed, first, count, factor_keys).named)
