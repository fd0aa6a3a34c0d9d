"""geo.poster: PNG/PDF posters of the shipped layers, drawn with the bundled Arabic font."""

from __future__ import annotations

import io
import logging
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.textpath import TextPath
from PIL import Image

from geo.layers import load_layers
from geo.poster import (
    POSTER_FONT_NAME,
    class_labels,
    font_path,
    poster_classes,
    register_fonts,
    render_poster,
)

ROOT = Path(__file__).resolve().parents[2]
TITLE = "بلاغات الأحياء في القدس 2026"
TEXT = {
    "title": TITLE,
    "subtitle": "عدد البلاغات المنشورة في كل حي وقرية (بيانات تجريبية)",
    "legend_title": "عدد البلاغات",
    "sources_text": "المصادر: المناطق الإحصائية 2008 (geostatil، MIT)؛ أسماء الأماكن: أوتشا (CC BY).",
    "date_text": "تاريخ الإصدار: 5 تشرين الأول 2026",
}


@pytest.fixture(scope="module")
def layers():
    return load_layers(ROOT / "data" / "layers")


@pytest.fixture(scope="module")
def counts(layers):
    return {slug: (i * 7) % 23 for i, slug in enumerate(layers.areas["slug"])}


def render_checked(caplog, **kwargs) -> tuple[bytes, float]:
    """Render, failing on any missing glyph (warnings) or unknown font family (font_manager log)."""
    caplog.set_level(logging.WARNING, logger="matplotlib.font_manager")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        data = render_poster(**kwargs)
        elapsed = time.perf_counter() - start
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    return data, elapsed


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
    data, elapsed = render_checked(caplog, areas=layers.areas, boundary=layers.boundary, counts=counts,
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
    assert elapsed < 10, elapsed


def test_pdf_a3_landscape_embeds_the_font(layers, counts, caplog):
    data, elapsed = render_checked(caplog, areas=layers.areas, boundary=layers.boundary, counts=counts,
                                   paper="A3", orientation="landscape", fmt="pdf", **TEXT)
    assert data.startswith(b"%PDF")
    assert b"IBMPlexSansArabic-Bold" in data and b"IBMPlexSansArabic-Regular" in data
    assert b"/FontFile2" in data  # the TrueType program itself is embedded
    assert b"DejaVu" not in data  # nothing fell back to matplotlib's default font
    assert elapsed < 10


def test_points_english_landscape(layers, caplog):
    pts = layers.places.head(20)
    points = gpd.GeoDataFrame({"colour": ["#b3261e"] * 10 + ["#1d4e89"] * 10,
                               "label": ["Housing"] * 10 + ["Education"] * 10},
                              geometry=pts.geometry.values, crs=4326)
    data, _ = render_checked(caplog, areas=layers.areas, boundary=layers.boundary, points=points,
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


def test_class_labels():
    assert class_labels([2.0, 5.0, 9.0], np.array([0, 1, 2, 3, 5, 9])) == ["1–2", "3–5", "6–9"]
    assert class_labels([4.0], np.array([0, 4, 4])) == ["4"]


def test_class_labels_from_a_start():
    assert class_labels([7.0, 12.0], np.array([0, 7, 9, 12]), start=5) == ["5–7", "8–12"]


def test_poster_classes_without_suppression_tell_small_counts_apart():
    classes, labels = poster_classes([0, 1, 2, 3, 4, 5, 6, 7, 10, 20, 30])
    assert classes[0] == -1 and classes[1] != classes[4]
    assert labels[0] == "1–2" and len(labels) == 5


def test_poster_classes_put_every_small_count_in_one_class():
    values = np.array([0, 1, 2, 3, 4, 5, 6, 7, 10, 20, 30])
    classes, labels = poster_classes(values, min_count=5)
    assert classes[0] == -1  # zero keeps its own blank class
    assert set(classes[(values > 0) & (values < 5)]) == {0} and labels[0] == "<5"
    assert (classes[values >= 5] >= 1).all()  # no count of 5 or more shares the "<5" shade
    assert len(labels) == 5 and labels[1].startswith("5")
    # No other label names a number below 5: the legend says no more than "<5".
    numbers = [int(n) for label in labels[1:] for n in label.split("–")]
    assert min(numbers) == 5
    # Classes never go down as the count goes up.
    assert (np.diff(classes[values >= 5]) >= 0).all()
    # Only small counts: one class; none: the usual classes, nothing labelled "<5".
    classes, labels = poster_classes([0, 1, 3], min_count=5)
    assert classes.tolist() == [-1, 0, 0] and labels == ["<5"]
    classes, labels = poster_classes([0, 5, 9], min_count=5)
    assert classes.tolist() == [-1, 0, 1] and labels == ["5–7", "8–9"]


def test_small_counts_below_the_threshold_draw_the_same_poster(layers, counts):
    """With min_count=5 a poster cannot tell an area's 1 from its 4: the pixels are the same."""
    def render(small: int, **kwargs) -> np.ndarray:
        shown = {slug: (small if 0 < n < 5 else n) for slug, n in counts.items()}
        data = render_poster(layers.areas, layers.boundary, counts=shown, labels_for_larger_areas=False,
                             **TEXT, **kwargs)
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

    assert any(0 < n < 5 for n in counts.values())
    assert (render(1, min_count=5) == render(4, min_count=5)).all()
    assert not (render(1) == render(4)).all()  # without the setting, the shades differ
