"""Thin views: adapt requests to geo/ and the layer store."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, send_from_directory

from ..web.mapview import filters_context, map_page_context

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    # Filters in the query string are validated like the API's; a bad one is dropped and named
    # on the page (status 200): a shared link with one broken value still opens the map.
    return render_template("index.html", **map_page_context(), **filters_context(request.args))


@bp.get("/about")
def about():
    return render_template("about.html")


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg",
                               mimetype="image/svg+xml", max_age=7 * 24 * 3600)
