"""Who leads by each date and the date density: the numbers behind the new panels
agree with the summary (the leaders' bands at the horizon are P(first), a density sums
to P(reached)), and the figures of a kind drawn on one frame are the bytes of new ones."""

from __future__ import annotations

import pytest

import racesim
from racesim.output import plots_race as race
from racesim.output.plots import _series, draw_figure, figure_items
from racesim.output.render import render
from racesim.output.results import load_run


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from tests.conftest import MINI_SCENARIO_YAML

    tmp = tmp_path_factory.mktemp("race")
    path = tmp / "mini.yaml"
    path.write_text(MINI_SCENARIO_YAML)
    run = racesim.simulate(str(path), 400, seed=5, versus=["alpha:beta"])
    run.save(tmp / "out", plots=False, report=False)
    return tmp / "out"


def test_first_count_adds_up_to_p_first(folder):
    data = load_run(folder)
    summary, dates = data["summary"], data["dates"]
    n = summary["replications"]
    ms = summary["milestones"]["landing"]
    for agency in ("alpha", "beta"):
        rows = _series(dates, "landing", agency)
        wins = sum(r["first_count"] for r in rows)
        assert wins == round(ms["first"][agency]["p"] * n)
        assert all(0 <= r["first_count"] <= r["count"] for r in rows)
        end = max(r["year"] for r in dates) + 1
        (at_end,) = race._cumulative_at(rows, "first_count", [end], n)
        assert at_end == pytest.approx(ms["first"][agency]["p"])
    # per day, the winners' counts add up to anybody's first reaches
    firsts = {r["date"]: r["count"] for r in _series(dates, "landing", "first")}
    per_day: dict[str, int] = {}
    for agency in ("alpha", "beta"):
        for r in _series(dates, "landing", agency):
            per_day[r["date"]] = per_day.get(r["date"], 0) + r["first_count"]
    assert {d: c for d, c in per_day.items() if c} == firsts


def test_density_sums_to_p_reached(folder):
    data = load_run(folder)
    summary, dates = data["summary"], data["dates"]
    n = summary["replications"]
    start, end = 2023.6, 2036.0
    width, _word = race.density_bin(end - start)
    bins = int((end - start) / width) + 1
    for agency in ("alpha", "beta"):
        shares = race._binned(_series(dates, "landing", agency), start, width, bins, n)
        assert sum(shares) == pytest.approx(
            summary["milestones"]["landing"]["reached"][agency]["p"]
        )


def test_density_bins():
    assert race.density_bin(22.4) == (0.25, "quarter")
    assert race.density_bin(3) == (1 / 12, "month")
    assert race.density_bin(150)[1] == "2 years"


def test_frames_drawn_on_again_give_the_bytes_of_new_figures(folder):
    data = load_run(folder)
    items = figure_items(data, extras=True)
    assert [k for k, _kind, _s in items] == [
        "landing_first",
        "landing_reached",
        "landing_dates",
        "versus_alpha_beta",
    ]
    frames: dict = {}
    for extras in (False, True):
        twice = [*items, *items]  # the second pass draws on the first pass's frames
        again = [
            render(draw_figure(data, kind, s, reuse=frames, extras=extras), "png")
            for _k, kind, s in twice
        ]
        fresh = [render(draw_figure(data, kind, s, extras=extras), "png") for _k, kind, s in items]
        assert again[len(items) :] == fresh
        assert again[: len(items)] == fresh


def test_an_older_folder_without_first_count_still_draws(folder, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(folder, old)
    lines = (old / "dates.csv").read_text().splitlines()
    (old / "dates.csv").write_text(
        "\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n"
    )
    data = load_run(old)
    assert all(r["first_count"] is None for r in data["dates"])
    fig = draw_figure(data, "first", "landing", extras=True)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("older racesim" in t for t in texts)


def test_the_extra_panels_only_on_request(folder):
    """By default (``--plots some``) the bars and the curves stand alone; ``extras``
    (``--plots all``) puts who leads and the density beside them."""
    data = load_run(folder)
    for kind, extra in (("first", "leader"), ("reached", "density")):
        alone = draw_figure(data, kind, "landing")
        both = draw_figure(data, kind, "landing", extras=True)
        assert len(alone.axes) == 1 and len(both.axes) == 2
        gids = {a.get_gid() for a in both.axes[1].get_children()}
        assert f"racesim-{extra}-landing-alpha" in gids
        assert not any(
            str(g).startswith(f"racesim-{extra}-")
            for a in alone.axes
            for g in (c.get_gid() for c in a.get_children())
        )
