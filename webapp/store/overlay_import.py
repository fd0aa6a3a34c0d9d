"""One way to import and restyle an overlay, for ``flask layers`` and the ``/admin/layers`` page.

Both call :func:`import_file` and :func:`restyle` with the text a person typed (options or form
fields), so both accept the same files and values and refuse them with the same messages
(translated: the page shows them in the reader's language, the CLI forces English). Reading
the file is :func:`geo.formats.layer_import.import_user_layer`; storing it is
:mod:`webapp.store.overlays`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask_babel import gettext as _

from geo.formats.layer_import import FORMATS, ImportRejected, MostlyOutside, import_user_layer
from geo.reference.layers import LayerError
from geo.reference.overlays import valid_name

from . import overlays as overlay_store
from .layers import get_layers

#: Titles are shown in the layer list and the legend: one line, not a text.
MAX_TITLE = 120
#: Style fields a person may set as text, in the order the CLI and the page list them.
STYLE_FIELDS = ("color", "weight", "radius", "fill_opacity", "by", "colors", "popup", "order", "visible")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_TRUE, _FALSE = ("1", "true", "yes", "on", "y"), ("0", "false", "no", "off", "n")


class OverlayError(ValueError):
    """An import or a style refused; ``str()`` is one line for the person who asked."""


class OutsideJerusalem(OverlayError):
    """The layer lies mostly outside Jerusalem: forcing the import keeps it (the CLI's ``--force``,
    the page's box), so each caller adds its own hint."""


@dataclass
class Imported:
    """What an import stored: the overlay's name, its metadata and the reader's warnings."""

    name: str
    meta: dict
    warnings: list[str] = field(default_factory=list)


def slugify(text: str) -> str:
    """Lowercase ASCII slug (accents folded, other scripts dropped), at most 64 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64].rstrip("-")


def file_stem(filename: str) -> str:
    """``roads.shp.zip`` → ``roads``: the name a person gave the data."""
    stem = Path(filename).stem
    return Path(stem).stem if Path(stem).suffix.lower() in FORMATS else stem


def free_name() -> str:
    """The first ``layer-<n>`` not taken (for file names with no ASCII letter)."""
    n = 1
    while overlay_store.exists(f"layer-{n}"):
        n += 1
    return f"layer-{n}"


def _title(value: str | None, label: str) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if len(text) > MAX_TITLE:
        raise OverlayError(_("%(field)s: at most %(max)d characters.", field=label, max=MAX_TITLE))
    return text


def _number(raw: str, key: str, low: float, high: float, *, whole: bool = False) -> int | float:
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or value != value or not low <= value <= high:
        if whole:
            raise OverlayError(_("%(field)s: a whole number, please.", field=key))
        raise OverlayError(_("%(field)s: a number from %(low)s to %(high)s, please.",
                             field=key, low=low, high=high))
    return int(value) if not whole and float(value).is_integer() else value


def _attribute(raw: str, attributes: list[str] | None, key: str) -> str:
    if attributes is not None and raw not in attributes:
        raise OverlayError(_("%(field)s: the layer has no attribute %(name)s (it has: %(names)s).",
                             field=key, name=repr(raw), names=", ".join(attributes) or "-"))
    return raw


def parse_style(raw: Mapping[str, str | bool | list | None], attributes: list[str] | None = None,
                labels: Mapping[str, str] | None = None) -> dict:
    """Style changes from text: only the keys given (not None) are returned.

    Parameters
    ----------
    raw : mapping
        Any of :data:`STYLE_FIELDS` as typed: ``color`` ``#rrggbb``; ``weight`` 0–20;
        ``radius`` 1–50; ``fill_opacity`` 0–1; ``order`` a whole number; ``visible`` yes/no
        (or a bool); ``by`` an attribute ("" for none); ``colors`` ``value=#rrggbb`` pairs
        separated by ``;`` or new lines; ``popup`` attribute names separated by commas (or a
        list of names, as the page's checkboxes send them).
    attributes : list of str, optional
        The layer's attributes: ``by`` and ``popup`` must name them.
    labels : mapping, optional
        How messages name each field (the page's labels); default: the keys (the CLI's words).

    Raises
    ------
    OverlayError
        With a translated one-line message naming the field.
    """
    out: dict = {}
    labels = labels or {}
    for key in STYLE_FIELDS:
        value = raw.get(key)
        if value is None:
            continue
        out[key] = _parse_one(key, value, attributes, labels.get(key, key))
    return out


def _parse_one(key: str, value, attributes: list[str] | None, label: str):
    if isinstance(value, list | tuple) and key == "popup":
        return [_attribute(str(p).strip(), attributes, label) for p in value if str(p).strip()]
    if isinstance(value, bool):
        if key != "visible":
            raise OverlayError(_("%(field)s: not understood.", field=label))
        return value
    text = str(value).strip()
    if key == "color":
        if not _COLOR.match(text):
            raise OverlayError(_("%(field)s: a colour as #rrggbb, please.", field=label))
        return text.lower()
    if key in ("weight", "radius", "fill_opacity"):
        low, high = {"weight": (0, 20), "radius": (1, 50), "fill_opacity": (0, 1)}[key]
        return _number(text, label, low, high)
    if key == "order":
        return int(_number(text, label, -1000, 1000, whole=True))
    if key == "visible":
        if text.lower() not in _TRUE + _FALSE:
            raise OverlayError(_("%(field)s: yes or no, please.", field=label))
        return text.lower() in _TRUE
    if key == "by":
        return _attribute(text, attributes, label) if text else None
    if key == "colors":
        return _colors(text, label)
    return [_attribute(p.strip(), attributes, label) for p in text.split(",") if p.strip()]  # popup


def _colors(text: str, label: str) -> dict[str, str]:
    colors = {}
    for part in re.split(r"[;\n]", text):
        if not part.strip():
            continue
        value, sep, color = part.rpartition("=")
        if not sep or not _COLOR.match(color.strip()):
            raise OverlayError(_("%(field)s: write value=#rrggbb, one per line or separated by ';'.",
                                 field=label))
        colors[value.strip()] = color.strip().lower()
    if len(colors) > 50:
        raise OverlayError(_("%(field)s: at most %(max)d values.", field=label, max=50))
    return colors


def check_encoding(raw: str | None, label: str = "encoding") -> str | None:
    """A text encoding as typed (``auto`` or empty: guess) → Python's codec name, or None.

    Raises
    ------
    OverlayError
        Python knows no such codec (or it is not a text encoding).
    """
    text = (raw or "").strip()
    if not text or text.lower() == "auto":
        return None
    try:
        info = codecs.lookup(text)
    except (LookupError, ValueError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise OverlayError(_("%(field)s: unknown text encoding %(name)s (e.g. utf-8, cp1256, iso-8859-8).",
                             field=label, name=repr(text[:40])))
    return info.name


def check_label(raw: str | None, attributes: list[str] | None, label: str = "label") -> str | None:
    """The tooltip attribute as typed: None when not given, "" for no label, else an attribute.

    Raises
    ------
    OverlayError
        The layer has no such attribute.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    return _attribute(text, attributes, label) if text else ""


def _attributes_of(gdf) -> list[str]:
    return [str(c) for c in gdf.columns if c != gdf.geometry.name]


def import_file(path, *, filename: str | None = None, name: str | None = None, layer: str | None = None,
                title: str | None = None, title_ar: str | None = None, title_en: str | None = None,
                replace: bool = False, style: Mapping[str, str | bool | list | None] | None = None,
                labels: Mapping[str, str] | None = None, reader_options: Mapping | None = None,
                label: str | None = None) -> Imported:
    """Read ``path`` and store it as overlay ``name``, with its titles and style; commit.

    Parameters
    ----------
    path : str or Path
        The file as :func:`geo.formats.layer_import.import_user_layer` takes it.
    filename : str, optional
        The name the person gave the file (an upload is saved under another); default: ``path``'s.
    name : str, optional
        The stored name (lowercase ASCII); default: from the file name.
    layer, title, title_ar, title_en, replace, style, labels
        The layer inside the file; the titles (``title`` defaults to the file name); replace an
        overlay of the same name (its style kept, changed by ``style``); style as text and how
        messages name the fields (:func:`parse_style`).
    reader_options : mapping, optional
        More keyword arguments for ``import_user_layer`` (reader options such as an encoding),
        so the CLI and the page pass the same ones: ``encoding`` as typed (``auto`` or empty:
        guess; checked by :func:`check_encoding`), ``force`` to keep a layer mostly outside Jerusalem.
    label : str, optional
        The attribute shown as the features' tooltip (``name_field``; "" for none); default: the
        reader's pick (a replaced layer keeps its label while the new file has that attribute).

    Raises
    ------
    OverlayError
        Nothing is stored; the message names the file and the reason.
    """
    filename = filename or Path(path).name
    stem = file_stem(filename)
    if not name:
        name = slugify(stem) or free_name()
    elif not valid_name(name):
        raise OverlayError(_("Invalid name %(name)s: use lowercase a-z, 0-9, '-' or '_'.", name=repr(name)))
    if overlay_store.exists(name) and not replace:
        raise OverlayError(_("An overlay named %(name)s already exists; choose another name or replace it.",
                             name=repr(name)))
    labels = labels or {}
    titles = {k: _title(v, labels.get(k, k)) for k, v in
              (("title", title), ("title_ar", title_ar), ("title_en", title_en))}
    options = dict(reader_options or {})
    if "encoding" in options:
        options["encoding"] = check_encoding(options["encoding"], labels.get("encoding", "encoding"))
    try:
        boundary = get_layers().boundary
    except LayerError as exc:
        raise OverlayError(_("The shipped layers do not load: %(error)s", error=str(exc))) from exc
    try:
        result = import_user_layer(path, layer=layer, boundary=boundary, **options)
    except MostlyOutside as exc:
        raise OutsideJerusalem(f"{filename}: {exc}") from exc
    except ImportRejected as exc:
        raise OverlayError(f"{filename}: {exc}") from exc
    gdf = result.gdf
    attributes = _attributes_of(gdf)
    changes = parse_style(style or {}, attributes, labels)
    chosen = check_label(label, attributes, labels.get("label", "label"))
    previous = overlay_store.read_meta(name) if replace else None
    if chosen is None:
        kept_label = (previous or {}).get("name_field")
        chosen = kept_label if kept_label in attributes else result.name_field
    base = (previous or {}).get("style") or {}
    before = previous or {}
    meta = {
        "title": titles["title"] or (before.get("title") if replace and title is None else None) or stem,
        "title_ar": titles["title_ar"] if titles["title_ar"] is not None else before.get("title_ar", ""),
        "title_en": titles["title_en"] if titles["title_en"] is not None else before.get("title_en", ""),
        "source_file": Path(filename).name,
        "source_layer": result.source_layer,
        "features": len(gdf),
        "geometry_types": sorted(set(gdf.geom_type)),
        "attributes": attributes,
        "name_field": chosen or None,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    # A replaced layer keeps the attributes it showed only if the new file still has them.
    kept = {**base, **changes}
    kept["popup"] = [a for a in kept.get("popup", []) if a in attributes]
    if kept.get("by") not in attributes:
        kept["by"] = None
    try:
        overlay_store.save(name, gdf, meta, style=overlay_store.check_style(kept))
    except overlay_store.StyleError as exc:
        raise OverlayError(str(exc)) from exc
    return Imported(name=name, meta=overlay_store.read_meta(name), warnings=list(result.warnings))


def restyle(name: str, *, style: Mapping[str, str | bool | list | None] | None = None,
            title: str | None = None, title_ar: str | None = None, title_en: str | None = None,
            labels: Mapping[str, str] | None = None, label: str | None = None) -> dict:
    """Change the titles, style and label of overlay ``name`` (values as text); commit; the new
    metadata. ``label``: the tooltip attribute (stored as ``name_field``; "" for none; None: kept).

    Raises
    ------
    OverlayError
        No such overlay, or a value refused (nothing stored).
    """
    meta = overlay_store.read_meta(name)
    if meta is None:
        raise OverlayError(_("No imported overlay named %(name)s.", name=repr(name)))
    labels = labels or {}
    attributes = overlay_store.attributes(name, meta)
    changes = parse_style(style or {}, attributes, labels)
    chosen = check_label(label, attributes, labels.get("label", "label"))
    titles = {k: _title(v, labels.get(k, k)) for k, v in
              (("title", title), ("title_ar", title_ar), ("title_en", title_en)) if v is not None}
    if titles.get("title") == "":
        del titles["title"]  # the plain title is never empty: it names the layer in `flask layers list`
    if chosen is not None:
        titles["name_field"] = chosen or None
    try:
        return overlay_store.update(name, meta=titles, style=changes)
    except overlay_store.StyleError as exc:
        raise OverlayError(str(exc)) from exc
