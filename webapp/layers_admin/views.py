"""Thin views over ``webapp.store.overlay_import`` (the one code path with ``flask layers``).

``/admin/layers``: the list and the upload; ``/admin/layers/<name>``: a preview on a map, titles,
style, popup, order, on by default, replace and remove. Admins only (``admin_required``).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path, PurePath

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from geo.formats.archives import is_archive
from geo.formats.layer_import import FORMATS
from geo.reference.overlays import valid_name

from ..store import overlays as overlay_store
from ..store import sitesettings
from ..store.overlay_import import OutsideJerusalem, OverlayError, import_file, restyle
from ..web.i18n import current_language
from ..web.mapview import overlay_config
from ..web.roles import admin_required
from .forms import RemoveForm, ReplaceForm, StyleForm, UploadForm, style_labels

bp = Blueprint("layers_admin", __name__, url_prefix="/admin/layers")

#: A Shapefile's companions, sent with its .shp (a zip holds them too).
SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml")
MAX_FILES = 8
_EXT = re.compile(r"\.[a-z0-9]{1,10}")


def _display_name(name: str | None) -> str:
    # Shown, used for the default name and title, kept in the metadata; never a path on disk.
    return PurePath((name or "").replace("\\", "/")).name[:200] or "upload"


def _save_uploads(sent, folder: Path) -> tuple[Path, str]:
    """Write the uploaded files into ``folder`` under safe names; (the dataset's path, its name).

    Raises
    ------
    OverlayError
        No file, too many, or more than one dataset.
    """
    sent = [f for f in sent or [] if getattr(f, "filename", "")]
    if not sent:
        raise OverlayError(_("Choose a file to import."))
    if len(sent) > MAX_FILES:
        raise OverlayError(_("Send one layer at a time: a Shapefile's .shp with its .shx, .dbf, .prj "
                             "and .cpg, or one other file."))
    datasets, written = [], set()
    for upload in sent:
        name = _display_name(upload.filename)
        ext = PurePath(name.lower()).suffix
        ext = ext if _EXT.fullmatch(ext) else ""
        if ext in written:
            raise OverlayError(_("Send one layer at a time: a Shapefile's .shp with its .shx, .dbf, .prj "
                                 "and .cpg, or one other file."))
        written.add(ext)
        path = folder / f"upload{ext}"
        upload.save(path)
        if ext in FORMATS or is_archive(path) or len(sent) == 1:
            datasets.append((path, name))
    if len(datasets) != 1:
        raise OverlayError(_("Send one layer at a time: a Shapefile's .shp with its .shx, .dbf, .prj "
                             "and .cpg, or one other file."))
    return datasets[0]


def _refusal(exc: OverlayError) -> str:
    """The store's message; for a layer mostly outside Jerusalem, how to keep it anyway."""
    if isinstance(exc, OutsideJerusalem):
        return _("%(error)s. To import it anyway, tick “%(box)s” and send the file again.",
                 error=str(exc), box=_("Keep it even though it lies mostly outside Jerusalem"))
    return str(exc)


def _reader_options(form) -> dict:
    # As the CLI's --encoding and --force; the store checks the encoding.
    return {"encoding": form.encoding.data or None, "force": bool(form.force.data)}


def _entries() -> list[dict]:
    return [e.meta for e in overlay_store.catalogue()]


def _index(form: UploadForm, status: int, error: str | None = None):
    return render_template("layers_admin/index.html", form=form, error=error,
                           overlays=_entries()), status


@bp.get("")
@admin_required
def index():
    """Every imported overlay, and the upload form."""
    return _index(UploadForm(), 200)


@bp.post("")
@admin_required
def upload():
    """Import an uploaded file as a new overlay (or replace one): as ``flask layers import``."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    style = {"color": form.color.data, "weight": form.weight.data, "radius": form.radius.data,
             "order": form.order.data, "visible": bool(form.visible.data),
             "popup": form.popup.data or None}
    try:
        with tempfile.TemporaryDirectory(prefix="ahya-layer-") as folder:
            path, filename = _save_uploads(request.files.getlist(form.files.name), Path(folder))
            done = import_file(path, filename=filename, name=(form.name.data or "").strip() or None,
                               layer=(form.layer.data or "").strip() or None,
                               title_ar=form.title_ar.data or None, title_en=form.title_en.data or None,
                               replace=bool(form.replace.data), style=style,
                               labels=style_labels(), reader_options=_reader_options(form),
                               label=(form.label.data or "").strip() or None)
    except OverlayError as exc:
        return _index(form, 400, _refusal(exc))
    _flash_done(done.meta, done.warnings)
    return redirect(url_for("layers_admin.edit", name=done.name))


def _flash_done(meta: dict, warnings: list[str]) -> None:
    flash(ngettext("Imported %(num)d feature from %(file)s.", "Imported %(num)d features from %(file)s.",
                   meta.get("features", 0), file=meta.get("source_file", "")))
    for warning in warnings:
        flash(_("Warning: %(text)s", text=warning))


def _meta_or_404(name: str) -> dict:
    meta = overlay_store.read_meta(name) if valid_name(name) else None
    if meta is None:
        abort(404)
    return meta


def _style_form(meta: dict, formdata=None) -> StyleForm:
    style = meta["style"]
    form = StyleForm(formdata=formdata, title=meta.get("title", ""), title_ar=meta.get("title_ar", ""),
                     title_en=meta.get("title_en", ""), color=style["color"], weight=str(style["weight"]),
                     radius=str(style["radius"]), fill_opacity=str(style["fill_opacity"]),
                     order=str(style["order"]), visible=style["visible"], by=style["by"] or "",
                     colors="\n".join(f"{k}={v}" for k, v in style["colors"].items()), popup=style["popup"],
                     label=meta.get("name_field") or "")
    attributes = overlay_store.attributes(meta["name"], meta) or []
    form.by.choices = [("", _("One colour")), *((a, a) for a in attributes)]
    form.popup.choices = [(a, a) for a in attributes]
    form.label.choices = [("", _("No label")), *((a, a) for a in attributes)]
    return form


def _edit_page(meta: dict, form: StyleForm, status: int, error: str | None = None,
               replace_form: ReplaceForm | None = None):
    preview = next((o for o in overlay_config(current_language()) if o["name"] == meta["name"]), None)
    data = {"overlay": preview, "tileUrl": sitesettings.get("TILE_URL"),
            "tileAttribution": sitesettings.get("TILE_ATTRIBUTION")}
    return render_template("layers_admin/edit.html", meta=meta, form=form, error=error, preview=data,
                           replace_form=replace_form or ReplaceForm(formdata=None),
                           remove_form=RemoveForm(formdata=None)), status


@bp.get("/<name>")
@admin_required
def edit(name: str):
    """The overlay on a map, with its titles and style."""
    meta = _meta_or_404(name)
    return _edit_page(meta, _style_form(meta), 200)


@bp.post("/<name>")
@admin_required
def save(name: str):
    """Store new titles and style (as ``flask layers style``)."""
    meta = _meta_or_404(name)
    form = _style_form(meta, formdata=request.form)
    if not form.validate_on_submit():
        return _edit_page(meta, form, 400)
    style = {"color": form.color.data, "weight": form.weight.data, "radius": form.radius.data,
             "fill_opacity": form.fill_opacity.data, "order": form.order.data,
             "visible": bool(form.visible.data), "by": form.by.data or "",
             "colors": form.colors.data or "",
             "popup": list(form.popup.data or [])}
    try:
        restyle(name, style=style, title=form.title.data, title_ar=form.title_ar.data,
                title_en=form.title_en.data, labels=style_labels(), label=form.label.data or "")
    except OverlayError as exc:
        return _edit_page(meta, form, 400, str(exc))
    flash(_("The layer is saved."))
    return redirect(url_for("layers_admin.edit", name=name))


@bp.post("/<name>/replace")
@admin_required
def replace(name: str):
    """Replace the overlay's features by a new file, keeping its titles and style."""
    meta = _meta_or_404(name)
    form = ReplaceForm()
    if not form.validate_on_submit():
        return _edit_page(meta, _style_form(meta), 400, _("The form expired. Please try again."))
    try:
        with tempfile.TemporaryDirectory(prefix="ahya-layer-") as folder:
            path, filename = _save_uploads(request.files.getlist(form.files.name), Path(folder))
            done = import_file(path, filename=filename, name=name, replace=True,
                               layer=(form.layer.data or "").strip() or None,
                               reader_options=_reader_options(form), labels=style_labels())
    except OverlayError as exc:
        return _edit_page(meta, _style_form(meta), 400, _refusal(exc), replace_form=form)
    _flash_done(done.meta, done.warnings)
    return redirect(url_for("layers_admin.edit", name=name))


@bp.post("/<name>/remove")
@admin_required
def remove(name: str):
    """Delete the overlay (after the confirmation box is ticked)."""
    meta = _meta_or_404(name)
    form = RemoveForm()
    if not form.validate_on_submit() or not form.confirm.data:
        return _edit_page(meta, _style_form(meta), 400, _("Tick the box to confirm the removal."))
    overlay_store.remove(name)
    flash(_("The layer “%(title)s” is removed.", title=meta.get("title", name)))
    return redirect(url_for("layers_admin.index"))
