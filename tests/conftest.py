"""Shared fixtures: a minimal valid scenario file ("mini") and ways to write variants.

mini has two agencies (alpha, beta), one milestone (landing) and budgets for both:

* alpha: orbiter -> lander (requires orbiter, achieves landing)
* beta:  precursor (succeeded before start), probe, lander (requires probe, partner
  alpha pays 20%, achieves landing)

So ``agencies.beta.missions[2]`` is beta's lander, the mission most tests poke at.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

MINI_SCENARIO_YAML = """\
name: mini
title: A small race
start: 2023-08-20
horizon: 2035-12-31
seed: 7
replications: 200
milestones:
  landing:
    title: First soft landing
agencies:
  alpha:
    name: Alpha
    budget:
      annual: 100
      growth: 0.02
      volatility: 0.1
      shocks:
        - name: cut
          factor: {uniform: {low: 0.5, high: 0.9}}
          from: 2025-01-01
          until: 2027-12-31
          probability: 0.5
    missions:
      - id: orbiter
        name: Alpha Orbiter
        cost: 50
        duration: 1.0
        success: 0.9
      - id: lander
        cost: 120
        duration: {triangular: {low: 1, mode: 2, high: 4}}
        requires: [orbiter]
        success: {beta: {a: 6, b: 4}}
        attempts: 2
        achieves: [landing]
  beta:
    name: Beta
    budget:
      annual: {uniform: {low: 80, high: 150}}
    missions:
      - id: precursor
        succeeded: 2020-01-01
      - id: probe
        cost: 40
        duration: 1
        success: 0.8
      - id: lander
        cost: 100
        duration: 2
        not_before: 2025-01-01
        requires: [probe]
        success: 0.6
        attempts: 3
        partners: {alpha: 0.2}
        achieves: [landing]
"""


@pytest.fixture(scope="session")
def mini_scenario_text() -> str:
    """The YAML text of the minimal valid scenario."""
    return MINI_SCENARIO_YAML


@pytest.fixture
def mini_scenario_data() -> dict:
    """The minimal valid scenario as a fresh plain dict: mutate it freely."""
    return yaml.safe_load(MINI_SCENARIO_YAML)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """``write_scenario(data_or_text, name="scenario.yaml") -> Path`` in tmp_path.

    A dict is dumped as YAML; a str is written verbatim (for syntax errors and the like).
    """

    def write(content: dict | str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def mini_scenario_path(write_scenario) -> Path:
    """The minimal valid scenario written to ``tmp_path/mini.yaml``."""
    return write_scenario(MINI_SCENARIO_YAML, "mini.yaml")
