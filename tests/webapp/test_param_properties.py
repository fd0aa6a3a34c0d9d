"""Property tests (hypothesis): no query string makes /api/v1/reports fail with a 500.

Random text, numbers as people and programs write them (NaN, inf, huge, Arabic-Indic digits),
lists of them, dates, raw percent-escapes and repeated parameters: the answer is always 200
(a FeatureCollection) or 400 with JSON naming one of the parameters sent. Valid bounding
boxes, limits and date ranges always answer 200.
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urlencode

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.conftest import SILWAN, make_app, postgres_database

URL = "/api/v1/reports"
PARAMS = ("kind", "category", "bbox", "limit", "since", "until", "q", "area")
#: Modest and reproducible: no example database written into the working tree.
SETTINGS = settings(max_examples=80, deadline=None, database=None)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One app for the module (the requests only read), with a few published reports."""
    from webapp.store.reporting import create_report

    with (postgres_database() as url,
          make_app(tmp_path_factory.mktemp("instance"), url, SECRET_KEY="t") as app):
        with app.app_context():
            for n, (kind, category) in enumerate([("challenge", "housing"), ("initiative", "legal-aid")]):
                create_report({"kind": kind, "category": category, "title": f"تقرير {n} report",
                               "lon": SILWAN[0], "lat": SILWAN[1], "precision": "approximate"},
                              user=None, source="organizer", publish=True)
        yield app.test_client()


numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e309", "-0", "0x10", "١٢٣", "٣٥٫٢",
                     "1_000", " 5 ", "+3", ".5", "5.", "1e-400", "0", "5001", "", " "]),
)
values = st.one_of(
    st.text(max_size=40),
    numbers,
    st.lists(numbers, max_size=6).map(",".join),
    st.dates().map(str),
    st.sampled_from(["challenge", "initiative", "housing", "legal-aid", "silwan", "2026-02-30",
                     "2026-13-01", "housing,nope", "<script>", "%00", "\x00", "\u202e", "‏سلوان"]),
)
pairs = st.lists(st.tuples(st.sampled_from(PARAMS + ("unknown",)), values), max_size=5)


def check(resp, sent: set[str]) -> dict:
    assert resp.status_code in (200, 400), (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.get_json()
    if resp.status_code == 400:
        assert isinstance(body["error"], str) and body["error"]
        assert body["parameter"] in sent, body
    else:
        assert body["type"] == "FeatureCollection"
    return body


@SETTINGS
@given(pairs)
def test_generated_parameters_never_give_a_500(client, query):
    check(client.get(URL, query_string=urlencode(query)), {name for name, _ in query})


@SETTINGS
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80))
def test_raw_query_strings_never_give_a_500(client, raw):
    # Raw bytes as a client may send them: stray "%", "%ff" (not UTF-8), "&&", "==".
    resp = client.get(URL, query_string=raw)
    assert resp.status_code in (200, 400), (raw, resp.status_code)
    body = resp.get_json()
    if resp.status_code == 400:  # the parameter named is one the query string holds
        assert body["error"] and body["parameter"] and body["parameter"] in unquote_plus(raw), (raw, body)


longitudes, latitudes = st.floats(-180, 180), st.floats(-90, 90)


@SETTINGS
@given(longitudes, longitudes, latitudes, latitudes, st.sampled_from([None, "challenge", "initiative"]),
       st.integers(1, 500))
def test_valid_bboxes_answer_200(client, lon1, lon2, lat1, lat2, kind, limit):
    assume(lon1 != lon2 and lat1 != lat2)
    bbox = ",".join(repr(v) for v in (min(lon1, lon2), min(lat1, lat2), max(lon1, lon2), max(lat1, lat2)))
    query = {"bbox": bbox, "limit": str(limit), **({"kind": kind} if kind else {})}
    resp = client.get(URL, query_string=query)
    assert resp.status_code == 200, (query, resp.get_json())
    for feature in check(resp, set(query))["features"]:  # the box filters on the public point
        lon, lat = feature["geometry"]["coordinates"]
        assert min(lon1, lon2) - 1e-6 <= lon <= max(lon1, lon2) + 1e-6
        assert min(lat1, lat2) - 1e-6 <= lat <= max(lat1, lat2) + 1e-6


@SETTINGS
@given(st.dates(), st.dates())
def test_ordered_date_ranges_answer_200(client, a, b):
    query = {"since": min(a, b).isoformat(), "until": max(a, b).isoformat()}
    assume(all(len(v) == 10 for v in query.values()))  # years 1–999 are not written YYYY by isoformat
    assert client.get(URL, query_string=query).status_code == 200
