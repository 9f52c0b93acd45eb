"""Every scenario shipped in scenarios/ validates; the family is built with extends."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from racesim.cli import main
from racesim.scenario import load_scenario
from racesim.scenario.record import fit, read_record

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


#: the shared success classes of base.yaml and 2026.yaml (factors) and their record classes
SUCCESS_CLASSES = {
    "success_gov_later": ["government", "later_attempt"],
    "success_gov_first": ["government", "first_attempt"],
    "success_crewed": ["crewed"],
    "success_comm_first": ["commercial", "first_attempt"],
}


@pytest.mark.parametrize("name", ["base.yaml", "2026.yaml"])
def test_the_success_factors_are_the_record_fits_up_to_the_start(name):
    """The Betas written in the files are fits to the landing record up to the
    scenario's record.until: racesim calibrate's two-outcome fit for a class with no
    partial landing, and for a class with one the three-outcome fit (a uniform
    Dirichlet): success Beta(1 + s, 2 + p + f), and `partial` (1 + p) / (3 + n) on every
    mission of the class still to fly."""
    s = load_scenario(SCENARIOS[0].parent / name)
    rows = read_record(s.record.file)
    classes = dict(SUCCESS_CLASSES)
    # base: every commercial attempt to 2023 was a first attempt; 2026: later attempts
    classes["success_commercial"] = (
        ["commercial"] if name == "base.yaml" else ["commercial", "later_attempt"]
    )
    checked = 0
    for factor, cls in classes.items():
        if factor not in s.factors:
            continue
        got = s.factors[factor].to_data()["beta"]
        f = fit(rows, cls, s.record.until)
        if f.partials:
            want, q = (1 + f.successes, 2 + f.partials + f.failures), (1 + f.partials) / (3 + f.n)
        else:
            want, q = (f.a, f.b), None
        assert (got["a"], got["b"]) == want, (name, factor, cls)
        users = [
            m
            for ag in s.agencies.values()
            for m in ag.missions
            if m.succeeded is None and m.success.to_data() == {"factor": factor}
        ]
        assert users, factor
        for m in users:
            if q is None:
                assert m.partial is None, (name, m.id)
            else:
                assert abs(m.partial.to_data() - q) < 0.0015, (name, m.id, q)
        checked += 1
    assert checked >= 4


def test_2026_fits_the_record_up_to_its_own_start():
    base = load_scenario(SCENARIOS[0].parent / "base.yaml")
    now = load_scenario(SCENARIOS[0].parent / "2026.yaml")
    assert str(now.start) == "2026-06-30"
    assert str(now.record.until) == "2026-06-29"
    # Chandrayaan-3 and Chang'e-6 (later government successes) are in the 2026 record
    old = base.factors["success_gov_later"].to_data()["beta"]
    new = now.factors["success_gov_later"].to_data()["beta"]
    assert (new["a"], new["b"]) == (old["a"] + 2, old["b"])
