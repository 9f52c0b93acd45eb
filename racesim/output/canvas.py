"""The Agg canvas of racesim's standard figures: matplotlib's own, except that a text
it has drawn once is not laid out and rasterised again.

In Matplotlib most of the time of drawing a figure goes into its texts: each string
is shaped and each of its glyphs rasterised, every time it is drawn, and a figure set
draws the same tick labels, axis labels and names at the same places figure after
figure (each kind's frame is drawn on again, see :mod:`racesim.output.layout`).  This
canvas keeps, for each text drawn (its string, font, angle, exact position and every
setting that changes its pixels), the glyph images that matplotlib's renderer handed
to Agg, and hands the same images to Agg again the next time: the pixels are those
of drawing it anew, whatever was drawn before.  A text's measured size is kept the
same way.  A text whose drawing is not plain glyph images (mathtext, or another
Matplotlib version's renderer) is drawn as usual, every time.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.font_manager import FontProperties, fontManager

#: text key -> the ``draw_text_image`` calls it made (image, x, y, angle), or None: not
#: kept (drawing it did something else)
_DRAWN: dict = {}
#: (string, font, ismath, dpi, settings) -> (width, height, descent)
_MEASURED: dict = {}
#: the most texts kept (then both are emptied: a long session must not grow them; a
#: run's figures draw about 250)
LIMIT = 5_000


def forget() -> None:
    """Forget every text kept (the next drawing lays out and rasterises each again, as
    a fresh process would: for timing)."""
    _DRAWN.clear()
    _MEASURED.clear()


def _settings() -> tuple:
    """The rc settings besides the font that change how a string is rasterised."""
    rc = mpl.rcParams
    return rc["text.hinting"], rc["text.kerning_factor"], rc["text.antialiased"]


def _font(prop: FontProperties) -> tuple:
    """What a text's font properties are now (they can change after a text is drawn)
    and the font files they resolve to under the current rc settings."""
    find = getattr(fontManager, "_find_fonts_by_props", None)
    files = tuple(find(prop)) if find is not None else (fontManager.findfont(prop),)
    return (
        tuple(prop.get_family()),
        prop.get_style(),
        prop.get_variant(),
        prop.get_weight(),
        prop.get_stretch(),
        prop.get_size_in_points(),
        prop.get_file(),
        prop.get_math_fontfamily(),
        files,
    )


class _Recorder:
    """Stands in for the Agg renderer while matplotlib draws one text: records its
    glyph images (copies) and passes them on; any other call spoils the record."""

    def __init__(self, real) -> None:
        self._real = real
        self.calls: list | None = []

    def draw_text_image(self, image, x, y, angle, gc):
        if self.calls is not None:
            if isinstance(image, np.ndarray):
                self.calls.append((image.copy(), x, y, angle))
            else:  # an older renderer hands over its font: nothing to keep
                self.calls = None
        return self._real.draw_text_image(image, x, y, angle, gc)

    def __getattr__(self, name):
        self.calls = None
        return getattr(self._real, name)


class Renderer(RendererAgg):
    """:class:`~matplotlib.backends.backend_agg.RendererAgg` that replays the glyph
    images of a text it has drawn before at the same place (see the module's
    docstring), and remembers measured text sizes."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not s:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        extra = (None, None) if mtext is None else (mtext.get_fontfeatures(), mtext.get_language())
        key = (s, _font(prop), angle, x, y, self.width, self.height, self.dpi)
        key += (gc.get_antialiased(),)
        key += (tuple(extra[0] or ()), extra[1], _settings())
        calls = _DRAWN.get(key, False)
        if calls is False:
            real = self._renderer
            self._renderer = rec = _Recorder(real)
            try:
                super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            finally:
                self._renderer = real
            if len(_DRAWN) >= LIMIT:
                _DRAWN.clear()
            _DRAWN[key] = rec.calls
            return None
        if calls is None:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        draw = self._renderer.draw_text_image
        for image, ix, iy, iangle in calls:
            draw(image, ix, iy, iangle, gc)
        return None

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, _font(prop), self.dpi, _settings())
        got = _MEASURED.get(key)
        if got is None:
            got = super().get_text_width_height_descent(s, prop, ismath)
            if len(_MEASURED) >= LIMIT:
                _MEASURED.clear()
            _MEASURED[key] = got
        return got


class Canvas(FigureCanvasAgg):
    """The Agg canvas, drawing with :class:`Renderer`."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = Renderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer
