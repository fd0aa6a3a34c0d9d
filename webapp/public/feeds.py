"""Atom 1.0 feeds of the newest published reports and their updates.

    /feed.atom                    the newest published reports anywhere
    /areas/<slug>/feed.atom       the newest published reports of one area
    /topics/<category>/feed.atom  the newest published reports of one category
    /reports/<id>/feed.atom       the updates of one published report

Published updates (a new state, news from organizers or residents) of the same reports are
entries too.

Built with ``xml.etree.ElementTree``, which escapes every text and attribute;
characters that XML 1.0 cannot carry at all are removed first. Entries come from
``reporting.public_dict``, so only public fields and the public point appear.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from flask import Response, abort, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from geo.drawing.excerpt import excerpt
from geo.spatial.demo import DEMO_PREFIX

from ..extensions import db
from ..store import lifecycle, queries
from ..store.models import Report, ReportUpdate, utcnow
from ..store.report_fields import display_fields
from ..store.reporting import get_taxonomy, public_dict
from ..store.updates import published_updates_query
from ..web.i18n import current_language
from ..web.places import place_name, places
from .reports import KIND_LABELS
from .views import bp

ATOM_NS = "http://www.w3.org/2005/Atom"
GEORSS_NS = "http://www.georss.org/georss"
FEED_SIZE = 50
AUTHOR = "Ahya"
# Control characters (but tab and newlines), lone surrogates and U+FFFE/U+FFFF are not XML 1.0.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str | None) -> str:
    """``text`` without the characters XML 1.0 cannot represent (ElementTree would write them raw)."""
    return _NOT_XML.sub("", text or "")


def atom_time(value: dt.datetime) -> str:
    """RFC 3339 in UTC (the database stores naive UTC datetimes)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        node.text = clean(text)
    return node


def build_feed(*, feed_id: str, title: str, self_url: str, page_url: str, lang: str,
               entries: list[dict], updated: dt.datetime) -> bytes:
    """Serialise an Atom 1.0 feed.

    Parameters
    ----------
    feed_id, self_url, page_url : str
        Absolute URLs: the feed's permanent id, the feed itself, the HTML page it follows.
    title, lang : str
        Feed title and its language (``xml:lang``).
    entries : list of dict
        Each with ``id, title, url, updated, summary, author, categories`` (``(term, label, scheme)``
        tuples) and optionally ``point`` (``(lat, lon)``).
    updated : datetime
        When the feed last changed (naive UTC).

    Returns
    -------
    bytes
        UTF-8 XML with declaration.
    """
    # Namespaces declared by hand: ElementTree's default_namespace refuses unqualified
    # attributes (href, rel), and generated "ns0:" prefixes confuse some feed readers.
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xmlns:georss": GEORSS_NS, "xml:lang": lang})
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    _sub(feed, "updated", atom_time(updated))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    _sub(_sub(feed, "author"), "name", AUTHOR)
    _sub(feed, "generator", "Ahya")
    for item in entries:
        entry = _sub(feed, "entry")
        _sub(entry, "id", item["id"])
        _sub(entry, "title", item["title"])
        _sub(entry, "updated", atom_time(item["updated"]))
        _sub(entry, "published", atom_time(item["updated"]))
        _sub(entry, "link", rel="alternate", type="text/html", href=item["url"])
        _sub(_sub(entry, "author"), "name", item["author"])
        for term, label, scheme in item["categories"]:
            _sub(entry, "category", term=term, label=label, scheme=scheme)
        _sub(entry, "summary", item["summary"], type="text")
        if item.get("point"):
            point = ET.SubElement(entry, "georss:point")
            point.text = "{:.6f} {:.6f}".format(*item["point"])
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def feed_title(title: str, is_demo: bool) -> str:
    """The entry title, flagged when the report is demonstration data."""
    if is_demo and not any(title.startswith(p) for p in DEMO_PREFIX.values()):
        return f"[{_('Demo')}] {title}"
    return title


def _entry(report: Report, lang: str, scheme: str) -> dict:
    data = public_dict(report)
    cat = get_taxonomy().get(data["kind"], data["category"])
    where = place_name(data["area"], lang)
    summary = excerpt(clean(data["description"]))
    # The public structured values ("People displaced: 12 people"), after the text (issue 20).
    values = " · ".join(f"{item['label']}: {item['value']}"
                        for item in display_fields(data["kind"], data["category"], data.get("fields"), lang))
    if values:
        summary = f"{summary} — {values}" if summary else values
    return {
        "id": url_for("public.report_detail", id=data["id"], _external=True),
        "url": url_for("public.report_detail", id=data["id"], _external=True),
        "title": feed_title(data["title"], data["is_demo"]),
        "updated": report.published_at or report.created_at,
        "summary": f"{where} — {summary}" if where and summary else (where or summary),
        "author": data["organization"] or AUTHOR,
        "categories": [(data["kind"], str(KIND_LABELS.get(data["kind"], data["kind"])), f"{scheme}#kind"),
                       (data["category"], cat.label(lang) if cat else data["category"], scheme)],
        "point": (data["lat"], data["lon"]),
    }


def _update_entry(update: ReportUpdate, lang: str, scheme: str) -> dict:
    """An entry for a published update (a new state, a text, a photo) of a published report."""
    entry = _entry(update.report, lang, scheme)
    state = lifecycle.label(update.state) if update.state else ""
    entry.update(
        id=url_for("public.report_detail", id=update.report_id, _external=True) + f"#update-{update.id}",
        url=url_for("public.report_detail", id=update.report_id, _external=True) + f"#update-{update.id}",
        title=_("Update: %(title)s", title=entry["title"]) + (f" ({state})" if state else ""),
        updated=update.published_at,
        summary=excerpt(clean(update.body)) or state or entry["summary"])
    if update.happened_on:
        # ``updated`` stays the publication time (feed readers sort on it); the event's own
        # date goes in the text, in the feed's language.
        entry["summary"] = f"{format_date(update.happened_on, 'long')} — {entry['summary']}"
    return entry


def _feed_response(area: str | None, title: str, endpoint: str, page_url: str, *,
                   where=None, with_reports: bool = True, **args) -> Response:
    lang = current_language()
    condition = where if where is not None else (Report.area == area if area else None)
    stmt = queries.published()
    if condition is not None:
        stmt = stmt.where(condition)
    stmt = queries.with_public_relations(
        stmt.order_by(Report.published_at.desc(), Report.id.desc()).limit(FEED_SIZE))
    reports = db.session.scalars(stmt).all() if with_reports else []
    scheme = url_for("api.categories", _external=True)
    entries = [_entry(r, lang, scheme) for r in reports]
    # Updates (a new state, news) of the same reports are entries too, newest first with them.
    ustmt = published_updates_query()
    if condition is not None:
        ustmt = ustmt.where(condition)
    ustmt = ustmt.order_by(ReportUpdate.published_at.desc(), ReportUpdate.id.desc()).limit(FEED_SIZE)
    entries += [_update_entry(u, lang, scheme) for u in db.session.scalars(ustmt)]
    entries = sorted(entries, key=lambda e: e["updated"], reverse=True)[:FEED_SIZE]
    body = build_feed(
        # The id names the language: the Arabic and English feeds are different documents.
        feed_id=url_for(endpoint, lang=lang, _external=True, **args), title=title,
        self_url=request.url, page_url=page_url, lang=lang, entries=entries,
        updated=max((e["updated"] for e in entries), default=utcnow()))
    resp = Response(body, content_type="application/atom+xml; charset=utf-8")
    resp.headers["Cache-Control"] = "public, max-age=300"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.get("/feed.atom")
def city_feed():
    """The newest published reports of the whole city."""
    return _feed_response(None, _("Ahya: new reports in Jerusalem"), "public.city_feed",
                          url_for("public.index", _external=True))


@bp.get("/areas/<slug>/feed.atom")
def area_feed(slug: str):
    """The newest published reports of one area (any gazetteer slug; unknown → 404)."""
    if slug not in places():
        abort(404)
    name = place_name(slug, current_language())
    return _feed_response(slug, _("Ahya: new reports in %(name)s", name=name), "public.area_feed",
                          url_for("public.area_profile", slug=slug, _external=True), slug=slug)


@bp.get("/topics/<category>/feed.atom")
def topic_feed(category: str):
    """The newest published reports and updates of one category (unknown category → 404)."""
    taxonomy = get_taxonomy()
    cat = taxonomy.get("challenge", category) or taxonomy.get("initiative", category)
    if cat is None:
        abort(404)
    label = cat.label(current_language())
    return _feed_response(None, _("Ahya: new reports about %(name)s", name=label), "public.topic_feed",
                          url_for("public.report_list", category=category, _external=True),
                          where=Report.category == category, category=category)


@bp.get("/reports/<id:id>/feed.atom")
def report_feed(id: int):
    """The updates of one published report (404 otherwise)."""
    report = db.session.scalars(queries.published_report(id)).first()
    if report is None:
        abort(404)
    return _feed_response(None, _("Ahya: updates of “%(title)s”", title=report.title), "public.report_feed",
                          url_for("public.report_detail", id=id, _external=True),
                          where=Report.id == id, with_reports=False, id=id)
