"""The pictures and reports of every kind of folder: `racesim plot FOLDER` and `racesim
report FOLDER` redraw what the command drew (the same bytes), for a run (with
--versus), compare, sweep and sensitivity; the reports say what was asked and answer it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import invoke

SET_B = "agencies.beta.missions.lander.success=0.9"
VARY = "agencies.beta.missions.lander.success=0.3:0.9:3"
RANGES = (
    "--range",
    "agencies.beta.missions.lander.success=0.3:0.9",
    "--range",
    "agencies.alpha.budget.annual=50:150",
)


def _folder(tmp_path: Path, kind: str, scenario: Path) -> Path:
    out = tmp_path / kind
    args = {
        "run": ("run", scenario, "-n", 80, "--versus", "beta:alpha", "--svg"),
        "compare": ("compare", scenario, "--set", SET_B, "-n", 80),
        "sweep": ("sweep", scenario, "--vary", VARY, "-n", 40),
        "sensitivity": ("sensitivity", scenario, "-m", "landing", *RANGES, "-n", 40),
    }[kind]
    r = invoke(*args, "--out", out)
    assert r.exit_code == 0, r.output
    return out


FIGURES = {
    "run": ["plots/landing_first", "plots/landing_reached", "plots/versus_beta_alpha"],
    "compare": ["compare"],
    "sweep": ["sweep"],
    "sensitivity": ["tornado"],
}


@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "sensitivity"])
def test_plot_redraws_the_same_bytes(tmp_path, mini_scenario_path, kind):
    out = _folder(tmp_path, kind, mini_scenario_path)
    before = {s: (out / f"{s}.png").read_bytes() for s in FIGURES[kind]}
    svg = {s: (out / f"{s}.svg").read_bytes() for s in FIGURES[kind]}
    for s in FIGURES[kind]:
        (out / f"{s}.png").unlink()
    r = invoke("plot", out)
    assert r.exit_code == 0, r.output
    for s in FIGURES[kind]:
        assert (out / f"{s}.png").read_bytes() == before[s], s
        assert (out / f"{s}.svg").read_bytes() == svg[s], s
    # into another folder, PNG only; the folder's own files stay as they were
    r = invoke("plot", out, "--out", tmp_path / "elsewhere", "--format", "png")
    assert r.exit_code == 0, r.output
    for s in FIGURES[kind]:
        assert (tmp_path / "elsewhere" / f"{Path(s).name}.png").read_bytes() == before[s]


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("run", ["Head to head", "Beta against Alpha", 'id="plot-landing_first"']),
        ("compare", ["against", "B − A", 'id="plot-compare"', "First soft landing"]),
        ("sweep", ["a sweep of agencies.beta.missions.lander.success", 'id="plot-sweep"']),
        ("sensitivity", ["first) at First soft landing", "tornado", 'id="plot-tornado"', "swing"]),
    ],
)
def test_report_of_each_kind(tmp_path, mini_scenario_path, kind, words):
    out = _folder(tmp_path, kind, mini_scenario_path)
    html = (out / "report.html").read_text()
    for w in words:
        assert w in html, w
    assert "<script" not in html and "http://" not in html and "https://" not in html
    # `racesim report` writes it again from the folder's files
    (out / "report.html").unlink()
    r = invoke("report", out)
    assert r.exit_code == 0, r.output
    assert (out / "report.html").read_text().split("<h2>Manifest")[0] == html.split("<h2>Manifest")[
        0
    ]


def test_damaged_analysis_folder_is_refused_in_one_line(tmp_path, mini_scenario_path):
    out = _folder(tmp_path, "sweep", mini_scenario_path)
    (out / "sweep.csv").write_text("nothing,here\n1,2\n")
    r = invoke("plot", out)
    assert r.exit_code != 0
    assert "sweep.csv is damaged" in r.output and "Traceback" not in r.output


def test_no_plots_draws_no_chart_and_no_report(tmp_path, mini_scenario_path):
    out = tmp_path / "s"
    r = invoke("sweep", mini_scenario_path, "--vary", VARY, "-n", 20, "--no-plots", "--out", out)
    assert r.exit_code == 0, r.output
    assert not (out / "sweep.png").exists() and not (out / "report.html").exists()


def test_api_saves_what_the_command_writes(tmp_path, mini_scenario_path):
    import racesim

    out = _folder(tmp_path, "compare", mini_scenario_path)
    res = racesim.compare(str(mini_scenario_path), overrides_b=[SET_B], n=80)
    res.save(tmp_path / "api")
    for name in ("compare.png", "compare.svg", "dates_a.csv", "dates_b.csv", "compare.json"):
        assert (tmp_path / "api" / name).read_bytes() == (out / name).read_bytes(), name
    shutil.rmtree(tmp_path / "api")
