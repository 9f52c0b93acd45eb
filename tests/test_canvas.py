"""The caching canvas (racesim.output.canvas) gives the pixels of matplotlib's own Agg
canvas, whatever it drew before: its texts' glyphs are replayed only where they would
be drawn exactly so again."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import racesim
from racesim.output import canvas
from racesim.output.plots import draw_figure, figure_items
from racesim.output.render import render
from racesim.output.results import load_run


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from tests.conftest import MINI_SCENARIO_YAML

    tmp = tmp_path_factory.mktemp("canvas")
    path = tmp / "mini.yaml"
    path.write_text(MINI_SCENARIO_YAML)
    run = racesim.simulate(str(path), 300, seed=3, versus=["alpha:beta"])
    run.save(tmp / "out", plots=False, report=False)
    return load_run(tmp / "out")


def _pngs(data, items, extras, monkeypatch=None, plain=False):
    if plain:
        monkeypatch.setattr(canvas, "Canvas", FigureCanvasAgg)
    try:
        frames: dict = {}
        return [
            render(draw_figure(data, kind, s, reuse=frames, extras=extras), "png")
            for _key, kind, s in items
        ]
    finally:
        if plain:
            monkeypatch.undo()


@pytest.mark.parametrize("extras", [False, True])
def test_the_figures_are_the_bytes_of_plain_agg(data, extras, monkeypatch):
    items = figure_items(data, extras=extras)
    plain = _pngs(data, items, extras, monkeypatch, plain=True)
    canvas._DRAWN.clear()
    canvas._MEASURED.clear()
    assert _pngs(data, items, extras) == plain  # nothing kept yet
    assert canvas._DRAWN  # texts were kept ...
    assert _pngs(data, items, extras) == plain  # ... and replayed
    assert _pngs(data, items[::-1], extras) == plain[::-1]


def _text_png(size: float, fig_text=None) -> tuple[bytes, object]:
    fig = Figure(figsize=(3, 1), dpi=100)
    canvas.Canvas(fig)
    t = fig.text(0.1, 0.4, "Who gets there first?", fontsize=10)
    render(fig, "png")  # drawn (and kept) at 10 points
    t.set_fontsize(size)  # the same Text, changed after drawing
    return render(fig, "png"), t


def test_a_text_changed_after_drawing_is_drawn_anew():
    changed, _t = _text_png(14)
    fig = Figure(figsize=(3, 1), dpi=100)
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.4, "Who gets there first?", fontsize=14)
    assert changed == render(fig, "png")
    same, _t = _text_png(10)
    assert same != changed


def test_the_kept_texts_are_bounded(monkeypatch):
    monkeypatch.setattr(canvas, "LIMIT", 3)
    canvas._DRAWN.clear()
    fig = Figure(figsize=(3, 1), dpi=100)
    canvas.Canvas(fig)
    for k in range(5):
        fig.text(0.1, 0.1 * k, f"text {k}")
    render(fig, "png")
    assert 0 < len(canvas._DRAWN) <= 3
