"""Arabic plurals: six forms (zero, one, two, few 3–10, many 11–99, other 100+) wherever a number
meets a noun, read from the compiled catalogue the app uses."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, ngettext

from scripts.translations import AR_PLURAL_EXPR, AR_PLURALS, missing_arabic

# n → the form expected for "%(num)d new report imported." in Arabic.
IMPORTED = {
    0: "لم يُستورد أي بلاغ جديد.",
    1: "استُورد بلاغ جديد واحد.",
    2: "استُورد بلاغان جديدان.",
    3: "استُوردت 3 بلاغات جديدة.",
    10: "استُوردت 10 بلاغات جديدة.",
    11: "استُورد 11 بلاغًا جديدًا.",
    99: "استُورد 99 بلاغًا جديدًا.",
    100: "استُورد 100 بلاغ جديد.",
    102: "استُورد 102 بلاغ جديد.",
    103: "استُوردت 103 بلاغات جديدة.",  # n % 100 in 3..10: "few" again
    111: "استُورد 111 بلاغًا جديدًا.",
    1000: "استُورد 1000 بلاغ جديد.",
}
ROWS = {0: "لم يُتجاوز أي صف", 1: "تُجووز صف واحد", 2: "تُجووز صفّان", 4: "تُجووزت 4 صفوف",
        25: "تُجووز 25 صفًّا", 200: "تُجووز 200 صف"}


def test_the_catalogue_has_six_arabic_forms_all_filled():
    assert missing_arabic() == []
    assert AR_PLURALS == 6 and "n%100>=11 ? 4 : 5" in AR_PLURAL_EXPR


@pytest.mark.parametrize(("n", "expected"), sorted(IMPORTED.items()))
def test_imported_reports_read_correctly_in_arabic(app, n, expected):
    with app.test_request_context("/?lang=ar"), force_locale("ar"):
        assert ngettext("%(num)d new report imported.", "%(num)d new reports imported.", n) == expected


def test_invalid_rows_and_english(app):
    with app.test_request_context("/"), force_locale("ar"):
        for n, start in ROWS.items():
            text = ngettext("%(num)d invalid row skipped.", "%(num)d invalid rows skipped.", n)
            assert text.startswith(start), (n, text)
    with app.test_request_context("/"), force_locale("en"):
        assert ngettext("%(num)d new report imported.", "%(num)d new reports imported.", 1) == \
            "1 new report imported."
        assert ngettext("%(num)d new report imported.", "%(num)d new reports imported.", 11) == \
            "11 new reports imported."


def test_arabic_catalogue_says_reports_with_one_word():
    """One word for reports (بلاغ/بلاغات), never تقرير/تقارير, in every live Arabic message."""
    from babel.messages.pofile import read_po

    from scripts.translations import TRANSLATIONS

    with open(TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    bad = []
    for m in catalog:
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.id and any(re.search("تقرير|تقارير", s or "") for s in strings):
            bad.append(str(m.id))
    assert bad == []


def test_area_map_note_agrees_with_its_number(app):
    """The area profile's note on a capped map, in Arabic, for 3 and 11."""
    with app.test_request_context("/"), force_locale("ar"):
        three = ngettext("Only the newest %(num)d report is shown on this map.",
                         "Only the newest %(num)d reports are shown on this map.", 3)
        eleven = ngettext("Only the newest %(num)d report is shown on this map.",
                          "Only the newest %(num)d reports are shown on this map.", 11)
    assert three == "تعرض هذه الخريطة أحدث 3 بلاغات فقط." and eleven == "تعرض هذه الخريطة أحدث 11 بلاغًا فقط."
