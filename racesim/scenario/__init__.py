"""INPUT: the scenario file: schema, YAML and extends, --set, record fits, errors."""

from racesim.scenario.schema import Scenario, ScenarioError, from_data, load_scenario

__all__ = ["Scenario", "ScenarioError", "from_data", "load_scenario"]
