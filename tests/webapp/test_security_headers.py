"""Security headers on every response, the nonce on every inline script, and cookie flags."""

from __future__ import annotations

import re

import pytest

from webapp.web.security import add_nonce, tile_source

PAGES = ("/", "/?lang=en", "/about", "/reports", "/areas/silwan", "/auth/login", "/suggest", "/api",
         "/export", "/does-not-exist", "/api/v1/reports", "/feed.atom")


def directives(resp) -> dict[str, str]:
    policy = resp.headers["Content-Security-Policy"]
    out = {}
    for part in policy.split(";"):
        name, _sep, value = part.strip().partition(" ")
        assert name not in out, f"{name} twice in {policy}"
        out[name] = value
    return out


@pytest.mark.parametrize("url", PAGES)
def test_every_response_has_the_headers(client, url):
    resp = client.get(url)
    assert resp.status_code < 500
    csp = directives(resp)
    nonce = re.search(r"'nonce-([^']+)'", csp["script-src"]).group(1)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == f"'self' 'nonce-{nonce}'"
    assert csp["style-src"] == "'self' 'unsafe-inline'"
    assert csp["img-src"] == "'self' data: https://tiles.example.test"
    for name in ("connect-src", "font-src", "base-uri", "form-action"):
        assert csp[name] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "unsafe-eval" not in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert resp.headers["Permissions-Policy"] == "geolocation=(self), camera=(), microphone=()"


def test_embed_alone_may_be_framed(client):
    resp = client.get("/embed")
    assert directives(resp)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in resp.headers
    assert "'nonce-" in directives(resp)["script-src"]


@pytest.mark.parametrize("url", ["/", "/?lang=en", "/areas/silwan", "/embed", "/suggest"])
def test_every_inline_script_carries_the_nonce(client, url):
    resp = client.get(url)
    nonce = re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)
    html = resp.get_data(as_text=True)
    tags = re.findall(r"<script\b[^>]*>", html, re.I)
    assert tags
    for tag in tags:
        if "src=" not in tag:
            assert f'nonce="{nonce}"' in tag, f"{url}: {tag}"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html, re.I), f"inline event handler in {url}"


def test_nonce_changes_per_request(client):
    first = directives(client.get("/"))["script-src"]
    assert first != directives(client.get("/"))["script-src"]


def test_add_nonce_only_touches_script_tags_without_one():
    html = '<script>a</script><script src="x.js"></script><script nonce="old">b</script><scripts>'
    out = add_nonce(html, "N")
    assert out == ('<script nonce="N">a</script><script nonce="N" src="x.js"></script>'
                   '<script nonce="old">b</script><scripts>')


def test_tile_source():
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert tile_source("") == ""


def _cookie_flags(resp, name: str) -> str:
    header = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith(name + "="))
    return header.lower()


def test_session_cookie_is_httponly_and_samesite(client):
    resp = client.get("/auth/login")  # the CSRF token lives in the session: a cookie is set
    flags = _cookie_flags(resp, "session")
    assert "httponly" in flags and "samesite=lax" in flags
    assert "secure" not in flags.split("; ")  # plain-HTTP development default


def test_secure_cookies_when_configured(tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "t"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    client = app.test_client()
    resp = client.get("/auth/login", base_url="https://localhost")
    flags = _cookie_flags(resp, "session")
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags


def test_hsts_only_with_secure_cookies(tmp_path, monkeypatch, client):
    from webapp import create_app

    assert "Strict-Transport-Security" not in client.get("/").headers  # plain-HTTP development
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "t"})
    secure = app.test_client()
    for url in ("/", "/auth/login", "/no-such-page"):
        hsts = secure.get(url, base_url="https://localhost").headers.get("Strict-Transport-Security")
        assert hsts == "max-age=31536000; includeSubDomains", (url, hsts)
    monkeypatch.setenv("HSTS_MAX_AGE", "0")  # 0 turns it off
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "j"), "SECRET_KEY": "t"})
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers
