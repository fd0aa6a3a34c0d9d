"""Structured fields: the shipped declarations, the checks on a taxonomy file, and the cleaning."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.reference.fields import (
    clean_values,
    fold,
    format_value,
    parse_fields,
    public_values,
)
from geo.reference.taxonomy import load_taxonomy
from tests.conftest import ROOT

TODAY = dt.date(2026, 12, 5)


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(ROOT / "data" / "categories.yaml")


@pytest.fixture(scope="module")
def housing(taxonomy):
    return taxonomy.fields("challenge", "housing")


def test_the_shipped_fields(taxonomy, housing):
    assert [f.id for f in housing] == ["structures", "housing_units", "people_displaced",
                                       "children_displaced", "demolished_by", "order_date", "stage",
                                       "case_number"]
    by_id = {f.id: f for f in housing}
    assert by_id["people_displaced"].type == "integer" and by_id["people_displaced"].unit("ar") == "أشخاص"
    assert [c.id for c in by_id["demolished_by"].choices] == ["authorities", "self_demolition", "unknown"]
    assert [c.id for c in by_id["stage"].choices] == ["order_issued", "demolished", "order_frozen"]
    assert not by_id["case_number"].public  # the privacy scan plants its marker here
    assert {f.id for f in taxonomy.fields("challenge", "education")} == {"classrooms_missing",
                                                                         "students_affected"}
    assert {f.id for f in taxonomy.fields("challenge", "water")} >= {"households_affected",
                                                                     "days_without_water"}
    assert [c.id for c in taxonomy.fields("challenge", "movement")[0].choices] == [
        "checkpoint", "wall", "gate", "road_closure", "other"]
    assert taxonomy.fields("initiative", "education") == ()  # ids repeat across kinds
    assert taxonomy.fields("challenge", "nope") == ()
    # Every type is used at least once, so the forms render each.
    used = {f.type for c in taxonomy.categories("challenge") for f in c.fields}
    assert used == {"integer", "decimal", "date", "choice", "multi", "yesno", "text"}
    # Ids are unique citywide, so ?field=people_displaced needs no category to be understood.
    ids = [f.id for k in ("challenge", "initiative") for c in taxonomy.categories(k) for f in c.fields]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("entry, message", [
    ({"id": "x1", "type": "number", "label_ar": "a", "label_en": "b"}, "type must be"),
    ({"id": "X", "type": "integer", "label_ar": "a", "label_en": "b"}, "bad or duplicate id"),
    ({"id": "ok", "type": "integer", "label_ar": "a"}, "missing"),
    ({"id": "ok", "type": "choice", "label_ar": "a", "label_en": "b"}, "at least two choices"),
    ({"id": "ok", "type": "choice", "label_ar": "a", "label_en": "b",
      "choices": [{"id": "aa", "label_ar": "x", "label_en": "y"},
                  {"id": "bb", "label_ar": "x", "label_en": "z"}]}, "duplicate id or label"),
    ({"id": "ok", "type": "text", "label_ar": "a", "label_en": "b", "max": 3}, "max must be"),
    ({"id": "ok", "type": "integer", "label_ar": "a", "label_en": "b", "public": "yes"}, "public must be"),
    ({"id": "ok", "type": "integer", "label_ar": "a", "label_en": "b", "colour": "red"}, "unknown keys"),
    ({"id": "ok", "type": "integer", "label_ar": "a", "label_en": "b", "at_most": "nope"}, "at_most"),
])
def test_malformed_declarations_are_refused(entry, message):
    with pytest.raises(ValueError, match=message):
        parse_fields([entry], "categories.yaml: challenge[0]")


def test_a_malformed_taxonomy_file_names_the_entry(tmp_path):
    path = tmp_path / "categories.yaml"
    path.write_text("challenge:\n  - {id: other, label_en: O, label_ar: أ, colour: '#000000', icon: x,"
                    " fields: [{id: n1, type: integr, label_ar: a, label_en: b}]}\n"
                    "initiative:\n  - {id: other, label_en: O, label_ar: أ, colour: '#000000', icon: x}\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"challenge\[0\]\.fields\[0\]: type"):
        load_taxonomy(path)


def test_raw_strings_become_typed_values(housing):
    values, problems = clean_values(housing, {
        "structures": " ٣ ", "housing_units": "1,200", "people_displaced": "12",
        "children_displaced": 5, "demolished_by": "The family itself, under an order",
        "order_date": "01/05/2024", "stage": "تم الهدم", "case_number": "  file\t 77/2024 "}, TODAY)
    assert problems == {}
    assert values == {"structures": 3, "housing_units": 1200, "people_displaced": 12,
                      "children_displaced": 5, "demolished_by": "self_demolition",
                      "order_date": "2024-05-01", "stage": "demolished", "case_number": "file 77/2024"}
    assert all(type(values[k]) is int for k in ("structures", "housing_units", "people_displaced"))


def test_json_values_and_empty_ones(taxonomy, housing):
    water = taxonomy.fields("challenge", "water")
    values, problems = clean_values(water, {"households_affected": 40.0, "days_without_water": None,
                                            "services_affected": ["sewage", "water", "sewage"]}, TODAY)
    assert problems == {} and values == {"households_affected": 40, "services_affected": ["water", "sewage"]}
    # Kobo's select_multiple: ids separated by spaces; a spreadsheet: labels and Arabic commas.
    assert clean_values(water, {"services_affected": "water electricity"}, TODAY)[0] == {
        "services_affected": ["water", "electricity"]}
    assert clean_values(water, {"services_affected": "الكهرباء، الصرف الصحي"}, TODAY)[0] == {
        "services_affected": ["sewage", "electricity"]}
    movement = taxonomy.fields("challenge", "movement")
    assert clean_values(movement, {"permit_required": "نعم", "obstacle": "road closure"}, TODAY)[0] == {
        "obstacle": "road_closure", "permit_required": True}
    assert clean_values(movement, {"permit_required": False}, TODAY)[0] == {"permit_required": False}
    land = taxonomy.fields("challenge", "land")
    assert clean_values(land, {"land_dunums": "٢٫٥"}, TODAY)[0] == {"land_dunums": 2.5}
    assert clean_values(housing, {"structures": "", "stage": [], "order_date": "  "}, TODAY) == ({}, {})


@pytest.mark.parametrize("field_id, raw, code", [
    ("structures", "-1", "range"),
    ("structures", -1, "range"),
    ("structures", "2.5", "integer"),
    ("structures", "nan", "integer"),
    ("structures", "1e400", "integer"),
    ("structures", "inf", "integer"),
    ("structures", "twelve", "integer"),
    ("structures", True, "integer"),
    ("structures", {"a": 1}, "integer"),
    ("structures", 10 ** 12, "range"),
    ("structures", "0x10", "integer"),
    ("order_date", "2024-02-30", "date"),
    ("order_date", "2999-01-01", "future"),
    ("order_date", "0202-01-01", "too_early"),
    ("order_date", 20240101, "date"),
    ("stage", "bulldozed", "choice"),
    ("stage", ["demolished"], "choice"),
    ("case_number", "x" * 201, "text_long"),
    ("case_number", "a\x00b", "text_invalid"),
    ("case_number", "bad \ufffd bytes", "text_invalid"),
    ("case_number", ["a"], "text_invalid"),
])
def test_bad_values_are_refused_with_a_code(housing, field_id, raw, code):
    values, problems = clean_values(housing, {field_id: raw}, TODAY)
    assert values == {} and problems[field_id][0] == code


def test_children_cannot_outnumber_the_people_displaced(housing):
    values, problems = clean_values(housing, {"people_displaced": "4", "children_displaced": "6"}, TODAY)
    assert problems == {"children_displaced": ("at_most", {"other": "people_displaced"})}
    assert values == {"people_displaced": 4}
    assert clean_values(housing, {"people_displaced": "6", "children_displaced": "6"}, TODAY)[1] == {}
    assert clean_values(housing, {"children_displaced": "6"}, TODAY)[1] == {}  # nothing to compare with


def test_unknown_ids_and_required_fields():
    fields = parse_fields([{"id": "count", "type": "integer", "label_ar": "ع", "label_en": "n",
                            "required": True}], "t")
    assert clean_values(fields, {}, TODAY)[1] == {"count": ("required", {})}
    assert clean_values(fields, {"count": "1", "typo": "2"}, TODAY)[1] == {"typo": ("unknown", {})}
    assert clean_values(fields, {"count": "1", "typo": "2"}, TODAY, unknown="ignore") == ({"count": 1}, {})


def test_the_public_subset_and_formatting(housing):
    stored = {"people_displaced": 1200, "case_number": "77/2024", "obstacle": "wall",
              "demolished_by": "authorities"}
    assert public_values(housing, stored) == {"people_displaced": 1200, "demolished_by": "authorities"}
    assert public_values(housing, None) == {}
    by_id = {f.id: f for f in housing}
    assert format_value(by_id["people_displaced"], 1200, "en") == "1,200 people"
    assert format_value(by_id["people_displaced"], 12, "ar") == "12 أشخاص"
    assert format_value(by_id["demolished_by"], "unknown", "ar") == "غير معروف"


def test_fold_matches_arabic_spelling_variants():
    assert fold("إغلاق  طريق") == fold("اغلاق طريق")
    assert fold("Road_Closure") == "road closure"
