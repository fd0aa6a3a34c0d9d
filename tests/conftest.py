"""Shared fixtures: an app on a temporary instance folder (flaskr style)."""

from __future__ import annotations

from pathlib import Path

import pytest

from webapp import create_app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def app(tmp_path):
    instance = tmp_path / "instance"
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test",
        "TILE_URL": "https://tiles.example.test/{z}/{x}/{y}.png",
        "TILE_ATTRIBUTION": "test tiles",
    })
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
