"""Organizations end to end: organizer forms, review, directory, page, API, export, picker, CLI, demo."""

from __future__ import annotations

import io
import json
import re

import geopandas as gpd
import pyogrio
import pytest
from PIL import Image

from tests.conftest import SILWAN, csrf_token
from tests.webapp.stored import read_stored

VALID = {"name_ar": "جمعية الأمل", "name_en": "Al-Amal Society", "kind": "ngo",
         "areas": ["silwan", "at-tur"], "categories": ["housing", "water"],
         "description": "نعمل مع السكان على السكن والمياه.", "website": "https://amal.example.org/",
         "public_phone": "+972 2 123 4567", "public_email": "info@amal.example.org"}


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (80, 60), (20, 90, 160))
    exif = Image.Exif()
    exif[0x8825] = {2: (31.0, 46.0, 11.0), 1: "N"}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def post_org(client, url="/organizations/new", logo: bytes | None = None, **changes):
    data = {**VALID, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    data["csrf_token"] = csrf_token(client, url)
    if logo is not None:
        data["logo"] = (io.BytesIO(logo), "logo.jpg")
    return client.post(url, data=data, content_type="multipart/form-data")


def act(client, org_id: int, action: str, **data):
    token = csrf_token(client, f"/moderation/organizations/{org_id}")
    return client.post(f"/moderation/organizations/{org_id}/{action}", data={"csrf_token": token, **data})


def rows(app, model):
    from webapp.extensions import db

    with app.app_context():
        return db.session.scalars(db.select(model)).all()


@pytest.fixture
def org_id(client, login):
    """An organization created through the organizer form (pending)."""
    login()
    resp = post_org(client, logo=jpeg_with_gps())
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_created_pending_with_a_clean_logo_and_not_public(app, client, org_id):
    from webapp.extensions import db
    from webapp.store.models import Organization, OrganizationEvent

    with app.app_context():
        org = db.session.get(Organization, org_id)
        assert org.status == "pending" and org.name_ar == "جمعية الأمل" and org.created_by.email
        assert sorted(a.area for a in org.areas) == ["at-tur", "silwan"]
        assert sorted(c.category for c in org.categories) == ["housing", "water"]
        logo = org.logo
        assert [e.action for e in db.session.scalars(db.select(OrganizationEvent))] == ["create"]
    stored = io.BytesIO(read_stored(app, f"photos/{logo}"))
    with Image.open(stored) as img:
        assert not img.getexif()  # camera and GPS gone
    assert "جمعية الأمل" not in client.get("/organizations").get_data(as_text=True)
    assert client.get(f"/organizations/{org_id}").status_code == 404
    assert client.get(f"/organizations/logos/{logo}").status_code == 404
    assert client.get(f"/api/v1/organizations/{org_id}").status_code == 404
    assert client.get("/api/v1/organizations").get_json()["count"] == 0
    # Organizers see it, with its logo, in the moderation tab.
    page = client.get("/moderation/organizations").get_data(as_text=True)
    assert f'data-org-id="{org_id}"' in page
    assert client.get(f"/moderation/organizations/logos/{logo}").status_code == 200


def test_form_says_never_to_enter_private_details(client, login):
    login()
    html = client.get("/organizations/new").get_data(as_text=True)
    assert "Never enter a person" in html or "لا تُدخل" in html
    assert html.count('name="areas"') == 1 and html.count("<option") >= 137


def test_publish_shows_it_everywhere_and_every_action_is_audited(app, client, org_id):
    from webapp.store.models import OrganizationEvent

    etag = client.get("/api/v1/organizations").headers["ETag"]
    assert act(client, org_id, "publish").status_code == 302
    assert client.get("/api/v1/organizations", headers={"If-None-Match": etag}).status_code == 200

    directory = client.get("/organizations").get_data(as_text=True)
    assert "جمعية الأمل" in directory and f'href="/organizations/{org_id}"' in directory
    assert "Al-Amal Society" in client.get("/organizations?lang=en").get_data(as_text=True)
    page = client.get(f"/organizations/{org_id}?lang=ar")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'dir="rtl"' in html
    assert 'href="https://amal.example.org/"' in html and "info@amal.example.org" in html
    config = json.loads(html.split('id="org-map-data">')[1].split("</script>")[0])
    assert len(config["outlines"]) == 2  # Silwan and at-Tur have polygons
    assert "/?kind=challenge&amp;category=housing" in html  # challenges link to the filtered map

    body = client.get(f"/api/v1/organizations/{org_id}").get_json()
    assert body["areas"] == ["at-tur", "silwan"] and body["logo"].startswith("http://localhost/organizations/logos/")
    assert client.get(body["logo"].removeprefix("http://localhost")).status_code == 200
    assert set(body) >= {"name_ar", "public_email", "url", "initiatives"} and "status" not in body

    # Edit, reject (reason required), illegal move, archive: each audited, each visible or not.
    token = csrf_token(client, f"/organizations/{org_id}/edit")
    resp = client.post(f"/organizations/{org_id}/edit", data={**VALID, "description": "وصف جديد",
                                                               "csrf_token": token})
    assert resp.status_code == 302
    assert "وصف جديد" in client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert act(client, org_id, "reject", reason="").status_code == 400
    assert act(client, org_id, "reject", reason="مكرر").status_code == 302
    assert client.get(f"/organizations/{org_id}").status_code == 404
    assert act(client, org_id, "reject", reason="again").status_code == 409
    assert act(client, org_id, "archive").status_code == 302
    assert act(client, org_id, "archive").status_code == 409
    actions = [e.action for e in rows(app, OrganizationEvent)]
    assert actions == ["create", "publish", "edit", "reject", "archive"]


def test_filters_in_the_directory_and_the_api(app, client, login):
    from webapp.extensions import db
    from webapp.store.models import Organization
    from webapp.store.organizations import change_status, create_organization

    with app.app_context():
        specs = [("مدرسة سلوان", "", "school", ["silwan"], ["education"]),
                 ("", "Beit Hanina Water Group", "community_group", ["beit-hanina"], ["water"]),
                 ("مركز قانوني", "Legal Centre", "service", ["silwan", "beit-hanina"], ["housing"])]
        ids = []
        for ar, en, kind, areas, cats in specs:
            org = create_organization({"name_ar": ar, "name_en": en, "kind": kind, "areas": areas,
                                       "categories": cats}, user=None)
            change_status(org, "publish", None)
            ids.append(org.id)
        create_organization({"name_ar": "غير منشورة", "areas": ["silwan"]}, user=None)
        assert db.session.scalar(db.select(db.func.count()).select_from(Organization)) == 4

    def api(query):
        resp = client.get("/api/v1/organizations" + query)
        assert resp.status_code == 200, resp.get_json()
        return [o["id"] for o in resp.get_json()["organizations"]]

    assert api("") == sorted(ids, reverse=True)
    assert api("?area=silwan") == [ids[2], ids[0]]
    assert api("?category=water") == [ids[1]]
    assert api("?kind=service&area=beit-hanina") == [ids[2]]
    assert api("?q=مدرسه") == [ids[0]]  # the Arabic normaliser folds ة/ه
    assert api("?q=legal") == [ids[2]]
    first = client.get("/api/v1/organizations?limit=2").get_json()
    assert first["truncated"] and len(first["organizations"]) == 2
    rest = client.get(first["next"].removeprefix("http://localhost")).get_json()
    assert [o["id"] for o in rest["organizations"]] == [ids[0]] and not rest["truncated"]
    # Both pages state the whole number of matches and their own.
    assert (first["numberMatched"], first["numberReturned"]) == (3, 2)
    assert (rest["numberMatched"], rest["numberReturned"]) == (3, 1)
    assert client.get("/api/v1/organizations?area=silwan").get_json()["numberMatched"] == 2
    for bad in ("?area=nowhere", "?category=aliens", "?kind=club", "?limit=0", "?cursor=forged",
                "?q=" + "x" * 200, "?cursor=0.0", "?area=&category=&kind=", "?kind=", "?limit=",
                "?cursor="):
        resp = client.get("/api/v1/organizations" + bad)
        assert resp.status_code == 400 and resp.get_json()["parameter"], bad
    assert api("?q=") == api("")  # no words: every organization
    # The directory page's GET form sends untouched fields empty: "any" there.
    assert client.get("/organizations?area=&category=&kind=").status_code == 200

    html = client.get("/organizations?area=beit-hanina&kind=community_group").get_data(as_text=True)
    assert "Beit Hanina Water Group" in html and "مدرسة سلوان" not in html and "مركز قانوني" not in html
    html = client.get("/organizations?area=nowhere&category=water").get_data(as_text=True)
    assert "Beit Hanina Water Group" in html and "مركز قانوني" not in html  # bad area dropped, named


def test_initiative_picker_links_and_shows_the_organization(app, client, login, make_report):
    from webapp.extensions import db
    from webapp.store.models import Report
    from webapp.store.organizations import change_status, create_organization

    login()
    with app.app_context():
        org = create_organization({"name_ar": "جمعية الأمل", "name_en": "Al-Amal", "areas": ["silwan"]},
                                  user=None)
        change_status(org, "publish", None)
        oid = org.id
    form = {"kind": "initiative", "category": "legal-aid", "lon": str(SILWAN[0]), "lat": str(SILWAN[1]),
            "precision": "approximate", "title": "Legal clinic", "organization": "",
            "organization_id": str(oid)}
    assert f'<option value="{oid}">جمعية الأمل</option>' in client.get("/reports/new").get_data(as_text=True)
    resp = client.post("/reports/new", data={**form, "organization_id": "99999",
                                             "csrf_token": csrf_token(client, "/reports/new")})
    assert resp.status_code == 400
    resp = client.post("/reports/new", data={**form, "csrf_token": csrf_token(client, "/reports/new")})
    assert resp.status_code == 302
    rid = int(resp.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(Report, rid).organization_id == oid
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert f'href="/organizations/{oid}"' in page
    edit = client.get(f"/moderation/{rid}/edit").get_data(as_text=True)  # the picker on the edit page
    assert f'<option selected value="{oid}">' in edit or f'<option value="{oid}" selected>' in edit
    feature = client.get(f"/api/v1/reports/{rid}").get_json()
    expected = {"id": oid, "name_ar": "جمعية الأمل", "name_en": "Al-Amal", "url": f"/organizations/{oid}"}
    assert feature["properties"]["organization_record"] == expected
    # The link itself: "/reports/1" alone would also be found in "/reports/12".
    assert f'href="/reports/{rid}"' in client.get(f"/organizations/{oid}").get_data(as_text=True)
    # A challenge cannot carry an organization record.
    challenge = {**form, "kind": "challenge", "category": "housing"}
    resp = client.post("/reports/new", data={**challenge, "csrf_token": csrf_token(client, "/reports/new")})
    with app.app_context():
        assert db.session.get(Report, int(resp.headers["Location"].rsplit("/", 1)[1])).organization_id is None
    # Archived: the link stays in the database but no public output shows it.
    with app.app_context():
        from webapp.store.models import Organization

        change_status(db.session.get(Organization, oid), "archive", None)
    assert client.get(f"/api/v1/reports/{rid}").get_json()["properties"]["organization_record"] is None
    assert f'href="/organizations/{oid}"' not in client.get(f"/reports/{rid}").get_data(as_text=True)


def test_link_initiatives_cli_and_linking_on_publish(app, runner, make_report):
    from webapp.extensions import db
    from webapp.store.models import Organization, Report
    from webapp.store.organizations import change_status, create_organization

    amal = make_report(kind="initiative", category="legal-aid", organization="جمعيه الامل")
    bustan = make_report(kind="initiative", category="legal-aid", organization="Bustan Committee")
    later = make_report(kind="initiative", category="legal-aid", organization="Silwan Youth Club")
    challenge = make_report(organization="جمعية الأمل")
    with app.app_context():
        org = create_organization({"name_ar": "جمعية الأمل", "name_en": "Al-Amal"}, user=None)
        change_status(org, "publish", None)  # links matching initiatives on publish
        amal_org = org.id
        assert db.session.get(Report, amal).organization_id == amal_org
        db.session.get(Report, amal).organization_id = None
        db.session.commit()
        youth = create_organization({"name_en": "Silwan youth club"}, user=None).id

    result = runner.invoke(args=["organizations", "link-initiatives", "--dry-run", "--create-missing"])
    assert result.exit_code == 0 and "would link 2 initiatives" in result.output
    assert "Bustan Committee" in result.output
    with app.app_context():
        assert db.session.get(Report, amal).organization_id is None
        assert db.session.scalar(db.select(db.func.count()).select_from(Organization)) == 2

    result = runner.invoke(args=["organizations", "link-initiatives", "--create-missing"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Report, amal).organization_id == amal_org
        assert db.session.get(Report, later).organization_id == youth  # pending: linked, shown once published
        created = db.session.scalars(db.select(Organization).where(
            Organization.name_en == "Bustan Committee")).one()
        assert created.status == "pending" and db.session.get(Report, bustan).organization_id == created.id
        assert db.session.get(Report, challenge).organization_id is None  # challenges never


def test_export_geojson_csv_and_geopackage_read_back(app, client, tmp_path):
    from webapp.store.organizations import change_status, create_organization

    with app.app_context():
        for name, areas in (("جمعية الأمل", ["silwan", "at-tur"]), ("بلا مناطق", [])):
            org = create_organization({"name_ar": name, "areas": areas, "categories": ["housing"],
                                       "public_email": "info@example.org"}, user=None)
            change_status(org, "publish", None)
        create_organization({"name_ar": "معلقة", "areas": ["silwan"]}, user=None)
    for fmt in ("geojson", "csv", "gpkg"):
        resp = client.get(f"/export/organizations.{fmt}")
        assert resp.status_code == 200, fmt
        path = tmp_path / f"orgs.{fmt}"
        path.write_bytes(resp.data)
        frame = gpd.read_file(path, engine="pyogrio") if fmt != "csv" else None
        if fmt == "csv":
            text = resp.data.decode("utf-8-sig")
            assert "جمعية الأمل" in text and "معلقة" not in text and "MULTIPOLYGON" in text
            continue
        assert sorted(frame["name_ar"]) == ["بلا مناطق", "جمعية الأمل"]
        row = frame.set_index("name_ar").loc["جمعية الأمل"]
        silwan = gpd.points_from_xy([SILWAN[0]], [SILWAN[1]])[0]
        assert row.geometry.geom_type == "MultiPolygon" and row.geometry.contains(silwan)
        assert set(frame.columns) >= {"areas", "categories", "public_email", "url"}
        assert not {"status", "reject_reason", "created_by_id"} & set(frame.columns)
    layers = tmp_path / "reports.gpkg"
    layers.write_bytes(client.get("/export/reports.gpkg").data)
    assert len(gpd.read_file(layers, layer="organizations", engine="pyogrio")) == 2
    assert "organizations" in pyogrio.list_layers(layers)[:, 0]
    assert client.get("/export/organizations.geojson?kind=nope").status_code == 400


def test_demo_load_and_clear(app, runner, client):
    from webapp.store.models import Organization

    assert runner.invoke(args=["demo", "load", "--count", "40", "--seed", "2"]).exit_code == 0
    orgs = rows(app, Organization)
    assert orgs and all(o.is_demo and o.status == "published" and "[DEMO]" in o.name_en
                        and "[تجريبي]" in o.name_ar for o in orgs)
    body = client.get("/api/v1/organizations").get_json()
    assert body["organizations"] and all(o["initiatives"] for o in body["organizations"])
    assert "[تجريبي]" in client.get("/organizations").get_data(as_text=True)
    assert runner.invoke(args=["demo", "clear"]).exit_code == 0
    assert rows(app, Organization) == []


def test_done_when_with_demo_data(app, client, runner, login, tmp_path):
    """Demo data; an organizer creates an organization, links an initiative, publishes it: it is in the
    directory, on its page with its areas' map and initiatives, in the API, the export and a backup."""
    from webapp.extensions import db
    from webapp.store.models import Report

    assert runner.invoke(args=["demo", "load", "--count", "30", "--seed", "4"]).exit_code == 0
    login()
    resp = post_org(client, name_ar="لجنة سلوان", name_en="Silwan Committee", areas=["silwan"])
    oid = int(resp.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        rid = db.session.scalars(db.select(Report.id).where(Report.kind == "initiative",
                                                            Report.status == "published")).first()
        db.session.get(Report, rid).organization = "لجنه سلوان"  # free text, another spelling
        db.session.get(Report, rid).organization_id = None
        db.session.commit()
    assert act(client, oid, "publish").status_code == 302  # publishing links it by name
    assert "لجنة سلوان" in client.get("/organizations?area=silwan").get_data(as_text=True)
    html = client.get(f"/organizations/{oid}").get_data(as_text=True)
    config = json.loads(html.split('id="org-map-data">')[1].split("</script>")[0])
    assert len(config["outlines"]) == 1 and [r["id"] for r in config["reports"]] == [rid]
    assert f'href="/reports/{rid}"' in html
    assert client.get(f"/api/v1/organizations/{oid}").get_json()["initiatives"] == [rid]
    exported = json.loads(client.get("/export/organizations.geojson").data)
    assert oid in [f["properties"]["id"] for f in exported["features"]]
    path = tmp_path / "backup.gpkg"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    orgs = gpd.read_file(path, layer="organizations", engine="pyogrio")
    assert "لجنة سلوان" in set(orgs["name_ar"])
    # The page of the area it serves lists it, and a challenge of its category elsewhere names it
    # under "who can help", with the way to reach it.
    area_page = client.get("/areas/silwan").get_data(as_text=True)
    serving = area_page.split('id="serving-title"')[1].split("</section>")[0]
    assert f'href="/organizations/{oid}"' in serving and "لجنة سلوان" in serving
    with app.app_context():
        elsewhere = db.session.scalars(db.select(Report.id).where(
            Report.kind == "challenge", Report.status == "published", Report.category == "housing",
            Report.area != "silwan")).first()
    assert elsewhere is not None
    page = client.get(f"/reports/{elsewhere}").get_data(as_text=True)
    assert "لجنة سلوان" in page and re.search(rf"/connect/organization/{oid}(?!\d)", page)


def test_ids_no_row_can_have_are_404(client, login):
    login()
    for url in ("/organizations/99999999999999999999", "/api/v1/organizations/99999999999999999999",
                "/moderation/organizations/99999999999999999999",
                "/organizations/99999999999999999999/edit"):
        assert client.get(url).status_code == 404, url


def test_every_organization_change_bumps_the_data_version(app):
    from webapp.extensions import db
    from webapp.store.organizations import change_status, create_organization, update_organization
    from webapp.store.versioning import read_state

    with app.app_context():
        seen = [read_state().version]

        def bumped():
            db.session.remove()
            seen.append(read_state().version)
            return seen[-1] > seen[-2]

        org = create_organization({"name_ar": "أ"}, user=None)
        oid = org.id
        assert bumped()
        update_organization(db.session.get(type(org), oid), {"description": "ب"}, None)
        assert bumped()
        assert update_organization(db.session.get(type(org), oid), {"description": "ب"}, None) == []
        assert not bumped()  # nothing changed, nothing bumped
        for action in ("publish", "reject", "archive"):
            change_status(db.session.get(type(org), oid), action, None, "x")
            assert bumped(), action
