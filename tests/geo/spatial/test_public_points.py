"""geo.spatial.privacy.public_points: the bulk import's public points equal public_point's, one by one."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geo.reference.layers import load_layers
from geo.spatial.assign import AreaIndex
from geo.spatial.demo import random_points_in_polygons
from geo.spatial.privacy import PRECISIONS, public_point, public_points

ROOT = Path(__file__).resolve().parents[3]


def test_bulk_public_points_equal_one_by_one():
    areas = load_layers(ROOT / "data" / "layers").areas
    index = AreaIndex(areas)
    rng = np.random.default_rng(5)
    lons, lats, _ = random_points_in_polygons(areas.geometry.values, 400, rng)
    # Points near the edge and outside too: areas None, offsets that leave the area, fallbacks.
    lons = np.concatenate([lons, rng.uniform(35.15, 35.30, 100)])
    lats = np.concatenate([lats, rng.uniform(31.70, 31.88, 100)])
    found = index.assign(lons, lats)
    precisions = [PRECISIONS[i % 3] for i in range(lons.size)]
    seeds = [f"seed-{i}" for i in range(lons.size)]
    bulk_lon, bulk_lat = public_points(lons, lats, precisions, found, seeds, index)
    one = [public_point(float(x), float(y), p, a, s, index)
           for x, y, p, a, s in zip(lons, lats, precisions, found, seeds, strict=True)]
    assert list(zip(bulk_lon.tolist(), bulk_lat.tolist(), strict=True)) == one
