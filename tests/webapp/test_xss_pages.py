"""Stored XSS in HTML: every page and the map show the 40 payloads as text, never as markup.

The data (reports, moderation reasons, overlays) is built once by the ``world`` fixture of
``tests/webapp/xss_helpers.py``, which describes it; ``test_xss_data.py`` checks the same
data in the API, exports and feeds.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from tests.webapp import xss_helpers
from tests.webapp.xss_helpers import (
    HTML_PAGES,
    PAYLOADS,
    STILL_REJECTED,
    html_problems,
    link_for,
    published_payloads,
)

world = xss_helpers.world  # the fixture: one world per session, shared with test_xss_data.py


def test_the_payload_file_has_forty_payloads():
    assert len(PAYLOADS) == 40 and len(set(PAYLOADS)) == 40
    assert all(len(p) <= 120 for p in PAYLOADS)


@pytest.mark.parametrize("url", HTML_PAGES)
def test_html_page_is_inert(world, url):
    text = world.get(url).get_data(as_text=True)
    problems = html_problems(url, text, world.baseline_scripts, PAYLOADS + [link_for(p) for p in PAYLOADS])
    assert problems == [], "\n".join(problems)


def test_report_list_pages_show_every_payload_as_text(world):
    seen = ""
    for page in range(1, 20):
        url = f"/reports?page={page}"
        resp = world.client.get(url)
        if resp.status_code == 404:
            break
        text = resp.get_data(as_text=True)
        problems = html_problems(url, text, world.baseline_scripts, PAYLOADS)
        assert problems == [], "\n".join(problems)
        if page > 1 and html.unescape(text) in seen:
            break
        seen += html.unescape(text)
        if all(p in seen for p in published_payloads()):
            break
    missing = [p for p in published_payloads() if p not in seen]
    assert missing == [], f"/reports: titles not listed: {missing}"


def test_report_pages_are_inert_and_show_the_payload(world):
    problems = []
    for i, (report_id, payload) in enumerate(zip(world.reports, PAYLOADS, strict=True)):
        urls = [f"/moderation/{report_id}"] + ([] if i == STILL_REJECTED else [f"/reports/{report_id}"])
        for url in urls:
            text = world.get(url).get_data(as_text=True)
            problems += html_problems(url, text, world.baseline_scripts, [payload, link_for(payload)])
            if payload not in html.unescape(text):
                problems.append(f"{url}: payload {payload!r} is not shown as text")
        # The rejection reason: in the audit log of every report, and as the reason of #39.
        if payload not in html.unescape(world.get(f"/moderation/{report_id}").get_data(as_text=True)):
            problems.append(f"/moderation/{report_id}: reject reason {payload!r} is not shown")
    assert problems == [], "\n".join(problems)


def test_rejected_report_is_not_public(world):
    world.get(f"/reports/{world.reports[STILL_REJECTED]}", status=404)


def shown_text(text: str) -> str:
    """The page as a reader sees it: entities decoded, and every JS/JSON string literal decoded
    too (folium puts tooltips and popups in script as HTML inside JSON strings)."""
    decoded = [html.unescape(text)]
    for literal in STRING_LITERAL.findall(text):
        try:
            decoded.append(html.unescape(json.loads(f'"{literal}"')))
        except ValueError:
            continue
    return "\n".join(decoded)


STRING_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


@pytest.mark.parametrize("url", ["/", "/?lang=en", "/embed"])
def test_overlay_titles_and_names_are_shown_verbatim(world, url):
    # Titles in the page's overlay list (JSON), feature names in the data it fetches (GeoJSON,
    # never HTML: overlay-style.js sets them as text). Also catches template injection:
    # "{{7*7}}" must not come out as "49".
    text = world.get(url).get_data(as_text=True)
    listed = json.loads(re.search(r'id="ahya-overlays">(.*?)</script>', text, re.S).group(1))
    shown = shown_text(text) + "\n".join(o["title"] for o in listed)
    for overlay in listed:
        resp = world.get(overlay["urls"][0])
        assert resp.mimetype == "application/geo+json" and resp.headers["X-Content-Type-Options"] == "nosniff"
        shown += "\n".join(str(f["properties"].get("name")) for f in resp.get_json(force=True)["features"])
    missing = [p for p in PAYLOADS if p not in shown]
    assert missing == [], f"{url}: overlay titles/names not shown verbatim: {missing}"


def test_standalone_map_shows_report_fields_verbatim(world):
    shown = shown_text(world.get("/export/map.html").get_data(as_text=True))
    missing = [p for p in published_payloads() if p not in shown]
    assert missing == [], f"/export/map.html: report titles not shown verbatim: {missing}"
    assert "Organization: 49" not in shown, "/export/map.html: {{7*7}} was evaluated"
