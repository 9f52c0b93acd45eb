"""Byte-determinism of every command that writes a results folder.

Each command runs twice, into two folders; every file except manifest.json (when and how
long) and report.html (which embeds the manifest) must be byte-identical, figures
included (they go through racesim's one deterministic renderer).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import invoke

EXCLUDED = {"manifest.json", "report.html"}


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in EXCLUDED
    }


def _twice(tmp_path: Path, *args) -> tuple[dict[str, bytes], dict[str, bytes]]:
    out = []
    for k in ("one", "two"):
        folder = tmp_path / k
        r = invoke(*args, "--out", folder)
        assert r.exit_code == 0, r.output
        out.append(_files(folder))
    return out[0], out[1]


def _assert_identical(a: dict[str, bytes], b: dict[str, bytes], expect: set[str]) -> None:
    assert set(a) == set(b)
    missing = {name for name in expect if name not in a}
    assert not missing, f"expected files not written: {sorted(missing)}"
    differ = sorted(name for name in a if a[name] != b[name])
    assert not differ, f"these files differ between two identical runs: {differ}"


def test_run_folder_is_byte_identical(tmp_path, mini_scenario_path):
    a, b = _twice(
        tmp_path,
        "run",
        mini_scenario_path,
        "-n",
        60,
        "--svg",
        "--plots",
        "all",
        "--versus",
        "alpha:beta",
    )
    _assert_identical(
        a,
        b,
        {
            "summary.json",
            "scenario.yaml",
            "dates.csv",
            "versus.csv",
            "replications.csv",
            "plots/landing_first.png",
            "plots/landing_first.svg",
            "plots/landing_reached.svg",
            "plots/landing_dates.png",
            "plots/versus_alpha_beta.png",
            "plots/versus_alpha_beta.svg",
        },
    )


def test_compare_folder_is_byte_identical(tmp_path, mini_scenario_path):
    a, b = _twice(
        tmp_path,
        "compare",
        mini_scenario_path,
        "--set",
        "agencies.beta.missions.lander.success=0.9",
        "-n",
        60,
    )
    _assert_identical(
        a,
        b,
        {"compare.json", "compare.csv", "dates_a.csv", "dates_b.csv", "compare.png", "compare.svg"},
    )


def test_sweep_folder_is_byte_identical(tmp_path, mini_scenario_path):
    a, b = _twice(
        tmp_path,
        "sweep",
        mini_scenario_path,
        "--vary",
        "agencies.beta.missions.lander.success=0.3:0.9:3",
        "-n",
        40,
    )
    _assert_identical(a, b, {"sweep.csv", "sweep.png", "sweep.svg"})


def test_sensitivity_oat_folder_is_byte_identical(tmp_path, mini_scenario_path):
    a, b = _twice(
        tmp_path,
        "sensitivity",
        mini_scenario_path,
        "-m",
        "landing",
        "--range",
        "agencies.beta.missions.lander.success=0.3:0.9",
        "--range",
        "agencies.alpha.budget.annual=50:150",
        "-n",
        40,
    )
    _assert_identical(a, b, {"sensitivity.csv", "tornado.png", "tornado.svg"})


def test_sensitivity_sobol_folder_is_byte_identical(tmp_path, mini_scenario_path):
    pytest.importorskip("SALib")
    a, b = _twice(
        tmp_path,
        "sensitivity",
        mini_scenario_path,
        "-m",
        "landing",
        "--method",
        "sobol",
        "--samples",
        8,
        "--range",
        "agencies.beta.missions.lander.success=0.3:0.9",
        "--range",
        "agencies.alpha.budget.annual=50:150",
        "-n",
        20,
    )
    _assert_identical(a, b, {"sobol.png", "sobol.svg", "sobol_points.csv"})


def test_backtest_folder_is_byte_identical(tmp_path):
    from tests.test_backtest import ALPHA_WINS, mission, outcomes, toy

    one = toy(tmp_path, [mission("a1", success=0.6)], [mission("b1", success=0.4)])
    facts = outcomes(tmp_path, ALPHA_WINS)
    a, b = _twice(tmp_path, "backtest", one, one, "--outcomes", facts, "-n", 40)
    _assert_identical(a, b, {"scores.csv", "calibration.csv", "calibration.png", "calibration.svg"})


def _mini_mixture(tmp_path: Path, mini_scenario_path: Path) -> Path:
    """A mixture of mini (weight 2) and a variant of it (weight 1)."""
    if mini_scenario_path != tmp_path / "mini.yaml":
        (tmp_path / "mini.yaml").write_bytes(mini_scenario_path.read_bytes())
    (tmp_path / "variant.yaml").write_text(
        "extends: mini.yaml\nname: mini-variant\nagencies:\n  beta:\n    missions:\n"
        "      - {id: lander, success: 0.95}\n",
        encoding="utf-8",
    )
    path = tmp_path / "mix.yaml"
    path.write_text(
        "name: mix\nmixture:\n  - {file: mini.yaml, weight: 2}\n"
        "  - {file: variant.yaml, weight: 1}\n",
        encoding="utf-8",
    )
    return path


def test_mixture_with_worlds_folder_is_byte_identical(tmp_path, mini_scenario_path):
    mix = _mini_mixture(tmp_path, mini_scenario_path)
    a, b = _twice(tmp_path, "run", mix, "-n", 60, "--worlds", 6)
    _assert_identical(
        a,
        b,
        {
            "summary.json",
            "scenario.yaml",
            "components/1-mini.yaml",
            "components/2-mini-variant.yaml",
            "replications.csv",
            "plots/landing_first.png",
        },
    )
