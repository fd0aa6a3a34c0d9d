"""Settings: environment variables with safe defaults."""

from __future__ import annotations

import os
import stat

from webapp import create_app


def test_secret_key_generated_once_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32


def test_defaults(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "TILE_URL", "TILE_ATTRIBUTION", "DEFAULT_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'ahya.db'}"
    assert app.config["TILE_URL"].startswith("https://tile.openstreetmap.org/")
    assert "OpenStreetMap" in app.config["TILE_ATTRIBUTION"]
    assert app.config["DEFAULT_LANGUAGE"] == "ar"


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("TILE_URL", "https://tiles.local/{z}/{x}/{y}.png")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-env"
    html = app.test_client().get("/").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert "https://tiles.local/{z}/{x}/{y}.png" in html


def test_bad_default_language_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("DEFAULT_LANGUAGE", "fr")
    try:
        create_app({"INSTANCE_PATH": str(tmp_path)})
    except ValueError as exc:
        assert "DEFAULT_LANGUAGE" in str(exc)
    else:
        raise AssertionError("DEFAULT_LANGUAGE=fr was accepted")


def test_trusted_proxy_setting(tmp_path, monkeypatch):
    from werkzeug.middleware.proxy_fix import ProxyFix

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert isinstance(app.wsgi_app, ProxyFix)
    monkeypatch.delenv("TRUSTED_PROXIES")
    assert not isinstance(create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}).wsgi_app, ProxyFix)


def test_long_lived_objects_are_frozen_once(app):
    """Full garbage collections skip the libraries' objects (API p95 without 60 ms pauses)."""
    import gc

    from webapp import create_app

    frozen = gc.get_freeze_count()
    assert frozen > 50_000
    create_app({"TESTING": True, "INSTANCE_PATH": app.instance_path, "SECRET_KEY": "x"})
    assert gc.get_freeze_count() == frozen  # once per process: later apps stay collectable
