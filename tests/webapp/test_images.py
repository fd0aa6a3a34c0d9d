"""Stored images (report photos, organization logos) sent by ``webapp.web.images.send_image``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from webapp.store import photos


def stored_image(app, fmt: str = "JPEG") -> tuple[str, bytes]:
    """A real image cleaned and stored as an upload is; its name and the bytes on disk."""
    buf = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 60, 40)).save(buf, format=fmt)
    clean = photos.process(io.BytesIO(buf.getvalue()))
    path = photos.store(clean, app.config["PHOTOS_DIR"])
    return clean.name, Path(path).read_bytes()


def check_public(client, url: str, body: bytes, mimetype: str):
    resp = client.get(url)
    assert resp.status_code == 200 and resp.data == body and resp.mimetype == mimetype
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.cache_control.public and resp.cache_control.max_age == 300
    assert resp.headers["ETag"] and resp.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    return resp


def check_private(client, url: str, body: bytes):
    resp = client.get(url)
    assert resp.status_code == 200 and resp.data == body
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "private, no-store"


def test_a_published_reports_photo_and_the_moderators_copy(app, client, make_report, login):
    name, body = stored_image(app)
    make_report(photo=name)
    check_public(client, f"/photos/{name}", body, "image/jpeg")
    login()
    check_private(client, f"/moderation/photos/{name}", body)


def test_a_published_organizations_logo_and_the_moderators_copy(app, client, make_org, login):
    name, body = stored_image(app, "PNG")
    make_org("Al-Amal", ["silwan"], ["housing"], logo=name)
    check_public(client, f"/organizations/logos/{name}", body, "image/png")
    login()
    check_private(client, f"/moderation/organizations/logos/{name}", body)


@pytest.mark.parametrize("private", [False, True])
def test_a_missing_file_is_404(app, private):
    from werkzeug.exceptions import NotFound

    from webapp.web.images import send_image

    with app.test_request_context("/"), pytest.raises(NotFound):
        send_image("0" * 32 + ".jpg", private=private)
