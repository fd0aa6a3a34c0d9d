"""Aggregation against hand-built fixtures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.aggregate import classify, count_by_area, grid_cells, suppress, totals_by_area


@pytest.fixture
def rows():
    return pd.DataFrame([
        {"area": "silwan", "kind": "challenge", "category": "housing", "observed_on": "2026-01-05"},
        {"area": "silwan", "kind": "challenge", "category": "housing", "observed_on": "2026-02-01"},
        {"area": "silwan", "kind": "initiative", "category": "legal-aid", "observed_on": "2026-02-03"},
        {"area": "at-tur", "kind": "challenge", "category": "housing", "observed_on": "2026-02-10"},
        {"area": "at-tur", "kind": "challenge", "category": "water", "observed_on": "2025-12-31"},
        {"area": None, "kind": "challenge", "category": "water", "observed_on": "2026-01-01"},
    ])


def test_counts_by_area_kind_category(rows):
    out = count_by_area(rows)
    as_dict = {(r.area, r.kind, r.category): r.count for r in out.itertuples()}
    assert as_dict == {("at-tur", "challenge", "housing"): 1, ("at-tur", "challenge", "water"): 1,
                       ("silwan", "challenge", "housing"): 2, ("silwan", "initiative", "legal-aid"): 1}
    assert out["count"].sum() == 5  # the row without an area is left out


def test_counts_by_month(rows):
    out = count_by_area(rows, by=("kind",), period="month")
    silwan = out[(out.area == "silwan") & (out.kind == "challenge")]
    assert list(silwan.period) == ["2026-01", "2026-02"]
    assert list(silwan["count"]) == [1, 1]
    with pytest.raises(ValueError):
        count_by_area(rows, period="week")


def test_counts_of_nothing():
    empty = pd.DataFrame(columns=["area", "kind", "category"])
    assert count_by_area(empty).empty


def test_totals_cover_every_area(rows):
    totals = totals_by_area(rows, ["silwan", "at-tur", "beit-hanina"], kind="challenge")
    assert totals.to_dict() == {"silwan": 2, "at-tur": 2, "beit-hanina": 0}
    housing = totals_by_area(rows, ["silwan", "at-tur"], kind="challenge", category=["housing"])
    assert housing.to_dict() == {"silwan": 2, "at-tur": 1}


def test_suppression():
    assert suppress(3, 1) == 3
    assert suppress(3, 5) == "<5"
    assert suppress(0, 5) == 0
    assert suppress(5, 5) == 5


def test_classes_keep_zero_apart():
    breaks, classes = classify([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], k=5)
    assert classes[0] == -1
    assert len(breaks) == 5 and breaks[-1] == 10
    assert list(classes[1:]) == sorted(classes[1:])
    assert classify([0, 0], k=5) == ([], pytest.approx(np.array([-1, -1])))
    breaks, classes = classify([0, 4, 4], k=5)
    assert breaks == [4.0] and list(classes) == [-1, 0, 0]


def test_grid_cells_sum_to_points():
    rng = np.random.default_rng(1)
    lons = rng.uniform(35.1, 35.3, 10_000)
    lats = rng.uniform(31.7, 31.9, 10_000)
    cx, cy, n = grid_cells(lons, lats, 0.05)
    assert n.sum() == 10_000
    assert len(n) == 16
    assert ((cx > 35.1) & (cx < 35.3)).all()
    assert grid_cells([], [], 0.1)[2].size == 0


def test_counts_of_grouped_rows(rows):
    grouped = rows.groupby(["area", "kind", "category"]).size().reset_index(name="count")
    assert count_by_area(grouped, weight="count").equals(count_by_area(rows))
    assert totals_by_area(grouped, ["silwan"], kind="challenge").to_dict() == {"silwan": 2}
