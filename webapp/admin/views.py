"""``/admin/``: the index of the admin pages (each admin feature adds its line to the template)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..web.roles import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@admin_required
def index():
    """The admin pages, one line each."""
    return render_template("admin/index.html")
