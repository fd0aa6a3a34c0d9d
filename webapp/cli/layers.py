"""``flask layers ...``: import, list and remove user layers (overlays)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from geo.formats.layer_import import FORMATS, ImportRejected, import_user_layer
from geo.reference.layers import LayerError, Layers
from geo.reference.overlays import valid_name

from ..store import overlays as overlay_store
from ..store.layers import get_layers

layers_cli = AppGroup("layers", help="Manage map layers.")


def init_app(app) -> None:
    app.cli.add_command(layers_cli)


def slugify(text: str) -> str:
    """Lowercase ASCII slug (accents folded, other scripts dropped), at most 64 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64].rstrip("-")


def file_stem(path: Path) -> str:
    """``roads.shp.zip`` → ``roads``: the name a person gave the data."""
    stem = path.stem
    return Path(stem).stem if Path(stem).suffix.lower() in FORMATS else stem


def _shipped_layers() -> Layers:
    try:
        return get_layers()
    except LayerError as exc:
        raise click.ClickException(f"the shipped layers do not load: {exc}") from exc


def _features(n: int) -> str:
    return f"{n} feature{'' if n == 1 else 's'}"


def _free_name() -> str:
    n = 1
    while overlay_store.exists(f"layer-{n}"):
        n += 1
    return f"layer-{n}"


@layers_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--layer", help="Layer to import when the file holds several (GeoPackage, zip).")
@click.option("--title", help="Name shown in the map's layer list (default: the file name).")
@click.option("--name", help="Short ASCII name of the stored files (default: from the file name).")
@click.option("--replace", is_flag=True, help="Overwrite an overlay of the same name.")
@click.option("--encoding", help="Text encoding of a Shapefile's or CSV's attributes when no .cpg says it "
                                 "(e.g. cp1256 for Windows Arabic, iso-8859-8 for Hebrew).")
@click.option("--force", is_flag=True, help="Import a layer that lies mostly outside Jerusalem anyway.")
def import_command(file: Path, layer: str | None, title: str | None, name: str | None,
                   replace: bool, encoding: str | None, force: bool) -> None:
    """Import FILE (GeoJSON, zipped Shapefile, Shapefile, GeoPackage, KML/KMZ, CSV) as an overlay."""
    stem = file_stem(file)
    if name is None:
        name = slugify(stem) or _free_name()
    elif not valid_name(name):
        raise click.ClickException(f"invalid --name {name!r}: use lowercase a-z, 0-9, '-' or '_'")
    if overlay_store.exists(name) and not replace:
        raise click.ClickException(f"an overlay named {name!r} already exists; "
                                   "choose another --name or pass --replace")
    boundary = _shipped_layers().boundary
    try:
        result = import_user_layer(file, layer=layer, boundary=boundary, encoding=encoding, force=force)
    except ImportRejected as exc:
        raise click.ClickException(f"{click.format_filename(file)}: {exc}") from exc
    gdf = result.gdf
    title = (title or "").strip() or stem
    meta = {
        "title": title,
        "source_file": file.name,
        "source_layer": result.source_layer,
        "features": len(gdf),
        "geometry_types": sorted(set(gdf.geom_type)),
        "name_field": result.name_field,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    overlay_store.save(name, gdf, meta)
    for warning in result.warnings:
        click.echo(f"Warning: {file.name}: {warning}", err=True)
    click.echo(f"Imported {_features(len(gdf))} from {file.name} as {name!r} ({title}) into the database")


@layers_cli.command("list")
def list_command() -> None:
    """List the shipped layers and the imported overlays."""
    layers = _shipped_layers()
    click.echo(f"Shipped layers ({current_app.config['LAYERS_DIR']}):")
    for key in ("areas", "places", "boundary"):
        click.echo(f"  {key:<10} {_features(len(getattr(layers, key))):>14}")
    overlays = overlay_store.listing()
    click.echo("Imported overlays (in the database):")
    if not overlays:
        click.echo("  (none)")
    for meta in overlays:
        # The title goes last: it may be long or right-to-left.
        count = meta.get("features")
        click.echo(f"  {meta['name']:<20} {_features(count) if isinstance(count, int) else '?':>14}  "
                   f"imported {meta.get('imported_at', '?')}  {meta['title']}")


@layers_cli.command("remove")
@click.argument("name")
def remove_command(name: str) -> None:
    """Delete the imported overlay NAME."""
    if not overlay_store.remove(name):
        raise click.ClickException(f"no imported overlay named {name!r}")
    click.echo(f"Removed overlay {name!r}.")
