"""INPUT: the scenario file.

``schema`` (the pydantic models), ``loading`` (file -> Scenario), ``yamlio`` (strict
YAML), ``extends``, ``overrides`` (``--set`` paths), ``record`` (the landing record and
``success: {record: ...}`` fits), ``checks`` (cross-checks), ``errors`` (ScenarioError
and the wording of every message), ``distributions`` and ``timeutil``.
"""

from racesim.scenario.errors import ScenarioError
from racesim.scenario.loading import from_data, load_scenario
from racesim.scenario.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "from_data", "load_scenario"]
