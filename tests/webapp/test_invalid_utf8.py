"""Invalid UTF-8 in form fields is refused with a message, not stored as U+FFFD or as "%FF"."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.webapp.xss_helpers import report_form

INVALID_TEXT = "This field contains characters that are not valid text."


def _count_reports(app) -> int:
    from webapp.extensions import db
    from webapp.store.models import Report

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Report))


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
@pytest.mark.parametrize("url", ["/reports/new", "/suggest"])
def test_invalid_utf8_in_a_form_is_refused_with_a_message(app, client, login, url, encoding):
    client.get("/?lang=en")  # the message is checked in English
    from urllib.parse import quote

    login()
    before = _count_reports(app)
    data = {**report_form("A valid title"), "link": "https://example.org/",
            "csrf_token": csrf_token(client, url)}
    if encoding == "urlencoded":
        body = "&".join(f"{quote(k)}={quote(v)}" for k, v in data.items() if k != "organization")
        resp = client.post(url, data=(body + "&organization=Org%FF%FEname").encode("ascii"),
                           content_type="application/x-www-form-urlencoded")
    else:
        boundary = "xssboundary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
                 + (b"Org\xff\xfename" if k == "organization" else v.encode()) + b"\r\n"
                 for k, v in data.items()]
        resp = client.post(url, data=b"".join(parts) + f"--{boundary}--\r\n".encode(),
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 400, f"{url} ({encoding}): {resp.status_code}"
    assert INVALID_TEXT in resp.get_data(as_text=True), f"{url} ({encoding}): no message"
    assert _count_reports(app) == before


def test_invalid_utf8_in_a_reject_reason_is_refused(app, client, login, make_report):
    client.get("/?lang=en")  # the message is checked in English
    login()
    report_id = make_report(publish=False)
    token = csrf_token(client, f"/moderation/{report_id}")
    resp = client.post(f"/moderation/{report_id}/reject",
                       data=f"csrf_token={token}&reason=bad%C0%AFbytes".encode("ascii"),
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400 and INVALID_TEXT in resp.get_data(as_text=True)
    with app.app_context():
        from webapp.extensions import db
        from webapp.store.models import Report

        assert db.session.get(Report, report_id).status == "pending"


def test_percent_signs_typed_by_people_are_kept(app, client, login):
    # "%FF" typed in a form travels as "%25FF": it is text, not an invalid byte.
    login()
    data = {**report_form("50%FF discount"), "link": "https://example.org/caf%E9",
            "csrf_token": csrf_token(client, "/reports/new")}
    resp = client.post("/reports/new", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
