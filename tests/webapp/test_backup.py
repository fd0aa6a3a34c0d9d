"""``flask backup`` / ``flask restore``: a round trip gives back every row, overlay and photo.

The source app is filled through the domain layer (reports of every kind, precision and status,
Arabic text, links between initiatives and challenges, audit events, a photo and an imported
overlay); the backup is restored into a second, fresh app and database, and every row of every
table is compared. Restore refuses, in one line and without changing anything, a non-empty
database, files that are not Ahya backups, and a backup that fails half-way.
"""

from __future__ import annotations

import io
import sqlite3
import stat
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import sqlalchemy as sa
from PIL import Image
from shapely.geometry import Point

from tests.conftest import make_app, postgres_database
from tests.webapp.stored import read_stored, write_photo
from webapp.extensions import db

ARABIC = "هدم منزل في سلوان — «أمر هدم» رقم ٤٢"


@pytest.fixture
def other_app(tmp_path):
    """A second app with its own instance folder and an empty database (the restore target)."""
    with postgres_database() as url, make_app(tmp_path / "other", url, SECRET_KEY="other") as app:
        yield app


def dump(app) -> dict[str, list[tuple]]:
    """Every row of every table (alembic_version and any table added later included).

    ``data_version`` is left out: a restore bumps it on purpose (test_restore_bumps_version); so
    is the point snapshot (``cache/points-…`` in stored_files), a cache that a restore rebuilds for
    its own data version (``pointcache.store_snapshot``) and that no backup carries.
    """
    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        with db.engine.connect() as conn:
            out = {t.name: [tuple(r) for r in conn.execute(
                       sa.select(t).order_by(*(list(t.primary_key.columns) or list(t.columns))))]
                   for t in meta.sorted_tables if t.name != "data_version"}
    out["stored_files"] = [row for row in out.get("stored_files", []) if not row[0].startswith("cache/")]
    return out


def files(app) -> dict[str, bytes]:
    """The stored files (photos, logos, overlays: rows of stored_files), by name; and nothing on disk."""
    with app.app_context(), db.engine.connect() as conn:
        out = {name: bytes(data) for name, data in conn.execute(
            sa.text("SELECT name, data FROM stored_files WHERE name NOT LIKE 'cache/%' ORDER BY name"))}
    on_disk = [p for p in Path(app.instance_path).rglob("*")
               if p.is_file() and not p.name.startswith("ahya.db")]
    assert on_disk == [], on_disk  # the instance folder holds no file of the app's own
    return out


def populate(app, runner, tmp_path) -> None:
    """Users, 24 reports (2 kinds × 3 precisions × 4 statuses), relations, audit log, photo, overlay."""
    import datetime as dt

    from webapp.store import photos
    from webapp.store.accounts import create_user
    from webapp.store.models import Report, User
    from webapp.store.reporting import change_status, create_report, get_area_index, update_report

    with app.app_context():
        admin = create_user("admin@example.org", "admin staple battery", role="admin",
                            display_name="مديرة الموقع")
        organizer = create_user("organizer@example.org", "correct horse battery")
        locked = create_user("locked@example.org", "locked out battery")
        locked.failed_logins, locked.active = 3, False
        locked.locked_until = dt.datetime(2026, 1, 2, 3, 4, 5, 6)  # microseconds must survive
        db.session.commit()
        index = get_area_index()
        points = [index.representative_point(s) for s in index.slugs[:5]]
        buf = io.BytesIO()
        Image.new("RGB", (40, 30), (10, 120, 60)).save(buf, format="JPEG")
        photo = photos.process(io.BytesIO(buf.getvalue()))
        photos.store(photo, app.config["PHOTOS_DIR"])
        n, challenges = 0, []
        for kind in ("challenge", "initiative"):
            for precision in ("exact", "approximate", "area"):
                for status in ("pending", "published", "rejected", "archived"):
                    n += 1
                    lon, lat = points[n % len(points)]
                    fields = {
                        "kind": kind, "category": "housing" if kind == "challenge" else "legal-aid",
                        "title": f"{n}: {ARABIC}", "description": f"{ARABIC}\nسطر ثانٍ ✓ line 2",
                        "lon": lon + 1e-4, "lat": lat - 1e-4, "precision": precision,
                        "observed_on": None if n % 3 else dt.date(2025, 5, n % 28 + 1),
                        "organization": "لجنة حي البستان" if n % 2 else "", "link": "https://example.org/ع",
                        "contact": f"+972-5{n:08d} (خاص)", "is_demo": n % 5 == 0,
                        "photo": photo.name if n == 7 else None,
                    }
                    if kind == "challenge" and n % 2:  # structured fields: JSON, Arabic, private
                        fields["fields"] = {"people_displaced": n, "stage": "demolished",
                                            "order_date": "2024-03-01", "case_number": f"ملف {n}"}
                    if kind == "initiative":
                        fields["addresses"] = challenges[:n % 3 + 1]
                        fields["addressed_categories"] = ["housing", "education"][:n % 2 + 1]
                    user = None if n % 4 == 1 else db.session.get(User, organizer.id)
                    source = "public" if user is None else "organizer"
                    report = create_report(fields, user=user, source=source, publish=False)
                    if status != "pending":
                        action = {"published": "publish", "rejected": "reject", "archived": "archive"}[status]
                        change_status(report, action, admin, "سبب الرفض: مكرر" if action == "reject" else "")
                    if kind == "challenge" and status == "published":
                        challenges.append(report.id)
        update_report(db.session.get(Report, 1), {"title": "عنوان معدّل", "precision": "exact"}, admin)
        populate_organizations(app, admin, organizer)
    gardens = tmp_path / "gardens.geojson"
    gpd.GeoDataFrame({"name_ar": ["حديقة سلوان", "حديقة شعفاط"], "area_m2": [120.5, None]},
                     geometry=[Point(35.2360, 31.7680), Point(35.2337, 31.8130)],
                     crs="EPSG:4326").to_file(gardens, engine="pyogrio")
    result = runner.invoke(args=["layers", "import", str(gardens), "--title", "حدائق مجتمعية"])
    assert result.exit_code == 0, result.output


def populate_organizations(app, admin, organizer) -> None:
    """Organizations in every status, with areas, categories, a logo, an audit log and an initiative."""
    from webapp.store import photos
    from webapp.store.models import Report, User
    from webapp.store.organizations import change_status, create_organization, update_organization

    buf = io.BytesIO()
    Image.new("RGB", (24, 24), (200, 40, 40)).save(buf, format="PNG")
    logo = photos.process(io.BytesIO(buf.getvalue()))
    photos.store(logo, app.config["PHOTOS_DIR"])
    user = db.session.get(User, organizer.id)
    for i, status in enumerate(("pending", "published", "rejected", "archived")):
        org = create_organization({"name_ar": f"لجنة حي البستان {i}" if i else "لجنة حي البستان",
                                   "name_en": f"Al-Bustan committee {i}", "kind": "community_group",
                                   "description": f"{ARABIC}\nسطر", "website": "https://example.org/ع",
                                   "public_phone": "+972 2 000 0000", "public_email": "info@example.org",
                                   "areas": ["silwan", "at-tur"][:i % 2 + 1], "categories": ["housing"],
                                   "logo": logo.name if status == "published" else None}, user=user)
        if status != "pending":
            action = {"published": "publish", "rejected": "reject", "archived": "archive"}[status]
            change_status(org, action, db.session.get(User, admin.id), "سبب" if action == "reject" else "")
    update_organization(org, {"description": "وصف معدّل"}, db.session.get(User, admin.id))
    initiative = db.session.scalars(db.select(Report).where(Report.kind == "initiative")).first()
    initiative.organization_id = 2
    db.session.commit()


def one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_round_trip_restores_every_row_overlay_and_photo(app, runner, other_app, tmp_path):
    populate(app, runner, tmp_path)
    path = tmp_path / "ahya.gpkg"
    result = runner.invoke(args=["backup", str(path), "--with-users"])
    assert result.exit_code == 0, result.output
    assert "24 reports" in result.output and "1 overlays" in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # private data: owner only

    # An ordinary GeoPackage: the exact points are a layer GIS tools read.
    layers = dict(pyogrio.list_layers(path))
    assert layers["reports"] == "Point" and "overlay_gardens" in layers and "users" in layers
    reports = gpd.read_file(path, layer="reports", engine="pyogrio")
    assert len(reports) == 24 and reports.crs.to_epsg() == 4326
    assert reports["title"].str.contains(ARABIC).sum() == 23  # report 1 was retitled

    source = dump(app)
    result = other_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    restored = dump(other_app)
    assert restored.keys() == source.keys()
    for table in source:
        assert restored[table] == source[table], table
    assert files(other_app) == files(app) and len(files(app)) == 4  # 2 overlay files, 1 photo, 1 logo
    assert len(source["organizations"]) == 4 and len(source["organization_events"]) >= 8
    assert source["organization_areas"] and source["organization_categories"]

    # Ids were kept, so new rows must continue after them (PostgreSQL: the sequences were moved).
    from webapp.store.accounts import create_user
    from webapp.store.reporting import create_report
    with other_app.app_context():
        assert create_user("new@example.org", "a new long password").id == 4
        fields = {"kind": "challenge", "category": "water", "title": "جديد", "lon": 35.2389, "lat": 31.7698,
                  "precision": "approximate"}
        assert create_report(fields, user=None, source="public", publish=False).id == 25


def test_without_users_leaves_out_password_hashes(app, runner, other_app, tmp_path):
    populate(app, runner, tmp_path)
    path = tmp_path / "no-users.gpkg"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    source = dump(app)
    secrets = [v for row in source["users"] for v in row if isinstance(v, str) and v.startswith("scrypt:")]
    assert len(secrets) == 3
    assert not any(s.encode() in path.read_bytes() for s in secrets)

    result = other_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 account(s) have no password hash" in result.output
    restored = dump(other_app)
    for table in source:
        if table != "users":
            assert restored[table] == source[table], table
    with other_app.app_context():
        users = sa.Table("users", sa.MetaData(), autoload_with=db.engine)
        names = list(users.c.keys())
    for old, new in zip(source["users"], restored["users"], strict=True):
        old, new = dict(zip(names, old, strict=True)), dict(zip(names, new, strict=True))
        assert new["password_hash"] == "" and new["session_token"] not in ("", old["session_token"])
        assert {k: v for k, v in new.items() if k not in ("password_hash", "session_token")} == \
               {k: v for k, v in old.items() if k not in ("password_hash", "session_token")}
    client = other_app.test_client()
    html = client.get("/auth/login").get_data(as_text=True)
    token = html.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    resp = client.post("/auth/login", data={"email": "admin@example.org", "password": "admin staple battery",
                                            "csrf_token": token})
    assert resp.status_code != 302  # no hash, no sign-in


def test_empty_database_round_trip(app, runner, other_app, tmp_path):
    path = tmp_path / "empty.gpkg"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    assert other_app.test_cli_runner().invoke(args=["restore", str(path)]).exit_code == 0
    assert dump(other_app) == dump(app)


def _tamper(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as con:
        con.execute(sql)
    con.close()


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00not a geopackage\xff" * 100)


def _plain_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    con.close()


def _other_geopackage(path: Path) -> None:
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(35.2, 31.7)], crs="EPSG:4326").to_file(
        path, layer="places", engine="pyogrio")


REFUSALS = {
    "garbage": (_garbage, "not a GeoPackage"),
    "plain-sqlite": (_plain_sqlite, "not a GeoPackage"),
    "other-geopackage": (_other_geopackage, "not an Ahya backup"),
    "other-format": (lambda p: _tamper(p, "UPDATE meta SET value = '99' WHERE key = 'format_version'"),
                     "backup format '99' is not supported"),
    "other-revision": (lambda p: _tamper(p, "UPDATE meta SET value = 'abc123' "
                                            "WHERE key = 'alembic_revision'"),
                       "database revision 'abc123'"),
    # The last table fails (a foreign key to a missing report): the rows and files before it must go too.
    "fails-half-way": (lambda p: _tamper(p, "UPDATE audit_events SET report_id = 999999 WHERE fid = "
                                            "(SELECT MAX(fid) FROM audit_events)"),
                       "restore failed, nothing was changed"),
    # A stored file under a name Ahya never writes (a path out of its folders): refused, nothing kept.
    "foreign-file-name": (lambda p: _tamper(p, "UPDATE stored_files SET name = '../../etc/cron.d/x' "
                                               "WHERE fid = (SELECT MAX(fid) FROM stored_files)"),
                          "not a name Ahya writes"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_restore_refuses_without_changing_anything(case, app, runner, other_app, tmp_path):
    path = tmp_path / f"{case}.gpkg"
    make, message = REFUSALS[case]
    if case in ("other-format", "other-revision", "fails-half-way", "foreign-file-name"):  # real, damaged
        populate(app, runner, tmp_path)
        assert runner.invoke(args=["backup", str(path), "--with-users"]).exit_code == 0
    make(path)
    before, before_files = dump(other_app), files(other_app)
    line = one_line_error(other_app.test_cli_runner().invoke(args=["restore", str(path)]))
    assert message in line
    assert dump(other_app) == before and files(other_app) == before_files


def test_a_failure_while_writing_files_rolls_back_the_rows(app, runner, other_app, tmp_path, monkeypatch):
    import webapp.store.backup

    populate(app, runner, tmp_path)
    path = tmp_path / "ahya.gpkg"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    real_decode, calls = webapp.store.backup._decode, []

    def failing_decode(col, value):
        if col.table.name == "stored_files" and col.name == "data":
            calls.append(1)
            if len(calls) == 3:  # the third file, after two were inserted one at a time
                raise OSError(28, "No space left on device")
        return real_decode(col, value)

    monkeypatch.setattr(webapp.store.backup, "_decode", failing_decode)
    monkeypatch.setattr(webapp.store.backup, "FILES_BATCH", 1)
    before = dump(other_app)
    line = one_line_error(other_app.test_cli_runner().invoke(args=["restore", str(path)]))
    assert "nothing was changed ([Errno 28] No space left on device)" in line and len(calls) == 3
    assert dump(other_app) == before and files(other_app) == {}  # the files inserted before are gone


def test_restore_refuses_a_non_empty_database(app, runner, tmp_path):
    populate(app, runner, tmp_path)
    path = tmp_path / "ahya.gpkg"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    before, before_files = dump(app), files(app)
    line = one_line_error(runner.invoke(args=["restore", str(path)]))
    assert "the database is not empty (3 users, 24 reports" in line
    assert dump(app) == before and files(app) == before_files


def test_restore_bumps_the_data_version(app, runner, other_app, tmp_path, make_report):
    make_report()
    path = tmp_path / "v.gpkg"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    with app.app_context():
        from webapp.store.versioning import current_data_version

        before = current_data_version()
    assert other_app.test_cli_runner().invoke(args=["restore", str(path)]).exit_code == 0
    with other_app.app_context():
        after = current_data_version()
    # A client holding validators from after the backup must not get 304 for restored data.
    assert (after.version, after.changed_at) != (before.version, before.changed_at)
    assert after.version > before.version


def test_requests_to_connect_round_trip(app, runner, other_app, tmp_path, make_org, make_report):
    """Requests to connect are private data: in the backup (never in exports), back exactly."""
    import datetime as dt

    from webapp.store.models import ConnectRequest

    org = make_org("Silwan Legal Aid", ["silwan"], ["housing"], public_email="org@example.org")
    initiative = make_report(kind="initiative", category="legal-aid", title="مكتب الإسكان")
    with app.app_context():
        db.session.add_all([
            ConnectRequest(organization_id=org, sender_name="أم خالد", reply_channel="+970 59 000 0000",
                           message=f"{ARABIC}\nسطر ثان", status="read",
                           forwarded_at=dt.datetime(2026, 11, 2, 9, 30, 15, 123456)),
            ConnectRequest(report_id=initiative, sender_name="Youth group", reply_channel="youth@example.net",
                           message="Can we meet?", status="new"),
        ])
        db.session.commit()
    path = tmp_path / "connect.gpkg"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 connect requests" in result.output
    source = dump(app)
    assert len(source["connect_requests"]) == 2
    result = other_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    restored = dump(other_app)
    for table in ("connect_requests", "organizations", "organization_areas", "organization_categories"):
        assert restored[table] == source[table], table
    # A database holding requests to connect is not empty: restore never merges into it.
    line = one_line_error(other_app.test_cli_runner().invoke(args=["restore", str(path)]))
    assert "2 connect_requests" in line


def test_records_that_move_round_trip(app, runner, other_app, tmp_path, make_report, make_user):
    """Updates (with their photo), signals, followers' private addresses and the delivery log:
    in the backup, back exactly (ids, claims and sent times kept, so nothing is sent twice)."""
    import datetime as dt

    from webapp.store import affected, updates
    from webapp.store.lifecycle import set_state
    from webapp.store.models import AlertDelivery, Report, Subscription, User

    rid = make_report(title=ARABIC)
    uid = make_user()
    photo = "ab" * 16 + ".jpg"
    write_photo(app, photo, b"\xff\xd8 an update photo")
    with app.app_context():
        report, user = db.session.get(Report, rid), db.session.get(User, uid)
        update = set_state(report, "ongoing", user, f"{ARABIC}\nسطر ثان", photo, dt.date(2026, 10, 30))
        updates.suggest_update(report, "Suggested", "+970 59 000 0000", dt.date(1967, 6, 5))
        affected.add_signal(report, "beit-hanina", "private@example.net")
        sub = Subscription(email="hind@example.net", scope="area", target="silwan", lang="ar",
                           frequency="weekly", token="t" * 43,
                           confirmed_at=dt.datetime(2026, 11, 2, 9, 30, 15, 123456))
        db.session.add(sub)
        db.session.flush()
        db.session.add(AlertDelivery(subscription_id=sub.id, item=f"update:{update.id}", batch="b" * 32,
                                     sent_at=dt.datetime(2026, 11, 3, 8, 0, 0, 1)))
        db.session.commit()
    path = tmp_path / "records.gpkg"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 report updates" in result.output and "1 subscriptions" in result.output
    source = dump(app)
    result = other_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    restored = dump(other_app)
    for table in ("reports", "report_updates", "affected_areas", "subscriptions", "alert_deliveries"):
        assert source[table] and restored[table] == source[table], table
    assert read_stored(other_app, f"photos/{photo}") == b"\xff\xd8 an update photo"
    # The date of the event (a DATE column) comes back as the same day, not shifted or dropped.
    with other_app.app_context():
        from webapp.store.models import ReportUpdate
        days = sorted((u.source, u.happened_on) for u in db.session.scalars(db.select(ReportUpdate)))
    assert days == [("organizer", dt.date(2026, 10, 30)), ("public", dt.date(1967, 6, 5))]
