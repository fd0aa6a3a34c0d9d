"""Shared by the stored-XSS tests (``test_xss_pages.py``, ``test_xss_data.py``): the 40
payloads of tests/fixtures/xss_payloads.txt, the HTML inspection, and the ``world`` fixture
that enters them through the real forms and the real ``flask layers import`` command.

One app holds everything (it takes a few seconds to build), built once per test session and
shared by every XSS module:

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

import contextlib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from tests.conftest import FIXTURES, ORGANIZER, SILWAN, csrf_token, make_app, postgres_database

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
    closing: object = None  # closes the app and drops its PostgreSQL database, if one was made

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
    from webapp.store.models import Report

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


_WORLD = pytest.StashKey["World"]()


@pytest.fixture(scope="session")
def world(request, tmp_path_factory) -> World:
    """The app holding every payload, built on first use and shared by all XSS modules.

    Each test module that imports this fixture gets its own fixture definition; the config
    stash makes them all return the same world instead of building one per module.
    """
    stash = request.config.stash
    if _WORLD not in stash:
        stash[_WORLD] = build_world(tmp_path_factory.mktemp("xss"))
        request.addfinalizer(lambda: close_world(stash[_WORLD]))
    return stash[_WORLD]


def build_world(tmp) -> World:
    from webapp.store.accounts import create_user

    closing = contextlib.ExitStack()  # the app, then its PostgreSQL database if one was made
    url = closing.enter_context(postgres_database())
    app = closing.enter_context(make_app(tmp / "instance", url, SUGGEST_RATE_LIMIT="1000 per hour"))
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
    world.closing = closing
    return world


def close_world(world: World) -> None:
    world.closing.close()


def published_payloads() -> list[str]:
    return [p for i, p in enumerate(PAYLOADS) if i != STILL_REJECTED]
