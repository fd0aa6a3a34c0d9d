"""Thin views: adapt requests to geo/ and the layer store."""

from __future__ import annotations

from flask import current_app, render_template, request, send_from_directory
from flask_babel import gettext as _

from geo.maps import build_public_map, render_parts
from geo.search import search_index

from ..i18n import current_language
from ..layers_store import get_display_layers, get_layers, get_overlays
from . import bp


@bp.get("/")
def index():
    layers = get_layers()
    display = get_display_layers()
    lang = current_language()
    labels = {"areas": _("Neighborhoods and villages"), "places": _("Other places"),
              "boundary": _("Municipal boundary")}
    m = build_public_map(
        display.areas, layers.places, display.boundary, lang=lang, labels=labels,
        tile_url=current_app.config["TILE_URL"],
        tile_attribution=current_app.config["TILE_ATTRIBUTION"],
        overlays=get_overlays(), asset_base=request.script_root + "/vendor",
    )
    parts = render_parts(m)
    return render_template("index.html", map=parts,
                           places=search_index(layers.places, layers.areas))


@bp.get("/about")
def about():
    return render_template("about.html")


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg",
                               mimetype="image/svg+xml", max_age=7 * 24 * 3600)
