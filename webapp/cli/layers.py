"""``flask layers ...``: import, restyle, list and remove user layers (overlays).

Import and restyle go through :mod:`webapp.store.overlay_import`, as the ``/admin/layers`` page does.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from geo.reference.layers import LayerError, Layers

from ..store import overlays as overlay_store
from ..store.layers import get_layers
from ..store.overlay_import import OutsideJerusalem, OverlayError, import_file, restyle

layers_cli = AppGroup("layers", help="Manage map layers.")


def init_app(app) -> None:
    app.cli.add_command(layers_cli)


def _shipped_layers() -> Layers:
    try:
        return get_layers()
    except LayerError as exc:
        raise click.ClickException(f"the shipped layers do not load: {exc}") from exc


def _features(n: int) -> str:
    return f"{n} feature{'' if n == 1 else 's'}"


def style_options(command):
    """The titles and style options shared by ``import`` and ``style`` (text, as on the page)."""
    options = [
        click.option("--title-ar", help="Arabic title (the Arabic map shows it; default: the title)."),
        click.option("--title-en", help="English title (the English map shows it; default: the title)."),
        click.option("--color", help="Colour as #rrggbb."),
        click.option("--weight", help="Line width in pixels (0-20)."),
        click.option("--radius", help="Point radius in pixels (1-50)."),
        click.option("--fill-opacity", "fill_opacity", help="Fill opacity of areas and points (0-1)."),
        click.option("--by", help="Attribute whose values pick the colours of --colors ('' for none)."),
        click.option("--colors", help="Colours by value: 'value=#rrggbb;other=#rrggbb'."),
        click.option("--popup", help="Attributes listed in the popup, separated by commas ('' for none)."),
        click.option("--label", help="Attribute shown as the features' tooltip ('' for none; "
                                     "default at import: a name column)."),
        click.option("--order", help="Position in the layer list and drawing order (lower first)."),
        click.option("--visible/--hidden", "visible", default=None, help="On by default on the map, or off."),
    ]
    return functools.reduce(lambda f, option: option(f), reversed(options), command)


def _style(values: dict) -> dict:
    return {k: values[k] for k in ("color", "weight", "radius", "fill_opacity", "by", "colors", "popup",
                                   "order", "visible")}


@layers_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--layer", help="Layer to import when the file holds several (GeoPackage, zip).")
@click.option("--title", help="Name shown in the map's layer list (default: the file name).")
@click.option("--name", help="Short ASCII name of the stored files (default: from the file name).")
@click.option("--replace", is_flag=True, help="Overwrite an overlay of the same name (its style is kept).")
@click.option("--encoding", help="Text encoding of a Shapefile's or CSV's attributes when no .cpg says it "
                                 "(e.g. cp1256 for Windows Arabic, iso-8859-8 for Hebrew).")
@click.option("--force", is_flag=True, help="Import a layer that lies mostly outside Jerusalem anyway.")
@style_options
def import_command(file: Path, layer: str | None, title: str | None, name: str | None,
                   replace: bool, title_ar: str | None, title_en: str | None, encoding: str | None,
                   force: bool, label: str | None, **style) -> None:
    """Import FILE (GeoJSON, zipped Shapefile, Shapefile, GeoPackage, KML/KMZ, CSV) as an overlay."""
    with force_locale("en"):
        try:
            done = import_file(file, filename=click.format_filename(file), name=name, layer=layer,
                               title=title, title_ar=title_ar, title_en=title_en, replace=replace,
                               style=_style(style), reader_options={"encoding": encoding, "force": force},
                               label=label)
        except OutsideJerusalem as exc:
            raise click.ClickException(f"{exc} (use --force)") from exc
        except OverlayError as exc:
            raise click.ClickException(str(exc)) from exc
    for warning in done.warnings:
        click.echo(f"Warning: {file.name}: {warning}", err=True)
    click.echo(f"Imported {_features(done.meta['features'])} from {file.name} as {done.name!r} "
               f"({done.meta['title']}) into the database")


@layers_cli.command("style")
@click.argument("name")
@click.option("--title", help="Plain title (used when no title in the page's language is set).")
@style_options
def style_command(name: str, title: str | None, title_ar: str | None, title_en: str | None,
                  label: str | None, **style) -> None:
    """Change the titles, style and tooltip label of the imported overlay NAME."""
    with force_locale("en"):
        try:
            meta = restyle(name, style=_style(style), title=title, title_ar=title_ar, title_en=title_en,
                           label=label)
        except OverlayError as exc:
            raise click.ClickException(str(exc)) from exc
    shown = ", ".join(f"{k}={v}" for k, v in {**meta["style"], "label": meta.get("name_field")}.items()
                      if v not in (None, [], {}))
    click.echo(f"Styled {name!r}: {shown}")


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
