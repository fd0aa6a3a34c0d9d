"""The export page, data downloads, the standalone map and the embeddable map."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from geo.drawing.standalone import build_standalone_html, inline_leaflet_css
from geo.formats.export import FORMATS, csvt_bytes, export_bytes

from ..extensions import limiter
from ..state import app_state
from ..store import lifecycle, sitesettings
from ..store.filters import ParameterError
from ..store.layers import get_display_layers, get_layers
from ..store.organization_filters import directory_filters
from ..store.organizations import matches, published_dicts
from ..store.queries import ReportFilters
from ..store.reporting import get_taxonomy
from ..store.stats import public_count
from ..web.assets import VENDOR_DIRS
from ..web.i18n import current_language
from ..web.mapview import filters_context, layer_labels, map_page_context
from ..web.routing import url_with_request_args
from . import data
from .framing import frame_headers
from .params import PAPERS, export_filters
from .responses import attachment, file_name, refuse, refuse_parameter, refuse_too_many

bp = Blueprint("exports", __name__)

# App-wide, not only on this blueprint's pages: every page must refuse to be framed but /embed.
bp.after_app_request(frame_headers)

#: URL suffix -> key of ``geo.formats.export.FORMATS`` (the zipped Shapefile's URL says what it is).
URL_FORMATS = {"geojson": "geojson", "csv": "csv", "kml": "kml", "gpkg": "gpkg", "shp.zip": "shp"}
#: Sidecar files listed beside the formats (the CSV's column types).
SIDECARS = ("csvt",)
WHAT = ("reports", "areas", "organizations", "updates")


def query_args(filters: ReportFilters) -> dict[str, list[str]]:
    """The filters as ``url_for`` keyword arguments (repeated ``category`` kept as a list)."""
    out: dict[str, list[str]] = {}
    for key, value in filters.to_args():
        out.setdefault(key, []).append(value)
    return out


def export_rate_limit() -> str:
    # Posters and standalone maps take a second or more of CPU each: a cap per client keeps one
    # script from occupying every worker. Generous enough for a person trying options.
    return current_app.config["EXPORT_RATE_LIMIT"]


@bp.get("/export")
def index():
    """The export page: filters, then every download, the poster and the standalone map."""
    error = None
    # A link from the map may carry the map's page size (limit): the page is about the whole data.
    raw = request.args.copy()
    raw.poplist("limit")
    try:
        filters = export_filters(raw)
    except ParameterError as exc:
        error, filters = exc, ReportFilters()
    lang = current_language()
    args = query_args(filters)
    count = data.matching_count(filters)
    embed_url = url_for("exports.embed", _external=True, lang=lang, **args)
    context = {
        "filters": filters, "export_args": args, "arg_pairs": filters.to_args(), "count": count,
        "cap": data.cap(), "map_cap": data.cap("map"), "summary": data.filter_summary(filters, lang),
        "formats": [("geojson", "GeoJSON"), ("csv", "CSV"), ("kml", "KML"), ("gpkg", "GeoPackage"),
                    ("shp.zip", "Shapefile (zip)")],
        "categories": get_taxonomy().as_dict(lang), "places": _place_choices(lang),
        "papers": PAPERS,
        "statuses": [(value, lifecycle.label(value)) for value in lifecycle.STATUS_VALUES],
        "embed_url": embed_url, "error": error,
    }
    return render_template("exports/index.html", **context), 400 if error else 200


def _place_choices(lang: str) -> list[tuple[str, str]]:
    """(slug, name) of every place a report can be filed under, by name in the page language."""
    places = get_layers().places
    names = [(slug, name or slug) for slug, name in zip(places["slug"], places[f"name_{lang}"], strict=True)]
    return sorted(names, key=lambda pair: pair[1])


def _organizations_layer(args):
    """Published organizations passing the directory's filters (area, category, kind, q)."""
    filters, _problems = directory_filters(args)
    return data.organizations_frame([o for o in published_dicts() if matches(o, **filters)],
                                    current_language())


@bp.get("/export/<any(reports, areas, organizations, updates):what>"
        '.<any(geojson, csv, csvt, kml, gpkg, "shp.zip"):fmt>')
def download(what: str, fmt: str):
    """Reports, areas, organizations or updates in one format; ``reports.gpkg`` holds every layer.

    ``updates`` are the published updates of the reports the filters select, each at its
    report's public point (a table of their own: one report has many). ``.csvt`` is the CSV's
    column types for GDAL/QGIS: saved beside the CSV under the same name, it types its columns.
    """
    if fmt == "csvt":
        try:
            filters = export_filters(request.args) if what != "organizations" else ReportFilters()
        except ParameterError as exc:
            return refuse_parameter(exc)
        return attachment(csvt_bytes(data.schema_frame(what, filters)), "text/csv; charset=utf-8",
                          file_name(what, ".csvt"))
    try:
        lang = current_language()
        layers = {}
        if what == "organizations":
            layers["organizations"] = _organizations_layer(request.args)
        else:
            filters = export_filters(request.args)
        if what == "reports":
            layers["reports"] = data.reports_frame(data.labelled(data.public_rows(filters, data.cap()), lang))
        if what == "areas" or (what == "reports" and fmt == "gpkg"):
            # One GeoPackage, every layer: the counts sit beside the reports they count.
            layers["areas"] = data.areas_frame(filters)
        if what == "reports" and fmt == "gpkg":
            layers["organizations"] = _organizations_layer(MultiDict())
        if what == "updates" or (what == "reports" and fmt == "gpkg"):
            layers["updates"] = data.updates_frame(filters, lang)
    except ParameterError as exc:
        return refuse_parameter(exc)
    except data.TooManyRows as exc:
        return refuse_too_many(exc)
    key = URL_FORMATS[fmt]
    body = export_bytes(key, layers, taxonomy=get_taxonomy(), lang=lang)
    suffix, media_type = FORMATS[key]
    return attachment(body, media_type, file_name(what, suffix))


@bp.get("/export/<path:name>")
def unknown(name: str):
    """Any other file name: say which ones exist instead of a bare 404."""
    names = [f"{w}.{f}" for w in WHAT for f in (*URL_FORMATS, *SIDECARS)] + ["poster.png", "poster.pdf",
                                                                              "map.html"]
    return refuse(404, _("There is no export “%(name)s”. Available: %(names)s.", name=name[:80],
                         names=", ".join(names)))


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS (images inlined) from the vendored package, read once per app."""
    state = app_state()
    if state.leaflet is None:
        base = VENDOR_DIRS["leaflet"]
        css = inline_leaflet_css((base / "leaflet.css").read_text(encoding="utf-8"), base / "images")
        state.leaflet = ((base / "leaflet.js").read_text(encoding="utf-8"), css)
    return state.leaflet


@bp.get("/export/map.html")
@limiter.limit(export_rate_limit)
def standalone_map():
    """One HTML file with Leaflet, the areas and the filtered reports inside: it opens offline."""
    try:
        filters = export_filters(request.args)
        lang = current_language()
        rows = data.labelled(data.public_rows(filters, data.cap("map")), lang)
    except ParameterError as exc:
        return refuse_parameter(exc)
    except data.TooManyRows as exc:
        return refuse_too_many(exc)
    display = get_display_layers()
    counts = {slug: public_count(c["reports"]) for slug, c in data.area_counts(filters).items()}
    summary = data.filter_summary(filters, lang)
    labels = layer_labels()
    live = url_for("public.index", _external=True, lang=lang, **query_args(filters))
    text = {
        "title": _("Ahya: challenges and initiatives in Jerusalem"),
        "subtitle": " · ".join(p for p in (summary, _("Reports: %(n)d", n=len(rows))) if p),
        "offline_note": _("This file works without the internet: the areas and the reports are inside it. "
                          "Only the background map needs a connection and stays blank offline."),
        "footer": " · ".join([data.date_text(), *data.sources_lines(), live]),
        "areas": labels["areas"], "boundary": labels["boundary"],
        "challenge": _("Challenges"), "initiative": _("Initiatives"), "challengeOne": _("Challenge"),
        "initiativeOne": _("Initiative"), "demo": _("Demo"), "more": _("Read more"),
        "organization": _("Organization"), "legend": _("Legend"), "reports_in_area": _("Reports"),
    }
    js, css = _leaflet_assets()
    page = build_standalone_html(display.areas, display.boundary, data.reports_frame(rows, keep_colour=True),
                                 lang=lang, text=text, tile_url=sitesettings.get("TILE_URL"),
                                 tile_attribution=sitesettings.get("TILE_ATTRIBUTION"),
                                 leaflet_js=js, leaflet_css=css, area_counts=counts)
    return attachment(page.encode("utf-8"), "text/html; charset=utf-8", file_name("map", ".html"))


@bp.get("/embed")
def embed():
    """Only the map, for other sites' iframes (the one page they may frame; see framing.py)."""
    full = url_with_request_args("public.index", _external=True)
    return render_template("embed.html", full_map_url=full, **map_page_context(),
                           **filters_context(request.args))
