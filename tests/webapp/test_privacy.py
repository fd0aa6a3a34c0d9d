"""No private data in any public response.

Reports carry marker strings in every private field (contact, a private structured field, author
e-mail and name, privacy seed, reject reason, audit details, exact coordinates of non-exact reports) and
unpublished reports carry markers in every field. Then every public GET route — found by
walking ``app.url_map``, so routes added later are covered too — is fetched anonymously
and no marker may appear in any body or header.
"""

from __future__ import annotations

import itertools
import re
import secrets

import numpy as np
import pytest
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from geo.spatial.demo import random_points_in_polygons
from tests.webapp.stored import write_photo

TOKEN = secrets.token_hex(4)
CONTACT = f"PRIVATE-CONTACT-{TOKEN}"
EMAIL = f"private-email-{TOKEN}@example.org"
AUTHOR = f"PRIVATE-NAME-{TOKEN}"
PASSWORD = f"private-password-{TOKEN}"
REASON = f"PRIVATE-REASON-{TOKEN}"
AUDIT = f"PRIVATE-AUDIT-{TOKEN}"
CASE = f"PRIVATE-CASE-{TOKEN}"  # a private structured field (housing's case_number)
UNPUBLISHED = f"UNPUBLISHED-{TOKEN}"
INVITEE = f"private-invitee-{TOKEN}@example.org"
PHOTO_BYTES = f"PRIVATE-PHOTO-{TOKEN}".encode()
# Extra public URLs with parameters; discovered routes are fetched as well.
API_QUERIES = ("", "?kind=challenge", "?kind=initiative", "?category=housing&category=water",
               "?bbox=35.0,31.6,35.4,31.9", "?limit=1", "?lang=en", "?kind=bad")
SKIP_PREFIXES = ("/static", "/vendor")
AREAS = ("silwan", "beit-hanina", "at-tur", "abu-tor", "sur-baher", "shuafat")


def _text(resp) -> str:
    body = resp.get_data().decode("utf-8", errors="replace")
    # Undo JSON's \uXXXX escapes so an escaped marker is still found.
    body = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), body)
    headers = "\n".join(f"{k}: {v}" for k, v in resp.headers.items())
    return headers + "\n" + body.replace("\\/", "/")


def _baseline(client) -> str:
    """Public text before any report exists: coordinates already there cannot be leaks."""
    # The area polygons (now fetched by the map page, not inlined) hold many coordinates.
    return "".join(_text(client.get(url)) for url in (
        "/", "/?lang=en", "/about", "/map/ar/areas.geojson", "/map/en/areas.geojson", "/map/places.json",
        "/api/v1/areas"))


def _points(app, baseline: str, n: int):
    """Exact points inside areas whose 5-decimal digits appear nowhere in the baseline."""
    from webapp.store.layers import get_layers

    with app.app_context():
        areas = get_layers().areas
    areas = areas[areas["slug"].isin(AREAS)]
    lons, lats, _idx = random_points_in_polygons(areas.geometry.values, 10 * n, np.random.default_rng(11))
    out = [(x, y) for x, y in zip(lons, lats, strict=True)
           if f"{x:.5f}" not in baseline and f"{y:.5f}" not in baseline]
    assert len(out) >= n
    return out[:n]


def _accounts(app, author_id: int) -> None:
    """Issue 18: an invitation, a reset link and their audit rows, all naming private addresses."""
    from webapp.extensions import db
    from webapp.store import account_links
    from webapp.store.models import User

    with app.app_context():
        account_links.invite(INVITEE, "organizer", db.session.get(User, author_id))
        assert account_links.request_reset(EMAIL) is not None


@pytest.fixture
def world(app, client, make_user, make_report):
    """Published and unpublished reports full of markers; returns what the test needs."""
    from webapp.extensions import db
    from webapp.store.models import Report, User
    from webapp.store.reporting import audit, change_status

    baseline = _baseline(client)
    author_id = make_user(EMAIL, PASSWORD, "organizer")
    with app.app_context():
        db.session.get(User, author_id).display_name = AUTHOR
        db.session.commit()
    pub_photo, hidden_photo = secrets.token_hex(16) + ".jpg", secrets.token_hex(16) + ".jpg"
    write_photo(app, pub_photo, b"\xff\xd8 a published photo")
    write_photo(app, hidden_photo, b"\xff\xd8" + PHOTO_BYTES)

    points = iter(_points(app, baseline, 40))
    published, hidden, secret_coords = [], [], []

    def add(publish, precision="approximate", **fields):
        if fields.get("category", "housing") == "housing" and fields.get("kind", "challenge") == "challenge":
            # Public structured values beside a private one: only the private one must stay hidden.
            fields.setdefault("fields", {"people_displaced": 9, "stage": "demolished",
                                         "case_number": f"{CASE} 77/2026"})
        for _attempt in range(5):
            lon, lat = next(points)
            rid = make_report(publish=publish, user_id=author_id, precision=precision, lon=lon, lat=lat,
                              contact=f"{CONTACT} +972-50-000-0000", **fields)
            with app.app_context():
                report = db.session.get(Report, rid)
                plon, plat = report.public_lon, report.public_lat
                shown = f"{plon!r} {plat!r} {plon:.5f} {plat:.5f}"
                # A 150-300 m offset can keep one coordinate's first 5 decimals (~1 in 500):
                # such a point is no leak, but it would make this test flaky, so draw another.
                if precision != "exact" and (f"{lon:.5f}" in shown or f"{lat:.5f}" in shown):
                    db.session.delete(report)
                    db.session.commit()
                    continue
                audit(report, "edit", db.session.get(User, author_id), AUDIT)
                db.session.commit()
            if precision != "exact":
                secret_coords.extend([f"{lon:.5f}", f"{lat:.5f}"])
            return rid
        raise AssertionError("no usable point")

    published.append(add(True, title="Public approximate"))
    published.append(add(True, "area", title="Public area", category="water"))
    published.append(add(True, "exact", title="Public exact"))
    published.append(add(True, title="Public with photo", photo=pub_photo))
    published.append(add(True, kind="initiative", category="legal-aid", title="Public initiative",
                         addresses=published[:2], addressed_categories=["housing"]))
    published.append(add(True, source="public", title="Public suggestion"))
    hidden.append(add(False, title=f"{UNPUBLISHED} pending", description=f"{UNPUBLISHED} text",
                      organization=f"{UNPUBLISHED} org", photo=hidden_photo))
    hidden.append(add(False, kind="initiative", category="women", title=f"{UNPUBLISHED} initiative",
                      addresses=published[:1], addressed_categories=["housing"]))
    for action in ("reject", "archive"):
        rid = add(True, title=f"{UNPUBLISHED} {action}", description=f"{UNPUBLISHED} {action}")
        with app.app_context():
            change_status(db.session.get(Report, rid), action, db.session.get(User, author_id), REASON)
        hidden.append(rid)
    with app.app_context():
        # A reason left on a published report (e.g. published again later) stays private too.
        db.session.get(Report, published[0]).reject_reason = REASON
        db.session.commit()
        seeds = [r.privacy_seed for r in db.session.scalars(db.select(Report))]
    assert len(seeds) == len(published) + len(hidden) and all(seeds)

    orgs = _organizations(app, author_id, published, hidden)

    _records_that_move(app, author_id, published, hidden)
    _accounts(app, author_id)
    markers = [CONTACT, EMAIL, AUTHOR, PASSWORD, REASON, AUDIT, CASE, UNPUBLISHED, PHOTO_BYTES.decode(),
               FOLLOWER, INVITEE, *seeds, *secret_coords]
    return {"published": published, "hidden": hidden, "markers": markers,
            "photos": [pub_photo, hidden_photo, *orgs["logos"]], "orgs": orgs}


FOLLOWER = f"private-follower-{TOKEN}"


def _records_that_move(app, author_id, published: list, hidden: list) -> None:
    """Markers in what issue 21 keeps private: followers' addresses (confirmed or not, of an area,
    a topic and a report), the contact of suggested updates and of "this affects us too", rejection
    reasons; unpublished updates and signals, an update photo that is not public, and updates of
    a hidden report, with markers in every field."""
    import secrets as _secrets

    from webapp.extensions import db
    from webapp.store import affected, updates
    from webapp.store.lifecycle import set_state
    from webapp.store.models import AlertDelivery, Report, Subscription, User

    hidden_photo = _secrets.token_hex(16) + ".jpg"
    write_photo(app, hidden_photo, b"\xff\xd8" + PHOTO_BYTES)
    with app.app_context():
        author = db.session.get(User, author_id)
        shown = db.session.get(Report, published[0])
        set_state(shown, "ongoing", author, "A public update")
        pending = updates.suggest_update(shown, f"{UNPUBLISHED} suggested", f"{CONTACT} update")
        pending.photo = hidden_photo
        rejected = updates.suggest_update(shown, f"{UNPUBLISHED} rejected", f"{CONTACT} rejected")
        updates.review_update(rejected, "reject", author, REASON)
        published_suggestion = updates.suggest_update(shown, "A reviewed suggestion", f"{CONTACT} reviewed")
        updates.review_update(published_suggestion, "publish", author)
        set_state(db.session.get(Report, hidden[0]), "ongoing", author,
                  f"{UNPUBLISHED} update of a hidden report")
        affected.add_signal(shown, "beit-hanina", f"{CONTACT} signal pending")
        signal = affected.add_signal(shown, "shufat", f"{CONTACT} signal published")
        affected.review_signal(signal, "publish", author)
        rejected_signal = affected.add_signal(shown, "at-tur", f"{CONTACT} signal rejected")
        affected.review_signal(rejected_signal, "reject", author, REASON)
        for i, (scope, target) in enumerate((("area", "silwan"), ("category", "housing"),
                                             ("report", str(published[0])))):
            sub = Subscription(email=f"{FOLLOWER}+{i}@example.org", scope=scope, target=target, lang="ar",
                               token=_secrets.token_urlsafe(32),
                               confirmed_at=None if i == 1 else shown.created_at)
            db.session.add(sub)
            db.session.flush()
            db.session.add(AlertDelivery(subscription_id=sub.id, item=f"report:{published[0]}",
                                         batch="x" * 32))
        db.session.commit()


def _organizations(app, author_id, published: list, hidden: list) -> dict:
    """A published organization (created by the marked author, a reason and audit markers left on
    it) and pending/rejected/archived ones with markers in every field, one with a marked logo;
    a published initiative linked to the hidden one, one to the published one."""
    from webapp.extensions import db
    from webapp.store.models import Organization, Report, User
    from webapp.store.organizations import audit, change_status, create_organization

    pub_logo, hidden_logo = secrets.token_hex(16) + ".png", secrets.token_hex(16) + ".png"
    write_photo(app, pub_logo, b"\x89PNG a published logo")
    write_photo(app, hidden_logo, b"\x89PNG" + PHOTO_BYTES)
    with app.app_context():
        author = db.session.get(User, author_id)
        shown = create_organization({"name_ar": "جمعية منشورة", "name_en": "Published org",
                                     "areas": ["silwan"],
                                     "categories": ["housing"], "logo": pub_logo,
                                     "public_email": "info@org.example"}, user=author, detail=AUDIT)
        change_status(shown, "publish", author)
        shown.reject_reason = REASON  # left over from an earlier rejection: still private
        audit(shown, "edit", author, AUDIT)
        db.session.commit()
        hidden_ids = []
        for i, action in enumerate((None, "reject", "archive")):
            org = create_organization({
                "name_ar": f"{UNPUBLISHED} اسم {i}", "name_en": f"{UNPUBLISHED} name {i}",
                "description": f"{UNPUBLISHED} description", "website": f"https://{UNPUBLISHED.lower()}.example/",
                "public_phone": "+972 2 999 9999", "public_email": f"{UNPUBLISHED.lower()}@example.org",
                "areas": ["silwan"], "categories": ["housing"], "logo": hidden_logo if i == 0 else None},
                user=author)
            if action:
                change_status(org, action, author, REASON)
            hidden_ids.append(org.id)
        db.session.get(Report, published[4]).organization_id = hidden_ids[0]  # the initiative
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(Organization)) == 4
        return {"published": [shown.id], "hidden": hidden_ids, "logos": [pub_logo, hidden_logo]}


def _values(converter, world) -> list:
    """Values to try for one URL argument, by converter type."""
    ids = world["published"] + world["hidden"]
    if isinstance(converter, IntegerConverter):
        ids = list(dict.fromkeys([*ids, *world["orgs"]["published"], *world["orgs"]["hidden"]]))
        return [*ids, 999999]
    if isinstance(converter, AnyConverter):
        return list(converter.items) if hasattr(converter, "items") else []
    return [*world["photos"], "silwan", str(ids[0])]


def public_get_urls(app, world) -> list[str]:
    """Every GET URL of the app (static files aside), arguments filled with the test's values."""
    from flask import url_for

    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.rule.startswith(SKIP_PREFIXES):
                continue
            names = sorted(rule.arguments)
            choices = [_values(rule._converters[name], world) for name in names]
            for combo in itertools.islice(itertools.product(*choices), 200):
                try:
                    urls.append(url_for(rule.endpoint, **dict(zip(names, combo, strict=True))))
                except Exception:  # noqa: S112 - a value this rule cannot take (e.g. an "any" path)
                    continue
    return sorted(set(urls))


def test_no_private_data_in_any_public_response(app, client, world):
    urls = public_get_urls(app, world)
    for required in ("/", "/about", "/api/v1/reports", "/api/v1/categories", "/open311/v2/requests.json",
                     "/open311/v2/requests.xml",
                     *(f"/reports/{i}" for i in world["published"] + world["hidden"])):
        assert required in urls, required
    urls += [f"/api/v1/reports{q}" for q in API_QUERIES] + ["/?lang=en", "/about?lang=en"]
    urls += ["/topics/housing", "/topics/housing?lang=en", "/api/v1/trends?area=silwan&by=month",
             "/api/v1/trends.csv?category=housing"]
    urls += [f"/reports/{i}?lang=en" for i in world["published"]]
    # Open311: every report id in both formats (discovery tries only the first id), and the list.
    urls += [f"/open311/v2/requests/{i}.{fmt}" for i in world["published"] + world["hidden"]
             for fmt in ("json", "xml")]
    every_id = ",".join(map(str, world["published"] + world["hidden"]))
    urls += [f"/open311/v2/requests.json?{q}" for q in ("lang=en", "status=closed", "status=open,closed",
                                                          f"service_request_id={every_id}")]
    urls += ["/organizations?lang=en", "/organizations?area=silwan&category=housing",
             "/api/v1/organizations?area=silwan", "/export/organizations.geojson",
             "/export/organizations.csv", "/export/organizations.kml",
             *(f"/organizations/{i}?lang=en" for i in world["orgs"]["published"])]

    # OGC API - Features: every collection's items (reports with filters, each page size), each
    # report and organization as an item, hidden ones included (they must be 404).
    urls += ["/ogc/", "/ogc/collections", "/ogc/api", *(f"/ogc/collections/{c}{tail}" for c in (
        "reports", "areas", "places", "organizations") for tail in ("", "/items", "/items?limit=1000"))]
    urls += [f"/ogc/collections/reports/items{q}" for q in (
        "?kind=challenge", "?kind=initiative", "?bbox=35.0,31.6,35.4,31.9", "?limit=1", "?area=silwan",
        "?datetime=2000-01-01/..", "?lang=en")]
    urls += [f"/ogc/collections/reports/items/{i}" for i in world["published"] + world["hidden"]]
    urls += [f"/ogc/collections/organizations/items/{i}"
             for i in world["orgs"]["published"] + world["orgs"]["hidden"]]

    statuses = {}
    for url in urls:
        resp = client.get(url)  # anonymous: routes behind login answer with a redirect or 401/403
        statuses[url] = resp.status_code
        text = _text(resp)
        for marker in world["markers"]:
            assert marker not in text, f"{marker!r} leaked in {url} ({resp.status_code})"

    for rid in world["published"]:
        assert statuses[f"/reports/{rid}"] == 200
    for rid in world["hidden"]:
        assert statuses[f"/reports/{rid}"] == 404, rid
    assert statuses[f"/photos/{world['photos'][0]}"] == 200
    assert statuses[f"/photos/{world['photos'][1]}"] == 404
    assert statuses["/api/v1/reports"] == 200
    for oid in world["orgs"]["published"]:
        assert statuses[f"/organizations/{oid}"] == 200 and statuses[f"/api/v1/organizations/{oid}"] == 200
    for oid in world["orgs"]["hidden"]:
        assert statuses[f"/organizations/{oid}"] == 404 and statuses[f"/api/v1/organizations/{oid}"] == 404
    assert statuses[f"/organizations/logos/{world['orgs']['logos'][0]}"] == 200
    assert statuses[f"/organizations/logos/{world['orgs']['logos'][1]}"] == 404
    assert statuses["/organizations"] == 200 and statuses["/api/v1/organizations"] == 200
    for rid in world["published"]:
        assert statuses[f"/ogc/collections/reports/items/{rid}"] == 200
    for rid in world["hidden"]:
        assert statuses[f"/ogc/collections/reports/items/{rid}"] == 404
    for oid in world["orgs"]["published"]:
        assert statuses[f"/ogc/collections/organizations/items/{oid}"] == 200
    for oid in world["orgs"]["hidden"]:
        assert statuses[f"/ogc/collections/organizations/items/{oid}"] == 404


def test_api_lists_exactly_the_published_reports(client, world):
    data = client.get("/api/v1/reports").get_json()
    assert sorted(f["id"] for f in data["features"]) == sorted(world["published"])
    ogc = client.get("/ogc/collections/reports/items").get_json()
    assert sorted(f["id"] for f in ogc["features"]) == sorted(world["published"])
    assert ogc["numberMatched"] == data["numberMatched"] == len(world["published"])


def test_public_dict_has_only_public_keys(app, world):
    from webapp.extensions import db
    from webapp.store.models import Report
    from webapp.store.reporting import public_dict

    allowed = {"id", "kind", "category", "title", "description", "area", "precision", "observed_on",
               "organization", "link", "is_demo", "published_at", "lon", "lat", "photo", "addresses",
               "addressed_categories", "organization_id", "status", "fields"}
    assert world["published"]  # the loop below must check something
    with app.app_context():
        for rid in world["published"]:
            out = public_dict(db.session.get(Report, rid))
            assert set(out) <= allowed
            report = db.session.get(Report, rid)
            if report.category == "housing":
                assert out["fields"] == {"people_displaced": 9, "stage": "demolished"}
            text = repr(out)
            for marker in world["markers"]:
                assert marker not in text


SENDER = f"PRIVATE-SENDER-{TOKEN}"
CHANNEL = f"private-reply-{TOKEN}@example.org"
MESSAGE = f"PRIVATE-MESSAGE-{TOKEN}"


def test_requests_to_connect_never_appear_in_public_responses(app, client, world):
    """Markers in the sender's name, reply channel and message of stored requests, to a published
    organization and a published initiative, and in an unpublished organization: none is public."""
    from webapp.extensions import db
    from webapp.store.models import ConnectRequest, Organization, OrganizationArea, OrganizationCategory

    with app.app_context():
        public = Organization(name_ar="منظمة", name_en="Public org", status="published",
                              public_email="org@example.org",
                              areas=[OrganizationArea(area="silwan")],
                              categories=[OrganizationCategory(category="housing")])
        hidden = Organization(name_ar=f"{UNPUBLISHED} ar", name_en=f"{UNPUBLISHED} en", status="pending",
                              public_email=f"{UNPUBLISHED}@example.org", website=f"https://{UNPUBLISHED}.example",
                              areas=[OrganizationArea(area="silwan")],
                              categories=[OrganizationCategory(category="housing")])
        db.session.add_all([public, hidden])
        db.session.flush()
        initiative = world["published"][4]
        for target in ({"organization_id": public.id}, {"report_id": initiative},
                       {"organization_id": hidden.id}):
            db.session.add(ConnectRequest(sender_name=SENDER, reply_channel=CHANNEL, message=MESSAGE,
                                          **target))
        db.session.commit()
        org_ids = [public.id, hidden.id]
    urls = public_get_urls(app, world)
    urls += [f"/connect/organization/{i}" for i in org_ids] + [f"/connect/initiative/{initiative}"]
    urls += [f"/cards/organization/{i}.png" for i in org_ids] + ["/areas/silwan?lang=en"]
    urls += [f"/reports/{i}?lang=en" for i in world["published"]]
    markers = [SENDER, CHANNEL, MESSAGE, UNPUBLISHED]
    for url in urls:
        resp = client.get(url)
        text = _text(resp)
        for marker in markers:
            assert marker not in text, f"{marker!r} leaked in {url} ({resp.status_code})"
    assert client.get(f"/connect/organization/{org_ids[0]}").status_code == 200
    assert client.get(f"/connect/organization/{org_ids[1]}").status_code == 404
    assert "Public org" in client.get(f"/reports/{world['published'][0]}?lang=en").get_data(as_text=True)


def test_a_backup_download_is_for_admins_only(app, client, world, make_user):
    """The backup holds every private field (as ``flask backup`` writes it: contacts, exact points,
    audit details): anonymous visitors and organizers get no byte of it, admins get all of it,
    and the password hashes only when asked for (``--with-users``)."""
    from tests.conftest import csrf_token

    token = csrf_token(client, "/auth/login")
    resp = client.post("/admin/backup/download", data={"csrf_token": token})
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    for marker in world["markers"]:
        assert marker not in _text(resp)
    organizer = app.test_client()
    make_user("organizer-privacy@example.org", "organizer privacy battery", "organizer")
    login = {"email": "organizer-privacy@example.org", "password": "organizer privacy battery"}
    organizer.post("/auth/login", data={**login, "csrf_token": csrf_token(organizer, "/auth/login")})
    token = csrf_token(organizer, "/reports/new")
    resp = organizer.post("/admin/backup/download", data={"csrf_token": token})
    assert resp.status_code == 403
    for marker in world["markers"]:
        assert marker not in _text(resp)

    admin = app.test_client()
    make_user("admin-privacy@example.org", "admin privacy battery", "admin")
    login = {"email": "admin-privacy@example.org", "password": "admin privacy battery"}
    admin.post("/auth/login", data={**login, "csrf_token": csrf_token(admin, "/auth/login")})
    resp = admin.post("/admin/backup/download", data={"csrf_token": csrf_token(admin, "/admin/backup")})
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    body = resp.get_data()
    assert CONTACT.encode() in body and EMAIL.encode() in body  # a full backup, as the CLI's
    assert b"scrypt:" not in body and b"pbkdf2:" not in body  # no password hash without the box
    # The admin pages themselves show no reporter's private data.
    for url in ("/admin/backup", "/admin/demo", "/admin/settings"):
        page = admin.get(url)
        assert page.status_code == 200
        for marker in (CONTACT, PASSWORD, REASON, UNPUBLISHED):
            assert marker not in _text(page), (marker, url)


def _file_texts(data: bytes, tmp_path) -> str:
    """Every text in an export file: zip members opened, GeoPackage tables read (not raw bytes:
    SQLite pages could split a string)."""
    import io
    import sqlite3
    import zipfile

    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    if data[:16] == b"SQLite format 3\x00":
        path = tmp_path / "scan.gpkg"
        path.write_bytes(data)
        with sqlite3.connect(path) as con:
            # The layers' own tables (not the spatial index: its float32 boxes are rounded numbers
            # near any point, which the coordinate markers would mistake for leaks).
            tables = [t for (t,) in con.execute("SELECT table_name FROM gpkg_contents")]
            return "\n".join(repr(row) for table in tables
                             for row in con.execute(f'SELECT * FROM "{table}"'))  # noqa: S608 - our file
    return data.decode("utf-8", "replace")


def test_private_structured_fields_never_leave(app, client, world, tmp_path):
    """Issue 20: the private field (housing's case_number, a marker in every housing report) and
    even its name stay out of the outward formats: exports (every format, zip and GeoPackage
    opened), GeoJSON, /categories, the OpenAPI schema, Open311 attributes and feeds; the public
    values beside it are there."""
    fmts = ("geojson", "csv", "csvt", "kml", "gpkg", "shp.zip")
    urls = [f"/export/reports.{fmt}" for fmt in fmts] + ["/export/map.html"]
    urls += ["/api/v1/reports", "/api/v1/categories", "/api/v1/categories?lang=en", "/api/v1/openapi.json",
             *(f"/api/v1/reports/{i}" for i in world["published"]),
             "/open311/v2/services.json", "/open311/v2/services/challenge.housing.json",
             "/open311/v2/services/challenge.housing.xml?lang=en",
             "/open311/v2/requests.json?extensions=true", "/open311/v2/requests.xml?extensions=true",
             "/feed.atom", "/feed.atom?lang=en", "/areas/silwan/feed.atom", "/topics/housing/feed.atom",
             *(f"/reports/{i}/feed.atom" for i in world["published"])]
    shown = {}
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, url
        headers = "\n".join(f"{k}: {v}" for k, v in resp.headers.items())
        text = _file_texts(resp.get_data(), tmp_path) + headers
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        for marker in world["markers"]:
            assert marker not in text, f"{marker!r} leaked in {url}"
        assert "case_number" not in text and "case_numbe" not in text, url  # not even the column
        shown[url] = any(w in text for w in ("people_displaced", "الأشخاص المهجّرون", "People displaced"))
    # The public field is there (by id, or by label in feeds), so the scan looked at the right place.
    expect = [*(f"/export/reports.{fmt}" for fmt in ("geojson", "csv", "kml", "shp.zip")), "/api/v1/reports",
              "/api/v1/categories", "/api/v1/openapi.json", "/open311/v2/services/challenge.housing.json",
              "/open311/v2/requests.json?extensions=true", "/feed.atom", "/topics/housing/feed.atom"]
    assert all(shown[u] for u in expect), [u for u in expect if not shown[u]]
    import pyogrio

    path = tmp_path / "r.gpkg"
    path.write_bytes(client.get("/export/reports.gpkg").get_data())
    assert "people_displaced" in pyogrio.read_info(path, layer="reports")["fields"]
