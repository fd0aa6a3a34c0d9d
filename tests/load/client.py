"""A form-filling client for the load tests, run in separate processes (spawned, not forked).

Each process has its own cookie jar, like a browser tab: it GETs /suggest for a CSRF token
(again every ``REFRESH`` submissions, as a person reloading the form would) and POSTs the form
once per submission. It talks only to 127.0.0.1, with proxies bypassed.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 15
REFRESH = 25
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: A point inside Silwan (tests/conftest.py SILWAN).
FORM = {"kind": "challenge", "category": "housing", "lon": "35.2389", "lat": "31.7698", "area_name": "",
        "precision": "approximate", "description": "اختبار الحمل: load test", "observed_on": "",
        "organization": "", "link": "", "contact": "load@example.org", "website": ""}
#: Statuses that are not HTTP: the server did not answer, or answered without the expected page.
NO_ANSWER, NO_FORM, NOT_THANKS = 0, -1, -2


def opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                       urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _request(op, url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with op.open(url, data=data, timeout=TIMEOUT) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, http.client.HTTPException, OSError):
        return NO_ANSWER, ""


def token(op, base: str) -> tuple[int, str | None]:
    """(status, CSRF token) of a fresh GET of the form."""
    status, body = _request(op, f"{base}/suggest?lang=en")
    match = _TOKEN.search(body)
    return (status, match.group(1)) if match else (status if status != 200 else NO_FORM, None)


def post(op, base: str, title: str, csrf: str) -> int:
    """200 only for the thank-you page."""
    data = urllib.parse.urlencode({**FORM, "title": title, "csrf_token": csrf}).encode()
    status, body = _request(op, f"{base}/suggest?lang=en", data)
    return NOT_THANKS if status == 200 and "Thank you" not in body else status


def submit_all(base: str, titles: list[str], queue=None,
               stop_on_failure: bool = False) -> list[tuple[str, int]]:
    """Submit every title in turn; report each (title, status) to ``queue`` as soon as it is known."""
    assert base.startswith("http://127.0.0.1:")
    op, csrf, results = opener(), None, []
    for i, title in enumerate(titles):
        status = 200
        if i % REFRESH == 0 or csrf is None:
            status, csrf = token(op, base)
        if csrf is not None:
            status = post(op, base, title, csrf)
        results.append((title, status))
        if queue is not None:
            queue.put((title, status))
        if stop_on_failure and status != 200:
            break
    if queue is not None:
        queue.put(None)  # this process is done
    return results
