"""Details a new user met (issue 22): what the thanks page promises, what organizers see waiting,
the demo command's hint, the server's start-up line, the directory's labels, the poster's sources."""

from __future__ import annotations

import logging
import re
import subprocess
import sys

from tests.conftest import ROOT, app_config
from tests.mail import free_port
from tests.webapp import test_connect
from tests.webapp.test_connect import post, stored
from webapp import create_app
from webapp.extensions import db
from webapp.web.logs import NoAddressFilter, scrub

# The app that mails through the SMTP sink (tests/mail.py), shared with test_connect.
mail_app = test_connect.mail_app


def test_without_mail_the_thanks_page_says_the_message_is_kept_for_the_organizers(app, client, make_org):
    org = make_org("Silwan Legal Aid", ["silwan"], ["housing"], public_email="contact@silwan.example.org")
    text = post(client, f"/connect/organization/{org}?lang=en").get_data(as_text=True)
    assert "It is kept for the organizers of Ahya" in text
    assert "pass it on" not in text and "sent it on by e-mail" not in text
    ar = post(client, f"/connect/organization/{org}?lang=ar").get_data(as_text=True)
    assert "حُفظت لمنسّقي أحياء" in ar


def test_with_mail_the_thanks_page_says_it_was_sent(mail_app, smtp, make_org):
    org = make_org("Silwan Legal Aid", ["silwan"], ["housing"], public_email="contact@silwan.example.org")
    text = post(mail_app.test_client(), f"/connect/organization/{org}?lang=en").get_data(as_text=True)
    assert "sent it on by e-mail" in text
    assert smtp[1].envelopes  # and it really was


def test_a_mail_server_that_is_down_is_not_claimed_as_sent(tmp_path, db_url):
    config = {**app_config(tmp_path / "down", db_url), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(),
              "CONNECT_FALLBACK_EMAIL": "organizers@example.org"}
    app = create_app(config)
    with app.app_context():
        from webapp.store.models import Organization
        org = Organization(name_ar="منظمة", name_en="Org", status="published", public_email="org@example.org")
        db.session.add(org)
        db.session.commit()
        org = org.id
    text = post(app.test_client(), f"/connect/organization/{org}?lang=en").get_data(as_text=True)
    assert "It is kept for the organizers" in text and "sent it on" not in text
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_moderation_says_when_requests_to_connect_wait(app, client, login, make_org):
    org = make_org("Silwan Legal Aid", ["silwan"], ["housing"])
    login()
    page = client.get("/moderation/?lang=en").get_data(as_text=True)
    assert 'id="waiting-requests"' not in page
    for _ in range(3):
        post(client, f"/connect/organization/{org}?lang=en")
    assert len(stored(app)) == 3
    page = client.get("/moderation/?lang=en").get_data(as_text=True)
    notice = re.search(r'<p class="alert notice" id="waiting-requests".*?</p>', page, re.S)[0]
    assert "3 requests to connect wait to be read." in notice and 'href="/moderation/messages"' in notice
    ar = client.get("/moderation/?lang=ar").get_data(as_text=True)
    assert "3 طلبات تواصل بانتظار القراءة." in ar


def test_demo_load_names_the_command_that_works(runner):
    result = runner.invoke(args=["demo", "load", "--count", "3", "--seed", "1"])
    assert result.exit_code == 0
    hint = result.output.split("remove them with: ")[1].strip()
    assert hint == "flask --app webapp demo clear"
    # ... and that command runs from the project root.
    assert subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "demo", "--help"], cwd=ROOT,
                          capture_output=True).returncode == 0


def test_the_server_log_keeps_its_own_address_and_drops_clients(caplog):
    logger = logging.getLogger("werkzeug")
    logger.addFilter(NoAddressFilter())
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info(" * Running on http://127.0.0.1:5000\n * Running on http://[::1]:5000")
        logger.info('203.0.113.9 - - [25/Nov/2026 10:00:00] "GET / HTTP/1.1" 200 -')
    assert "http://127.0.0.1:5000" in caplog.text and "http://[::1]:5000" in caplog.text
    assert "http://-:" not in caplog.text and "203.0.113.9" not in caplog.text
    assert scrub(" * Running on all addresses (0.0.0.0)") == " * Running on all addresses (0.0.0.0)"


def test_directory_filters_by_category_with_the_lists_word(client):
    ar = client.get("/organizations?lang=ar").get_data(as_text=True)
    form = re.search(r'<form method="get" class="org-filters".*?</form>', ar, re.S)[0]
    assert "الفئة" in form and "تحدٍّ" not in form
    assert "css/reports.css" in ar and "css/forms.css" in ar  # badges, tags and fields styled


def test_poster_keeps_latin_runs_whole_and_lines_right_to_left():
    from geo.drawing.poster import wrap_lines

    text = ("الحدود: المناطق الإحصائية لعام 2008 (geostatil، رخصة MIT) مجمّعة حسب المكان. الأسماء: "
            "أوتشا/الجهاز المركزي للإحصاء الفلسطيني (CC BY)، بلدية القدس، خرائط فلسطين المفتوحة.")
    for width in range(30, 90, 7):
        lines = wrap_lines(text, width, rtl=True).split("\n")
        assert all(line.startswith("\u200f") for line in lines)
        assert not any(line.rstrip().endswith("(CC") for line in lines)
        assert any("(CC\u00a0BY)" in line for line in lines)
    english = wrap_lines("Boundaries: Israel CBS 2008 statistical areas (geostatil, MIT).", 20, rtl=False)
    assert "\u200f" not in english and "\u00a0" not in english


def test_the_real_poster_draws_the_wrapped_sources(app, client):
    """The route's PDF/PNG is made with the same wrapping: the figure's text has no cut "(CC"."""
    from geo.drawing import poster

    seen = []
    original = poster.wrap_lines

    def spy(text, chars, rtl):
        out = original(text, chars, rtl)
        seen.append(out)
        return out

    poster.wrap_lines = spy
    try:
        resp = client.get("/export/poster.png?lang=ar")
    finally:
        poster.wrap_lines = original
    assert resp.status_code == 200 and seen
    assert all(not line.endswith("(CC") for line in seen[0].split("\n"))

