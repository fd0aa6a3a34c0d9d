"""geo.spatial.nearby: candidates ranked by great-circle distance, nearest first."""

from __future__ import annotations

import math

import pytest

from geo.spatial.nearby import Candidate, distances_m, rank_nearest

OLD_CITY = (35.2345, 31.7767)


def test_distance_of_one_degree_of_latitude():
    d = distances_m((35.0, 31.0), [35.0], [32.0])[0]
    assert d == pytest.approx(111_195, rel=1e-3)  # 2πR / 360


def test_distance_to_itself_is_zero_and_symmetric():
    assert distances_m(OLD_CITY, [OLD_CITY[0]], [OLD_CITY[1]])[0] == 0
    a = distances_m((35.2, 31.7), [35.3], [31.8])[0]
    b = distances_m((35.3, 31.8), [35.2], [31.7])[0]
    assert a == pytest.approx(b)


def test_longitude_shrinks_with_latitude():
    east = distances_m((35.0, 31.77), [36.0], [31.77])[0]
    assert east == pytest.approx(111_195 * math.cos(math.radians(31.77)), rel=2e-3)


def test_nearest_first_with_the_nearest_of_each_candidates_points():
    ramallah, bethlehem, amman = (35.2044, 31.9038), (35.2024, 31.7054), (35.9106, 31.9539)
    ranking = rank_nearest(OLD_CITY, [
        Candidate("amman", [amman]),
        # Serves Ramallah and Bethlehem: as near as Bethlehem.
        Candidate("two-cities", [ramallah, bethlehem]),
        Candidate("ramallah", [ramallah]),
    ])
    assert [k for k, _d in ranking] == ["two-cities", "ramallah", "amman"]
    assert ranking[0][1] == pytest.approx(distances_m(OLD_CITY, [bethlehem[0]], [bethlehem[1]])[0])
    assert 60_000 < ranking[2][1] < 80_000


def test_own_area_is_distance_zero_and_unknown_places_come_last():
    ranking = rank_nearest(OLD_CITY, [Candidate("nowhere"), Candidate("far", [(35.9, 31.9)]),
                                      Candidate("here", [(36.5, 32.5)], frozenset({"silwan"}))],
                           origin_area="silwan")
    assert ranking[0] == ("here", 0.0)
    assert [k for k, _d in ranking] == ["here", "far", "nowhere"]
    assert ranking[-1][1] == math.inf


def test_ties_keep_the_input_order_and_limit_cuts():
    same = [(35.3, 31.8)]
    ranking = rank_nearest(OLD_CITY, [Candidate(i, same) for i in range(5)], limit=3)
    assert [k for k, _d in ranking] == [0, 1, 2]
    assert rank_nearest(OLD_CITY, []) == []
    assert rank_nearest(OLD_CITY, [Candidate(1, same)], limit=0) == []
