"""Imported overlays on disk: ``<dir>/<name>.geojson`` plus ``<name>.json`` metadata.

Files are written to a temporary name and renamed, so a failed import leaves
nothing behind and a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import geopandas as gpd

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def valid_name(name: str) -> bool:
    """Overlay names are short lowercase ASCII slugs (they become file names)."""
    return bool(_NAME.match(name or ""))


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_overlay(directory: Path, name: str, gdf: gpd.GeoDataFrame, meta: dict) -> Path:
    """Store an overlay (EPSG:4326) and its metadata; returns the GeoJSON path."""
    if not valid_name(name):
        raise ValueError(f"invalid overlay name: {name!r}")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError("overlays are stored in EPSG:4326")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    geojson = gdf.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")
    target = directory / f"{name}.geojson"
    _atomic_write(target, geojson)
    # Metadata last: an overlay is listed only once its data is complete.
    _atomic_write(directory / f"{name}.json",
                  json.dumps({**meta, "name": name}, ensure_ascii=False, indent=1).encode("utf-8"))
    return target


def list_overlays(directory: Path) -> list[dict]:
    """Metadata of every stored overlay, oldest import first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    metas = []
    for meta_path in sorted(directory.glob("*.json")):
        if not (directory / f"{meta_path.stem}.geojson").exists():
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        meta.setdefault("name", meta_path.stem)
        meta.setdefault("title", meta_path.stem)
        metas.append(meta)
    return sorted(metas, key=lambda m: (str(m.get("imported_at", "")), m["name"]))


def read_overlay(directory: Path, name: str) -> gpd.GeoDataFrame:
    """Read one stored overlay."""
    if not valid_name(name):
        raise ValueError(f"invalid overlay name: {name!r}")
    return gpd.read_file(Path(directory) / f"{name}.geojson", engine="pyogrio")


def overlay_exists(directory: Path, name: str) -> bool:
    """True when either file of overlay ``name`` is present (even a half-written one)."""
    directory = Path(directory)
    return valid_name(name) and any(
        (directory / f"{name}{ext}").exists() for ext in (".json", ".geojson"))


def remove_overlay(directory: Path, name: str) -> bool:
    """Delete an overlay's files; returns False when there was nothing to delete."""
    if not overlay_exists(directory, name):
        return False
    directory = Path(directory)
    # Metadata first: the overlay leaves the listings before its data disappears.
    for ext in (".json", ".geojson"):
        (directory / f"{name}{ext}").unlink(missing_ok=True)
    return True
