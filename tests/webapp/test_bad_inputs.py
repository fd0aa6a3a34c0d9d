"""The bad-input corpus (tests/fixtures/bad/cases/*.json): refused cleanly, nothing changed.

Each case is refused with a 4xx (forms, API, exports, paths, the import page) or a non-zero exit
and one clear ``Error:`` line (``flask layers import``, ``flask reports import``), never a 500 or a
traceback; afterwards every table has the same row count and the photo and overlay folders hold
the same files. Cases marked ``literal`` are legitimate text (mathtext-like dollars, joiners, a
bidi override): accepted, and stored and shown exactly as typed. See tests/fixtures/bad/README.md.
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import SILWAN, csrf_token
from tests.fixtures.bad.make_files import build
from tests.webapp.stored import read_stored, stored_names

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"
CASES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((BAD / "cases").glob("*.json"))}
URLS = {"new_report": "/reports/new", "suggest": "/suggest", "new_organization": "/organizations/new",
        "edit": "/moderation/{id}/edit", "reject": "/moderation/{id}/reject", "login": "/auth/login",
        "progress": "/moderation/{id}/progress", "suggest_update": "/reports/{id}/suggest-update",
        "affects_us": "/reports/{id}/affects-us", "follow": "/follow?scope=area&target=silwan",
        "setup": "/auth/setup/{token}", "invitation": "/auth/invitation/{token}", "reset": "/auth/reset",
        "reset_password": "/auth/reset/{token}", "admin_invite": "/admin/users/invite",
        "admin_role": "/admin/users/{id}/role", "admin_active": "/admin/users/{id}/active",
        "site_settings": "/admin/settings", "site_demo": "/admin/demo/load",
        "site_restore": "/admin/backup/restore"}
#: The admin pages' forms (issue 18): an admin logged in; the page that holds each form.
ADMIN_FORMS = {"site_settings": "/admin/settings", "site_demo": "/admin/demo",
               "site_restore": "/admin/backup"}
VALID_SETTINGS = {"SITE_NAME_AR": "خريطة الحي", "SITE_NAME_EN": "Our Quarter", "ABOUT_AR": "", "ABOUT_EN": "",
                  "CONTACT_EMAIL": "hello@example.org", "TILE_URL": "https://tiles.example.net/{z}/{x}/{y}.png",
                  "TILE_ATTRIBUTION": "Example tiles", "MIN_PUBLIC_COUNT": "3"}
#: Targets that need an organizer logged in, and an unpublished report to act on.
ON_A_REPORT = ("edit", "reject", "progress")
#: Public forms on a published challenge (in Silwan).
ON_A_PUBLISHED_REPORT = ("suggest_update", "affects_us")
#: Valid forms of issue 21's targets (records that move).
VALID_RECORDS = {"suggest_update": {"body": "The orders were frozen.", "contact": ""},
                 "affects_us": {"area": "beit-hanina", "contact": ""},
                 "follow": {"email": "resident@example.org", "frequency": "immediate"},
                 "progress": {"state": "ongoing", "note": "A valid update."}}
VALID = {"kind": "challenge", "category": "housing", "lon": str(SILWAN[0]), "lat": str(SILWAN[1]),
         "area_name": "", "precision": "approximate", "title": "A valid title",
         "description": "A valid description.", "observed_on": "2025-05-01", "organization": "Org",
         "link": "https://example.org/", "contact": "someone@example.org"}
#: Valid forms of issue 18's targets (accounts); ``token`` is a valid link's, made by the test.
ACCOUNT_PASSWORD = "a valid battery staple"
VALID_ACCOUNTS = {"setup": {"email": "first@example.org", "password": ACCOUNT_PASSWORD,
                            "confirm": ACCOUNT_PASSWORD},
                  "invitation": {"password": ACCOUNT_PASSWORD, "confirm": ACCOUNT_PASSWORD},
                  "reset_password": {"password": ACCOUNT_PASSWORD, "confirm": ACCOUNT_PASSWORD},
                  "reset": {"email": "organizer@example.org"},
                  "admin_invite": {"email": "new@example.org", "role": "organizer"},
                  "admin_role": {"role": "admin"}, "admin_active": {"active": "0"}}
#: Forms posted to a URL that answers no GET: their CSRF token comes from this page.
FORM_PAGES = {"admin_invite": "/admin/users", "admin_role": "/admin/users", "admin_active": "/admin/users"}
CONNECT_VALID = {"sender_name": "A resident", "reply_channel": "resident@example.org",
                 "message": "A valid message."}
VALID_ORGANIZATION = {"name_ar": "جمعية الأمل", "name_en": "Al-Amal", "kind": "ngo", "areas": "silwan",
                      "categories": "housing", "description": "A valid description.",
                      "website": "https://example.org/", "public_phone": "+972 2 123 4567",
                      "public_email": "info@example.org"}


@pytest.fixture(scope="session")
def bad_files(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("bad_files"))


def snapshot(app) -> dict:
    """Row count of every table, every stored file (photos, logos, overlays) and any file on disk."""
    import sqlalchemy as sa

    from webapp.extensions import db

    with app.app_context():
        rows = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables if t.name != "stored_files"}
    # Stored files by name. An upload waiting for its confirm (``imports/``) is checked by the
    # import cases themselves (a refused one is not kept); the instance folder must hold nothing.
    files = {"stored": [n for n in stored_names(app, "") if not n.startswith("imports/")],
             "instance": sorted(str(p.relative_to(app.instance_path))
                                for p in Path(app.instance_path).rglob("*")
                                if p.is_file() and not p.name.startswith("ahya.db"))}
    return {"rows": rows, "files": files}


def connect_targets(make_org, make_report) -> dict[str, str]:
    """The request-to-connect URL of each ``to`` of the corpus (published ones and 404 ones)."""
    published = make_org("Published org", ["silwan"], ["housing"])
    pending = make_org("Pending org", ["silwan"], ["housing"], status="pending")
    initiative = make_report(kind="initiative", category="legal-aid", title="An initiative")
    hidden = make_report(kind="initiative", category="legal-aid", title="Hidden", publish=False)
    return {"organization": f"/connect/organization/{published}",
            "pending-organization": f"/connect/organization/{pending}",
            "missing-organization": "/connect/organization/999999",
            "initiative": f"/connect/initiative/{initiative}",
            "challenge": f"/connect/initiative/{make_report()}",
            "hidden-initiative": f"/connect/initiative/{hidden}"}


def post_form(client, case: dict, bad_files: Path, url: str | None = None, report_id: int | None = None,
              token: str = ""):
    url = url or URLS[case["target"]].format(id=report_id, token=token)
    valid = {"connect": CONNECT_VALID, "new_organization": VALID_ORGANIZATION, "new_report": VALID,
             "suggest": VALID, "edit": VALID, "site_settings": VALID_SETTINGS, "site_demo": {"count": "5"},
             **VALID_RECORDS, **VALID_ACCOUNTS}.get(case["target"], {})
    data = {k: v for k, v in {**valid, **case.get("fields", {})}.items() if v is not None}
    page = url.rsplit("/", 1)[0] if case["target"] == "reject" else FORM_PAGES.get(case["target"], url)
    page = ADMIN_FORMS.get(case["target"], page)
    # A 404 target has no form: take the token from another page of the same session.
    data["csrf_token"] = csrf_token(client, page if case.get("expect") != 404 else "/suggest")
    if "raw_fields" in case:
        # Bytes that are not UTF-8 can only travel in a hand-made body.
        body = "&".join(f"{quote(k)}={quote(v)}" for k, v in data.items())
        body += "".join(f"&{k}={v}" for k, v in case["raw_fields"].items())
        return client.post(url, data=body.encode("ascii"), content_type="application/x-www-form-urlencoded")
    if "file" in case:
        name = {"new_organization": "logo", "site_restore": "file"}.get(case["target"], "photo")
        data[name] = (io.BytesIO((bad_files / case["file"]).read_bytes()), case["file"])
    return client.post(url, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_refused_and_changes_nothing(app, client, runner, login, bad_files, make_org,
                                                 make_report, name):
    case = CASES[name]
    target = case["target"]
    report_id = make_report(publish=False) if target in ON_A_REPORT else None
    if target in ON_A_PUBLISHED_REPORT:
        report_id = make_report()
    if target == "follow":
        # The form exists only with a mail server; bad input never reaches sending.
        app.config["MAIL_SERVER"] = "127.0.0.1"
    if target == "export":
        make_report()  # something to draw
    if target in ("new_report", "new_organization", "reports_import_page", "page", *ON_A_REPORT):
        login()
    if target in ADMIN_FORMS:
        login("admin")
    connect_url = connect_targets(make_org, make_report)[case["to"]] if target == "connect" else None
    token, report_id = _account_target(app, case, login, report_id)
    before = snapshot(app)
    if target == "connect":
        resp = post_form(client, case, bad_files, connect_url)
        expected = 200 if case["expect"] == "honeypot" else case["expect"]
        assert resp.status_code == expected, f"{name}: {resp.status_code}"
    elif target in URLS:
        resp = post_form(client, case, bad_files, report_id=report_id, token=token)
        if case["expect"] == "no-500":  # decoded to U+FFFD and accepted (see the case's note)
            assert resp.status_code < 500, f"{name}: {resp.status_code}"
            return
        if case["expect"] == "literal":
            _assert_stored_literally(app, client, login, case, resp, report_id)
            return
        if case["expect"] == "honeypot":
            assert resp.status_code == 200, f"{name}: {resp.status_code}"
        elif case["expect"] == 404:
            assert resp.status_code == 404, f"{name}: {resp.status_code}"
        else:
            assert 400 <= resp.status_code < 500, f"{name}: {resp.status_code}"
    elif target == "api":
        resp = client.get(case["query"])
        assert resp.status_code == case["expect"], f"{name}: {resp.status_code}"
        assert resp.is_json and "error" in resp.get_json()
    elif target == "ogc":  # OGC API - Features: its exception body, never HTML
        resp = client.get(case["query"])
        assert resp.status_code == case["expect"], f"{name}: {resp.status_code}"
        assert resp.is_json and resp.get_json()["code"] and resp.get_json()["description"], name
    elif target == "api_ok":
        resp = client.get(case["query"])
        assert resp.status_code == case["expect"] and resp.get_json()["type"] == "FeatureCollection", name
    elif target == "export":
        resp = client.get(case["query"])
        if case["expect"] == "literal":
            assert resp.status_code == 200, f"{name}: {resp.status_code} {resp.get_data()[:200]!r}"
            assert resp.mimetype in ("image/png", "application/pdf", "application/geo+json"), resp.mimetype
            return
        assert resp.status_code == case["expect"], f"{name}: {resp.status_code}"
    elif target == "path":
        resp = client.get(case["query"])
        assert resp.status_code == case["expect"], f"{name}: {resp.status_code}"
    elif target == "page":  # a moderation list's ?page=, logged in
        resp = client.get(case["query"])
        assert resp.status_code == case["expect"], f"{name}: {resp.status_code}"
        assert "100000" in resp.get_data(as_text=True), name  # the message names the bound
    elif target == "open311":
        resp = client.get(case["query"])
        assert resp.status_code == case["expect"], f"{name}: {resp.status_code}"
        _assert_georeport_error(resp, case["expect"])
    elif target == "reports_import_page":
        path = bad_files / case["file"]
        resp = client.post("/reports/import", content_type="multipart/form-data", data={
            "csrf_token": csrf_token(client, "/reports/import"),
            "file": (io.BytesIO(path.read_bytes()), path.name), **case.get("fields", {})})
        if case.get("confirm"):  # rows with problems: previewed, then the confirm is refused
            assert resp.status_code == 200, f"{name}: {resp.status_code}"
            resp = _confirm_import(client, resp.get_data(as_text=True))
        assert resp.status_code == case["expect"], f"{name}: {resp.status_code}"
        assert 'id="import-error"' in resp.get_data(as_text=True), name
        # A refused upload is not kept for a preview either (a previewed one waits for its confirm).
        assert case.get("confirm") or not stored_names(app, "imports/"), name
    elif target in ("layers_import", "reports_import"):
        command = ["layers", "import"] if target == "layers_import" else ["reports", "import", "--lang", "en"]
        result = runner.invoke(args=[*command, str(bad_files / case["file"]), *case.get("args", [])])
        crashed = (AssertionError, TypeError, ValueError, KeyError)
        assert not isinstance(result.exception, crashed), result.exception
        if case["expect"] == "repaired":
            assert result.exit_code == 0, result.output
            _assert_valid_overlay(app)
            return
        assert result.exit_code != 0, f"{name} was imported: {result.output}"
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and "Traceback" not in result.output, result.output
    else:
        raise AssertionError(f"unknown target {target!r} in {name}")
    assert snapshot(app) == before, name


LAYER_CASES = sorted(n for n, c in CASES.items() if c["target"] == "layers_import")


@pytest.mark.parametrize("name", LAYER_CASES)
def test_bad_layer_files_are_refused_by_the_admin_page_too(app, client, runner, login, bad_files, name):
    """``/admin/layers`` takes the CLI's files with its rules: the same refusals, nothing stored."""
    case = CASES[name]
    login("admin")
    path = bad_files / case["file"]
    before = snapshot(app)
    # The CLI's options are the page's fields (--encoding X -> encoding=X, --force -> force=y).
    args, options = list(case.get("args", [])), {}
    while args:
        flag = args.pop(0).removeprefix("--")
        options[flag] = "y" if flag == "force" else args.pop(0)
    resp = client.post("/admin/layers?lang=en", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/admin/layers"), "color": "#7b2cbf", "weight": "2", "radius": "5",
        "order": "0", "files": [(io.BytesIO(path.read_bytes()), path.name)], **options})
    if case["expect"] == "repaired":
        assert resp.status_code == 302, f"{name}: {resp.status_code}"
        _assert_valid_overlay(app)
        return
    assert resp.status_code == 400, f"{name}: {resp.status_code}"
    page = html.unescape(resp.get_data(as_text=True))
    cli = runner.invoke(args=["layers", "import", str(path), *case.get("args", [])])
    if options:  # an option refused names the field (the page's label, the CLI's option name)
        assert "<b>" not in resp.get_data(as_text=True).split('id="layer-error"')[1].split("</p>")[0]
        assert cli.output.strip().rsplit(": ", 1)[-1] in page, (name, cli.output)
    else:
        reason = cli.output.strip().split(f"{path}: ", 1)[-1]
        assert f'<p id="layer-error">{path.name}: {reason}</p>' in page, (name, cli.output)
    assert snapshot(app) == before, name


def _account_target(app, case: dict, login, report_id):
    """For issue 18's targets: a valid link's token (or a forged one), the account acted on."""
    from webapp.extensions import db
    from webapp.store import account_links
    from webapp.store.accounts import create_user, find_user

    target, token = case["target"], ""
    if target not in VALID_ACCOUNTS:
        return token, report_id
    if target == "reset":
        app.config["MAIL_SERVER"] = "127.0.0.1"  # the form exists only with a mail server
    if target.startswith("admin_"):
        login("admin")
    with app.app_context():
        if target.startswith("admin_"):
            subject = "admin@example.org" if case.get("subject") == "self" else "subject@example.org"
            if find_user(subject) is None:
                create_user(subject, ACCOUNT_PASSWORD, role="organizer")
            report_id = find_user(subject).id
        elif target == "setup":
            token = account_links.issue_setup_link()
        elif target == "invitation":
            admin = create_user("inviter@example.org", ACCOUNT_PASSWORD, role="admin")
            token, _link = account_links.invite("invitee@example.org", "organizer", admin)
        elif target == "reset_password":
            create_user("organizer@example.org", ACCOUNT_PASSWORD, role="organizer")
            token, _link = account_links.request_reset("organizer@example.org")
        db.session.remove()
    if case.get("token") == "forged":
        token = "A" * 43
    elif case.get("token") == "short":
        token = "short"
    return token, report_id


def _assert_georeport_error(resp, code: int) -> None:
    """The GeoReport v2 error body, in the format the URL asked for."""
    import xml.etree.ElementTree as ET

    if resp.is_json:
        assert resp.get_json() == [{"code": code, "description": resp.get_json()[0]["description"]}]
        return
    root = ET.fromstring(resp.data)  # noqa: S314 - our own response
    assert root.tag == "errors" and root.findtext("error/code") == str(code), resp.data


def _confirm_import(client, preview: str):
    import re

    fields = dict(re.findall(r'name="(csrf_token|token)" type="hidden" value="([^"]+)"', preview))
    mapping = re.findall(r'<select name="map"[^>]*>.*?</select>', preview, re.S)
    chosen = [(re.search(r'<option value="([^"]*)" selected>', m) or re.search(r'value="()"', m))[1]
              for m in mapping]
    return client.post("/reports/import/confirm", data={**fields, "map": chosen, "action": "import"})


def _assert_stored_literally(app, client, login, case: dict, resp, report_id: int | None) -> None:
    """A legitimate text was accepted, stored as typed (stripped) and is shown HTML-escaped."""
    from webapp.extensions import db
    from webapp.store.models import Report

    field = case["field"]
    text = case["fields"][field].strip()
    assert resp.status_code in (200, 302), f"{case}: {resp.status_code} {resp.get_data(as_text=True)[:300]}"
    column = "reject_reason" if field == "reason" else field
    with app.app_context():
        report = db.session.get(Report, report_id) if report_id else \
            db.session.scalars(db.select(Report).order_by(Report.id.desc())).first()
        assert report is not None and getattr(report, column) == text, (case, getattr(report, column, None))
        shown_at = f"/moderation/{report.id}"
    if field != "contact":  # private, but organizers see it on the moderation page too
        if case["target"] == "suggest":
            login()
        page = client.get(shown_at).get_data(as_text=True)
        assert html.escape(text, quote=False) in page, f"{case}: not shown as typed on {shown_at}"


def _assert_valid_overlay(app) -> None:
    import geopandas as gpd

    stored = [n for n in stored_names(app, "overlays/") if n.endswith(".geojson")]
    assert len(stored) == 1
    gdf = gpd.read_file(io.BytesIO(read_stored(app, stored[0])))
    assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()


def test_the_corpus_is_big_enough_and_documented():
    assert len(CASES) >= 60
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    missing = [name for name in CASES if name not in readme]
    assert missing == [], "cases missing from tests/fixtures/bad/README.md"


def test_the_valid_organization_form_is_stored(app, client, login):
    """The control: the valid organization form the organization cases start from is accepted."""
    login()
    resp = post_form(client, {"target": "new_organization", "fields": {}}, Path("."))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]


@pytest.mark.parametrize("target", sorted(VALID_ACCOUNTS))
def test_the_valid_account_forms_are_accepted(app, client, login, target):
    """The control: issue 18's valid forms, which the account cases start from, are accepted."""
    case = {"target": target, "fields": {}}
    token, subject_id = _account_target(app, case, login, None)
    resp = post_form(client, case, Path("."), report_id=subject_id, token=token)
    assert resp.status_code in (200, 302, 303), (target, resp.status_code, resp.get_data(as_text=True)[:500])
    if target == "reset":
        assert 'id="reset-sent"' in resp.get_data(as_text=True)
    if target == "admin_invite":
        assert 'id="invitation-link"' in resp.get_data(as_text=True)


def test_the_valid_settings_and_demo_forms_are_stored(app, client, login):
    """The controls: the valid admin forms the site_settings and site_demo cases start from are accepted."""
    from webapp.extensions import db
    from webapp.store.models import Report, SiteSetting

    login("admin")
    assert post_form(client, {"target": "site_settings", "fields": {}}, Path(".")).status_code == 303
    assert post_form(client, {"target": "site_demo", "fields": {}}, Path(".")).status_code == 303
    with app.app_context():
        stored = db.session.scalars(db.select(SiteSetting)).all()
        assert len(stored) == len(VALID_SETTINGS) - 2  # the about texts are blank: defaults
        assert len(db.session.scalars(db.select(Report)).all()) == 5
