"""Who may call what: every route of the app, discovered from ``app.url_map``.

A route is public only if its endpoint is in ``PUBLIC`` below; every other route must be wrapped
by ``organizer_required`` or ``admin_required`` (found by walking the view's ``__wrapped__``
chain), so a new route that is neither fails here until someone decides what it is. Then the
decision is checked by behaviour: anonymous users are sent to the login page (or get 401/403)
on every method, organizers get 403 on admin routes, and public routes answer without login.
"""

from __future__ import annotations

import pytest
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from tests.conftest import csrf_token

#: Endpoints anyone may call. Adding one here is a decision: say why in the review.
PUBLIC = {
    "static", "vendor.vendor_file", "public.report_detail", "public.photo", "public.area_profile",
    "public.city_feed", "public.area_feed", "public.report_list", "public.index", "public.about",
    "public.favicon", "auth.login", "auth.logout", "contribute.suggest", "api.areas", "api.area",
    "api.reports", "api.categories", "api.openapi", "api.clusters", "api.report", "api.page",
    "exports.index", "exports.download", "exports.unknown", "exports.standalone_map", "exports.embed",
    "exports.poster", "public.map_areas", "public.map_places",
    # Imported overlays: the map fetches each one when switched on (the same data the page had).
    "public.map_overlay",
    # Open311 GeoReport v2, read only: published reports at their public point, like /api/v1.
    "open311.discovery", "open311.services", "open311.service", "open311.requests",
    "open311.request_detail", "open311.unknown",
    # Offline capture: the service worker and the web app manifest of the report forms.
    "offline.service_worker", "offline.manifest",
    # Requests to connect: anyone may write (CSRF, rate limit, honeypot); only published targets.
    "connect.organization", "connect.initiative",
    # Share-card PNGs: public places and published organizations only.
    "cards.area", "cards.organization", "cards.city",
    # Organizations: the directory, a published organization's page, its logo and the API
    # (only published ones; the forms and the moderation tab are organizer-only).
    "organizations.directory", "organizations.organization_page", "organizations.logo",
    "api.organizations", "api.organization",
    # Records that move (issue 21): feeds per topic and report, the timeline in the API, an
    # update's photo (published only); suggesting an update and "this affects us too" (CSRF, rate
    # limit, honeypot, moderated); following by e-mail (double opt-in; the confirmation and
    # unsubscribe links carry a random secret token, and unsubscribe takes RFC 8058 one-click).
    "public.topic_feed", "public.report_feed", "api.report_updates", "progress.update_photo",
    "progress.suggest_update", "progress.affects_us", "follow.follow", "follow.confirm",
    "follow.unsubscribe",
    # Accounts (issue 18): the first-run page (says where the link is) and the one-time links'
    # pages, authorized by the random secret in their URL (hashed, single use, expiring); the
    # reset request answers the same for every address (CSRF, rate limit).
    "auth.setup", "auth.setup_link", "auth.invitation", "auth.reset", "auth.reset_link",
    # Records that count (issue 20): reports per year or month (JSON and CSV), the topic pages of the
    # challenge categories and their share cards; all counts suppressed like the map's.
    "api.trends", "api.trends_csv", "public.topic", "cards.topic",
    # OGC API - Features (issue 19): read only, the same public data as /api/v1 (public points and
    # fields of published reports, reference layers, published organizations, overlays).
    "ogc.landing", "ogc.conformance", "ogc.api", "ogc.collections", "ogc.collection", "ogc.items",
    "ogc.item",
}
ORGANIZER, ADMIN = "organizer_required", "admin_required"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def role_of(view) -> str | None:
    """``admin_required``/``organizer_required`` if one of them wraps ``view``, else None."""
    found = None
    while view is not None:
        code = getattr(view, "__code__", None)
        qualname = getattr(code, "co_qualname", "")
        for role in (ADMIN, ORGANIZER):
            if qualname.startswith(role + ".") and found != ADMIN:
                found = role
        view = getattr(view, "__wrapped__", None)
    return found


def _value(converter, report_id: int):
    if isinstance(converter, IntegerConverter):
        return report_id
    if isinstance(converter, AnyConverter):
        return next(iter(converter.items)) if hasattr(converter, "items") else "x"
    return "silwan"


def rules(app, report_id: int):
    """(endpoint, url, methods, role) of every rule, arguments filled in."""
    from flask import url_for

    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            args = {name: _value(rule._converters[name], report_id) for name in rule.arguments}
            if rule.endpoint == "static":
                args = {"filename": "css/ahya.css"}
            elif rule.endpoint == "vendor.vendor_file":
                args = {"package": "leaflet", "filename": "leaflet.js"}
            url = url_for(rule.endpoint, **args)
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            out.append((rule.endpoint, url, methods, role_of(app.view_functions[rule.endpoint])))
    return out


@pytest.fixture
def report_id(make_report):
    return make_report(publish=False)


def _refused(resp) -> bool:
    if resp.status_code in (401, 403):
        return True
    return resp.status_code == 302 and "/auth/login" in resp.headers.get("Location", "")


def test_every_route_is_public_or_protected(app, report_id):
    undecided = [(e, u) for e, u, _m, role in rules(app, report_id) if role is None and e not in PUBLIC]
    assert undecided == [], "routes neither in PUBLIC nor behind a role decorator"
    both = [e for e, _u, _m, role in rules(app, report_id) if role and e in PUBLIC]
    assert both == [], "protected routes listed as public"
    assert {e for e, *_rest in rules(app, report_id)} >= PUBLIC - {"api.clusters"}


def test_anonymous_users_are_refused_everywhere_but_public_routes(app, client, report_id):
    # A valid CSRF token, so POSTs reach the login check instead of stopping at CSRF (400).
    token = csrf_token(client, "/auth/login")
    checked = 0
    for endpoint, url, methods, role in rules(app, report_id):
        if role is None:
            continue
        for method in methods:
            resp = client.open(url, method=method, data={"csrf_token": token})
            assert _refused(resp), f"anonymous {method} {url} ({endpoint}) answered {resp.status_code}"
            checked += 1
    assert checked >= 6  # the moderation and contribute routes at least


def test_public_routes_answer_without_login(app, client, report_id):
    public = [(e, u) for e, u, methods, role in rules(app, report_id) if role is None and "GET" in methods]
    assert len(public) > 10
    for endpoint, url in public:
        resp = client.get(url)
        assert not _refused(resp), f"public {url} ({endpoint}) refused: {resp.status_code}"
        assert resp.status_code < 500, f"{url}: {resp.status_code}"


def test_organizers_reach_organizer_routes_but_not_admin_ones(app, client, login, report_id):
    login("organizer")
    guarded = [(u, role) for _e, u, methods, role in rules(app, report_id)
               if role is not None and "GET" in methods]
    assert ORGANIZER in {role for _, role in guarded}  # (admin routes may all be POST-only)
    for url, role in guarded:
        resp = client.get(url)
        if role == ADMIN:
            assert resp.status_code == 403, f"organizer reached admin route {url}"
        else:
            assert not _refused(resp), f"organizer refused on {url}: {resp.status_code}"


def test_organizers_get_403_on_every_admin_route_and_method(app, client, login, report_id):
    """Every route under /admin/ is admin-only: an organizer is refused on every method."""
    login("organizer")
    token = csrf_token(client, "/moderation/")
    admin = [(u, methods, role) for _e, u, methods, role in rules(app, report_id) if u.startswith("/admin/")]
    assert len(admin) >= 7
    for url, methods, role in admin:
        assert role == ADMIN, f"{url} is not behind admin_required"
        for method in methods:
            resp = client.open(url, method=method, data={"csrf_token": token})
            assert resp.status_code == 403, f"organizer {method} {url}: {resp.status_code}"


def test_admins_reach_every_admin_page(app, client, login, report_id, tmp_path):
    from tests.webapp.test_overlay_serving import write_points
    from webapp.store.overlay_import import import_file

    with app.app_context():  # the rules fill a string argument with "silwan": an overlay of that name
        import_file(write_points(tmp_path / "points.geojson"), name="silwan")
    login("admin")
    pages = [u for _e, u, methods, _role in rules(app, report_id)
             if u.startswith("/admin/") and "GET" in methods]
    assert "/admin/" in pages and "/admin/users" in pages
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_pages_behind_login_are_never_stored(app, client, login, report_id):
    """Every GET route behind a role decorator answers a logged-in user with ``no-store``."""
    login("admin")
    guarded = [u for _e, u, methods, role in rules(app, report_id) if role is not None and "GET" in methods]
    assert len(guarded) >= 6
    for url in guarded:
        resp = client.get(url)
        assert resp.headers.get("Cache-Control") == "no-store", (url, resp.status_code, resp.headers)
        assert "ETag" not in resp.headers and "Last-Modified" not in resp.headers, url
    # Also on a refusal (an organizer on an admin page) and an error inside a protected page.
    assert client.get("/moderation/?page=0").headers["Cache-Control"] == "no-store"
    # Public pages keep their own caching.
    assert client.get("/about").headers.get("Cache-Control") != "no-store"


def test_role_of_sees_through_other_decorators():
    from webapp.web.roles import admin_required, organizer_required

    def view():
        return ""
    assert role_of(view) is None
    assert role_of(organizer_required(view)) == ORGANIZER
    assert role_of(admin_required(organizer_required(view))) == ADMIN
