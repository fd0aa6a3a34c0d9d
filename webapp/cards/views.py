"""Share cards: ``/cards/...png``, the images a chat app shows for a shared link (Open Graph).

``/cards/area/<slug>.png`` highlights a gazetteer place, ``/cards/organization/<id>.png`` the areas
a published organization serves (else 404), ``/cards/topic/<category>.png`` the areas reporting a
challenge category (topic pages), ``/cards/city.png`` is every other page's card. Drawn
by :func:`geo.drawing.cards.render_card` and cached in memory per data version (and, for an organization,
per its last change), so a card is drawn once per change, not once per view.
"""

from __future__ import annotations

from threading import Lock

from cachetools import LRUCache
from flask import Blueprint, Response, abort
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from geo.drawing.cards import render_card

from ..extensions import db
from ..state import app_state
from ..store.layers import get_layers
from ..store.models import Organization
from ..store.queries import ReportFilters
from ..store.reporting import get_taxonomy
from ..store.stats import grouped_counts, min_public_count
from ..store.versioning import current_data_version

bp = Blueprint("cards", __name__, url_prefix="/cards")
#: Shared links are fetched by many chat previews at once; a day of caching is harmless because
#: the page points at a new card (``?v=``) when the data changes.
MAX_AGE = 86400
_lock = Lock()


def _cache() -> LRUCache:
    return app_state().cards


def cached_card(key: tuple, draw) -> bytes:
    """The card for ``key`` from the cache, or ``draw()`` once and remember it."""
    cache = _cache()
    with _lock:
        body = cache.get(key)
    if body is not None:
        return body
    body = draw()  # outside the lock: other cards are served while this one is drawn
    with _lock:
        cache[key] = body
    return body


def _png(body: bytes) -> Response:
    resp = Response(body, mimetype="image/png")
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _footer() -> str:
    with force_locale("ar"):
        ar = _("Jerusalem community map")
    with force_locale("en"):
        en = _("Jerusalem community map")
    return f"أحياء · {ar}\nAhya · {en}"


def _places() -> dict:
    places = get_layers().places
    return {row.slug: row for row in places.itertuples(index=False)}


def _draw(highlight: list[str], points: list, title_ar: str, title_en: str, subtitle: str) -> bytes:
    layers = get_layers()
    return render_card(layers.areas, layers.boundary, highlight=highlight, points=points, title_ar=title_ar,
                       title_en=title_en, subtitle=subtitle, footer=_footer())


def _split(slugs) -> tuple[list[str], list]:
    """Slugs with a polygon to fill, and points for the places without one."""
    polygons = set(get_layers().areas["slug"])
    places = _places()
    fill = sorted(s for s in slugs if s in polygons)
    points = [(places[s].geometry.x, places[s].geometry.y) for s in sorted(slugs)
              if s not in polygons and s in places]
    return fill, points


@bp.get("/area/<slug>.png")
def area(slug: str):
    place = _places().get(slug)
    if place is None:
        abort(404)
    fill, points = _split([slug])
    key = ("area", slug, tuple(current_data_version()))
    return _png(cached_card(key, lambda: _draw(fill, points, place.name_ar, place.name_en, "")))


@bp.get("/organization/<id:id>.png")
def organization(id: int):
    org = db.session.scalars(select(Organization)
                             .where(Organization.id == id, Organization.status == "published")
                             .options(selectinload(Organization.areas))).first()
    if org is None:
        abort(404)
    slugs = sorted(a.area for a in org.areas)
    key = ("organization", org.id, org.updated_at, org.name_ar, org.name_en, tuple(slugs),
           tuple(current_data_version()))
    fill, points = _split(slugs)
    return _png(cached_card(key, lambda: _draw(fill, points, org.name_ar, org.name_en, "")))


@bp.get("/city.png")
def city():
    with force_locale("en"):
        subtitle = _("Challenges and initiatives in Jerusalem's neighborhoods and villages")
    key = ("city", tuple(current_data_version()))
    return _png(cached_card(key, lambda: _draw([], [], "أحياء", "Ahya", subtitle)))


@bp.get("/topic/<category>.png")
def topic(category: str):
    """A challenge category's card: the areas where it is published (at least ``MIN_PUBLIC_COUNT``)."""
    cat = get_taxonomy().get("challenge", category)
    if cat is None:
        abort(404)
    frame = grouped_counts(ReportFilters(kind="challenge", categories=(category,)))
    per_area = frame[frame["area"].notna()].groupby("area")["count"].sum()
    # An area shown with fewer reports than the suppression threshold would tell what the counts hide.
    slugs = sorted(str(a) for a, n in per_area.items() if n >= max(min_public_count(), 1))
    key = ("topic", category, tuple(current_data_version()))
    fill, points = _split(slugs)
    return _png(cached_card(key, lambda: _draw(fill, points, cat.label_ar, cat.label_en, "")))
