"""racesim against the general oracle (tests/oracle/general.py) on scenarios with the
format-v2 fields the oracle expresses: factors in fields, slip, transit, stand-downs,
``attempts: unlimited``, partial landings (see tests/test_oracle.py for the method)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import engine
from tests.scenario_gen_v2 import random_v2_scenario
from tests.test_oracle import against_the_oracle

BASE_DIR = Path(__file__).resolve().parent / "golden" / "scenarios"  # for record.file
N_GENERATED = 60


@pytest.fixture(scope="module")
def generated():
    return [
        (k, data, engine.scenario_from_data(data, BASE_DIR))
        for k in range(N_GENERATED)
        for data in [random_v2_scenario(7000 + k)]
    ]


def test_generated_v2_scenarios_use_the_mechanisms(generated):
    seen = set()
    for _, data, _ in generated:
        seen |= set(data.get("factors", {}))
        seen |= (
            {"partial_counts"}
            if any(ms.get("partial_counts") for ms in data["milestones"].values())
            else set()
        )
        for ag in data["agencies"].values():
            seen |= {"agency slip"} if "slip" in ag else set()
            for m in ag["missions"]:
                seen |= {x for x in ("transit", "partial", "slip") if x in m}
                seen |= {"unlimited"} if m.get("attempts") == "unlimited" else set()
                seen |= {"stand_down"} if "stand_down" in m.get("refly", {}) else set()
    assert seen >= {
        "slip", "skill", "pace", "partial_counts", "agency slip", "transit", "partial",
        "unlimited", "stand_down",
    }, seen  # fmt: skip


def test_generated_v2_scenarios_agree_with_the_oracle(generated):
    bad, reached = against_the_oracle(
        [(7000 + k, d, s) for k, d, s in generated], "random_v2_scenario"
    )
    assert not bad, "racesim and the oracle differ (seed 5): " + "; ".join(bad)
    assert reached > 600
