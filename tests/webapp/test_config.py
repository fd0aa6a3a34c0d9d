"""Settings: environment variables with safe defaults."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

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


# --- one place reads the environment, and the README lists exactly what it reads -------------

ROOT = Path(__file__).resolve().parents[2]


def readme_settings() -> dict[str, tuple[str, str]]:
    """``{variable: (default cell, meaning cell)}`` of the README's Configuration table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `([A-Z][A-Z0-9_]*)` \| (.*?) \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def test_readme_table_lists_exactly_the_settings_read_from_the_environment():
    from webapp.config import SETTINGS

    rows = readme_settings()
    assert set(rows) == set(SETTINGS), (set(rows) ^ set(SETTINGS))
    for name, (default_cell, meaning) in rows.items():
        default = SETTINGS[name][0]
        assert meaning.strip(), name
        shown = re.findall(r"`([^`]*)`", default_cell)
        if isinstance(default, bool):
            assert default_cell.startswith("on" if default else "off"), name
        elif isinstance(default, int):
            assert shown and shown[0] == str(default), (name, default_cell)
        elif name == "LAYERS_DIR":
            assert default.replace("\\", "/").endswith(shown[0]), (name, default_cell)
        elif name == "TILE_ATTRIBUTION":
            assert "OpenStreetMap" in default and "OpenStreetMap" in default_cell
        elif default == "":
            assert default_cell.startswith("empty"), (name, default_cell)
        elif default is not None:
            assert shown and shown[0] == default, (name, default_cell)


def test_nothing_else_reads_the_environment():
    """webapp/config.py is the one reader: elsewhere a setting is ``app.config[...]``."""
    readers = re.compile(r"os\.environ|os\.getenv|\bgetenv\(|environ\.get\(")
    sources = [p for folder in ("webapp", "geo") for p in (ROOT / folder).rglob("*.py")]
    found = [str(p.relative_to(ROOT)) for p in sources
             if p != ROOT / "webapp" / "config.py" and readers.search(p.read_text("utf-8"))]
    assert found == []


def test_every_setting_reaches_the_app_config(tmp_path, monkeypatch):
    values = {"MIN_PUBLIC_COUNT": ("3", 3), "CLUSTER_MAX_ZOOM": ("12", 12), "EXPORT_MAX_ROWS": ("50", 50),
              "EXPORT_MAP_MAX_ROWS": ("40", 40), "API_CACHE_ENTRIES": ("0", 0),
              "API_CACHE_BYTES": ("1_000", 1000), "EXPORT_RATE_LIMIT": ("2/minute", "2/minute"),
              "SUGGEST_RATE_LIMIT": (" 9 per day ", "9 per day"), "REQUIRE_REVIEW": ("Yes", True),
              "SESSION_COOKIE_SECURE": ("on", True), "MAX_CONTENT_LENGTH": ("4096", 4096)}
    for name, (raw, _) in values.items():
        monkeypatch.setenv(name, raw)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert {name: app.config[name] for name in values} == {name: v for name, (_, v) in values.items()}
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    monkeypatch.setenv("REQUIRE_REVIEW", "off")
    monkeypatch.setenv("CLUSTER_MAX_ZOOM", "")  # empty: the default
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["REQUIRE_REVIEW"] is False and app.config["CLUSTER_MAX_ZOOM"] == 15


@pytest.mark.parametrize(("name", "raw", "expected"), [
    ("TRUSTED_PROXIES", "two", "a whole number from 0 to 10"),
    ("TRUSTED_PROXIES", "-1", "a whole number from 0 to 10"),
    ("MIN_PUBLIC_COUNT", "0", "a whole number from 1 to 1000"),
    ("CLUSTER_MAX_ZOOM", "23", "a whole number from 0 to 22"),
    ("EXPORT_MAX_ROWS", "1e5", "a whole number of at least 1"),
    ("API_CACHE_BYTES", "64MB", "a whole number of at least 0"),
    ("REQUIRE_REVIEW", "maybe", "one of 1, true, yes, on, 0, false, no, off"),
    ("SESSION_COOKIE_SECURE", "secure", "one of 1, true, yes, on, 0, false, no, off"),
    ("SUGGEST_RATE_LIMIT", "often", "a rate such as '5 per hour'"),
    ("DEFAULT_LANGUAGE", "fr", "one of ar, en"),
])
def test_a_bad_value_stops_the_start_with_a_clear_error(tmp_path, monkeypatch, name, raw, expected):
    from webapp.config import SettingError

    monkeypatch.setenv(name, raw)
    with pytest.raises(SettingError) as caught:
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert str(caught.value) == f"bad setting {name}={raw!r}: expected {expected}"
    assert caught.value.name == name
