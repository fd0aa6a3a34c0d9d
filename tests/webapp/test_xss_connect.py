"""Stored XSS through requests to connect: the 40 payloads enter through the public form (sender
name, reply channel, message) and are shown to organizers on /moderation/messages as inert text."""

from __future__ import annotations

import html

from tests.conftest import ORGANIZER, csrf_token
from tests.webapp.xss_helpers import PAYLOADS, html_problems, parse_html, script_signature


def test_messages_shown_to_organizers_are_inert(app, client, login, make_org):
    app.config["CONNECT_RATE_LIMIT"] = "1000 per hour"
    org = make_org("Org", ["silwan"], ["housing"])
    url = f"/connect/organization/{org}"
    token = csrf_token(client, url)
    assert client.post(url, data={"sender_name": "Plain", "reply_channel": "plain@example.org",
                                  "message": "Plain text", "csrf_token": token}).status_code == 200
    login()
    baseline = client.get("/moderation/messages?status=new").get_data(as_text=True)
    scripts = {script_signature(attrs) for tag, attrs in parse_html(baseline).tags
               if tag == "script" and "nonce" not in dict(attrs)}
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/moderation/messages")})
    for payload in PAYLOADS:
        resp = client.post(url, data={"sender_name": payload, "reply_channel": payload, "message": payload,
                                      "csrf_token": csrf_token(client, url)})
        assert resp.status_code == 200, payload
        problems = html_problems(url, resp.get_data(as_text=True), scripts, [payload])
        assert problems == [], "\n".join(problems)
    email, password = ORGANIZER
    client.post("/auth/login", data={"email": email, "password": password,
                                     "csrf_token": csrf_token(client, "/auth/login")})
    page = client.get("/moderation/messages?status=new").get_data(as_text=True)
    problems = html_problems("/moderation/messages", page, scripts, PAYLOADS)
    assert problems == [], "\n".join(problems)
    shown = html.unescape(page)
    assert [p for p in PAYLOADS if p not in shown] == []
