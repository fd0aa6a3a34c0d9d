"""geo.drawing.poster: PNG/PDF posters of the shipped layers, drawn with the bundled Arabic font."""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.textpath import TextPath
from PIL import Image

from geo.drawing.poster import (
    POSTER_FONT_NAME,
    font_path,
    register_fonts,
    render_poster,
)

TITLE = "بلاغات الأحياء في القدس 2026"
TEXT = {
    "title": TITLE,
    "subtitle": "عدد البلاغات المنشورة في كل حي وقرية (بيانات تجريبية)",
    "legend_title": "عدد البلاغات",
    "sources_text": "المصادر: المناطق الإحصائية 2008 (geostatil، MIT)؛ أسماء الأماكن: أوتشا (CC BY).",
    "date_text": "تاريخ الإصدار: 5 تشرين الأول 2026",
}


@pytest.fixture(scope="module")
def counts(layers):
    return {slug: (i * 7) % 23 for i, slug in enumerate(layers.areas["slug"])}


def render_checked(caplog, **kwargs) -> bytes:
    """Render, failing on any missing glyph (warnings) or unknown font family (font_manager log)."""
    caplog.set_level(logging.WARNING, logger="matplotlib.font_manager")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = render_poster(**kwargs)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    return data


def test_font_is_bundled_and_resolved():
    register_fonts()
    regular, bold = font_path("Regular"), font_path("Bold")
    assert regular.is_file() and "fontpkg_ibm_plex_sans_arabic" in str(regular)
    assert Path(findfont(FontProperties(family=POSTER_FONT_NAME))) == regular
    assert Path(findfont(FontProperties(family=POSTER_FONT_NAME, weight="bold"))) == bold


def test_arabic_is_shaped_and_right_to_left():
    """matplotlib joins the letters and orders them right to left by itself (no reshaper)."""
    register_fonts()
    prop = FontProperties(family=POSTER_FONT_NAME, size=20)

    def width(text):
        x = TextPath((0, 0), text, prop=prop).vertices[:, 0]
        return x.max() - x.min()

    assert width("ببب") < 0.75 * 3 * width("ب")  # joined (medial) forms are narrower than isolated ones
    vertices = TextPath((0, 0), "اب", prop=prop).vertices  # alef (tall) first, so it sits on the right
    mid = (vertices[:, 0].max() + vertices[:, 0].min()) / 2
    assert vertices[vertices[:, 0] > mid, 1].max() > 1.5 * vertices[vertices[:, 0] < mid, 1].max()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(TextPath((0, 0), TITLE, prop=prop).vertices) > 100
    assert not caught


def test_png_a4_portrait(layers, counts, caplog, tmp_path):
    data = render_checked(caplog, areas=layers.areas, boundary=layers.boundary, counts=counts,
                                   **TEXT)
    assert data.startswith(b"\x89PNG")
    (tmp_path / "poster-ar.png").write_bytes(data)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (1240, 1754)  # A4 at 150 dpi
    pixels = np.asarray(image).reshape(-1, 3)
    packed = pixels.astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
    colours, freq = np.unique(packed, return_counts=True)
    assert len(colours) > 200  # choropleth classes, outlines and anti-aliased text
    assert freq.max() / len(pixels) < 0.8  # not mostly white paper
    dark = (pixels.sum(axis=1) < 150).mean()
    assert dark > 0.002  # text and outlines were drawn


def test_pdf_a3_landscape_embeds_the_font(layers, counts, caplog):
    data = render_checked(caplog, areas=layers.areas, boundary=layers.boundary, counts=counts,
                                   paper="A3", orientation="landscape", fmt="pdf", **TEXT)
    assert data.startswith(b"%PDF")
    assert b"IBMPlexSansArabic-Bold" in data and b"IBMPlexSansArabic-Regular" in data
    assert b"/FontFile2" in data  # the TrueType program itself is embedded
    assert b"DejaVu" not in data  # nothing fell back to matplotlib's default font


def test_points_english_landscape(layers, caplog):
    pts = layers.places.head(20)
    points = gpd.GeoDataFrame({"colour": ["#b3261e"] * 10 + ["#1d4e89"] * 10,
                               "label": ["Housing"] * 10 + ["Education"] * 10},
                              geometry=pts.geometry.values, crs=4326)
    data = render_checked(caplog, areas=layers.areas, boundary=layers.boundary, points=points,
                             title="Community reports", lang="en", paper="A4", orientation="landscape",
                             legend_title="Category", sources_text="Sources: CBS 2008",
                             date_text="2026-10-05",
                             labels_for_larger_areas=False)
    assert Image.open(io.BytesIO(data)).size == (1754, 1240)


def test_a3_portrait_size(layers):
    data = render_poster(layers.areas, layers.boundary, title="x", paper="A3", legend_title="",
                         sources_text="", date_text="")
    assert Image.open(io.BytesIO(data)).size == (1754, 2480)


def test_bad_arguments(layers):
    with pytest.raises(ValueError):
        render_poster(layers.areas, layers.boundary, title="x", paper="A5", legend_title="",
                      sources_text="", date_text="")
    with pytest.raises(ValueError):
        render_poster(layers.areas, layers.boundary, title="x", fmt="svg", legend_title="",
                      sources_text="", date_text="")


def test_small_counts_below_the_threshold_draw_the_same_poster(layers, counts):
    """With min_count=5 a poster cannot tell an area's 1 from its 4: the pixels are the same."""
    def render(small: int, **kwargs) -> np.ndarray:
        shown = {slug: (small if 0 < n < 5 else n) for slug, n in counts.items()}
        data = render_poster(layers.areas, layers.boundary, counts=shown, labels_for_larger_areas=False,
                             **TEXT, **kwargs)
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

    assert any(0 < n < 5 for n in counts.values())
    assert (render(1, min_count=5) == render(4, min_count=5)).all()
    # The comparison can tell shades apart: a count of 5 (not suppressed) is drawn otherwise.
    assert not (render(1, min_count=5) == render(5, min_count=5)).all()
