"""Demo data generation: points inside their polygons, labelled, reproducible (no Flask)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
import yaml

from geo.spatial.demo import DEMO_PREFIX, demo_reports, random_points_in_polygons
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def categories():
    data = yaml.safe_load((ROOT / "data" / "categories.yaml").read_text(encoding="utf-8"))
    return {kind: [dict(c) for c in data[kind]] for kind in ("challenge", "initiative")}


def test_points_fall_inside_their_polygons(areas):
    geoms = areas.geometry.values
    lons, lats, idx = random_points_in_polygons(geoms, 5000, np.random.default_rng(1))
    assert lons.shape == lats.shape == idx.shape == (5000,)
    assert np.isfinite(lons).all() and np.isfinite(lats).all()
    assert shapely.contains_xy(np.asarray(geoms)[idx], lons, lats).all()
    # Uniform choice of polygons: small areas get points too.
    assert len(np.unique(idx)) == len(geoms)


def test_awkward_polygons():
    ring = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(0.1, 0.1), (9.9, 0.1), (9.9, 9.9),
                                                                   (0.1, 9.9)]])
    sliver = shapely.Polygon([(0, 0), (1, 1e-9), (0, 2e-9)])  # too thin for rejection sampling
    multi = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)])
    geoms = [ring, sliver, multi]
    lons, lats, idx = random_points_in_polygons(geoms, 600, np.random.default_rng(2))
    inside = shapely.intersects_xy(np.asarray(geoms, dtype=object)[idx], lons, lats)
    assert inside.all()


def test_points_are_reproducible_and_empty_input(areas):
    a = random_points_in_polygons(areas.geometry.values, 50, np.random.default_rng(7))
    b = random_points_in_polygons(areas.geometry.values, 50, np.random.default_rng(7))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    lons, lats, idx = random_points_in_polygons(areas.geometry.values, 0, np.random.default_rng(0))
    assert lons.size == lats.size == idx.size == 0


def test_demo_reports_are_labelled_and_spread(areas, categories):
    rows = demo_reports(areas, categories, 60, seed=3, today=dt.date(2026, 1, 1))
    assert len(rows) == 60
    by_slug = dict(zip(areas["slug"], areas.geometry.values, strict=True))
    kinds = {r["kind"] for r in rows}
    assert kinds == {"challenge", "initiative"}
    for kind in kinds:
        used = {r["category"] for r in rows if r["kind"] == kind}
        assert used == {c["id"] for c in categories[kind]}, kind
    for r in rows:
        assert r["is_demo"] is True
        assert r["title"].startswith(tuple(DEMO_PREFIX.values()))
        assert len(r["title"]) <= 120
        assert r["precision"] in ("exact", "approximate", "area")
        assert shapely.contains_xy(by_slug[r["area_hint"]], r["lon"], r["lat"])
        assert dt.date(2024, 1, 1) <= r["observed_on"] <= dt.date(2026, 1, 1)
        assert r["contact"] == ""
    assert len({r["precision"] for r in rows}) == 3


def test_initiatives_link_to_earlier_challenges(areas, categories):
    rows = demo_reports(areas, categories, 80, seed=4)
    first_initiative = next(i for i, r in enumerate(rows) if r["kind"] == "initiative")
    assert all(r["kind"] == "challenge" for r in rows[:first_initiative])
    linked = [r for r in rows if r.get("addresses_idx")]
    assert linked, "no initiative addresses a challenge"
    for r in linked:
        assert r["kind"] == "initiative"
        assert all(i < first_initiative for i in r["addresses_idx"])
    cat_ids = {c["id"] for c in categories["challenge"]}
    with_cats = [r for r in rows if r.get("addressed_categories")]
    assert with_cats and all(set(r["addressed_categories"]) <= cat_ids for r in with_cats)


def test_same_seed_same_reports(areas, categories):
    day = dt.date(2026, 3, 1)
    assert demo_reports(areas, categories, 20, seed=9, today=day) == \
        demo_reports(areas, categories, 20, seed=9, today=day)
    assert demo_reports(areas, categories, 20, seed=9, today=day) != \
        demo_reports(areas, categories, 20, seed=10, today=day)


def test_demo_reports_carry_plausible_structured_fields(areas, categories):
    from geo.reference.fields import clean_values
    from geo.reference.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(ROOT / "data" / "categories.yaml")
    fields = {(k, c.id): c.fields for k in ("challenge", "initiative") for c in taxonomy.categories(k)}
    today = dt.date(2026, 1, 1)
    plain = demo_reports(areas, categories, 200, seed=5, today=today)
    rows = demo_reports(areas, categories, 200, seed=5, today=today, fields=fields)
    # The fields have their own random numbers: everything else is as before.
    assert [{k: v for k, v in r.items() if k != "fields"} for r in rows] == plain
    housing = [r["fields"] for r in rows if r["category"] == "housing" and r["kind"] == "challenge"]
    assert len(housing) >= 10 and all("case_number" not in f for f in housing)  # private: never demo
    for row in rows:
        declared = fields[(row["kind"], row["category"])]
        if not declared:
            assert "fields" not in row
            continue
        # What the demo stores is exactly what the one validation would accept and return.
        assert clean_values(declared, row["fields"], today) == (row["fields"], {}), row["fields"]
    people = [f["people_displaced"] for f in housing if "people_displaced" in f]
    assert people and all(3 <= p <= 24 * 8 for p in people)
    assert all(f["children_displaced"] <= f["people_displaced"] for f in housing
               if {"children_displaced", "people_displaced"} <= set(f))
    assert any(f.get("demolished_by") == "self_demolition" for f in housing)
