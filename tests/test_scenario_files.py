"""Every scenario shipped in scenarios/ validates; the family is built with extends."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from racesim.cli import main
from racesim.scenario import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def test_there_are_scenarios():
    assert len(SCENARIOS) >= 6


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_scenario_validates(path):
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    assert ": ok" in res.output


MIXTURES = [p for p in SCENARIOS if "\nmixture:" in p.read_text(encoding="utf-8")]
VARIANTS = [
    p
    for p in SCENARIOS
    if p.name != "base.yaml" and not p.name.startswith("hindcast-") and p not in MIXTURES
]


@pytest.mark.parametrize("path", MIXTURES, ids=lambda p: p.name)
def test_mixtures_argue_their_weights_and_state_their_effect(path):
    text = path.read_text(encoding="utf-8")
    header = text.split("\nname: ")[0]
    assert "HEADLINE" in header and "judgement" in header
    assert "\nextends: " not in text


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.name)
def test_variants_extend_a_parent_and_state_their_effect(path):
    text = path.read_text(encoding="utf-8")
    assert "\nextends: " in text
    assert "HEADLINE" in text.split("\nextends: ")[0]


def test_2026_fits_the_record_up_to_its_own_start():
    base = load_scenario(SCENARIOS[0].parent / "base.yaml")
    now = load_scenario(SCENARIOS[0].parent / "2026.yaml")
    assert str(now.start) == "2026-04-13"
    # Chandrayaan-3 and Chang'e-6 (later government attempts) are in the 2026 record
    old = base.mission("cnsa.change7")[1].success.to_data()["beta"]
    new = now.mission("cnsa.change7")[1].success.to_data()["beta"]
    assert (new["a"], new["b"]) == (old["a"] + 2, old["b"])
