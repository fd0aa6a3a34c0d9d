"""geo.drawing.standalone: one HTML file, everything inline, every user string escaped."""

from __future__ import annotations

import json
import re

import pytest

from geo.drawing.maps import display_geometries
from geo.drawing.standalone import build_standalone_html, compact_json, inline_leaflet_css, report_popup
from geo.formats.export import to_frame
from webapp.web.assets import VENDOR_DIRS

LEAFLET = VENDOR_DIRS["leaflet"]
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TEXT = {"title": "خريطة «أحياء» <b>", "subtitle": "السكن · سلوان", "offline_note": "تعمل دون إنترنت",
        "footer": "المصادر & التاريخ", "challenge": "التحديات", "initiative": "المبادرات",
        "challengeOne": "تحدٍّ", "initiativeOne": "مبادرة", "more": "اقرأ المزيد"}


@pytest.fixture(scope="module")
def layers(layers):
    return display_geometries(layers.areas), display_geometries(layers.boundary)


def reports(n: int = 3):
    rows = [{"id": i, "kind": "challenge" if i % 2 else "initiative", "category": "housing",
             "title": f"أوامر هدم {i} {XSS}", "description": f"وصف {XSS}\nسطر", "area": "silwan",
             "precision": "approximate", "observed_on": "2026-10-01", "organization": "جمعية </script>",
             "link": "", "is_demo": i == 1, "published_at": "2026-10-02T09:30:00",
             "lon": 35.2389 + i / 1e4, "lat": 31.7698} for i in range(1, n + 1)]
    frame = to_frame(rows)
    frame["category_label"] = "السكن والهدم"
    frame["colour"] = ["#b3261e", 'red" onmouseover="x', "#2a9d8f"][:n] + ["#2a9d8f"] * max(0, n - 3)
    frame["area_name"] = "سلوان"
    frame["url"] = [f"https://ahya.example/reports/{i}" for i in frame["id"]]
    return frame


def build(layers, frame, **kwargs):
    areas, boundary = layers
    css = inline_leaflet_css((LEAFLET / "leaflet.css").read_text(encoding="utf-8"), LEAFLET / "images")
    return build_standalone_html(areas, boundary, frame, lang=kwargs.pop("lang", "ar"), text=TEXT,
                                 tile_url="https://tiles.example.test/{z}/{x}/{y}.png",
                                 tile_attribution="test tiles",
                                 leaflet_js=(LEAFLET / "leaflet.js").read_text(encoding="utf-8"),
                                 leaflet_css=css, **kwargs)


def test_everything_is_inline(layers):
    page = build(layers, reports())
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref=", page, re.I)
    assert "sourceMappingURL" not in page
    assert "url(images/" not in page and "data:image/png;base64," in page  # layer control icon
    assert 't.version="1.9.3"' in page  # Leaflet itself
    assert "tiles.example.test/{z}/{x}/{y}.png" in page  # the only outside address
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">")
    assert '<div class="sa-map" dir="ltr">' in page


def test_user_text_is_escaped_everywhere(layers):
    page = build(layers, reports())
    # Outside Leaflet's own code no raw tag from user text exists: titles, descriptions,
    # organization and the page strings are escaped (and inside JSON, < > & are \u escapes).
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("</script>") == page.count("<script")  # no string closed a script early
    assert "<h1>خريطة «أحياء» &lt;b&gt;</h1>" in page
    assert "المصادر &amp; التاريخ" in page
    assert 'onmouseover="x' not in page  # a colour that is not #rrggbb is replaced, not inserted


def test_popup_html_escapes_every_value():
    row = reports(1).iloc[0].to_dict()
    popup = report_popup(row, {"demo": "تجريبي", "organization": "الجهة", "more": "المزيد",
                               "challengeOne": "تحدٍّ"}, "ar")
    assert "<script>" not in popup and "<img" not in popup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in popup
    assert 'dir="rtl"' in popup and "تجريبي" in popup  # demo flag shown
    assert '<a href="https://ahya.example/reports/1"' in popup
    row["url"] = "javascript:alert(1)"
    assert "javascript:" not in report_popup(row, {"demo": "", "organization": "", "more": ""}, "en")


def test_report_data_round_trips(layers):
    frame = reports(5)
    page = build(layers, frame)
    blobs = re.findall(r"L\.geoJson\((\{\"type\":\"FeatureCollection\".*?\}), \{", page)
    assert len(blobs) == 2  # one layer per kind
    features = [f for blob in blobs for f in json.loads(blob)["features"]]
    assert sorted(f["id"] for f in features) == [1, 2, 3, 4, 5]
    for feature in features:
        row = frame[frame["id"] == feature["id"]].iloc[0]
        assert feature["geometry"]["coordinates"] == pytest.approx([row.geometry.x, row.geometry.y], abs=1e-7)
        assert f"أوامر هدم {feature['id']}" in feature["properties"]["popup"]  # Arabic kept as UTF-8
    assert "\\u0623" not in page.split("L.geoJson(", 3)[-1]  # not escaped to \uXXXX in report data


def test_empty_reports_and_english(layers):
    frame = reports(1).iloc[0:0]
    page = build(layers, frame, lang="en")
    assert '<html lang="en" dir="ltr">' in page
    assert "AHYA_STANDALONE = {map: map_" in page and "reports: {}" in page


def test_area_counts_in_tooltips(layers):
    page = build(layers, reports(1), area_counts={"silwan": "<3"})
    assert "&amp;lt;3" in page or "\\u0026lt;3" in page  # escaped inside folium's tooltip data


def test_compact_json_cannot_close_a_script():
    text = compact_json({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}
