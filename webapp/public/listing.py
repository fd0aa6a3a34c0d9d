"""``/reports``: the published reports as a filterable, sortable, paginated table.

The accessible alternative to the map: plain HTML and a GET form, so it works with a
screen reader, with the keyboard alone and without JavaScript. It reads the same filters
as the map and the API (``webapp.store.filters``), and every link it makes (pages, sort, "show on the
map") carries them via ``ReportFilters.to_args()``, so a view can be bookmarked and shared.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import abort, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from werkzeug.datastructures import MultiDict

from geo.reference.taxonomy import KINDS, Taxonomy

from ..extensions import db
from ..store import lifecycle, queries
from ..store.demotext import localized_title
from ..store.filters import MAX_QUERY, form_args, parse_each
from ..store.layers import place_names, place_slugs
from ..store.models import Report
from ..store.reporting import get_taxonomy, public_dict
from ..web.i18n import current_language
from .reports import KIND_LABELS
from .views import bp

PAGE_SIZE = 50
#: Sortable columns, in table order, and the order a first click on each gives.
COLUMNS = {"title": "asc", "kind": "asc", "category": "asc", "area": "asc", "date": "desc"}
DEFAULT_SORT = "date"
#: Form field ids, so an error message can link to the field it is about.
FIELD_IDS = {"kind": "f-kind", "category": "f-category", "area": "f-area", "since": "f-since",
             "until": "f-until", "q": "f-q", "status": "f-status"}
_PAGE = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True)
class Listing:
    """A validated request for the list: filters, sort column, direction and page."""

    filters: queries.ReportFilters
    sort: str = DEFAULT_SORT
    order: str = COLUMNS[DEFAULT_SORT]
    page: int = 1

    def url(self, **changes) -> str:
        """This view's URL with ``sort``/``order``/``page`` changed; defaults are left out."""
        sort = changes.get("sort", self.sort)
        order = changes.get("order", self.order)
        page = changes.get("page", self.page)
        args = self.filters.to_args()
        if sort != DEFAULT_SORT or order != COLUMNS[DEFAULT_SORT]:
            args += [("sort", sort), ("order", order)]
        if page != 1:
            args.append(("page", str(page)))
        base = url_for("public.report_list")
        return f"{base}?{urlencode(args)}" if args else base


def _one(args: MultiDict, name: str) -> str | None:
    """A parameter given at most once; a repeated one becomes "\0", which no check accepts."""
    values = args.getlist(name)
    return None if not values else values[0].strip() if len(values) == 1 else "\0"


def _field_messages(taxonomy: Taxonomy, kind: str | None, categories: list[str]) -> dict[str, str]:
    """The form's wording of each parameter error (the API's messages are for programmers)."""
    ids = [part.strip() for value in categories for part in value.split(",")]
    wrong_kind = bool(kind) and all(any(taxonomy.is_valid(k, c) for k in KINDS) for c in ids)
    return {
        "kind": _("Choose a type from the list."),
        "category": (_("Only the categories of the chosen type are accepted.") if wrong_kind
                     else _("Unknown category.")),
        "area": _("Choose a neighborhood or village from the list."),
        "since": _("Enter a date as YYYY-MM-DD, for example 2026-10-01."),
        "until": _("Enter a date as YYYY-MM-DD, for example 2026-10-01."),
        "q": _("At most %(max)d characters, please.", max=MAX_QUERY),
        "bbox": _("The map area in the address is not valid."),
        "status": _("Choose a state from the list."),
    }


def parse_listing(args: MultiDict, taxonomy: Taxonomy, known_areas) -> tuple[Listing | None, dict]:
    """Validate the query string; return the listing, or None and ``{parameter: message}``.

    Parses each filter on its own (:func:`webapp.store.filters.parse_each`) rather than with
    ``report_filters``, which stops at the first error: a form should mark every wrong field at once.
    """
    clean = form_args(args)
    filters, failed = parse_each(clean, taxonomy, known_areas)
    messages = _field_messages(taxonomy, filters.kind, clean.getlist("category"))
    errors = {name: messages[name] for name in failed}
    if filters.since and filters.until and filters.since > filters.until:
        errors["until"] = _("The end date must not be before the start date.")

    sort = _one(args, "sort") or DEFAULT_SORT
    if sort not in COLUMNS:
        errors["sort"] = _("The table can be sorted by title, type, category, area or date.")
    order = _one(args, "order") or COLUMNS.get(sort, "asc")
    if order not in ("asc", "desc"):
        errors["order"] = _("The sort order must be ascending or descending.")
    page = _one(args, "page") or "1"
    if not _PAGE.fullmatch(page) or int(page) < 1:
        errors["page"] = _("The page number must be a whole number from 1.")
    if errors:
        return None, errors
    return Listing(filters, sort, order, int(page)), {}


def place_label(slug: str | None, lang: str) -> str:
    names = place_names().get(slug or "", {})
    return names.get(lang) or names.get("en") or slug or ""


def _sorted_places(lang: str) -> list[tuple[str, str]]:
    """``(slug, name)`` of every place, ordered by its name in ``lang`` (code-point order)."""
    return sorted(((slug, place_label(slug, lang)) for slug in place_names()),
                  key=lambda item: (item[1].casefold(), item[0]))


def _sorted_categories(taxonomy: Taxonomy, lang: str) -> list[tuple[str, str, str]]:
    """``(kind, id, label)`` of every category, ordered by its label in ``lang``."""
    cats = [(c.kind, c.id, c.label(lang)) for k in KINDS for c in taxonomy.categories(k)]
    return sorted(cats, key=lambda c: (c[2].casefold(), c[0], c[1]))


def order_by(sort: str, order: str, lang: str, taxonomy: Taxonomy) -> list:
    """ORDER BY for a column; area and category sort by the name the reader sees, in SQL.

    A CASE maps each slug or category to its rank in the current language, so the sort
    happens in the database and pages stay consistent. Reports without an area or date come
    last either way, and the id breaks ties so that pagination never repeats or skips a row.
    """
    desc = order == "desc"

    def directed(key):
        return key.desc() if desc else key.asc()

    if sort == "area":
        ranks = {slug: i for i, (slug, _name) in enumerate(_sorted_places(lang))}
        # The "missing" flag stays ascending: reports without an area last in both directions.
        keys = [Report.area.is_(None), directed(case(ranks, value=Report.area, else_=len(ranks)))]
    elif sort == "category":
        cats = _sorted_categories(taxonomy, lang)
        keys = [directed(case(*[(and_(Report.kind == k, Report.category == c), i)
                                for i, (k, c, _label) in enumerate(cats)], else_=len(cats)))]
    elif sort == "date":
        keys = [Report.observed_on.is_(None), directed(Report.observed_on)]
    else:
        keys = [directed(Report.title if sort == "title" else Report.kind)]
    return [*keys, directed(Report.id)]


def _row(report: Report, lang: str, taxonomy: Taxonomy) -> dict:
    data = public_dict(report)  # the one public serializer: nothing private reaches the page
    cat = taxonomy.get(data["kind"], data["category"])
    observed = dt.date.fromisoformat(data["observed_on"]) if data["observed_on"] else None
    return {"id": data["id"], "title": localized_title(data, lang), "is_demo": data["is_demo"],
            "kind": str(KIND_LABELS.get(data["kind"], data["kind"])),
            "category": cat.label(lang) if cat else data["category"],
            "area": place_label(data["area"], lang) if data["area"] else "",
            "observed_iso": data["observed_on"] or "",
            "observed": format_date(observed, "long") if observed else "",
            "state": data["status"], "state_label": lifecycle.label(data["status"])}


def page_numbers(page: int, pages: int) -> list[int | None]:
    """Page links to show: first, last and two either side of ``page``; None marks a gap."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def _form_state(args: MultiDict, listing: Listing | None) -> dict:
    """What the form shows: the validated filters, or the reader's own input to correct."""
    if listing:
        f = listing.filters
        return {"kind": f.kind or "", "categories": set(f.categories), "area": f.area or "",
                "since": f.since.isoformat() if f.since else "",
                "until": f.until.isoformat() if f.until else "", "q": f.q or "",
                "status": f.status_arg or "",
                "hidden": [(k, v) for k, v in f.to_args() if k == "bbox"]
                + ([("sort", listing.sort), ("order", listing.order)]
                   if (listing.sort, listing.order) != (DEFAULT_SORT, COLUMNS[DEFAULT_SORT]) else [])}
    return {"kind": args.get("kind", ""), "area": args.get("area", ""),
            "categories": {c.strip() for v in args.getlist("category") for c in v.split(",")},
            "since": args.get("since", ""), "until": args.get("until", ""), "q": args.get("q", ""),
            "status": args.get("status", ""), "hidden": []}


def _headers(listing: Listing) -> list[dict]:
    """Column headers: a link that sorts by the column (reversing the active one), the state."""
    labels = {"title": _("Title"), "kind": _("Kind"), "category": _("Category"), "area": _("Area"),
              "date": _("Date observed")}
    out = []
    for key, first in COLUMNS.items():
        active = key == listing.sort
        target = ("desc" if listing.order == "asc" else "asc") if active else first
        state = ("ascending" if listing.order == "asc" else "descending") if active else None
        out.append({"key": key, "label": labels[key], "active": active, "target": target,
                    "aria_sort": state, "url": listing.url(sort=key, order=target, page=1)})
    return out


@bp.get("/reports")
def report_list():
    taxonomy, lang = get_taxonomy(), current_language()
    listing, errors = parse_listing(request.args, taxonomy, place_slugs())
    context = {
        "form": _form_state(request.args, listing), "errors": errors, "field_ids": FIELD_IDS,
        "places": _sorted_places(lang),
        # One checkbox per category id: education, health and other exist for both kinds.
        "categories": list({c: label for _k, c, label in _sorted_categories(taxonomy, lang)}.items()),
        "kinds": [("challenge", _("Challenges")), ("initiative", _("Initiatives"))],
        "statuses": [(value, lifecycle.label(value)) for value in lifecycle.STATUS_VALUES],
    }
    if listing is None:
        # No results for a request we could not understand: a partial answer would mislead.
        return render_template("public/list.html", listing=None, **context), 400

    stmt = queries.apply_filters(queries.published(), listing.filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    if listing.page > pages:
        abort(404)  # a page that does not exist, rather than silently another one
    page_stmt = (stmt.order_by(*order_by(listing.sort, listing.order, lang, taxonomy))
                 .limit(PAGE_SIZE).offset((listing.page - 1) * PAGE_SIZE))
    rows = [_row(r, lang, taxonomy)
            for r in db.session.scalars(queries.with_public_relations(page_stmt)).all()]
    map_args = listing.filters.to_args()
    return render_template(
        "public/list.html", listing=listing, rows=rows, total=total, pages=pages,
        page_numbers=page_numbers(listing.page, pages), columns=_headers(listing),
        map_url=url_for("public.index") + (f"?{urlencode(map_args)}" if map_args else ""),
        **context)
