"""Real survey exports, as their tools' own test suites wrote them, import without edits.

The files in tests/fixtures/import/real/ are copies of KoboToolbox (kobocat), Ona (onadata) and ODK
Central (central-backend) test exports (sources and licences in that folder's README). Their
points are in Nairobi, Seattle and San Sebastián, so the app here runs on a layer of test "areas"
around those places (the layer directory is a setting, ``LAYERS_DIR``): the import itself - the
columns, the geopoints, the dates, the ids, the place names - is the one Jerusalem uses.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import make_app

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "real"

#: slug, English name, other spellings, (lon0, lat0, lon1, lat1)
AREAS = [
    ("nairobi-west", "Nairobi West", "", (36.75, -1.32, 36.85, -1.24)),
    ("seattle", "Seattle", "Seattle, WA", (-122.40, 47.55, -122.30, 47.70)),
    ("portland", "Portland", "Portland, OR", (-122.72, 45.48, -122.62, 45.56)),
    ("san-francisco", "San Francisco", "San Francisco, CA", (-122.47, 37.73, -122.38, 37.80)),
    ("donostia", "Donostia", "San Sebastián", (-2.02, 43.29, -1.95, 43.33)),
]


def _square(box):
    x0, y0, x1, y1 = box
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _write_layers(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    areas, places, union = [], [], []
    for slug, name, alt, box in AREAS:
        props = {"slug": slug, "name_ar": f"{name} (ar)", "name_en": name, "name_he": f"{name} (he)",
                 "alt_names": alt, "kind": "neighborhood", "sector": "outside", "pcbs_code": "",
                 "source": "test square"}
        areas.append({"type": "Feature", "properties": props, "geometry": _square(box)})
        x0, y0, x1, y1 = box
        places.append({"type": "Feature", "properties": {**props, "has_area": True},
                       "geometry": {"type": "Point", "coordinates": [(x0 + x1) / 2, (y0 + y1) / 2]}})
        union.append(_square(box)["coordinates"])
    boundary = {"type": "Feature", "properties": {"slug": "test", "name_ar": "t", "name_en": "t",
                                                  "name_he": "t", "source": "test"},
                "geometry": {"type": "MultiPolygon", "coordinates": union}}
    for name, features in (("areas", areas), ("places", places), ("boundary", [boundary])):
        (folder / f"{name}.geojson").write_text(json.dumps(
            {"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return folder


@pytest.fixture
def app(tmp_path, db_url):
    layers = _write_layers(tmp_path / "layers")
    with make_app(tmp_path / "instance", db_url, LAYERS_DIR=str(layers)) as app:
        yield app


def run(runner, name, *args):
    return runner.invoke(args=["reports", "import", "--lang", "en", str(REAL / name), *args])


def stored(app) -> list[dict]:
    from webapp.extensions import db
    from webapp.store.models import Report

    with app.app_context():
        return [{"title": r.title, "lon": r.lon, "lat": r.lat, "area": r.area, "precision": r.precision,
                 "observed_on": r.observed_on, "source_id": r.source_id, "kind": r.kind,
                 "category": r.category}
                for r in db.session.scalars(sa.select(Report).order_by(Report.id))]


DEFAULTS = ("--kind", "challenge", "--category", "housing")


def test_kobocat_export_with_na_cells(app, runner):
    result = run(runner, "kobocat_tutorial_w_repeats.csv", *DEFAULTS)
    assert result.exit_code == 0, result.output
    assert "gps → location" in result.output and "_uuid → source_id" in result.output
    assert "1 new, 0 already imported, 0 repeated in the file, 0 invalid" in result.output
    (row,) = stored(app)
    assert (row["lat"], row["lon"]) == (-1.2625621, 36.7921711)
    assert row["observed_on"] == dt.date(2013, 2, 18)
    assert row["source_id"] == "uuid:b31c6ac2-b8ca-4180-914f-c844fa10ed3b"
    # No title column: category · place · date (never "n/a", never a name from the rows).
    assert row["title"] == "Housing & demolitions · Nairobi West · 2013-02-18"
    assert (row["area"], row["precision"]) == ("nairobi-west", "approximate")


def test_ona_export_with_geotraces_and_repeated_rows(app, runner):
    result = run(runner, "ona_geolocation_form.csv", *DEFAULTS)
    assert result.exit_code == 0, result.output
    # The same submission four times: stored once. The geotrace/geoshape columns are no place.
    assert "1 new, 0 already imported, 3 repeated in the file, 0 invalid" in result.output
    assert "path →" not in result.output and "shape →" not in result.output
    (row,) = stored(app)
    assert (row["lat"], row["lon"]) == (-1.294197, 36.787219)
    assert row["observed_on"] == dt.date(2015, 1, 15)
    assert row["source_id"] == "uuid:7c0d8b2d-7ad0-4100-923d-f2767d532258"
    assert ";" not in row["title"] and row["title"].endswith("2015-01-15")
    again = run(runner, "ona_geolocation_form.csv", *DEFAULTS)
    assert "0 new, 1 already imported, 3 repeated in the file" in again.output


def test_odk_central_split_geopoint(app, runner):
    result = run(runner, "odk_central_mytestform.csv", *DEFAULTS)
    # Chelsea's row has no location at all: refused in words about rows and columns.
    assert result.exit_code == 1
    assert ("Row 4: Place: No place: the row has no coordinates and no neighbourhood or village name"
            in result.output)
    assert "click the map" not in result.output
    result = run(runner, "odk_central_mytestform.csv", *DEFAULTS, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "location-Latitude → lat" in result.output and "location-Longitude → lon" in result.output
    rows = stored(app)
    assert [(r["lat"], r["lon"]) for r in rows] == [(47.649434, -122.347737), (47.599115, -122.331753)]
    assert [r["source_id"] for r in rows] == ["uuid:one", "uuid:two"]
    assert {r["observed_on"] for r in rows} == {dt.date(2018, 1, 1)}
    assert {r["area"] for r in rows} == {"seattle"}


def test_odk_central_all_data_types(app, runner):
    result = run(runner, "odk_central_all_data_types.csv", *DEFAULTS)
    assert result.exit_code == 0, result.output
    (row,) = stored(app)
    assert (row["lat"], row["lon"]) == (43.3149254, -1.9869671)
    assert row["observed_on"] == dt.date(2018, 4, 26)
    assert row["source_id"] == "uuid:39f3dd36-161e-45cb-a1a4-395831d253a7"
    assert row["title"] == "Housing & demolitions · Donostia · 2018-04-26"  # not the geotrace


def test_odk_central_groups_and_place_names_without_coordinates(app, runner):
    result = run(runner, "odk_central_structuredform.csv", *DEFAULTS)
    assert result.exit_code == 0, result.output
    # "home-type" (Apartment, Condo, House) is the form's own question, not Ahya's type; the city
    # column is found by its values and places the rows at their area's point.
    assert "home-type →" not in result.output
    assert "home-address-city → area_name" in result.output
    rows = stored(app)
    assert [(r["area"], r["precision"]) for r in rows] == [
        ("seattle", "area"), ("portland", "area"), ("san-francisco", "area")]
    assert [r["source_id"] for r in rows] == ["uuid:one", "uuid:two", "uuid:three"]
    assert {r["kind"] for r in rows} == {"challenge"} and {r["category"] for r in rows} == {"housing"}
    assert rows[1]["title"] == "Housing & demolitions · Portland · 2018-01-01"


def test_a_category_nobody_has_is_refused(app, runner):
    result = run(runner, "odk_central_structuredform.csv", "--category", "nope")
    assert result.exit_code == 1 and "Unknown category: nope." in result.output and stored(app) == []


def test_every_real_export_previews_on_the_page(app, client, login):
    from tests.webapp.test_reports_import import upload

    login()
    for path in sorted(REAL.glob("*.csv")):
        resp = upload(client, path)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, (path.name, html[:300])
        assert 'id="import-preview"' in html and "click the map" not in html
