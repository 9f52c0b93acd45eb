"""Plots (racesim.output.plots) and `racesim plot`: axes returned, one artist per agency in its
colour, intervals as in the summary, valid PNG/SVG files."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import pytest
import yaml
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from racesim.output import plots
from racesim.output.results import load_run
from racesim.scenario.timeutil import decimal_year

from .helpers import invoke

matplotlib.use("Agg")

N = 200
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KINDS = ("first", "reached")  # the default set (--plots some); --plots all adds "dates"


def make_run(scenario: Path, out: Path, *extra) -> Path:
    result = invoke("run", scenario, "--out", out, "-n", N, "--seed", 5, *extra)
    assert result.exit_code == 0, (result.output, result.exception)
    return out


@pytest.fixture(scope="module")
def wide_scenario(tmp_path_factory, mini_scenario_text) -> Path:
    """mini plus a second milestone (orbit) and an agency, gamma, that never gets
    anywhere (its only mission cannot succeed)."""
    data = yaml.safe_load(mini_scenario_text)
    data["milestones"]["orbit"] = {"title": "First lunar orbiter"}
    data["agencies"]["alpha"]["missions"][0]["achieves"] = ["orbit"]
    data["agencies"]["beta"]["missions"][1]["achieves"] = ["orbit"]
    data["agencies"]["gamma"] = {
        "name": "Gamma",
        "budget": {"annual": 50},
        "missions": [
            {
                "id": "hope",
                "cost": 10,
                "duration": 1,
                "success": 0,
                "achieves": ["landing", "orbit"],
            }
        ],
    }
    path = tmp_path_factory.mktemp("scenario") / "wide.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory, wide_scenario) -> Path:
    return make_run(wide_scenario, tmp_path_factory.mktemp("runs") / "wide", "--svg")


@pytest.fixture(scope="module")
def run(run_folder) -> dict:
    return load_run(run_folder)


@pytest.fixture
def ax():
    fig = Figure()
    return fig.add_subplot()


def by_gid(ax: Axes, kind: str, milestone: str, agency: str) -> list:
    gid = plots.artist_gid(kind, milestone, agency)
    return [a for a in ax.findobj() if a.get_gid() == gid]


def year(iso: str) -> float:
    return decimal_year(dt.date.fromisoformat(iso))


# ---------------------------------------------------------------------------------------
# colours
# ---------------------------------------------------------------------------------------
def test_agency_colors_by_position():
    colors = plots.agency_colors(["isro", "cnsa", "nasa"])
    assert [colors[a] for a in ("isro", "cnsa", "nasa")] == list(plots.PALETTE[:3])
    assert len({colors["isro"], colors["cnsa"], colors["nasa"]}) == 3
    assert colors["none"] == plots.NOBODY_COLOR and colors["first"] == plots.ANYBODY_COLOR
    # position, not name, decides: the same list always gives the same colours
    assert plots.agency_colors(["isro", "cnsa", "nasa"]) == colors
    # agency colours are neither the grey of "nobody" nor the black of "anybody"
    assert not {plots.NOBODY_COLOR, plots.ANYBODY_COLOR} & set(plots.PALETTE)


def test_agency_colors_many_agencies():
    names = [f"a{i}" for i in range(25)]
    colors = plots.agency_colors(names)
    assert len({colors[a] for a in names[: len(plots.PALETTE)]}) == len(plots.PALETTE)
    assert colors["a0"] == colors[f"a{len(plots.PALETTE)}"]  # cycles after the palette


# ---------------------------------------------------------------------------------------
# plot_first
# ---------------------------------------------------------------------------------------
def test_plot_first(run, ax):
    s = run["summary"]
    colors = plots.agency_colors(list(s["milestones"]["landing"]["reached"]))
    assert plots.plot_first(s, "landing", ax) is ax
    first = s["milestones"]["landing"]["first"]
    assert list(first) == ["alpha", "beta", "gamma", "none"]
    for agency, f in first.items():
        bars = by_gid(ax, "first", "landing", agency)
        assert len(bars) == 1 and isinstance(bars[0], Rectangle), agency
        assert bars[0].get_facecolor() == to_rgba(colors[agency])
        assert bars[0].get_width() == pytest.approx(f["p"])
    # without names, the keys label the rows, in the order of the printed table
    order = table_order(first)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "nobody" if a == "none" else a for a in order
    ]
    assert "First soft landing" in ax.get_title()


def table_order(first: dict) -> list[str]:
    """The printed table's order: by P(first), highest first (ties in scenario order),
    nobody last."""
    agencies = [a for a in first if a != "none"]
    return [*sorted(agencies, key=lambda a: -first[a]["p"]), "none"]


@pytest.mark.parametrize("milestone", ["landing", "orbit"])
def test_plot_first_bars_follow_the_chance_of_being_first(run, ax, milestone):
    first = run["summary"]["milestones"][milestone]["first"]
    plots.plot_first(run["summary"], milestone, ax)
    # bars top to bottom (the y-axis is inverted: smaller y is higher up)
    ys = {a: by_gid(ax, "first", milestone, a)[0].get_center()[1] for a in first}
    top_down = sorted(first, key=lambda a: ys[a])
    assert (
        top_down == table_order(first) == plots.first_order(run["summary"]["milestones"][milestone])
    )
    assert top_down[-1] == "none"
    chances = [first[a]["p"] for a in top_down[:-1]]
    assert chances == sorted(chances, reverse=True)


def test_plot_first_error_bars_are_the_summary_intervals(run, ax):
    s = run["summary"]
    plots.plot_first(s, "landing", ax)
    for agency, f in s["milestones"]["landing"]["first"].items():
        (whiskers,) = by_gid(ax, "ci", "landing", agency)
        assert isinstance(whiskers, LineCollection)
        (segment,) = whiskers.get_segments()
        (x0, y0), (x1, y1) = segment
        assert (x0, x1) == pytest.approx(tuple(f["ci95"]), abs=1e-12)
        assert y0 == y1 == by_gid(ax, "first", "landing", agency)[0].get_center()[1]


def test_plot_first_names_and_new_axes(run):
    import matplotlib.pyplot as plt

    ax = plots.plot_first(run["summary"], "orbit", names={"alpha": "Alpha Agency"})
    try:
        assert isinstance(ax, Axes)
        labels = [t.get_text() for t in ax.get_yticklabels()]
        order = table_order(run["summary"]["milestones"]["orbit"]["first"])
        shown = {"alpha": "Alpha Agency", "none": "nobody"}
        assert labels == [shown.get(a, a) for a in order]
    finally:
        plt.close(ax.figure)


def test_unknown_milestone_is_named(run, ax):
    with pytest.raises(KeyError, match="no milestone 'moon'.*landing, orbit"):
        plots.plot_first(run["summary"], "moon", ax)


# ---------------------------------------------------------------------------------------
# plot_reached
# ---------------------------------------------------------------------------------------
def test_plot_reached(run, ax):
    s, dates = run["summary"], run["dates"]
    ms = s["milestones"]["landing"]
    colors = plots.agency_colors(list(ms["reached"]))
    assert plots.plot_reached(s, dates, "landing", ax) is ax
    for agency in [*ms["reached"], "first"]:
        (line,) = by_gid(ax, "reached", "landing", agency)
        assert isinstance(line, Line2D)
        assert to_rgba(line.get_color()) == to_rgba(colors[agency])
        x, y = line.get_xdata(), line.get_ydata()
        assert x[0] == pytest.approx(year(s["start"]))
        assert x[-1] == pytest.approx(year(s["horizon"]))
        assert y[0] == 0 and all(b >= a for a, b in zip(y, y[1:]))  # cumulative
        expected = 1 - ms["first"]["none"]["p"] if agency == "first" else ms["reached"][agency]["p"]
        assert y[-1] == pytest.approx(expected)
    # gamma never gets there: a flat line at zero, still in its colour
    (gamma,) = by_gid(ax, "reached", "landing", "gamma")
    assert max(gamma.get_ydata()) == 0
    assert ax.get_legend() is not None


# ---------------------------------------------------------------------------------------
# plot_dates
# ---------------------------------------------------------------------------------------
def test_plot_dates(run, ax):
    s, dates = run["summary"], run["dates"]
    ms = s["milestones"]["landing"]
    colors = plots.agency_colors(list(ms["reached"]))
    assert plots.plot_dates(s, dates, "landing", ax) is ax
    for agency in ("alpha", "beta"):
        r = ms["reached"][agency]
        (line,) = by_gid(ax, "dates", "landing", agency)
        assert isinstance(line, Line2D)
        assert to_rgba(line.get_color()) == to_rgba(colors[agency])
        # the thin line spans the summary's 10%-90% dates
        assert tuple(line.get_xdata()) == pytest.approx((year(r["p10"]), year(r["p90"])), abs=2e-4)
    (line,) = by_gid(ax, "dates", "landing", "first")
    fd = ms["first_date"]
    assert tuple(line.get_xdata()) == pytest.approx((year(fd["p10"]), year(fd["p90"])), abs=2e-4)
    # gamma never gets there: said in words, in its colour
    (note,) = by_gid(ax, "dates", "landing", "gamma")
    assert isinstance(note, Text) and "never" in note.get_text()
    assert to_rgba(note.get_color()) == to_rgba(colors["gamma"])


def test_date_quantiles_match_the_summary(run):
    s, dates = run["summary"], run["dates"]
    for m, ms in s["milestones"].items():
        for agency, r in ms["reached"].items():
            rows = [d for d in dates if d["milestone"] == m and d["agency"] == agency]
            q = plots.date_quantiles(rows)
            if r["median"] is None:
                assert q == {}
                continue
            for key, f in (("p10", 0.1), ("median", 0.5), ("p90", 0.9)):
                assert q[f] == pytest.approx(year(r[key]), abs=2e-4), (m, agency, key)


@pytest.mark.parametrize("kind", ["reached", "dates"])
def test_year_labels_and_legend_fit(run, kind):
    """Year labels are whole years a round step apart that do not overlap, the legend
    and every label lie inside the figure, and the horizon label is clear of the
    curves (above 100% in the reached plot)."""
    fig = plots.figure_set(run, kinds=(kind,))[f"landing_{kind}"]
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    ticks = [t for t in ax.get_xticklabels() if t.get_text()]
    assert 2 <= len(ticks) <= 9
    years = [int(t.get_text()) for t in ticks]
    step = years[1] - years[0]
    assert step in (1, 2, 5, 10) and all(b - a == step for a, b in zip(years, years[1:]))
    boxes = [t.get_window_extent(renderer) for t in ticks]
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))  # no "20242026..."
    figbox = fig.bbox
    for artist in [ax.get_legend(), *ax.texts, ax.title]:
        if artist is None:
            continue
        box = artist.get_window_extent(renderer)
        assert figbox.x0 - 1 <= box.x0 and box.x1 <= figbox.x1 + 1, artist
        assert figbox.y0 - 1 <= box.y0 and box.y1 <= figbox.y1 + 1, artist
    if kind == "reached":
        assert ax.get_ylim()[1] > 1.05  # room for the horizon label above the curves


def test_year_step():
    assert plots._year_step(5) == 1
    assert plots._year_step(12) == 2
    assert plots._year_step(23) == 5
    assert plots._year_step(60) == 10


# ---------------------------------------------------------------------------------------
# figure_set, and the library stays quiet
# ---------------------------------------------------------------------------------------
def test_figure_set(run, capsys):
    figs = plots.figure_set(run)
    assert list(figs) == [f"{m}_{k}" for m in ("landing", "orbit") for k in KINDS]
    assert all(isinstance(f, Figure) for f in figs.values())
    names = [t.get_text() for t in figs["landing_first"].axes[0].get_yticklabels()]
    order = table_order(run["summary"]["milestones"]["landing"]["first"])
    shown = {"alpha": "Alpha", "beta": "Beta", "none": "nobody"}
    # names from scenario.yaml; gamma's only mission cannot succeed (success 0), so it
    # cannot reach the milestone and is left out, as the printed table leaves it out
    assert names == [shown[a] for a in order if a != "gamma"]
    assert figs["orbit_reached"].axes[0].get_title().startswith("First lunar orbiter")
    assert capsys.readouterr() == ("", "")


# ---------------------------------------------------------------------------------------
# files: racesim run and racesim plot
# ---------------------------------------------------------------------------------------
def assert_valid_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    import matplotlib.image as mpimg

    assert mpimg.imread(path).ndim == 3


def assert_valid_svg(path: Path) -> None:
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", path


def plot_names(folder: Path, fmts=("png", "svg")) -> set[str]:
    return {f"{m}_{k}.{f}" for m in ("landing", "orbit") for k in KINDS for f in fmts}


def test_run_writes_plots(run_folder):
    folder = run_folder / "plots"
    assert {p.name for p in folder.iterdir()} == plot_names(folder)
    for p in folder.glob("*.png"):
        assert_valid_png(p)
    for p in folder.glob("*.svg"):
        assert_valid_svg(p)


def test_run_draws_png_only_by_default(wide_scenario, run_folder, tmp_path):
    out = make_run(wide_scenario, tmp_path / "png")
    folder = out / "plots"
    assert {p.name for p in folder.iterdir()} == plot_names(folder, ("png",))
    # the same PNGs as a run that also saves SVG, byte for byte
    for p in folder.iterdir():
        assert p.read_bytes() == (run_folder / "plots" / p.name).read_bytes(), p.name


@pytest.mark.skipif(sys.platform != "linux", reason="drawing in forked processes is Linux's")
def test_drawing_in_several_processes_writes_the_same_bytes(run_folder, tmp_path):
    from racesim.output.report import write_outputs

    files = {}
    for workers in (1, 4):
        folder = tmp_path / f"w{workers}"
        shutil.copytree(run_folder, folder)
        shutil.rmtree(folder / "plots")
        (folder / "report.html").unlink()
        write_outputs(folder, formats=("png", "svg"), workers=workers)
        files[workers] = {p.name: p.read_bytes() for p in (folder / "plots").iterdir()}
        report = (folder / "report.html").read_text(encoding="utf-8")
        files[workers]["report"] = re.sub(r"<h2>Manifest</h2>.*", "", report, flags=re.S)
    assert set(files[1]) == plot_names(tmp_path, ("png", "svg")) | {"report"}
    assert files[4] == files[1]


def test_no_plots_writes_none(mini_scenario_path, tmp_path):
    out = make_run(mini_scenario_path, tmp_path / "out", "--no-plots")
    assert not (out / "plots").exists()
    assert not list(out.rglob("*.png")) and not list(out.rglob("*.svg"))
    assert (out / "summary.json").exists() and (out / "report.html").exists()


def test_plot_command_redraws(run_folder, tmp_path):
    out = tmp_path / "plots"
    result = invoke("plot", run_folder, "--out", out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == plot_names(out)
    for p in out.glob("*.png"):
        assert_valid_png(p)
    for p in out.glob("*.svg"):
        assert_valid_svg(p)
    # the same results draw the same files, byte for byte
    for p in out.iterdir():
        assert p.read_bytes() == (run_folder / "plots" / p.name).read_bytes(), p.name
    assert str(out) in result.output


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_plot_command_one_format(run_folder, tmp_path, fmt):
    out = tmp_path / "plots"
    result = invoke("plot", run_folder, "--out", out, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == plot_names(out, (fmt,))
    # one format alone draws the same file as both together
    for p in out.iterdir():
        assert p.read_bytes() == (run_folder / "plots" / p.name).read_bytes(), p.name


def test_plots_all_draws_every_kind_with_its_panels(wide_scenario, tmp_path):
    out = make_run(wide_scenario, tmp_path / "all", "--plots", "all")
    assert {p.name for p in (out / "plots").iterdir()} == {
        f"{m}_{k}.png" for m in ("landing", "orbit") for k in (*KINDS, "dates")
    }
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "plot-landing_dates" in report and "Right: who leads by each date" in report
    some = make_run(wide_scenario, tmp_path / "some", "--no-report")
    assert Image.open(out / "plots" / "landing_first.png").size[0] == 1200  # two panels
    assert Image.open(some / "plots" / "landing_first.png").size[0] == 900  # the bars alone
    # and later, from the folder: racesim plot --plots all draws the same files
    again = tmp_path / "again"
    result = invoke("plot", some, "--out", again, "--format", "png", "--plots", "all")
    assert result.exit_code == 0, result.output
    for p in (out / "plots").iterdir():
        assert p.read_bytes() == (again / p.name).read_bytes(), p.name
    # racesim report: the default report holds the default figures, with their captions
    for plot_set, right in (("some", False), ("all", True)):
        html = tmp_path / f"{plot_set}.html"
        result = invoke("report", some, "--out", html, "--plots", plot_set)
        assert result.exit_code == 0, result.output
        text = html.read_text(encoding="utf-8")
        assert ("Right: who leads by each date" in text) is right
        assert ("plot-landing_dates" in text) is right
        assert "plot-landing_first" in text and "plot-orbit_reached" in text


def test_plot_command_default_folder(mini_scenario_path, tmp_path):
    out = make_run(mini_scenario_path, tmp_path / "out", "--no-plots", "--no-report")
    result = invoke("plot", out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in (out / "plots").iterdir()} == {
        f"landing_{k}.{f}" for k in KINDS for f in ("png", "svg")
    }


@pytest.mark.parametrize("make", ["empty", "missing", "file"])
def test_plot_command_rejects_a_non_results_folder(tmp_path, make):
    target = tmp_path / "x"
    if make == "empty":
        target.mkdir()
    elif make == "file":
        target.write_text("not a folder")
    result = invoke("plot", target)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert str(target) in result.output
    if make == "empty":
        assert "not a racesim results folder" in result.output
        assert "summary.json" in result.output
        assert not (target / "plots").exists()
