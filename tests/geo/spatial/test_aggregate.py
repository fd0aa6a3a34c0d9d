"""Suppression, choropleth classes and grid clusters against hand-built fixtures."""

from __future__ import annotations

import numpy as np
import pytest

from geo.spatial import aggregate
from geo.spatial.aggregate import cell_size, choropleth_classes, grid_cells, public_cell, snap_bbox, suppress


def test_suppression():
    assert suppress(3, 1) == 3
    assert suppress(3, 5) == "<5"
    assert suppress(0, 5) == 0
    assert suppress(5, 5) == 5


@pytest.mark.parametrize("count, split, k, expected", [
    (3, {"challenge": 3, "initiative": 0}, 1, {"count": 3, "challenge": 3, "initiative": 0}),
    (1, {"challenge": 0, "initiative": 1}, 2, {"count": "<2", "challenge": 0, "initiative": "<2"}),
    (100, {"challenge": 98, "initiative": 2}, 5, {"count": 100, "challenge": ">95", "initiative": "<5"}),
    (12, {"challenge": 5, "initiative": 7}, 5, {"count": 12, "challenge": 5, "initiative": 7}),
    # Three kinds, two hidden adding up to 4 (< 5): the smallest exact kind is hidden as well.
    (20, {"a": 2, "b": 2, "c": 6, "d": 10}, 5, {"count": 20, "a": "<5", "b": "<5", "c": ">4", "d": 10}),
])
def test_public_cell(count, split, k, expected):
    got = public_cell(count, split, k)
    assert got == expected
    assert list(got) == ["count", *split]  # same keys, same order


def test_classes_never_leave_an_empty_class():
    # The quantile breaks are 1, 1.8, 2.2, 6.8, 40 here: (1, 1.8] holds no integer.
    values = np.array([0, 0, 1, 1, 1, 2, 3, 5, 8, 13, 1, 1, 2, 2, 40])
    got = choropleth_classes(values)
    assert got.breaks == [1, 2, 5, 40]
    assert got.ranges == [[1, 1], [2, 2], [3, 5], [6, 40]]
    assert got.labels == ["1", "2", "3–5", "6–40"]
    assert got.classes.tolist() == [-1, -1, 0, 0, 0, 1, 2, 2, 3, 3, 0, 0, 1, 1, 3]
    # Breaks 1, 2.6, 5.8, 20: no count is 2, so a class [2, 2] would be an empty legend row.
    gap = choropleth_classes([20, 1, 0, 1, 3, 1, 7, 1, 5, 1, 0])
    assert gap.ranges == [[1, 1], [2, 5], [6, 20]]


def test_classes_keep_zero_apart():
    got = choropleth_classes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], k=5)
    assert got.classes[0] == -1
    assert len(got.breaks) == 5 and got.breaks[-1] == 10
    assert list(got.classes[1:]) == sorted(got.classes[1:])
    none = choropleth_classes([0, 0], k=5)
    assert none.breaks == [] and none.labels == [] and none.classes.tolist() == [-1, -1]
    one = choropleth_classes([0, 4, 4], k=5)
    assert one.breaks == [4] and one.labels == ["1–4"] and one.classes.tolist() == [-1, 0, 0]


def test_classes_without_suppression_tell_small_counts_apart():
    got = choropleth_classes([0, 1, 2, 3, 4, 5, 6, 7, 10, 20, 30])
    assert got.classes[0] == -1 and got.classes[1] != got.classes[4]
    assert got.labels[0] == "1–2" and len(got.labels) == 5


def test_classes_put_every_small_count_in_one_class():
    values = np.array([0, 1, 2, 3, 4, 5, 6, 7, 10, 20, 30])
    got = choropleth_classes(values, min_count=5)
    classes, labels = got.classes, got.labels
    assert classes[0] == -1  # zero keeps its own blank class
    assert set(classes[(values > 0) & (values < 5)]) == {0} and labels[0] == "<5"
    assert got.ranges[0] == [1, 4] and got.breaks[0] == 4  # no break below "<5"
    assert (classes[values >= 5] >= 1).all()  # no count of 5 or more shares the "<5" shade
    assert len(labels) == 5 and labels[1].startswith("5")
    # No other label names a number below 5: the legend says no more than "<5".
    numbers = [int(n) for label in labels[1:] for n in label.split("–")]
    assert min(numbers) == 5
    assert (np.diff(classes[values >= 5]) >= 0).all()
    # Only small counts: one class; none: the usual classes, starting at the threshold.
    only_small = choropleth_classes([0, 1, 3], min_count=5)
    assert only_small.classes.tolist() == [-1, 0, 0] and only_small.labels == ["<5"]
    no_small = choropleth_classes([0, 5, 9], min_count=5)
    assert no_small.classes.tolist() == [-1, 0, 1] and no_small.labels == ["5", "6–9"]


def test_grid_cells_sum_to_points():
    rng = np.random.default_rng(1)
    lons = rng.uniform(35.1, 35.3, 10_000)
    lats = rng.uniform(31.7, 31.9, 10_000)
    kinds = rng.integers(0, 2, 10_000)
    cx, cy, n, by_kind = grid_cells(lons, lats, 0.05, groups=kinds, n_groups=2)
    assert n.sum() == 10_000
    assert len(n) == 16
    assert ((cx > 35.1) & (cx < 35.3)).all()
    assert (by_kind.sum(axis=1) == n).all()
    assert by_kind[:, 1].sum() == (kinds == 1).sum()
    empty = grid_cells([], [], 0.1, n_groups=2)
    assert empty[2].size == 0 and empty[3].shape == (0, 2)


def test_grid_cells_hand_counted():
    # Two points in cell (0, 0) of a 1° grid, one in (2, 1); group -1 counts in the total only.
    cx, cy, n, by = grid_cells([0.2, 0.4, 2.5], [0.1, 0.3, 1.5], 1.0, groups=[0, -1, 1], n_groups=2)
    assert n.tolist() == [2, 1]
    assert cx.tolist() == pytest.approx([0.3, 2.5]) and cy.tolist() == pytest.approx([0.2, 1.5])
    assert by.tolist() == [[1, 0], [0, 1]]


def test_grid_cells_sparse_path_equals_dense(monkeypatch):
    """A grid too large for a dense count array gives the same cells, centres and splits."""
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(34.0, 36.0, 5000), rng.uniform(31.0, 33.0, 5000)
    kinds = rng.integers(0, 3, 5000)
    dense = grid_cells(lons, lats, 0.01, groups=kinds, n_groups=3)
    monkeypatch.setattr(aggregate, "DENSE_CELLS", 10)
    sparse = grid_cells(lons, lats, 0.01, groups=kinds, n_groups=3)
    for a, b in zip(dense, sparse, strict=True):
        np.testing.assert_allclose(a, b)


def test_cells_align_to_a_global_grid():
    assert cell_size(0) == pytest.approx(60 * 360 / 256)
    assert cell_size(12) == pytest.approx(cell_size(11) / 2)
    assert snap_bbox((35.13, 31.71, 35.27, 31.86), 0.1) == pytest.approx((35.1, 31.7, 35.3, 31.9))
