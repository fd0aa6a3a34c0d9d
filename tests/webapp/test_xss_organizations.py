"""Stored XSS through organizations: the 40 payloads in names, descriptions, websites and
rejection reasons come back as exact, inert text on the directory, the pages, moderation,
the API, the exports and a linked initiative's page and popup data.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import SILWAN, csrf_token
from tests.webapp.xss_helpers import PAYLOADS, html_problems, link_for, parse_html, script_signature


def org_form(payload: str) -> dict:
    return {"name_ar": payload, "name_en": payload, "kind": "ngo", "areas": ["silwan"],
            "categories": ["housing"], "description": payload, "website": link_for(payload),
            "public_phone": "", "public_email": ""}


@pytest.fixture
def orgs(app, client, login):
    login()
    token = csrf_token(client, "/organizations/new")

    def create(data) -> int:
        resp = client.post("/organizations/new", data={**data, "csrf_token": token})
        assert resp.status_code == 302, (data["name_ar"], resp.get_data(as_text=True)[:1500])
        return int(resp.headers["Location"].rsplit("/", 1)[1])

    def moderate(org_id, action, reason=""):
        resp = client.post(f"/moderation/organizations/{org_id}/{action}",
                           data={"csrf_token": token, "reason": reason})
        assert resp.status_code == 302, (org_id, action, resp.status_code)

    plain = create({**org_form("Plain name"), "website": "https://example.org/"})
    moderate(plain, "publish")
    baseline = set()
    pages = ["/organizations", f"/organizations/{plain}", "/moderation/organizations?status=published",
             f"/moderation/organizations/{plain}"]
    for url in pages:
        collector = parse_html(client.get(url).get_data(as_text=True))
        baseline |= {script_signature(a) for t, a in collector.tags
                     if t == "script" and "nonce" not in dict(a)}
    ids = []
    for payload in PAYLOADS:
        org_id = create(org_form(payload))
        moderate(org_id, "reject", payload)  # the reason carries the payload too
        moderate(org_id, "publish")
        ids.append(org_id)
    # An initiative linked to the first payload organization, for the report page and the popups.
    token_r = csrf_token(client, "/reports/new")
    resp = client.post("/reports/new", data={
        "kind": "initiative", "category": "legal-aid", "lon": str(SILWAN[0]), "lat": str(SILWAN[1]),
        "precision": "exact", "title": "Linked", "organization_id": str(ids[0]), "csrf_token": token_r})
    assert resp.status_code == 302
    return {"ids": ids, "baseline": baseline, "report": int(resp.headers["Location"].rsplit("/", 1)[1])}


def check(client, url, baseline):
    resp = client.get(url)
    assert resp.status_code == 200, url
    text = resp.get_data(as_text=True)
    problems = html_problems(url, text, baseline, PAYLOADS + [link_for(p) for p in PAYLOADS])
    assert problems == [], "\n".join(problems[:5])
    return text


def test_pages_are_inert(client, orgs):
    urls = ["/organizations", "/organizations?lang=en", "/moderation/organizations?status=published",
            f"/reports/{orgs['report']}"]
    urls += [f"/organizations/{i}" for i in orgs["ids"]]
    urls += [f"/moderation/organizations/{i}" for i in orgs["ids"][:10]]
    for url in urls:
        check(client, url, orgs["baseline"])


def test_api_and_exports_round_trip_payloads_exactly(client, orgs):
    body = client.get("/api/v1/organizations?limit=500").get_json()
    by_id = {o["id"]: o for o in body["organizations"]}
    for org_id, payload in zip(orgs["ids"], PAYLOADS, strict=True):
        org = by_id[org_id]
        assert org["name_ar"] == org["name_en"] == org["description"] == payload
        assert org["website"] == link_for(payload)
    feature = client.get(f"/api/v1/reports/{orgs['report']}").get_json()
    assert feature["properties"]["organization_record"]["name_ar"] == PAYLOADS[0]
    geojson = json.loads(client.get("/export/organizations.geojson").data)
    names = {f["properties"]["name_ar"] for f in geojson["features"]}
    assert set(PAYLOADS) <= names
    rows = list(csv.DictReader(io.StringIO(client.get("/export/organizations.csv").data.decode("utf-8-sig"))))
    cells = {r["name_en"] for r in rows}
    for payload in PAYLOADS:
        # A cell a spreadsheet would run as a formula is neutralised with a leading quote.
        assert payload in cells or "'" + payload in cells, payload
