"""/export/poster.png|pdf: parameters, the data handed to geo.drawing.poster, caching, real renders."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from PIL import Image

from tests.conftest import SILWAN
from webapp.state import app_state

SHEIKH_JARRAH = (35.2312, 31.7930)


@pytest.fixture
def reports(make_report):
    return {
        "a": make_report(title="هدم في سلوان"),
        "b": make_report(title="Second Silwan order", category="land"),
        "c": make_report(kind="initiative", category="legal-aid", title="Legal clinic", is_demo=True,
                         lon=SHEIKH_JARRAH[0], lat=SHEIKH_JARRAH[1]),
        "hidden": make_report(publish=False, title="not published", lon=SHEIKH_JARRAH[0],
                              lat=SHEIKH_JARRAH[1]),
    }


def inputs(app, **params) -> dict:
    """What the poster route hands to geo.drawing.poster for these query parameters (the real function)."""
    from flask import request

    from webapp.exports.params import export_filters, poster_options
    from webapp.exports.poster import poster_inputs
    from webapp.web.i18n import current_language

    with app.test_request_context(url(**params)):
        return poster_inputs(export_filters(request.args), poster_options(request.args), current_language())


def drawn(app) -> int:
    """Posters rendered and kept by the route's cache (each entry is one render_poster call)."""
    return len(app_state(app).posters)


def url(fmt="png", **params) -> str:
    return f"/export/poster.{fmt}?{urlencode(params, doseq=True)}"


def test_png_a4_portrait_arabic(client, reports):
    title = "حملة السكن في سلوان"
    resp = client.get(url(lang="ar", title=title, subtitle="بيانات 2026", mode="both"))
    assert resp.status_code == 200, resp.get_data(as_text=True)[-300:]
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Disposition"].startswith('inline; filename="ahya-poster-')
    image = Image.open(io.BytesIO(resp.data))
    assert image.size == (1240, 1754)
    assert image.info.get("Title") == title  # the user's text reached the poster unchanged


def test_pdf_a3_landscape_english(client, reports):
    resp = client.get(url("pdf", lang="en", paper="a3", orientation="landscape", title="Housing campaign",
                          mode="points"))
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.data.startswith(b"%PDF-") and b"Housing campaign" in resp.data  # the PDF's Title


def test_counts_points_and_texts_given_to_the_renderer(app, reports):
    kwargs = inputs(app, lang="en", mode="both")
    assert kwargs["counts"]["silwan"] == 2 and kwargs["counts"]["sheikh-jarrah"] == 1
    assert len(kwargs["points"]) == 3  # published only
    assert set(kwargs["points"]["colour"]) == {"#b3261e", "#7f4f24", "#3c096c"}
    point = kwargs["points"].geometry.iloc[0]
    assert abs(point.x - SILWAN[0]) > 1e-5 or abs(point.y - SILWAN[1]) > 1e-5  # public, not exact
    assert kwargs["title"] == "Challenges and initiatives in Jerusalem's neighborhoods and villages"
    assert "Includes demonstration data" in kwargs["sources_text"]
    assert "OCHA/PCBS" in kwargs["sources_text"] and kwargs["date_text"].startswith("Data as of ")
    assert (kwargs["paper"], kwargs["orientation"], kwargs["lang"]) == ("A4", "portrait", "en")


@pytest.mark.parametrize("mode, counts, points", [("choropleth", True, False), ("points", False, True),
                                                   ("both", True, True)])
def test_modes(app, reports, mode, counts, points):
    kwargs = inputs(app, mode=mode)
    assert (kwargs["counts"] is not None, kwargs["points"] is not None) == (counts, points)


def test_filters_apply(app, reports):
    kwargs = inputs(app, lang="en", kind="challenge", category="land", mode="both")
    assert kwargs["counts"] == {"silwan": 1} and len(kwargs["points"]) == 1
    assert kwargs["title"] == "Challenges reported in Jerusalem's neighborhoods and villages"
    assert "Land & settlement" in kwargs["subtitle"]
    assert "demonstration" not in kwargs["sources_text"]
    assert inputs(app, lang="en", category="legal-aid")["title"] == \
        "Community initiatives in Jerusalem's neighborhoods and villages"


@pytest.mark.parametrize("params, parameter", [
    ({"paper": "A5"}, "paper"), ({"orientation": "diagonal"}, "orientation"), ({"mode": "heat"}, "mode"),
    ({"title": "x" * 121}, "title"), ({"subtitle": "y" * 121}, "subtitle"), ({"title": "bell\x07"}, "title"),
    ({"paper": ["A4", "A3"]}, "paper"), ({"category": "nope"}, "category"), ({"kind": "x"}, "kind"),
    ({"since": "2026-02-30"}, "since"), ({"limit": "5"}, "limit"), ({"trend": "week"}, "trend"),
])
def test_bad_parameters_are_400(app, client, params, parameter):
    for fmt in ("png", "pdf"):
        resp = client.get(url(fmt, **params), headers={"Accept": "application/json"})
        assert resp.status_code == 400
        assert resp.get_json()["parameter"] == parameter
    assert drawn(app) == 0  # refused before anything was drawn


def test_long_arabic_title_at_the_limit_is_accepted(client):
    title = ("ب" * 119) + "ة"
    resp = client.get(url(title=f"  {title}  ", mode="points"))
    assert resp.status_code == 200
    assert Image.open(io.BytesIO(resp.data)).info.get("Title") == title  # trimmed, otherwise unchanged


def test_cached_until_the_data_changes(app, client, reports, make_report):
    first, second = (client.get(url(mode="points", paper="A3")) for _ in range(2))
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert drawn(app) == 1  # the second request is served from the cache
    assert client.get(url(mode="points", paper="A3", title="other")).status_code == 200
    assert drawn(app) == 2  # other options: another poster
    make_report(title="a new report", lon=SHEIKH_JARRAH[0] + 0.01, lat=SHEIKH_JARRAH[1])
    again = client.get(url(mode="points", paper="A3"))
    assert again.status_code == 200 and drawn(app) == 3  # new data version: drawn again
    assert again.data != first.data  # with the new report's point


def test_too_many_points_is_a_clear_400(app, client, reports):
    app.config["EXPORT_MAX_ROWS"] = 2
    resp = client.get(url(mode="points", lang="en"), headers={"Accept": "application/json"})
    assert resp.status_code == 400 and "narrow the filters" in resp.get_json()["error"]
    assert client.get(url(mode="choropleth")).status_code == 200  # counts need no rows


def test_suppression_setting_reaches_the_renderer(app, client, reports):
    kwargs = inputs(app, lang="en", mode="choropleth")
    assert kwargs["min_count"] == 1 and "share one shade" not in kwargs["sources_text"]
    before = client.get(url(lang="en", mode="choropleth"))
    app.config["MIN_PUBLIC_COUNT"] = 3
    after = client.get(url(lang="en", mode="choropleth"))
    assert before.status_code == after.status_code == 200
    assert drawn(app) == 2 and before.data != after.data  # another setting, another poster
    kwargs = inputs(app, lang="en", mode="choropleth")
    assert kwargs["min_count"] == 3
    assert kwargs["counts"]["silwan"] == 2  # exact counts go in; geo.drawing.poster shades them as "<3"
    assert 'Areas with fewer than 3 reports share one shade, shown as "<3".' in kwargs["sources_text"]
    assert "share one shade" not in inputs(app, lang="en", mode="points")["sources_text"]  # no shading


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-")])
def test_poster_with_suppression_renders(app, client, reports, fmt, magic):
    app.config["MIN_PUBLIC_COUNT"] = 3
    resp = client.get(url(fmt, lang="ar", mode="both"))
    assert resp.status_code == 200, resp.get_data(as_text=True)[-300:]
    assert resp.data.startswith(magic)
    if fmt == "png":
        assert Image.open(io.BytesIO(resp.data)).size == (1240, 1754)


def test_a_trend_chart_under_the_map(app, client, make_report):
    import datetime as dt

    for day in ("2024-03-01", "2026-01-05", "2026-02-05"):
        make_report(observed_on=dt.date.fromisoformat(day))
    kwargs = inputs(app, lang="en", category="housing", trend="year")
    assert kwargs["trend_title"] == "Reports per year"
    assert [(r["label"], r["text"], r["approximate"]) for r in kwargs["trend"]] == [
        ("2024", "1", False), ("2025", "0", False), ("2026", "2", False)]
    assert "trend" not in inputs(app, category="housing")  # none by default
    app.config["MIN_PUBLIC_COUNT"] = 2
    hidden = inputs(app, lang="en", category="housing", trend="year")["trend"]
    assert hidden[0] == {"label": "2024", "value": 0, "text": "<2", "approximate": True}
    resp = client.get(url(lang="ar", category="housing", trend="month"))
    assert resp.status_code == 200 and Image.open(io.BytesIO(resp.data)).size == (1240, 1754)
    plain = client.get(url(lang="ar", category="housing"))
    assert plain.data != resp.data  # the chart is drawn
