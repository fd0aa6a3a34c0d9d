"""Stored XSS: the 40 payloads of tests/fixtures/xss_payloads.txt, entered through the real
forms and the real ``flask layers import`` command, come out inert on every page and export.

One module-scoped app holds everything (it takes a few seconds to build):

* report *i* carries payload *i* in its title, description, organization and contact, and a
  web link ending in the payload (the link validator accepts http(s) links only); reports
  0–34 come from the organizer form, 35–39 from the public /suggest form;
* every report is rejected through moderation with payload *i* as the reason, then published
  again (the reason stays in the audit log), except report 39, which stays rejected so its
  ``reject_reason`` is shown;
* overlay *i* is imported with payload *i* as its ``--title``, from a GeoJSON whose features
  carry the payloads in their ``name`` property.

Before any payload exists, a plain report and overlay give the baseline: the ``<script>``
tags without a nonce that the templates themselves write (vendor files, JSON data blocks).
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from tests.conftest import FIXTURES, ORGANIZER, SILWAN, _postgres_database, csrf_token

PAYLOADS = [line for line in (FIXTURES / "xss_payloads.txt").read_text(encoding="utf-8").split("\n") if line]
SUGGESTED = range(35, 40)  # these come from the public form
STILL_REJECTED = 39
# Characters that make a payload dangerous when it appears unescaped in HTML. ("&" alone is
# not: "&lt;script&gt;" is both a payload and the correct escaping of "<script>".)
SPECIAL = set("<>\"'")


def link_for(payload: str) -> str:
    return "https://x.example/?" + payload.replace(" ", "")


def dangerous(text: str) -> bool:
    return any(c in SPECIAL for c in text)


# --- HTML inspection ------------------------------------------------------------------------

class TagCollector(HTMLParser):
    """Every start tag with its attributes, and the text of each <script> element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag == "script":
            self._script, self._text = dict(attrs), []

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None


def parse_html(text: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(text)
    collector.close()
    return collector


def script_signature(attrs: list[tuple[str, str | None]]) -> tuple:
    """A nonce-less script as the templates write it (its attributes, ids ignored)."""
    return tuple(sorted((k, v) for k, v in attrs if k != "id"))


JSON_BLOCK = re.compile(r'<script\b[^>]*type="application/json"[^>]*>(.*?)</script>', re.S | re.I)
URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"}


def html_problems(page: str, text: str, baseline_scripts: set, payloads: list[str]) -> list[str]:
    """Everything wrong with one HTML response, each message naming the page."""
    problems = []
    collector = parse_html(text)
    for tag, attrs in collector.tags:
        names = {k for k, _ in attrs}
        if tag == "script" and "nonce" not in names and script_signature(attrs) not in baseline_scripts:
            problems.append(f"{page}: unexpected <script {attrs}> without a nonce")
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"{page}: event-handler attribute {name}={value!r} on <{tag}>")
            if name in URL_ATTRS and value and re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                problems.append(f"{page}: script URL {name}={value!r} on <{tag}>")
        if tag in ("base", "meta") and any(
                (k == "http-equiv" and (v or "").lower() == "refresh") or
                (k == "href" and "evil.example" in (v or "")) for k, v in attrs):
            problems.append(f"{page}: injected <{tag} {attrs}>")
    # JSON data blocks: '<' must be escaped, so nothing in them can close the block.
    for body in JSON_BLOCK.findall(text):
        if re.search(r"[<>]", body):
            problems.append(f"{page}: raw '<' or '>' inside a JSON <script> block: {body[:200]!r}")
        try:
            json.loads(body)
        except ValueError as exc:
            problems.append(f"{page}: JSON <script> block does not parse: {exc}")
    outside = JSON_BLOCK.sub("", text)
    for payload in payloads:
        if dangerous(payload) and payload in outside:
            at = outside.index(payload)
            problems.append(f"{page}: payload {payload!r} appears unescaped: "
                            f"...{outside[max(0, at - 80):at + len(payload) + 20]!r}")
    return problems


# --- building the data through the real forms -------------------------------------------------

@dataclass
class World:
    app: object
    client: object
    reports: list[int] = field(default_factory=list)  # report i carries payload i
    baseline_scripts: set = field(default_factory=set)
    baseline_report: int = 0

    def get(self, url: str, status: int = 200):
        resp = self.client.get(url)
        assert resp.status_code == status, f"GET {url}: {resp.status_code}"
        return resp


def report_form(payload: str) -> dict:
    return {"kind": "challenge", "category": "housing", "lon": str(SILWAN[0]), "lat": str(SILWAN[1]),
            "area_name": "", "precision": "exact", "title": payload, "description": payload,
            "observed_on": "2025-05-01", "organization": payload, "link": link_for(payload),
            "contact": payload}


def post_report(client, url: str, data: dict, token: str) -> int:
    from webapp.extensions import db
    from webapp.models import Report

    resp = client.post(url, data={**data, "csrf_token": token})
    assert resp.status_code in (200, 302), (f"POST {url} with {data['title']!r}: {resp.status_code}\n"
                                            + resp.get_data(as_text=True)[:2000])
    with client.application.app_context():
        return db.session.scalar(db.select(Report.id).order_by(Report.id.desc()).limit(1))


def moderate(client, report_id: int, action: str, token: str, reason: str = "") -> None:
    data = {"csrf_token": token}
    if action == "reject":
        data["reason"] = reason
    resp = client.post(f"/moderation/{report_id}/{action}", data=data)
    assert resp.status_code == 302, f"{action} #{report_id} ({reason!r}): {resp.status_code}"


def import_overlay(runner, path, features: list[tuple[str, tuple[float, float]]], title: str, name: str):
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": label},
         "geometry": {"type": "Point", "coordinates": list(point)}} for label, point in features]}
    path.write_text(json.dumps(collection), encoding="utf-8")
    result = runner.invoke(args=["layers", "import", str(path), "--title", title, "--name", name])
    assert result.exit_code == 0, f"layers import --title {title!r}: {result.output}"


HTML_PAGES = ["/", "/?lang=en", "/reports", "/reports?lang=en", "/areas/silwan", "/moderation/",
              "/moderation/?status=rejected", "/export/map.html", "/embed"]


def baseline_pages(world: World) -> list[str]:
    return [*HTML_PAGES, f"/reports/{world.baseline_report}", f"/moderation/{world.baseline_report}"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from webapp import create_app
    from webapp.auth.accounts import create_user

    tmp = tmp_path_factory.mktemp("xss")
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "test",
              "TILE_URL": "https://tiles.example.test/{z}/{x}/{y}.png", "TILE_ATTRIBUTION": "test tiles",
              "SUGGEST_RATE_LIMIT": "1000 per hour"}
    drop = None
    if os.environ.get("TEST_DATABASE_URL"):
        url, drop = _postgres_database()
        config["DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"] = url
    app = create_app(config)
    client, runner = app.test_client(), app.test_cli_runner()
    with app.app_context():
        create_user(*ORGANIZER, role="organizer")
    token = csrf_token(client, "/auth/login")
    resp = client.post("/auth/login", data={"email": ORGANIZER[0], "password": ORGANIZER[1],
                                            "csrf_token": token})
    assert resp.status_code == 302
    token = csrf_token(client, "/reports/new")  # one token per session
    world = World(app=app, client=client)

    # Baseline: payload-free data, to learn which nonce-less scripts the templates write.
    plain = {**report_form("Plain title"), "link": "https://example.org/"}
    world.baseline_report = post_report(client, "/reports/new", plain, token)
    plain_overlay = [("Plain name", (SILWAN[0] + 0.001, SILWAN[1]))]
    import_overlay(runner, tmp / "plain.geojson", plain_overlay, "Plain overlay", "plain")
    for url in baseline_pages(world):
        collector = parse_html(world.get(url).get_data(as_text=True))
        world.baseline_scripts |= {script_signature(a) for t, a in collector.tags
                                   if t == "script" and "nonce" not in dict(a)}

    for i, payload in enumerate(PAYLOADS):
        url = "/suggest" if i in SUGGESTED else "/reports/new"
        world.reports.append(post_report(client, url, report_form(payload), token))
    for i, (report_id, payload) in enumerate(zip(world.reports, PAYLOADS, strict=True)):
        moderate(client, report_id, "reject", token, reason=payload)
        if i != STILL_REJECTED:
            moderate(client, report_id, "publish", token)

    points = [(p, (SILWAN[0] + 0.0001 * (i % 8), SILWAN[1] + 0.0001 * (i // 8)))
              for i, p in enumerate(PAYLOADS)]
    for i, payload in enumerate(PAYLOADS):
        # Every overlay gets a payload title; the names are spread over them, a few each.
        import_overlay(runner, tmp / f"o{i}.geojson", points[i::8] if i < 8 else points[i:i + 1],
                       payload, f"xss{i}")
    yield world
    with app.app_context():
        from webapp.extensions import db

        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


def published_payloads() -> list[str]:
    return [p for i, p in enumerate(PAYLOADS) if i != STILL_REJECTED]


# --- the checks -------------------------------------------------------------------------------

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
    # Also catches template injection: "{{7*7}}" must not come out as "49".
    shown = shown_text(world.get(url).get_data(as_text=True))
    missing = [p for p in PAYLOADS if p not in shown]
    assert missing == [], f"{url}: overlay titles/names not shown verbatim: {missing}"


def test_standalone_map_shows_report_fields_verbatim(world):
    shown = shown_text(world.get("/export/map.html").get_data(as_text=True))
    missing = [p for p in published_payloads() if p not in shown]
    assert missing == [], f"/export/map.html: report titles not shown verbatim: {missing}"
    assert "Organization: 49" not in shown, "/export/map.html: {{7*7}} was evaluated"


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
        for column in ("description", "organization"):
            if column in row:
                assert row[column] == cell, f"/export/reports.csv {column}: {row[column]!r} != {cell!r}"


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
