"""No route answers 5xx to hostile input: every GET route of ``app.url_map``, walked.

Routes are discovered from the URL map, so a route added later is walked without anyone
listing it. For each route:

* every path argument gets each hostile path value in turn (huge and negative numbers, null
  bytes, encoded traversal, backslashes, very long strings, Arabic, bidi overrides), the
  others staying valid;
* every query parameter the route reads (recorded while it answers a plain request) gets
  hostile query values one parameter at a time, and given twice, with the path valid;
* the app's other common parameters (``COMMON_PARAMS``, plus names that were once url_for's
  keywords, e.g. ``endpoint``) get each hostile value all at once.

Anonymous on every route, then logged in as an organizer on the routes that need a login
(and the map and a report page, whose header changes), then as an admin on the admin pages.
Any 5xx, or an exception escaping the app, is a failure; all of them are listed at once.

The default walk pairs each (route, parameter) with a fixed third of the values, chosen so
that every value meets every parameter on some route; ``HOSTILE_WALK_FULL=1`` sends every
value to every parameter, one at a time, on every route (several minutes).
"""

from __future__ import annotations

import os
import re
import zlib
from urllib.parse import quote

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from tests.webapp.test_authz import role_of

FULL = bool(os.environ.get("HOSTILE_WALK_FULL"))

#: Raw (already percent-encoded) path segments.
PATH_VALUES = [
    "0", "-1", "2147483648", "9" * 30, "9" * 5000, "%00", "a%00b", "..%2f..%2fetc%2fpasswd", "%2e%2e",
    "..%5c..%5cwindows", "C:%5cwin.ini", "%2fetc%2fpasswd", "%ff%fe", "%c0%ae%c0%ae", "x" * 3000,
    quote("سلوان"), quote("\u202eevil"), quote("a\u200db"), quote("$\\frac{1}{0}$"), "1e309", "NaN",
    "%0d%0aSet-Cookie:x=1", "%3Cscript%3E",
]
#: Query values (encoded by the client).
QUERY_VALUES = [
    "", " ", "\x00", "a\x00b", "-1", "0", "2147483648", "9223372036854775808", "9" * 400, "1e309", "nan",
    "-inf", "x" * 5000,
    "../../etc/passwd", "$\\frac{1}{0}$", "$$", "\\", "a\u200db", "\u202eabc", "<script>alert(1)</script>",
    "35.2,31.7,35.3", "35,31,36,32,1", "200,100,-200,-100", "2026-02-30", "9999-99-99", "١٢٣",
    "\ufeff", "%ff", "\r\nX-Injected: 1", "*", "A4'; DROP TABLE reports; --",
]
#: The app's common parameters, and names url_for would take as its own keywords.
COMMON_PARAMS = (
    "kind", "category", "area", "since", "until", "q", "bbox", "limit", "cursor", "z", "zoom", "lat",
    "lon", "lang", "page", "sort", "order", "format", "fmt", "paper", "orientation", "mode", "title",
    "subtitle", "measure", "measure_category", "geometry", "next", "v", "by", "field",
    "endpoint", "_external", "_scheme", "_anchor", "_method",
)
#: A valid value for path arguments the converter alone does not decide.
VALID_ARGS = {"slug": "silwan", "lang": "ar", "package": "leaflet", "name": "nothing.txt",
              "filename": "x.jpg", "category": "housing", "collection_id": "reports"}
VALID_FILES = {"static": "css/ahya.css", "vendor.vendor_file": "leaflet.js"}

_READ: set[str] = set()


class RecordingArgs(ImmutableMultiDict):
    """``request.args`` that remembers which names the app asked for."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        _READ.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        _READ.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        _READ.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        _READ.add(key)
        return super().__contains__(key)


def _pick(values: list[str], key: str) -> list[str]:
    """All values with HOSTILE_WALK_FULL, else a fixed third chosen by ``key``."""
    if FULL:
        return values
    offset = zlib.crc32(key.encode())
    return [v for i, v in enumerate(values) if (i + offset) % 3 == 0]


def _valid_arg(rule, name: str, report_id: int) -> str:
    converter = rule._converters[name]
    if isinstance(converter, IntegerConverter):
        return str(report_id)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0] if hasattr(converter, "items") else "x"
    if name == "filename" and rule.endpoint in VALID_FILES:
        return VALID_FILES[rule.endpoint]
    return VALID_ARGS.get(name, "silwan")


def _build(rule, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^<>]*:)?([^<>:]+)>", lambda m: values[m.group(1)], rule.rule)


def get_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.rule)


def _send(client, url: str, query=None):
    try:
        resp = client.get(url, query_string=query)
    except Exception as exc:  # an exception escaping the app: a 500 in production
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    if resp.status_code >= 500:
        return f"{resp.status_code}"
    return None


def walk(app, client, report_id: int, rules=None) -> tuple[list[str], int]:
    """Send the hostile requests to ``rules`` (default: every GET rule); (failures, requests)."""
    app.request_class = type("RecordingRequest", (app.request_class,),
                             {"parameter_storage_class": RecordingArgs})
    failures, sent = [], 0
    for rule in get_rules(app) if rules is None else rules:
        valid = {name: _valid_arg(rule, name, report_id) for name in rule.arguments}
        for name in sorted(rule.arguments):
            for value in _pick(PATH_VALUES, f"{rule.rule}/{name}"):
                url = _build(rule, {**valid, name: value})
                sent += 1
                if (problem := _send(client, url)) is not None:
                    failures.append(f"{problem} GET {url[:150]}")
        url = _build(rule, valid)
        _READ.clear()
        _send(client, url)
        read = sorted(_READ) if not FULL else sorted(_READ | set(COMMON_PARAMS))
        for param in read:
            for value in _pick(QUERY_VALUES, f"{rule.rule}?{param}"):
                sent += 1
                if (problem := _send(client, url, {param: value})) is not None:
                    failures.append(f"{problem} GET {url[:100]}?{param}={value[:40]!r}")
            sent += 1  # the parameter twice: a list where one value is expected
            if (problem := _send(client, url, [(param, "1"), (param, "x")])) is not None:
                failures.append(f"{problem} GET {url[:100]}?{param}=1&{param}=x")
        others = [p for p in COMMON_PARAMS if p not in read]
        for value in QUERY_VALUES:
            sent += 1
            if (problem := _send(client, url, dict.fromkeys(others, value))) is not None:
                failures.append(f"{problem} GET {url[:100]}?<{len(others)} common parameters>={value[:40]!r}")
    return failures, sent


@pytest.fixture
def walk_app(app):
    app.config["RATELIMIT_ENABLED"] = False
    from webapp.extensions import limiter

    limiter.enabled = False  # read at init: switch the instance off for this walk
    yield app
    limiter.enabled = True


@pytest.mark.parametrize("role", ["anonymous", "organizer", "admin"])
def test_no_get_route_answers_5xx_to_hostile_input(walk_app, client, login, make_report, role):
    report_id = make_report()
    make_report(publish=False, title="Waiting")
    rules = None
    if role == "organizer":
        login("organizer")
        rules = [r for r in get_rules(walk_app) if role_of(walk_app.view_functions[r.endpoint])
                 or r.endpoint in ("public.index", "public.report_detail")]
        assert len(rules) >= 5
    elif role == "admin":  # the admin pages (organizers only see their 403), and the map's header
        login("admin")
        rules = [r for r in get_rules(walk_app)
                 if r.rule.startswith("/admin/") or r.endpoint in ("public.index", "public.about")]
        assert len(rules) >= 5
    failures, sent = walk(walk_app, client, report_id, rules)
    assert sent > {"anonymous": 1000, "organizer": 200, "admin": 100}[role]
    assert failures == [], f"{len(failures)} of {sent} hostile requests failed:\n" + "\n".join(failures[:60])


def test_the_walk_finds_routes_added_later(app):
    """A route registered after the app is built is walked too (the walk reads the URL map)."""
    app.add_url_rule("/walk-probe/<id:n>", "walk_probe", lambda n: str(n))
    assert "/walk-probe/<id:n>" in [r.rule for r in get_rules(app)]


def test_every_id_route_uses_the_range_checked_converter(app):
    """``<int:...>`` accepts 10**5000 and overflowed the database: every id route uses ``<id:...>``."""
    from webapp.web.routing import IdConverter

    loose = [r.rule for r in app.url_map.iter_rules() for c in r._converters.values()
             if isinstance(c, IntegerConverter) and not isinstance(c, IdConverter)]
    assert loose == []


def test_admin_routes_answer_no_5xx_to_hostile_input(walk_app, client, login, runner, make_report,
                                                     monkeypatch, tmp_path):
    """The admin-only routes, logged in as an admin, with a real overlay behind ``<name>``
    (and the overlay data URL the map fetches, with a valid name and hostile tiers)."""
    from tests.webapp.test_overlay_serving import write_points

    result = runner.invoke(args=["layers", "import", str(write_points(tmp_path / "gardens.geojson"))])
    assert result.exit_code == 0, result.output
    monkeypatch.setitem(VALID_ARGS, "name", "gardens")
    report_id = make_report()
    login("admin")
    views = walk_app.view_functions
    rules = [r for r in get_rules(walk_app)
             if role_of(views[r.endpoint]) == "admin_required" or r.endpoint == "public.map_overlay"]
    assert {r.endpoint for r in rules} >= {"layers_admin.index", "layers_admin.edit", "public.map_overlay"}
    failures, sent = walk(walk_app, client, report_id, rules)
    assert sent > 100
    assert failures == [], f"{len(failures)} of {sent} hostile requests failed:\n" + "\n".join(failures[:60])
