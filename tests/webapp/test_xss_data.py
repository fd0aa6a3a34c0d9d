"""Stored XSS in data: the API, the GeoJSON/CSV/KML exports, the Atom feeds and the poster
carry the 40 payloads as exact, inert text.

The data is built once by the ``world`` fixture of ``tests/webapp/xss_helpers.py``, which
describes it; ``test_xss_pages.py`` checks the same data on the HTML pages and the map.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from tests.webapp import xss_helpers
from tests.webapp.xss_helpers import (
    PAYLOADS,
    STILL_REJECTED,
    html_problems,
    published_payloads,
)

world = xss_helpers.world  # the fixture: one world per session, shared with test_xss_pages.py


def _xml(url: str, body: bytes) -> ET.Element:
    assert b"<!DOCTYPE" not in body and b"<!ENTITY" not in body, url
    try:
        return ET.fromstring(body)  # noqa: S314 - our own response, DTDs refused above
    except ET.ParseError as exc:  # pragma: no cover - the failure message is the point
        raise AssertionError(f"{url}: not well-formed XML: {exc}") from exc


@pytest.mark.parametrize("url", ["/feed.atom", "/feed.atom?lang=en", "/areas/silwan/feed.atom"])
def test_atom_feeds_carry_payloads_as_text(world, url):
    root = _xml(url, world.get(url).data)
    tags = {el.tag.split("}")[-1] for el in root.iter()}
    assert tags <= {"feed", "title", "subtitle", "id", "updated", "link", "author", "name", "uri",
                    "email", "entry", "summary", "content", "category", "published", "generator",
                    "icon", "logo", "rights", "contributor", "point"}, f"{url}: unexpected elements {tags}"
    titles = {el.text for el in root.iter() if el.tag.endswith("}title")}
    texts = {el.text for el in root.iter() if el.text}
    for el in root.iter():
        if el.get("type") in ("html", "xhtml") and el.text:
            problems = html_problems(f"{url} <{el.tag}>", el.text, set(), PAYLOADS)
            assert problems == [], "\n".join(problems)
    # Feeds list the latest entries; whatever they list must be exact text.
    listed = [p for p in published_payloads() if p in titles or f"[Demo] {p}" in titles]
    assert listed, f"{url}: no payload title in {sorted(t for t in titles if t)[:5]}"
    for payload in listed:
        assert any(payload in t for t in texts), f"{url}: {payload!r}"


def test_api_round_trips_payloads(world):
    body = world.get("/api/v1/reports?limit=500").get_json()
    assert body is not None, "/api/v1/reports: not JSON"
    text = json.dumps(body, ensure_ascii=False)
    values = set()

    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            values.add(node)
    walk(body)
    missing = [p for p in published_payloads() if p not in values]
    assert missing == [], f"/api/v1/reports: payloads not round-tripped as strings: {missing}"
    assert PAYLOADS[STILL_REJECTED] not in values or PAYLOADS[STILL_REJECTED] in text
    for i in (0, 4, 33):
        one = world.get(f"/api/v1/reports/{world.reports[i]}").get_json()
        walk(one)
        assert PAYLOADS[i] in json.dumps(one, ensure_ascii=False), f"/api/v1/reports/<{i}>: {PAYLOADS[i]!r}"
    areas = world.get("/api/v1/areas").get_json()
    assert areas is not None, "/api/v1/areas: not JSON"


def test_geojson_export_round_trips(world):
    data = json.loads(world.get("/export/reports.geojson").data)
    titles = {f["properties"].get("title") for f in data["features"]}
    missing = [p for p in published_payloads() if p not in titles]
    assert missing == [], f"/export/reports.geojson: {missing}"
    for feature in data["features"]:
        props = feature["properties"]
        if props.get("title") in PAYLOADS:
            p = props["title"]
            assert props.get("description") == p and props.get("organization") == p, f"geojson: {p!r}"


def _neutral(payload: str) -> str:
    return "'" + payload if payload[:1] in ("=", "+", "-", "@") else payload


def test_csv_export_cells_equal_the_payloads(world):
    text = world.get("/export/reports.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows and "title" in rows[0], f"/export/reports.csv: header {list(rows[0]) if rows else None}"
    by_title = {r["title"]: r for r in rows}
    for payload in published_payloads():
        cell = _neutral(payload)
        assert cell in by_title, f"/export/reports.csv: no title cell equal to {cell!r}"
        row = by_title[cell]
        for column in ("description", "organization"):  # both are export columns: never skipped
            assert row.get(column) == cell, f"/export/reports.csv {column}: {row.get(column)!r} != {cell!r}"


def test_kml_export_carries_payloads_as_text(world):
    url = "/export/reports.kml"
    root = _xml(url, world.get(url).data)
    tags = {el.tag.split("}")[-1] for el in root.iter()}
    assert not tags & {"script", "img", "svg", "iframe", "a", "body", "style"}, f"{url}: {tags}"
    names = {el.text for el in root.iter() if el.tag.split("}")[-1] == "name"}
    missing = [p for p in published_payloads() if p not in names]
    assert missing == [], f"{url}: names not equal to the payloads: {missing}"
    for el in root.iter():
        if el.tag.split("}")[-1] == "description" and el.text and "<" in el.text:
            problems = html_problems(f"{url} <description>", el.text, set(), PAYLOADS)
            assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("payload", [PAYLOADS[0], PAYLOADS[1], PAYLOADS[37]])
def test_poster_with_a_payload_title_is_a_png(world, payload):
    resp = world.client.get("/export/poster.png", query_string={"title": payload})
    assert resp.status_code == 200, f"/export/poster.png?title={payload!r}: {resp.status_code}"
    assert resp.mimetype == "image/png" and resp.data.startswith(b"\x89PNG\r\n\x1a\n")


OPEN311_REQUEST_TAGS = {"service_requests", "request", "service_request_id", "status", "status_notes",
                        "service_name", "service_code", "description", "agency_responsible",
                        "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
                        "address", "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.mark.parametrize("url", ["/open311/v2/requests.xml", "/open311/v2/requests.xml?lang=en"])
def test_open311_xml_carries_payloads_as_escaped_text(world, url):
    body = world.get(url).data
    root = _xml(url, body)
    tags = {el.tag for el in root.iter()}
    assert tags <= OPEN311_REQUEST_TAGS, f"{url}: unexpected elements {tags - OPEN311_REQUEST_TAGS}"
    agencies = {el.text for el in root.iter("agency_responsible")}
    descriptions = [el.text or "" for el in root.iter("description")]
    missing = [p for p in published_payloads() if p not in agencies]
    assert missing == [], f"{url}: organizations not equal to the payloads: {missing}"
    for payload in published_payloads():
        assert any(d.startswith(payload) for d in descriptions), f"{url}: {payload!r}"
    assert b"<script" not in body.lower() and b"<img" not in body.lower()


def test_open311_json_round_trips_payloads(world):
    body = world.get("/open311/v2/requests.json").get_json()
    agencies = {r["agency_responsible"] for r in body}
    assert [p for p in published_payloads() if p not in agencies] == []
