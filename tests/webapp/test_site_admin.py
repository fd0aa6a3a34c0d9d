"""The admin pages of issue 18 item 5: backups, demo data, site settings, the test e-mail.

Checked on real outputs: the downloaded file is restored into a second empty app and the rows
compared; a refused restore leaves every row as it was; a saved setting shows in the rendered
pages, the map's tile layer and the CSP, and in a second app on the same database without a
restart; the test e-mail reaches a real SMTP server (aiosmtpd on 127.0.0.1) or names the error.
"""

from __future__ import annotations

import re
import socket

import pytest
import sqlalchemy as sa

from tests.conftest import ADMIN, csrf_token, make_app, postgres_database
from tests.webapp.test_backup import dump, files, populate
from webapp.extensions import db


@pytest.fixture
def other_app(tmp_path):
    """A second app with its own instance folder and an empty database (the restore target)."""
    with postgres_database() as url, make_app(tmp_path / "other", url, SECRET_KEY="other") as app:
        yield app


def _admin_client(app, email=ADMIN[0], password=ADMIN[1]):
    """A client of ``app`` signed in as an admin (made if missing)."""
    from webapp.store.accounts import create_user
    from webapp.store.models import User

    with app.app_context():
        if db.session.scalar(sa.select(User).where(User.email == email)) is None:
            create_user(email, password, role="admin")
    client = app.test_client()
    token = csrf_token(client, "/auth/login")
    resp = client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})
    assert resp.status_code == 302
    return client


def _download(client, with_users=False) -> bytes:
    token = csrf_token(client, "/admin/backup")
    data = {"csrf_token": token}
    if with_users:
        data["with_users"] = "y"
    resp = client.post("/admin/backup/download", data=data)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/geopackage+sqlite3"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.get_data()


def _upload(client, data: bytes, name="backup.gpkg"):
    import io

    token = csrf_token(client, "/admin/backup")
    return client.post("/admin/backup/restore", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _confirm(client, html: str, confirm=True):
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    pending = re.search(r'name="token"[^>]*value="([^"]+)"', html).group(1)
    data = {"csrf_token": token, "token": pending}
    if confirm:
        data["confirm"] = "y"
    return client.post("/admin/backup/restore/confirm?lang=en", data=data)


def _without_site_tables(rows: dict) -> dict:
    return {k: v for k, v in rows.items() if k not in ("users", "site_events")}


# --- backups -----------------------------------------------------------------------------------


def test_downloaded_backup_restores_into_a_second_empty_app(app, runner, other_app, tmp_path):
    populate(app, runner, tmp_path)
    client = _admin_client(app)
    data = _download(client, with_users=True)
    with app.app_context():
        from webapp.store import sitesettings

        assert sitesettings.last_backup() is not None
    source = dump(app)

    # The second instance was set up with its own admin: accounts do not make it "not empty".
    other = _admin_client(other_app, "restorer@example.org", "restorer staple battery")
    resp = _upload(other, data)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:800]
    html = resp.get_data(as_text=True)
    assert 'id="backup-counts"' in html and ">24<" in html  # the 24 reports, before anything changes
    assert dump(other_app)["reports"] == []
    resp = _confirm(other, html)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:800]
    restored = dump(other_app)
    for table in source:
        if table not in ("users", "site_events", "site_settings"):
            assert restored[table] == source[table], table
    assert files(other_app) == files(app)
    # Every account of the backup, plus the admin who restored (kept, still signed in).
    emails = {r[1] for r in restored["users"]}
    assert emails == {r[1] for r in source["users"]} | {"restorer@example.org"}
    assert other.get("/admin/backup").status_code == 200
    # The backup's own accounts sign in with their passwords (hashes were included).
    _admin_client(other_app)
    with other_app.app_context():
        from webapp.store.models import SiteEvent

        assert "restore" in {e.action for e in db.session.scalars(sa.select(SiteEvent))}


def test_the_admin_page_writes_the_same_file_as_flask_backup(app, runner, tmp_path, make_report):
    make_report()
    client = _admin_client(app)
    data = _download(client)
    path = tmp_path / "web.gpkg"
    path.write_bytes(data)
    cli = tmp_path / "cli.gpkg"
    assert runner.invoke(args=["backup", str(cli)]).exit_code == 0
    import sqlite3

    def tables(p):
        with sqlite3.connect(p) as con:
            out = {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]  # noqa: S608 (its own names)
                   for (n,) in con.execute("SELECT table_name FROM gpkg_contents")}
        con.close()
        return out
    # The admin log and the last backup time differ by the second backup only.
    site = ("site_events", "site_settings")
    assert {k: v for k, v in tables(path).items() if k not in site} == \
        {k: v for k, v in tables(cli).items() if k not in site}
    # Without --with-users: no password hash in the file, as the CLI's default.
    with app.app_context():
        from webapp.store.models import User

        hashes = [u.password_hash for u in db.session.scalars(sa.select(User))]
    assert hashes and not any(h.encode() in data for h in hashes)


def test_restore_is_refused_into_a_non_empty_instance(app, make_report):
    make_report()
    client = _admin_client(app)
    data = _download(client)
    before = dump(app)
    resp = _upload(client, data)
    assert resp.status_code == 400
    assert "the database is not empty (1 reports" in resp.get_data(as_text=True)
    assert _without_site_tables(dump(app)) == _without_site_tables(before)


def test_restore_refuses_a_bad_file_and_changes_nothing(app):
    client = _admin_client(app)
    before = dump(app)
    resp = _upload(client, b"\x00not a geopackage" * 50)
    assert resp.status_code == 400
    assert "not a GeoPackage" in resp.get_data(as_text=True)
    resp = _upload(client, b"")
    assert resp.status_code == 400
    assert dump(app) == before


def test_restore_needs_the_confirmation(app, other_app, make_report):
    make_report()
    data = _download(_admin_client(app))
    other = _admin_client(other_app, "restorer@example.org", "restorer staple battery")
    html = _upload(other, data).get_data(as_text=True)
    before = dump(other_app)
    resp = _confirm(other, html, confirm=False)
    assert resp.status_code == 400 and "Nothing was restored" in resp.get_data(as_text=True)
    assert dump(other_app) == before
    # Another admin cannot confirm someone else's upload (the token is tied to who sent it).
    second = _admin_client(other_app, "second@example.org", "second staple battery")
    pending = re.search(r'name="token"[^>]*value="([^"]+)"', html).group(1)
    resp = second.post("/admin/backup/restore/confirm?lang=en", data={
        "csrf_token": csrf_token(second, "/admin/backup"), "token": pending, "confirm": "y"})
    assert resp.status_code == 400 and "no longer available" in resp.get_data(as_text=True)
    assert dump(other_app)["reports"] == []


def test_last_backup_time_is_shown_and_the_cli_records_it(app, runner, tmp_path):
    client = _admin_client(app)
    assert 'id="last-backup"' in client.get("/admin/backup?lang=en").get_data(as_text=True)
    assert "never" in client.get("/admin/backup?lang=en").get_data(as_text=True)
    assert runner.invoke(args=["backup", str(tmp_path / "b.gpkg")]).exit_code == 0
    html = client.get("/admin/backup?lang=en").get_data(as_text=True)
    assert "never" not in html.split('id="last-backup"', 1)[1].split("</p>", 1)[0]
    assert "Jerusalem time" in html or "بتوقيت القدس" in html


# --- demo data ---------------------------------------------------------------------------------


def test_demo_load_and_clear_with_counts(app, make_report):
    real = make_report()
    client = _admin_client(app)
    token = csrf_token(client, "/admin/demo")
    resp = client.post("/admin/demo/load", data={"csrf_token": token, "count": "12"})
    assert resp.status_code == 303
    html = client.get("/admin/demo?lang=en").get_data(as_text=True)
    assert "Demo reports: 12" in html
    with app.app_context():
        from webapp.store.models import Report

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(Report.is_demo)) == 12
    # Not confirmed: nothing removed.
    resp = client.post("/admin/demo/clear", data={"csrf_token": token})
    assert resp.status_code == 400
    resp = client.post("/admin/demo/clear", data={"csrf_token": token, "confirm": "y"})
    assert resp.status_code == 303
    assert "Demo reports: 0" in client.get("/admin/demo?lang=en").get_data(as_text=True)
    with app.app_context():
        from webapp.store.models import Report, SiteEvent

        assert [r.id for r in db.session.scalars(sa.select(Report))] == [real]
        assert {"demo-load", "demo-clear"} <= {e.action for e in db.session.scalars(sa.select(SiteEvent))}


@pytest.mark.parametrize("count", ["0", "2001", "abc", "", "1e3"])
def test_demo_load_refuses_bad_counts(app, count):
    client = _admin_client(app)
    token = csrf_token(client, "/admin/demo")
    resp = client.post("/admin/demo/load", data={"csrf_token": token, "count": count})
    assert resp.status_code == 400
    assert "Demo reports: 0" in client.get("/admin/demo?lang=en").get_data(as_text=True)


# --- settings ----------------------------------------------------------------------------------

GOOD = {"SITE_NAME_AR": "خريطة الحي", "SITE_NAME_EN": "Our Quarter", "ABOUT_AR": "نحن مجموعة من الجيران.",
        "ABOUT_EN": "We are a group of neighbours.\n\nSecond paragraph.",
        "CONTACT_EMAIL": "hello@example.org", "TILE_URL": "https://{s}.tiles.example.net/base/{z}/{x}/{y}.png",
        "TILE_ATTRIBUTION": '&copy; <a href="https://example.net/">Example tiles</a>',
        "MIN_PUBLIC_COUNT": "3"}


def _save(client, values: dict):
    token = csrf_token(client, "/admin/settings")
    return client.post("/admin/settings", data={"csrf_token": token, **values})


def test_env_defaults_are_shown_when_nothing_is_stored(app):
    client = _admin_client(app)
    html = client.get("/admin/settings?lang=en").get_data(as_text=True)
    assert "Default: https://tiles.example.test/{z}/{x}/{y}.png" in html  # the test app's TILE_URL
    assert "Default: test tiles" in html and "Default: Ahya" in html
    page = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert "tiles.example.test" in page and ">Ahya</span>" in page


def test_saved_settings_show_in_pages_maps_csp_and_counts(app, make_report):
    client = _admin_client(app)
    resp = _save(client, GOOD)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
    visitor = app.test_client()
    about = visitor.get("/about?lang=en")
    html = about.get_data(as_text=True)
    assert "About Our Quarter" in html and "We are a group of neighbours." in html
    assert "<p>Second paragraph.</p>" in html and 'href="mailto:hello@example.org"' in html
    assert '<a href="https://example.net/">Example tiles</a>' in html
    home = visitor.get("/?lang=en").get_data(as_text=True)
    assert '<meta property="og:site_name" content="Our Quarter">' in home
    assert '<span class="brand-ar" lang="ar">خريطة الحي</span>' in home
    assert "نحن مجموعة من الجيران." in visitor.get("/about?lang=ar").get_data(as_text=True)
    # The map page's tile layer and the CSP follow the setting.
    page = visitor.get("/?lang=en")
    assert "https://{s}.tiles.example.net/base/{z}/{x}/{y}.png" in page.get_data(as_text=True)
    assert "Example tiles" in page.get_data(as_text=True)  # the tile layer's attribution
    csp = page.headers["Content-Security-Policy"]
    assert "https://*.tiles.example.net" in csp and "tiles.example.test" not in csp
    # Small-count suppression: one report in Silwan is published as "<3".
    report = make_report()
    report_page = visitor.get(f"/reports/{report}").get_data(as_text=True)  # its small map too
    assert "tiles.example.net" in report_page and "tiles.example.test" not in report_page
    areas = visitor.get("/api/v1/areas").get_json()
    silwan = next(f for f in areas["features"] if f["properties"]["slug"] == "silwan")
    assert silwan["properties"]["challenges"] == "<3"
    # Audited.
    with app.app_context():
        from webapp.store.models import SiteEvent

        event = db.session.scalars(sa.select(SiteEvent).where(SiteEvent.action == "settings")).one()
        assert "TILE_URL" in event.detail and "MIN_PUBLIC_COUNT" in event.detail


def test_a_second_app_server_sees_the_change_without_restart(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with make_app(tmp_path / "second", url) as second:
        visitor = second.test_client()
        assert "Our Quarter" not in visitor.get("/about?lang=en").get_data(as_text=True)
        assert _save(_admin_client(app), GOOD).status_code == 303
        assert "About Our Quarter" in visitor.get("/about?lang=en").get_data(as_text=True)
        assert "tiles.example.net" in visitor.get("/").headers["Content-Security-Policy"]
        # Blank again: the environment's values come back everywhere.
        assert _save(_admin_client(app), {}).status_code == 303
        assert "About Our Quarter" not in visitor.get("/about?lang=en").get_data(as_text=True)
        assert "tiles.example.test" in visitor.get("/?lang=en").get_data(as_text=True)


BAD_SETTINGS = {
    "TILE_URL": ["http://tiles.example.net/{z}/{x}/{y}.png", "https://tiles.example.net/{z}/{x}.png",
                 "https://tiles.example.net;script-src *;/{z}/{x}/{y}.png", "javascript:alert(1)//{z}{x}{y}",
                 "https://tiles.example.net/{z}/{x}/{y}.png\"onerror", "https://{q}.x.net/{z}/{x}/{y}",
                 "https://x.net/{z}/{x}/{y}/{evil}.png", "https://x.net/{z}/{x}/{y} .png"],
    "TILE_ATTRIBUTION": ['<script>alert(1)</script>', '<a href="javascript:alert(1)">x</a>',
                         '<img src=x onerror=alert(1)>', '<a href="https://x" onclick="y">x</a>', "<a href='https://x'>open",
                         # A tag left open at the end passed as text; the browser reads it as a tag.
                         '<a href="https://x">t</a><img src=x onerror=alert(1)',
                         "tiles <meta http-equiv=refresh content=0;url=https://evil.example",
                         'tiles <a href="https://x"', "tiles <!x"],
    "CONTACT_EMAIL": ["not-an-email", "a@b", "x@example.org\nBcc: y@example.org"],
    "MIN_PUBLIC_COUNT": ["0", "1001", "-1", "2.5", "١٢", "abc"],
    "SITE_NAME_EN": ["x" * 81, "line\nbreak", "nul\x00byte"],
    "ABOUT_AR": ["ن" * 4001, "bell\x07"],
}


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, vs in BAD_SETTINGS.items() for v in vs])
def test_bad_settings_are_refused_and_nothing_is_stored(app, name, value):
    client = _admin_client(app)
    resp = _save(client, {**GOOD, name: value})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert f'id="{name}-error"' in html
    with app.app_context():
        from webapp.store.models import SiteSetting

        assert db.session.scalars(sa.select(SiteSetting)).all() == []


def test_stored_settings_are_checked_again_when_read(app):
    # A restore writes the backup's site_settings rows as they are: a hand-made (or an older,
    # laxer) backup must not bring in what the settings page refuses, nor break every page.
    import json

    from webapp.store.models import SiteSetting
    from webapp.store.versioning import bump_data_version

    stored = {"TILE_ATTRIBUTION": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
              "TILE_URL": "https://tiles.evil.example;script-src 'unsafe-inline'/{z}/{x}/{y}.png",
              "MIN_PUBLIC_COUNT": "abc", "SITE_NAME_EN": "Restored Quarter"}
    with app.app_context():
        db.session.add_all(SiteSetting(key=k, value=json.dumps(v)) for k, v in stored.items())
        db.session.add(SiteSetting(key="CONTACT_EMAIL", value="{not json"))
        bump_data_version()
        db.session.commit()
    visitor = app.test_client()
    for path in ("/about?lang=en", "/?lang=en", "/api/v1/areas"):
        resp = visitor.get(path)
        assert resp.status_code == 200, path
        assert "evil.example" not in resp.get_data(as_text=True), path
        assert "evil.example" not in resp.headers["Content-Security-Policy"], path
    assert "Restored Quarter" in visitor.get("/about?lang=en").get_data(as_text=True)  # the good one stays


# --- the test e-mail ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_test_mail_reaches_a_real_smtp_server(tmp_path):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with make_app(tmp_path / "mail", None, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                      MAIL_DEFAULT_SENDER="ahya@example.org") as app:
            client = _admin_client(app)
            token = csrf_token(client, "/admin/settings")
            resp = client.post("/admin/settings/test-mail?lang=en", data={"csrf_token": token,
                                                                          "to": "me@example.org"})
            html = resp.get_data(as_text=True)
            assert resp.status_code == 200
            assert "The test e-mail was sent to me@example.org." in html
    finally:
        controller.stop()
    assert len(received) == 1 and received[0].rcpt_tos == ["me@example.org"]
    assert b"Test e-mail from Ahya" in received[0].content


def test_test_mail_names_a_refused_connection(tmp_path):
    port = _free_port()  # nothing listens there
    with make_app(tmp_path / "mail", None, MAIL_SERVER="127.0.0.1", MAIL_PORT=port) as app:
        client = _admin_client(app)
        token = csrf_token(client, "/admin/settings")
        resp = client.post("/admin/settings/test-mail?lang=en", data={"csrf_token": token, "to": ""})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200
        assert f"The mail server 127.0.0.1:{port} refused the connection" in html
        with app.app_context():
            from webapp.store.models import SiteEvent

            assert [(e.action, e.detail) for e in db.session.scalars(sa.select(SiteEvent))] == \
                [("test-mail", "failed")]


def test_test_mail_names_a_refused_login(tmp_path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    def deny(server, session, envelope, mechanism, auth_data):  # aiosmtpd reads this signature
        return AuthResult(success=False, handled=False)

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, auth_require_tls=False,
                            authenticator=deny)
    controller.start()
    try:
        with make_app(tmp_path / "mail", None, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                      MAIL_USERNAME="ahya", MAIL_PASSWORD="wrong") as app:
            client = _admin_client(app)
            token = csrf_token(client, "/admin/settings")
            resp = client.post("/admin/settings/test-mail?lang=en", data={"csrf_token": token, "to": ""})
            html = resp.get_data(as_text=True)
            assert "refused the user name or password" in html
    finally:
        controller.stop()


def test_test_mail_without_a_mail_server_says_so(app):
    client = _admin_client(app)
    token = csrf_token(client, "/admin/settings")
    html = client.post("/admin/settings/test-mail?lang=en", data={"csrf_token": token, "to": ""}).get_data(
        as_text=True)
    assert "No mail server is set" in html


def test_organizers_get_403_on_every_admin_page(client, login):
    login("organizer")
    for url in ("/admin/backup", "/admin/demo", "/admin/settings"):
        assert client.get(url).status_code == 403
    token = csrf_token(client, "/reports/new")
    for url in ("/admin/backup/download", "/admin/backup/restore", "/admin/backup/restore/confirm",
                "/admin/demo/load", "/admin/demo/clear", "/admin/settings", "/admin/settings/test-mail"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403
