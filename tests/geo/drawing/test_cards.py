"""geo.drawing.cards: 1200 × 630 share cards, places highlighted on the city outline, both names."""

from __future__ import annotations

import io
import logging
import warnings

import numpy as np
from PIL import Image

from geo.drawing.cards import CARD_SIZE, HIGHLIGHT, render_card


def render(caplog, layers, **kwargs) -> Image.Image:
    """Render and decode, failing on a missing glyph or an unknown font family."""
    caplog.set_level(logging.WARNING, logger="matplotlib.font_manager")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = render_card(layers.areas, layers.boundary, **kwargs)
    assert not [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == CARD_SIZE == (1200, 630)
    return image.convert("RGB")


def accent_pixels(image: Image.Image) -> int:
    rgb = tuple(int(HIGHLIGHT[i:i + 2], 16) for i in (1, 3, 5))
    return int((np.asarray(image) == rgb).all(axis=2).sum())


def test_highlighted_area_is_filled_on_the_map(caplog, layers):
    plain = render(caplog, layers, highlight=[], title_ar="أحياء", title_en="Ahya")
    silwan = render(caplog, layers, highlight=["silwan"], title_ar="سلوان", title_en="Silwan")
    several = render(caplog, layers, highlight=["silwan", "at-tur", "beit-hanina", "shuafat"],
                     title_ar="مؤسسة", title_en="An organization")
    # The top band is the only accent without a highlight; each highlighted area adds to it.
    assert accent_pixels(plain) < accent_pixels(silwan) < accent_pixels(several)
    # The map is on the left half: the highlight does not spill into the names' column.
    right = np.asarray(silwan)[60:500, 700:]
    assert not (right == [224, 96, 59]).all(axis=2).any()


def test_a_point_only_place_is_marked(caplog, layers):
    plain = render(caplog, layers, highlight=[], title_ar="أحياء", title_en="")
    marked = render(caplog, layers, highlight=[], points=[(35.2345, 31.7767)], title_ar="البلدة القديمة",
                    title_en="")
    assert accent_pixels(marked) > accent_pixels(plain)


def test_long_names_are_wrapped_and_stay_inside_the_card(caplog, layers):
    name_ar = "مركز القدس للمساعدة القانونية وحقوق الإنسان في الأحياء والقرى"
    name_en = "Jerusalem Legal Aid and Human Rights Centre for the neighborhoods and villages"
    image = render(caplog, layers, highlight=["silwan"], title_ar=name_ar, title_en=name_en,
                   subtitle="Housing, water, education", footer="أحياء\nAhya")
    ink = (np.asarray(image).min(axis=2) < 100)[20:]  # below the accent band
    # Dark text pixels stay within the right column and off the 10-pixel margins.
    assert ink[:, 560:].any() and not ink[:, 1190:].any() and not ink[600:, :].any()
