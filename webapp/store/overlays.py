"""Imported overlays in the database, with their metadata and style (every server sees them).

An overlay ``<name>`` is two stored files (:mod:`webapp.store.files`): ``overlays/<name>.geojson``
(the features, EPSG:4326) and ``overlays/<name>.json`` (title, source, counts, when imported, and
its ``style``). Both are written in one transaction with a data-version bump, so the overlay
appears on every server at its next request (the map's base map is keyed by
:func:`signature`), and the API caches and validators of every worker move on.

The style is stored now and read by the map later (the interop issue: colours, legend, popups,
order, on/off by default): ``color``, ``weight`` (line width, px), ``radius`` (point radius, px),
``fill_opacity``, ``order`` (position in the layer list, ascending), ``visible`` (on by default),
``by`` (an attribute whose values pick colours from ``colors``) and ``popup`` (attributes listed
in a popup, as text). Titles: ``title`` (from the file name or ``--title``), ``title_ar`` and
``title_en`` (the layer list and legend show the one of the page's language, else another).
:func:`catalogue` is what the map page needs of every overlay without reading its features.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass

import geopandas as gpd

from geo.reference.overlays import valid_name

from ..extensions import db
from . import files
from .versioning import bump_data_version

PREFIX = "overlays/"
#: The look every overlay had before styles existed (geo.drawing.maps draws overlays this way).
DEFAULT_STYLE = {"color": "#7b2cbf", "weight": 2, "radius": 5, "fill_opacity": 0.1, "order": 0,
                 "visible": True, "by": None, "colors": {}, "popup": []}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class StyleError(ValueError):
    """A style value that cannot be stored; ``str()`` names it."""


def _data_name(name: str) -> str:
    return f"{PREFIX}{name}.geojson"


def _meta_name(name: str) -> str:
    return f"{PREFIX}{name}.json"


def check_style(style: dict) -> dict:
    """``style`` merged over :data:`DEFAULT_STYLE`, checked (raises :class:`StyleError`)."""
    unknown = set(style) - set(DEFAULT_STYLE)
    if unknown:
        raise StyleError(f"unknown style keys: {', '.join(sorted(unknown))}")
    out = {**DEFAULT_STYLE, **style}
    colors = [out["color"], *out["colors"].values()] if isinstance(out["colors"], dict) else None
    if colors is None or not all(isinstance(c, str) and _COLOR.match(c) for c in colors):
        raise StyleError("colours are #rrggbb")
    for key, low, high in (("weight", 0, 20), ("radius", 1, 50), ("fill_opacity", 0, 1)):
        if not isinstance(out[key], int | float) or isinstance(out[key], bool) or not low <= out[key] <= high:
            raise StyleError(f"{key} must be a number from {low} to {high}")
    if not isinstance(out["order"], int) or isinstance(out["order"], bool):
        raise StyleError("order must be a whole number")
    if not isinstance(out["visible"], bool):
        raise StyleError("visible must be true or false")
    if out["by"] is not None and not isinstance(out["by"], str):
        raise StyleError("by names an attribute")
    if not isinstance(out["popup"], list) or not all(isinstance(p, str) for p in out["popup"]):
        raise StyleError("popup lists attribute names")
    return out


def exists(name: str) -> bool:
    """True when either stored file of overlay ``name`` exists."""
    return valid_name(name) and any(files.exists(n) for n in (_data_name(name), _meta_name(name)))


def save(name: str, gdf: gpd.GeoDataFrame, meta: dict, *, style: dict | None = None) -> None:
    """Store (or replace) overlay ``name`` and commit; every server sees it at its next request."""
    if not valid_name(name):
        raise ValueError(f"invalid overlay name: {name!r}")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError("overlays are stored in EPSG:4326")
    previous = read_meta(name) or {}
    meta = {**meta, "name": name, "style": check_style(style or previous.get("style") or {})}
    files.put(_data_name(name), gdf.to_json(drop_id=True, ensure_ascii=False).encode("utf-8"),
              "application/geo+json", replace=True)
    files.put(_meta_name(name), json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"),
              "application/json", replace=True)
    bump_data_version()
    db.session.commit()


def set_style(name: str, **changes) -> dict:
    """Change some style values of overlay ``name``; returns the stored style."""
    return update(name, style=changes)["style"]


def update(name: str, *, meta: dict | None = None, style: dict | None = None) -> dict:
    """Change some metadata (titles) and style values of overlay ``name`` and commit.

    Returns the stored metadata; raises KeyError (no such overlay) or :class:`StyleError`
    (nothing stored).
    """
    stored = read_meta(name)
    if stored is None:
        raise KeyError(name)
    stored.update({k: v for k, v in (meta or {}).items() if k not in ("name", "style")})
    stored["style"] = check_style({**stored.get("style", {}), **(style or {})})
    files.put(_meta_name(name), json.dumps(stored, ensure_ascii=False, indent=1).encode("utf-8"),
              "application/json", replace=True)
    bump_data_version()
    db.session.commit()
    return stored


def read_meta(name: str) -> dict | None:
    """The metadata of overlay ``name`` (style filled in), or None."""
    if not valid_name(name):
        return None
    raw = files.read(_meta_name(name))
    if raw is None:
        return None
    try:
        meta = json.loads(raw)
    except ValueError:
        return None
    meta.setdefault("name", name)
    meta.setdefault("title", name)
    meta["style"] = {**DEFAULT_STYLE, **(meta.get("style") or {})}
    return meta


def attributes(name: str, meta: dict | None = None) -> list[str] | None:
    """The attribute names of overlay ``name`` (from its metadata; read from the features for an
    overlay imported before the metadata kept them); None if there is no such overlay."""
    meta = meta if meta is not None else read_meta(name)
    if meta is None:
        return None
    if isinstance(meta.get("attributes"), list):
        return meta["attributes"]
    try:
        gdf = read(name)
    except KeyError:
        return None
    return [str(c) for c in gdf.columns if c != gdf.geometry.name]


def listing() -> list[dict]:
    """Metadata of every complete overlay, oldest import first."""
    stored = {f.name for f in files.listing(PREFIX)}
    metas = []
    for stored_name in sorted(stored):
        if stored_name.endswith(".json"):
            name = stored_name[len(PREFIX):-len(".json")]
            if _data_name(name) in stored and (meta := read_meta(name)) is not None:
                metas.append(meta)
    return sorted(metas, key=lambda m: (str(m.get("imported_at", "")), m["name"]))


def read(name: str) -> gpd.GeoDataFrame:
    """The features of overlay ``name`` (KeyError if there is none)."""
    raw = files.read(_data_name(name)) if valid_name(name) else None
    if raw is None:
        raise KeyError(name)
    return gpd.read_file(io.BytesIO(raw), engine="pyogrio")


def geojson(name: str) -> bytes | None:
    """The stored GeoJSON of overlay ``name`` as written, or None."""
    return files.read(_data_name(name)) if valid_name(name) else None


def remove(name: str) -> bool:
    """Delete overlay ``name`` and commit; False when there was none."""
    if not exists(name):
        return False
    files.remove([_meta_name(name), _data_name(name)])
    bump_data_version()
    db.session.commit()
    return True


def display_title(meta: dict, lang: str) -> str:
    """The overlay's title in ``lang``, else in the other language, else its plain title."""
    other = "en" if lang == "ar" else "ar"
    return (meta.get(f"title_{lang}") or meta.get(f"title_{other}") or meta.get("title")
            or meta.get("name") or "")


#: Bumped when what the map is sent of an overlay changes shape (new versions for old data).
SERVED_FORMAT = "1"


@dataclass(frozen=True)
class Entry:
    """A complete overlay as the map page lists it: metadata, stored size and served version."""

    meta: dict
    size: int
    version: str


def catalogue() -> list[Entry]:
    """Every complete overlay, in map order (``style.order``, then oldest import first).

    ``version`` changes with the features, the metadata (style, popup) and :data:`SERVED_FORMAT`:
    it versions the overlay's URL, so browsers may keep a fetched overlay for a year.
    """
    stored = {f.name: f for f in files.listing(PREFIX)}
    entries = []
    for meta in listing():
        data, info = stored.get(_data_name(meta["name"])), stored.get(_meta_name(meta["name"]))
        if data is None or info is None:
            continue
        version = hashlib.sha256(f"{data.sha256}:{info.sha256}:{SERVED_FORMAT}".encode()).hexdigest()[:16]
        entries.append(Entry(meta, data.size, version))
    return sorted(entries, key=lambda e: e.meta["style"]["order"])  # stable: import order within


def signature() -> tuple:
    """(name, sha256) of every overlay file: one indexed read, changes with any import or style."""
    return tuple((f.name, f.sha256) for f in files.listing(PREFIX))
