"""The database file store: names, replace, streaming with validators, and the move of an older
Ahya's instance folders into the database (at start-up and by the migration)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import app_config
from tests.webapp.stored import read_stored, stored_names
from webapp import create_app
from webapp.extensions import db
from webapp.store import files

PHOTO = "0123456789abcdef0123456789abcdef.jpg"
TOKEN = "A" * 32


def test_put_read_replace_and_names(app):
    with app.app_context():
        info = files.put("overlays/x.json", b'{"a": 1}')
        db.session.commit()
        assert (info.content_type, info.size) == ("application/json", 8)
        assert info.sha256 == hashlib.sha256(b'{"a": 1}').hexdigest()
        assert files.read("overlays/x.json") == b'{"a": 1}'
        with pytest.raises(sa.exc.IntegrityError):  # never overwritten unless asked
            files.put("overlays/x.json", b"other")
        db.session.rollback()
        files.put("overlays/x.json", b'{"a": 2}', replace=True)
        db.session.commit()
        assert files.read("overlays/x.json") == b'{"a": 2}'
        assert files.info("overlays/x.json").sha256 == hashlib.sha256(b'{"a": 2}').hexdigest()
        for bad in ("../x", "photos/../secret_key", "other/x.jpg", "photos/", "photos/.hidden", "/photos/a"):
            with pytest.raises(ValueError):
                files.put(bad, b"x")
            assert files.read(bad) is None and files.info(bad) is None
        assert [f.name for f in files.listing("overlays/")] == ["overlays/x.json"]
        assert files.listing("photos/") == []
        # secrets.token_urlsafe names (waiting imports) may start with "-" or "_".
        for token_name in ("imports/-AxnzAanXoHPYsnjDqSV5FBp7dvcFPtb.upload", "imports/_a.json"):
            files.put(token_name, b"x")
            assert files.read(token_name) == b"x"
        db.session.rollback()


def test_sweep_removes_only_old_files_under_the_prefix(app):
    with app.app_context():
        files.put(f"imports/{TOKEN}.upload", b"old")
        files.put("photos/" + PHOTO, b"\xff\xd8keep")
        db.session.commit()
        db.session.execute(sa.update(files.StoredFile).values(created_at=dt.datetime(2020, 1, 1)))
        files.put(f"imports/{'B' * 32}.upload", b"new")
        db.session.commit()
        assert files.remove_older("imports/", files.utcnow() - dt.timedelta(hours=24)) == 1
        db.session.commit()
    assert stored_names(app, "") == [f"imports/{'B' * 32}.upload", "photos/" + PHOTO]


def test_served_with_validators_and_the_old_cache_headers(app, client, make_report):
    data = b"\xff\xd8\xff\xe0 a published photo"
    with app.app_context():
        files.put("photos/" + PHOTO, data, "image/jpeg")
        db.session.commit()
    make_report(photo=PHOTO)
    resp = client.get(f"/photos/{PHOTO}")
    assert resp.status_code == 200 and resp.data == data
    assert resp.headers["Content-Type"] == "image/jpeg"
    assert resp.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert "public" in resp.headers["Cache-Control"] and "max-age=300" in resp.headers["Cache-Control"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff" and resp.headers["Last-Modified"]
    assert client.get(f"/photos/{PHOTO}", headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    ranged = client.get(f"/photos/{PHOTO}", headers={"Range": "bytes=0-1"})
    assert ranged.status_code == 206 and ranged.data == data[:2]


def test_an_older_instance_folder_moves_into_the_database(tmp_path, db_url):
    """Files an older Ahya wrote into instance/ are adopted at start-up; the folders are renamed."""
    instance = tmp_path / "instance"
    (instance / "photos").mkdir(parents=True)
    (instance / "photos" / PHOTO).write_bytes(b"\xff\xd8 old photo")
    (instance / "photos" / "notes.txt").write_bytes(b"not ours")  # a name Ahya never wrote: left
    (instance / "layers").mkdir()
    (instance / "layers" / "gardens.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (instance / "layers" / "gardens.json").write_text(json.dumps({"title": "Gardens", "name": "gardens"}))
    (instance / "imports").mkdir()
    (instance / "imports" / f"{TOKEN}.upload").write_bytes(b"a,b\n1,2\n")
    app = create_app(app_config(instance, db_url))
    try:
        assert stored_names(app, "") == ["imports/" + TOKEN + ".upload", "overlays/gardens.geojson",
                                         "overlays/gardens.json", "photos/" + PHOTO]
        assert read_stored(app, "photos/" + PHOTO) == b"\xff\xd8 old photo"
        for name in ("photos", "layers", "imports"):
            assert not (instance / name).exists() and (instance / f"{name}.moved-to-database").is_dir()
        assert (instance / "photos.moved-to-database" / PHOTO).exists()  # nothing deleted
        from webapp.store import overlays
        with app.app_context():
            assert [m["title"] for m in overlays.listing()] == ["Gardens"]
        # Another machine's folder, adopted later: a name already stored keeps the stored bytes.
        other = tmp_path / "other"
        (other / "photos").mkdir(parents=True)
        (other / "photos" / PHOTO).write_bytes(b"\xff\xd8 a different copy")
        (other / "photos" / ("b" * 32 + ".png")).write_bytes(b"\x89PNG other machine")
        second = create_app({**app_config(other, db_url),
                             "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                             "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
        assert read_stored(app, "photos/" + PHOTO) == b"\xff\xd8 old photo"
        assert read_stored(app, "photos/" + "b" * 32 + ".png") == b"\x89PNG other machine"
        with second.app_context():
            db.engine.dispose()
    finally:
        with app.app_context():
            db.engine.dispose()


def test_the_migration_copies_the_files_in_and_the_downgrade_writes_them_back(tmp_path, db_url):
    from flask_migrate import downgrade, upgrade

    from webapp.store import MIGRATIONS

    instance = tmp_path / "instance"
    app = create_app({**app_config(instance, db_url), "AUTO_MIGRATE": False})
    try:
        with app.app_context():
            upgrade(directory=MIGRATIONS)  # (a PostgreSQL test database is a copy of a migrated one)
            downgrade(directory=MIGRATIONS, revision="b7e4a1c9d3f2")  # the revision before stored_files
            (instance / "photos").mkdir(parents=True)
            (instance / "photos" / PHOTO).write_bytes(b"\xff\xd8 migrated")
            upgrade(directory=MIGRATIONS)
            with db.engine.connect() as conn:
                row = conn.execute(sa.text("SELECT content_type, size, sha256, data FROM stored_files "
                                           "WHERE name = :n"), {"n": "photos/" + PHOTO}).one()
            assert (row[0], row[1], bytes(row[3])) == ("image/jpeg", 11, b"\xff\xd8 migrated")
            assert row[2] == hashlib.sha256(b"\xff\xd8 migrated").hexdigest()
            (instance / "photos" / PHOTO).unlink()
            downgrade(directory=MIGRATIONS, revision="b7e4a1c9d3f2")
            assert (instance / "photos" / PHOTO).read_bytes() == b"\xff\xd8 migrated"
            assert "stored_files" not in sa.inspect(db.engine).get_table_names()
            upgrade(directory=MIGRATIONS)
    finally:
        with app.app_context():
            db.engine.dispose()


def test_instance_folder_holds_no_file_of_the_app(app, client, login):
    """With SECRET_KEY set (as every test app and every production server has it), nothing is written."""
    login()
    client.get("/")
    assert [p for p in Path(app.instance_path).rglob("*")
            if p.is_file() and not p.name.startswith("ahya.db")] == []
