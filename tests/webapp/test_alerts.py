"""Following by e-mail: double opt-in, what is sent (once), resume after a failure, digests, privacy.

Every mail goes through a real SMTP server on 127.0.0.1 (aiosmtpd); ``flask alerts send`` runs
through the CLI runner, as cron would run it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import SILWAN, csrf_token, make_app
from tests.mail import Sink, free_port
from tests.webapp.test_records_that_move import html_of, messages, path_of, text_of
from webapp.extensions import db
from webapp.store.models import AlertDelivery, Subscription


def start_smtp(port: int):
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, sink


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def smtp(port):
    controller, sink = start_smtp(port)
    yield sink
    controller.stop()


def mail_settings(port, **extra) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_DEFAULT_SENDER": "ahya@example.org",
            "PUBLIC_URL": "https://ahya.example", **extra}


@pytest.fixture
def mail_app(tmp_path, db_url, port):
    with make_app(tmp_path / "instance", db_url, **mail_settings(port)) as app:
        yield app


def report(app, publish=True, **fields) -> int:
    from webapp.store.reporting import create_report

    data = {
        "kind": "challenge",
        "category": "housing",
        "title": "Demolition order",
        "description": "Orders.",
        "lon": SILWAN[0],
        "lat": SILWAN[1],
        "precision": "approximate",
    }
    data.update(fields)
    with app.app_context():
        return create_report(data, user=None, source="organizer", publish=publish).id


def subscribe(
    app,
    email="hind@example.net",
    scope="area",
    target="silwan",
    frequency="immediate",
    confirmed=True,
    lang="en",
) -> int:
    """A subscription through the store (the form is tested in test_records_that_move)."""
    from webapp.store import alerts

    with app.app_context(), app.test_request_context():
        sub = alerts.subscribe(email, scope, target, lang, frequency)
        if confirmed:
            alerts.confirm(sub)
        return sub.id


def set_state(app, report_id, state, note=""):
    from webapp.store.accounts import create_user
    from webapp.store.lifecycle import set_state as store_set_state
    from webapp.store.models import Report, User

    with app.app_context():
        user = db.session.scalars(db.select(User)).first() or create_user(
            "org@example.org", "a long password", role="organizer"
        )
        store_set_state(db.session.get(Report, report_id), state, user, note)


def send(app):
    result = app.test_cli_runner().invoke(args=["alerts", "send"])
    return result


def alerts_of(sink) -> list:
    return [m for m in messages(sink) if "confirm" not in m["Subject"].lower()]


def test_run_twice_sends_once_and_a_failed_run_is_resumed_without_duplicates(mail_app, port):
    app = mail_app
    rid = report(app)
    # The mail server is down for the confirmation and the first run.
    subscribe(app)
    set_state(app, rid, "ongoing", "The appeal is heard.")
    result = send(app)
    assert result.exit_code == 1 and "1 failed" in result.output, result.output
    with app.app_context():
        claimed = db.session.scalars(db.select(AlertDelivery)).all()
        assert [(d.item.split(":")[0], d.sent_at) for d in claimed] == [("update", None)]
    controller, sink = start_smtp(port)
    try:
        # New content between the runs: the claimed batch is finished first, the rest after.
        set_state(app, rid, "resolved", "Frozen by the court.")
        result = send(app)
        assert result.exit_code == 0 and "1 batches resumed" in result.output, result.output
        first, second = alerts_of(sink)
        assert "The appeal is heard." in text_of(first) and "Frozen by the court." not in text_of(first)
        assert "Frozen by the court." in text_of(second) and "Resolved" in text_of(second)
        assert first["Message-ID"] != second["Message-ID"]
        for _run in range(2):
            assert send(app).exit_code == 0
        assert len(alerts_of(sink)) == 2
        with app.app_context():
            assert all(d.sent_at for d in db.session.scalars(db.select(AlertDelivery)))
    finally:
        controller.stop()


def test_only_confirmed_followers_get_only_what_is_published_after_confirming(mail_app, smtp):
    app, sink = mail_app, smtp
    before = report(app, title="Before confirming")
    subscribe(app, email="confirmed@example.net")
    subscribe(app, email="unconfirmed@example.net", confirmed=False)
    subscribe(app, email="elsewhere@example.net", target="beit-hanina")
    pending = report(app, publish=False, title="Pending report")
    new = report(app, title="After confirming")
    from webapp.store import updates
    from webapp.store.models import Report

    with app.app_context():
        updates.suggest_update(db.session.get(Report, before), "A suggested update, not reviewed")
    assert send(app).exit_code == 0
    mails = alerts_of(sink)
    assert [m["To"] for m in mails] == ["confirmed@example.net"]
    body = text_of(mails[0])
    assert "After confirming" in body and f"/reports/{new}" in body
    assert "Before confirming" not in body and "Pending report" not in body and "not reviewed" not in body
    assert f"/reports/{pending}" not in body
    # Unsubscribe headers (RFC 8058) and both parts, in the follower's language.
    assert mails[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert 'dir="ltr"' in html_of(mails[0]) and "After confirming" in html_of(mails[0])


def test_a_rejected_update_and_an_unpublished_report_never_go_out(mail_app, smtp):
    app, sink = mail_app, smtp
    rid = report(app)
    subscribe(app, scope="report", target=str(rid))
    from webapp.store import updates
    from webapp.store.accounts import create_user
    from webapp.store.models import Report
    from webapp.store.reporting import change_status

    with app.app_context():
        user = create_user("org@example.org", "a long password", role="organizer")
        suggestion = updates.suggest_update(db.session.get(Report, rid), "Suggested and rejected")
        updates.review_update(suggestion, "reject", user, "spam")
    set_state(app, rid, "ongoing", "Published, then the report is archived")
    with app.app_context():
        change_status(db.session.get(Report, rid), "archive", db.session.get(type(user), 1))
    assert send(app).exit_code == 0
    assert alerts_of(sink) == []


def test_weekly_digest_gathers_a_week_in_one_mail(mail_app, smtp):
    from webapp.store import alerts
    from webapp.store.models import utcnow

    app, sink = mail_app, smtp
    subscribe(app, scope="category", target="housing", frequency="weekly")
    first, second = report(app, title="First of the week"), report(app, title="Second of the week")
    assert send(app).exit_code == 0 and alerts_of(sink) == []  # not a week yet
    with app.app_context(), app.test_request_context():
        counts = alerts.send_due(now=utcnow() + dt.timedelta(days=7, seconds=1))
    assert counts["mails"] == 1 and counts["items"] == 2
    (digest,) = alerts_of(sink)
    assert "This week" in text_of(digest)
    assert f"/reports/{first}" in text_of(digest) and f"/reports/{second}" in text_of(digest)
    with app.app_context(), app.test_request_context():
        assert alerts.send_due(now=utcnow() + dt.timedelta(days=8))["mails"] == 0


def test_unsubscribe_page_asks_and_the_one_click_post_deletes_the_address(mail_app, smtp):
    app = mail_app
    sub_id = subscribe(app)
    with app.app_context():
        token = db.session.get(Subscription, sub_id).token
    client = app.test_client()
    page = client.get(f"/follow/unsubscribe/{token}")
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Subscription, sub_id) is not None  # a GET (a link scanner) deletes nothing
    resp = app.test_client().post(
        f"/follow/unsubscribe/{token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert resp.status_code == 200 and 'id="unsubscribed"' in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Subscription)) == 0
    assert client.get(f"/follow/unsubscribe/{token}").status_code == 404
    assert client.get("/follow/confirm/not-a-token").status_code == 404


def test_confirmation_links_use_public_url_not_the_requests_host(mail_app, smtp):
    app, sink = mail_app, smtp
    client = app.test_client()
    url = "/follow?scope=category&target=water"
    evil = {"Host": "evil.example"}  # a forged Host header, the cookie follows it
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url, headers=evil).get_data(as_text=True)
    )[1]
    resp = client.post(
        url, data={"email": "hind@example.net", "frequency": "immediate", "csrf_token": token}, headers=evil
    )
    assert resp.status_code == 200
    (mail,) = messages(sink)
    assert "evil.example" not in mail.as_string()
    link = re.search(r"https://ahya\.example(/follow/confirm/\S+)", text_of(mail))[1]
    assert app.test_client().get(path_of(link)).status_code == 200
    # Asking again resends the link; nothing on the page tells whether the address follows already.
    again = client.post(
        url, data={"email": "hind@example.net", "frequency": "immediate", "csrf_token": token}, headers=evil
    )
    assert again.status_code == 200 and len(messages(sink)) == 2
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Subscription)) == 1


@pytest.mark.parametrize(
    "query",
    [
        "scope=area&target=nowhere",
        "scope=category&target=nothing",
        "scope=report&target=999999",
        "scope=report&target=0",
        "scope=bad&target=x",
        "scope=area",
        "",
        "scope=area&scope=area&target=silwan",
        "scope=report&target=99999999999999999999",
    ],
)
def test_unknown_targets_are_404(client, query):
    assert client.get(f"/follow?{query}").status_code == 404


def test_without_a_mail_server_follow_offers_the_atom_feed(app, client, make_report):
    from webapp.store.models import Report

    rid = make_report()
    for query, feed in (
        ("scope=area&target=silwan", "/areas/silwan/feed.atom"),
        ("scope=category&target=housing", "/topics/housing/feed.atom"),
        (f"scope=report&target={rid}", f"/reports/{rid}/feed.atom"),
    ):
        page = client.get(f"/follow?{query}&lang=en").get_data(as_text=True)
        assert 'id="follow-feed"' in page and feed in page and 'name="email"' not in page
        assert client.get(feed).status_code == 200
    resp = client.post("/follow?scope=area&target=silwan", data={"email": "x@example.net"})
    assert resp.status_code in (200, 400)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Subscription)) == 0
        assert db.session.get(Report, rid) is not None
    result = app.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.exit_code != 0 and "MAIL_SERVER" in result.output


def test_report_and_topic_feeds_carry_updates(app, client, make_report, make_user):
    from webapp.store.lifecycle import set_state as store_set_state
    from webapp.store.models import Report, User

    rid = make_report(title="Water cut", category="water")
    uid = make_user()
    with app.app_context():
        store_set_state(
            db.session.get(Report, rid), "resolved", db.session.get(User, uid), "Reconnected today"
        )
    for url in (
        f"/reports/{rid}/feed.atom?lang=en",
        "/topics/water/feed.atom?lang=en",
        "/areas/silwan/feed.atom?lang=en",
        "/feed.atom?lang=en",
    ):
        body = client.get(url).get_data(as_text=True)
        assert "Reconnected today" in body and "Update: Water cut (Resolved)" in body, url
    assert client.get("/topics/housing/feed.atom").get_data(as_text=True).count("Reconnected") == 0
    assert client.get("/topics/nothing/feed.atom").status_code == 404


def test_a_second_run_while_one_is_running_does_nothing(mail_app, smtp):
    """Overlapping cron runs: the second finds the lock taken, sends nothing and says so."""
    from webapp.store.alerts import AlertsBusy, one_run

    app, sink = mail_app, smtp
    subscribe(app)
    report(app, title="While another run holds the lock")
    with app.app_context(), one_run():
        result = send(app)
        assert result.exit_code == 0 and "Another 'alerts send' is running" in result.output
        assert alerts_of(sink) == []
        with pytest.raises(AlertsBusy), one_run():
            pass
    result = send(app)
    assert result.exit_code == 0 and "1 mails sent" in result.output, result.output
    assert len(alerts_of(sink)) == 1


def test_follow_requests_are_rate_limited_and_the_honeypot_stores_nothing(tmp_path, db_url, smtp, port):
    settings = mail_settings(port, FOLLOW_RATE_LIMIT="2 per hour")
    with make_app(tmp_path / "instance", db_url, **settings) as app:
        client = app.test_client()
        url = "/follow?scope=area&target=silwan"

        def post(**fields):
            data = {"email": "hind@example.net", "frequency": "immediate",
                    "csrf_token": csrf_token(client, url)}
            return client.post(url, data={**data, **fields}).status_code

        assert post(website="http://spam.example/") == 200
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(Subscription)) == 0
        assert [post(), post()] == [200, 429]
        assert len(messages(smtp)) == 1
