"""The HTML report (racesim.output.report) and `racesim report`: one self-contained file with
the scenario, its assumptions, the summary, the plots and the manifest; rendered in a
real headless browser."""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from racesim.output import plots
from racesim.output.report import build_report
from racesim.output.results import load_run

from .helpers import invoke

N = 200
TITLE = "A small race <to the Moon> & back"
DESCRIPTION = "Two agencies race for a soft landing; one partner pays 20% of the other's lander."


def make_run(scenario: Path, out: Path, *extra) -> Path:
    result = invoke("run", scenario, "--out", out, "-n", N, "--seed", 3, *extra)
    assert result.exit_code == 0, (result.output, result.exception)
    return out


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory, mini_scenario_text) -> Path:
    """mini with a title that needs escaping, a description and a second milestone."""
    data = yaml.safe_load(mini_scenario_text)
    data["title"] = TITLE
    data["description"] = DESCRIPTION
    data["milestones"]["orbit"] = {
        "title": "First lunar orbiter",
        "description": "A spacecraft in lunar orbit.",
    }
    data["agencies"]["alpha"]["missions"][0]["achieves"] = ["orbit"]
    data["agencies"]["beta"]["missions"][1]["achieves"] = ["orbit"]
    path = tmp_path_factory.mktemp("scenario") / "race.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory, scenario_path) -> Path:
    return make_run(scenario_path, tmp_path_factory.mktemp("runs") / "race")


@pytest.fixture(scope="module")
def report_html(run_folder) -> str:
    return (run_folder / "report.html").read_text(encoding="utf-8")


class _Collector(HTMLParser):
    """Tags and every src/href-like attribute of an HTML document."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "xlink:href", "srcset", "action", "data", "poster"):
                self.links.append((tag, k, v or ""))


def parse(text: str) -> _Collector:
    c = _Collector()
    c.feed(text)
    c.close()
    return c


# ---------------------------------------------------------------------------------------
# content
# ---------------------------------------------------------------------------------------
def test_run_writes_the_report(run_folder, report_html):
    assert report_html.startswith("<!DOCTYPE html>")
    assert report_html.rstrip().endswith("</html>")


def test_report_has_milestones_agencies_and_scenario(run_folder, report_html):
    run = load_run(run_folder)
    text = html.unescape(report_html)
    assert TITLE in text and DESCRIPTION in text
    assert html.escape(TITLE) in report_html  # escaped, not injected
    for key, ms in run["summary"]["milestones"].items():
        assert ms["title"] in text and key in text
    assert "A spacecraft in lunar orbit." in text
    for key, agency in run["scenario"]["agencies"].items():
        assert agency["name"] in text and key in text
        for m in agency["missions"]:
            assert (m["name"] or m["id"]) in text
    # key assumptions from scenario.yaml: a budget, a distribution, a partner, a date
    assert "uniform(low=80, high=150)" in text
    assert "triangular(low=1, mode=2, high=4)" in text
    assert "Alpha 20%" in text and "not before 2025-01-01" in text
    assert "succeeded 2020-01-01" in text


def test_report_summary_numbers(run_folder, report_html):
    s = load_run(run_folder)["summary"]
    for ms in s["milestones"].values():
        for agency, f in ms["first"].items():
            lo, hi = f["ci95"]
            assert f"{100 * f['p']:.1f}%" in report_html
            assert f"{100 * lo:.1f}–{100 * hi:.1f}%" in report_html, agency
        for r in ms["reached"].values():
            assert f"{100 * r['p']:.1f}%" in report_html
            if r["median"]:
                assert r["median"] in report_html
                assert f"{r['p10']} to {r['p90']}" in report_html


def test_report_has_the_manifest(run_folder, report_html):
    m = load_run(run_folder)["manifest"]
    assert "Manifest" in report_html
    assert m["resolved_scenario_sha256"] in report_html
    assert m["started"] in report_html


def _embedded_pngs(report_html: str) -> dict[str, bytes]:
    """The report's plots: img id -> the PNG bytes of its data URI."""
    found = re.findall(
        r'<img id="plot-([^"]+)" alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">',
        report_html,
    )
    return {key: base64.b64decode(data) for key, data in found}


def test_report_embeds_every_plot_as_png(run_folder, report_html):
    pngs = _embedded_pngs(report_html)
    summary = load_run(run_folder)["summary"]
    assert list(pngs) == [f"{m}_{k}" for m in summary["milestones"] for k in plots.SOME_KINDS]
    assert report_html.count("<img") == len(pngs)  # no other image
    for key, png in pngs.items():
        assert png.startswith(b"\x89PNG\r\n\x1a\n"), key
        # the very bytes of the plot file: each figure is rendered once, for both
        assert png == (run_folder / "plots" / f"{key}.png").read_bytes(), key


def test_report_without_plot_files_has_the_same_pictures(run_folder, scenario_path, tmp_path):
    out = make_run(scenario_path, tmp_path / "noplots", "--no-plots")
    assert not (out / "plots").exists()
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert _embedded_pngs(html_text) == _embedded_pngs(
        (run_folder / "report.html").read_text(encoding="utf-8")
    )


def test_report_is_self_contained(report_html):
    doc = parse(report_html)
    assert "html" in doc.tags and "body" in doc.tags
    assert not {"script", "link", "iframe", "object", "embed"} & set(doc.tags)
    for tag, attr, value in doc.links:
        # only links inside the document itself or inline data (the plots' PNGs)
        assert value.startswith(("#", "data:")), (tag, attr, value)
        if tag == "img":
            assert attr == "src" and value.startswith("data:image/png;base64,"), value
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", report_html, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:|//|file:)", report_html, re.I)
    assert "@import" not in report_html


def test_build_report_is_a_string_and_quiet(run_folder, capsys):
    run = load_run(run_folder)
    text = build_report(run)
    assert isinstance(text, str) and text.startswith("<!DOCTYPE html>")
    assert capsys.readouterr() == ("", "")
    # the same results, the same plots (the manifest's time is the only moving part)
    assert _embedded_pngs(text) and _embedded_pngs(text) == _embedded_pngs(build_report(run))


VARIANT = (
    "agencies.alpha.missions[1].cost={lognormal: {median: 6500, sigma: 0.4}}",
    "agencies.beta.budget.annual=2500",
    "agencies.beta.missions[2].name=A lander with a very long name that has to wrap "
    "inside its table cell instead of widening the page",
)


@pytest.fixture(scope="module")
def variant_folder(tmp_path_factory, scenario_path) -> Path:
    """A run with --set overrides, a large cost distribution and a long mission name."""
    sets = [arg for o in VARIANT for arg in ("--set", o)]
    return make_run(scenario_path, tmp_path_factory.mktemp("runs") / "variant", *sets)


def _missions_table(text: str) -> str:
    m = re.search(r"<h3>Missions</h3>.*?(<table.*?</table>)", text, flags=re.S)
    assert m, "no missions table"
    return m.group(1)


def test_report_shows_the_overrides_under_the_title(variant_folder, report_html):
    text = (variant_folder / "report.html").read_text(encoding="utf-8")
    head = text[text.index("<h1>") : text.index("class=glance")]  # before "At a glance"
    assert "Variant:" in head
    for o in VARIANT:
        assert html.escape(o) in head
    assert "Variant:" not in report_html  # a run without --set has no variant line


def test_report_numbers_are_readable(variant_folder):
    text = (variant_folder / "report.html").read_text(encoding="utf-8")
    missions = _missions_table(text)
    assert not re.search(r"\d[eE][+-]?\d", missions), "e-notation in the missions table"
    assert "lognormal(median=6500, sigma=0.4)" in missions
    assert re.search(r"mean [1-9]\d?,\d{3}\b", missions)  # e.g. "mean 7,041"
    budgets = text[text.index("<h3>Agencies and budgets") : text.index("<h3>Missions")]
    assert "2,500" in budgets and not re.search(r"\d[eE][+-]?\d", budgets)


def test_num_formats():
    from racesim.output.report import _num

    assert _num(6500) == "6,500"
    assert _num(6521.7) == "6,522"
    assert _num(1_234_567.0) == "1,234,567"
    assert _num(2.4812) == "2.48"
    assert _num(0.35) == "0.35"
    assert _num(12.0) == "12"
    assert _num(0) == "0"


# ---------------------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------------------
def test_no_report(mini_scenario_path, tmp_path):
    out = make_run(mini_scenario_path, tmp_path / "out", "--no-report")
    assert not (out / "report.html").exists()
    assert (out / "plots").is_dir()


def test_report_command_default_and_out(mini_scenario_path, tmp_path):
    out = make_run(mini_scenario_path, tmp_path / "out", "--no-report", "--no-plots")
    result = invoke("report", out)
    assert result.exit_code == 0, result.output
    assert (out / "report.html").exists() and str(out / "report.html") in result.output
    assert not (out / "plots").exists()  # the report does not need the plot files

    other = tmp_path / "mail" / "race.html"
    other.parent.mkdir()
    result = invoke("report", out, "--out", other)
    assert result.exit_code == 0, result.output
    text = other.read_text(encoding="utf-8")
    assert "First soft landing" in text and "Alpha" in text and "Beta" in text


def test_report_command_rejects_a_non_results_folder(tmp_path):
    (tmp_path / "x").mkdir()
    result = invoke("report", tmp_path / "x")
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert "not a racesim results folder" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x" / "report.html").exists()


# ---------------------------------------------------------------------------------------
# a real browser
# ---------------------------------------------------------------------------------------
def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def test_report_renders_in_a_headless_browser(run_folder, tmp_path):
    import matplotlib.image as mpimg
    import numpy as np

    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed")
    shot = tmp_path / "report.png"
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        (run_folder / "report.html").resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert shot.exists(), (proc.returncode, proc.stderr[-2000:])

    img = mpimg.imread(shot)[..., :3]
    assert img.shape[:2] == (2000, 1200)
    assert img.std() > 0.05, "the screenshot is blank"
    ink = (img.min(axis=2) < 0.9).mean()  # share of pixels that are not (nearly) white
    assert ink > 0.02, ink
    # the plots were drawn: pixels in the first agency's colour (the bars of "first")
    r, g, b = (int(plots.PALETTE[0][i : i + 2], 16) / 255 for i in (1, 3, 5))
    near = np.abs(img - np.array([r, g, b])).max(axis=2) < 0.06
    assert near.sum() > 2000, int(near.sum())


BASE_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "base.yaml"


@pytest.mark.parametrize("which", ["variant", "base"])
def test_report_does_not_scroll_sideways_at_1200px(which, variant_folder, tmp_path):
    """At a 1200 px wide window no table (the missions table above all) is wider than
    the page, for the shipped base scenario (many missions, long names, partners) too.
    A copy of the report gets a script that writes the widths into the DOM."""
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed")
    if which == "base":
        if not BASE_SCENARIO.exists():
            pytest.skip("no scenarios/base.yaml")
        folder = tmp_path / "base"
        result = invoke(
            "run",
            BASE_SCENARIO,
            "--out",
            folder,
            "-n",
            50,
            "--no-plots",
            "--set",
            VARIANT[1].replace("beta", "nasa"),
        )
        assert result.exit_code == 0, (result.output, result.exception)
    else:
        folder = variant_folder
    probe = (
        "<script>window.addEventListener('load',()=>{const d=document.documentElement;"
        "const wide=[...document.querySelectorAll('table')].filter(t=>"
        "t.getBoundingClientRect().right>d.clientWidth+1).length;"
        "const p=document.createElement('pre');p.id='probe';"
        "p.textContent=d.scrollWidth+' '+d.clientWidth+' '+wide;"
        "document.body.appendChild(p);});</script>"
    )
    page = tmp_path / "probe.html"
    text = (folder / "report.html").read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", probe + "</body>"), encoding="utf-8")
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,2000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    m = re.search(r'<pre id="probe">(\d+) (\d+) (\d+)</pre>', proc.stdout)
    assert m, (proc.returncode, proc.stderr[-2000:])
    scroll_width, client_width, wide_tables = map(int, m.groups())
    assert scroll_width <= client_width, (scroll_width, client_width)
    assert wide_tables == 0
