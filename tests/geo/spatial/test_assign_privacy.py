"""Area assignment and public points, on the shipped layers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod

from geo.reference.layers import load_layers
from geo.spatial.assign import AreaIndex
from geo.spatial.privacy import public_point
from tests.conftest import ROOT, SILWAN

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def index(areas):
    return AreaIndex(areas)


def test_points_are_assigned_to_their_area(index):
    slugs = index.assign([SILWAN[0], 35.2312, 2.35], [SILWAN[1], 31.7930, 48.85])
    assert slugs[0] == "silwan"
    assert slugs[1] == "sheikh-jarrah"
    assert slugs[2] is None  # Paris


def test_nearest_area_within_250_m(index):
    boundary = load_layers(ROOT / "data" / "layers").boundary.geometry.iloc[0]
    coords = np.concatenate([np.asarray(p.exterior.coords) for p in getattr(boundary, "geoms", [boundary])])
    lon, lat = coords[np.argmin(coords[:, 0])]  # the westernmost vertex of the city
    inside = index.assign_one(lon + 1e-5, lat)
    near_lon, _, _ = GEOD.fwd(lon, lat, 270, 100)  # 100 m further west: outside every polygon
    far_lon, _, _ = GEOD.fwd(lon, lat, 270, 400)
    assert index.assign([near_lon], [lat], nearest_m=0)[0] is None
    assert index.assign_one(near_lon, lat) is not None
    assert index.assign_one(near_lon, lat) == (inside or index.assign_one(near_lon, lat))
    assert index.assign_one(far_lon, lat) is None


def test_assign_empty_input(index):
    assert len(index.assign([], [])) == 0


def test_exact_precision_is_unchanged(index):
    assert public_point(*SILWAN, "exact", "silwan", "seed", index) == SILWAN


def test_approximate_is_stable_offset_inside_area(index):
    a = public_point(*SILWAN, "approximate", "silwan", "seed-1", index)
    b = public_point(*SILWAN, "approximate", "silwan", "seed-1", index)
    c = public_point(*SILWAN, "approximate", "silwan", "seed-2", index)
    assert a == b and a != c
    for p in (a, c):
        _, _, dist = GEOD.inv(SILWAN[0], SILWAN[1], p[0], p[1])
        assert 145 <= dist <= 305, dist
        assert index.contains("silwan", *p)


def test_area_precision_is_representative_point(index):
    p = public_point(*SILWAN, "area", "silwan", "seed", index)
    rep = index.representative_point("silwan")
    assert p == (round(rep[0], 6), round(rep[1], 6))
    assert index.contains("silwan", *p)


def test_unknown_precision_is_refused(index):
    with pytest.raises(ValueError):
        public_point(*SILWAN, "fuzzy", "silwan", "seed", index)


def test_many_random_points_stay_in_their_area(index):
    rng = np.random.default_rng(7)
    areas = load_layers(ROOT / "data" / "layers").areas
    for _, row in areas.sample(20, random_state=3).iterrows():
        pt = row.geometry.representative_point()
        seed = f"s{rng.integers(1_000_000)}"
        p = public_point(pt.x, pt.y, "approximate", row.slug, seed, index)
        assert index.contains(row.slug, *p) or math.isclose(p[0], round(
            index.representative_point(row.slug)[0], 6))


def test_rounded_public_point_stays_inside(index):
    # Found by the property tests: rounding after the inside check once put this point outside.
    p = public_point(35.192887, 31.791268, "approximate", "givat-shaul", "s15639", index)
    assert index.contains("givat-shaul", *p)
