"""Rows of a table → report values: which column is which field, and what each cell means.

``detect_mapping`` recognises columns by name - English or Arabic, form names or labels, the
columns KoboToolbox, Ona and ODK Central add (``_geolocation``, ``_gps_latitude``, ``group/gps``,
``_lieu_latitude``, ``location-Latitude``, ``_uuid``, ``meta/instanceID``, ``meta-instanceID``,
``KEY``, ``_submission_time``, ``SubmissionDate``), whatever the group separator (``/`` by
default in Kobo, ``.`` as its export option, ``-`` in ODK Central); ``fit_mapping`` then keeps a
column only when its values fit the field (a form's own ``type`` question holding "Apartment" is
not Ahya's kind) and finds unnamed columns by their values (geopoints, place names), and
``apply_overrides`` lets the organizer change it. ``parse_rows`` turns each row into plain values
(numbers, a date, a category id, a kind) and the problems of reading them, as codes: the caller
words them in the reader's language and then applies the report rules (webapp.store.report_rules).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from geo.reference.fields import Field, clean_value
from geo.reference.taxonomy import KINDS, Taxonomy

JERUSALEM = ZoneInfo("Asia/Jerusalem")

#: Fields a column can feed, in the order the preview lists them.
FIELDS = ("title", "description", "kind", "category", "lat", "lon", "location", "area_name",
          "precision", "observed_on", "submitted_at", "organization", "link", "contact", "source_id")
IGNORE = ("", "-", "ignore")
#: Column names per field (normalised: see ``normalize_name``), best first.
NAMES = {
    "title": ["title", "report_title", "subject", "headline", "العنوان", "عنوان",
              "عنوان التقرير", "الموضوع"],
    "description": ["description", "details", "detail", "notes", "note", "comments", "desc", "الوصف",
                    "وصف", "التفاصيل", "تفاصيل", "ملاحظات", "الشرح"],
    "kind": ["kind", "type", "report_type", "النوع", "نوع", "نوع التقرير"],
    "category": ["category", "category_id", "theme", "topic", "sector", "الفئه", "فئه", "التصنيف",
                 "تصنيف", "المجال"],
    "lat": ["lat", "latitude", "y", "gps_latitude", "_gps_latitude", "خط العرض", "العرض"],
    "lon": ["lon", "lng", "long", "longitude", "x", "gps_longitude", "_gps_longitude", "خط الطول", "الطول"],
    "location": ["_geolocation", "geolocation", "gps", "geopoint", "location", "point", "coordinates",
                 "الموقع", "الاحداثيات", "احداثيات", "الموقع الجغرافي"],
    "area_name": ["area", "area_name", "neighborhood", "neighbourhood", "village", "locality", "place",
                  "place_name", "community", "الحي", "القريه", "الحي او القريه", "المنطقه", "المكان",
                  "البلده", "التجمع"],
    "precision": ["precision", "location_precision", "الدقه", "دقه الموقع"],
    "observed_on": ["observed_on", "date", "date_observed", "observed", "event_date", "التاريخ",
                    "تاريخ", "تاريخ الرصد", "تاريخ المشاهده"],
    "submitted_at": ["_submission_time", "submissiondate", "submission_date", "submitted_at", "end",
                     "today"],
    "organization": ["organization", "organisation", "org", "group_name", "المؤسسه", "الجهه", "المنظمه",
                     "الجمعيه"],
    "link": ["link", "url", "website", "الرابط", "رابط"],
    "contact": ["contact", "phone", "email", "e-mail", "التواصل", "جهه الاتصال", "الهاتف", "رقم الهاتف"],
    "source_id": ["_uuid", "meta/instanceid", "instanceid", "key", "uuid"],
}
#: Kobo and Ona write this for a question the form skipped: an empty cell, not a value.
SKIP_MARKERS = frozenset({"n/a", "#n/a"})
#: Group separators in survey headers: Kobo ``/`` (``.`` as an option), ODK Central ``-``.
_GROUP_SEPARATORS = ("/", ".", "-")
#: Kobo/ODK columns that look like a field but are not one (a geopoint's altitude and accuracy).
# Kobo's split columns start with "_" (``_gps_precision``); ODK Central's are ``gps-Accuracy``.
_NOT_A_FIELD = re.compile(r"^_.+_(altitude|precision|accuracy)$|[_.\-/](altitude|accuracy)$")
_LAT = re.compile(r"^_?(.+)_latitude$")
_LON = re.compile(r"^_?(.+)_longitude$")
KIND_VALUES = {
    "challenge": ["challenge", "challenges", "problem", "issue", "تحد", "تحدي", "تحديات", "مشكله",
                  "مشكلات", "مشاكل"],
    "initiative": ["initiative", "initiatives", "project", "مبادره", "مبادرات", "مشروع"],
}
PRECISION_VALUES = {
    "exact": ["exact", "precise", "دقيق", "بالضبط"],
    "approximate": ["approximate", "approx", "تقريبي", "تقريبا"],
    "area": ["area", "area only", "neighborhood", "الحي فقط", "المنطقه فقط", "الحي", "منطقه"],
}
_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, superscript alef, tatweel
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                              "٫": ".", "٬": ",", "،": ","})
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_SPACES = re.compile(r"[\s_\-]+")
MAX_SOURCE_ID = 120


def fold(text: str) -> str:
    """Text as compared, not as shown: case, Arabic letter variants, diacritics and spacing."""
    text = _DIACRITICS.sub("", str(text).replace("\ufeff", "")).translate(_ARABIC_FOLD).casefold()
    return " ".join(text.split())


def normalize_name(header: str) -> str:
    """A column name as ``NAMES`` spells it: folded, ``_`` for spaces, ``/`` group path dropped."""
    name = fold(header)
    if name in ("meta/instanceid",):
        return name
    name = name.rsplit("/", 1)[-1]  # Kobo/ODK groups: "group_report/title" -> "title"
    return name


def name_candidates(header: str) -> list[str]:
    """The names a header may stand for, the whole name first, then without its group path.

    ``report/title``, ``report.title`` and ``report-title`` all end in ``title``; the whole name
    is tried first so that a column really named ``e-mail`` is read as itself.
    """
    whole = fold(header)
    out = [whole]
    for sep in _GROUP_SEPARATORS:
        if sep in whole:
            tail = whole.rsplit(sep, 1)[-1].strip()
            if tail and tail not in out:
                out.append(tail)
    return out


def _key(name: str) -> str:
    # Latin names compare with "_" for spaces and hyphens; Arabic ones with single spaces.
    return _SPACES.sub("_", name) if name.isascii() else name


_LOOKUP: dict[str, tuple[str, int]] = {}
for _field, _names in NAMES.items():
    for _rank, _name in enumerate(_names):
        _LOOKUP.setdefault(_key(fold(_name)), (_field, _rank))


def field_of(header: str) -> tuple[str | None, int]:
    """(field, rank) a column name is recognised as; (None, 0) for an unknown column.

    A name recognised only after dropping its group path ranks after the same name whole
    (``location-Latitude`` after ``latitude``); split geopoints (``_lieu_latitude``,
    ``location-Latitude``, ``geo-lat``) are latitude and longitude, their altitude and
    accuracy nothing.
    """
    candidates = name_candidates(header)
    if not candidates[0]:
        return None, 0
    whole = _key(candidates[0])
    if whole in _LOOKUP:
        return _LOOKUP[whole]
    if _NOT_A_FIELD.search(whole):
        return None, 0
    for depth, name in enumerate(candidates):
        key = _key(name)
        if key in _LOOKUP:
            found, rank = _LOOKUP[key]
            return found, rank + 20 * depth
    if _LAT.match(whole):
        return "lat", 50
    if _LON.match(whole):
        return "lon", 50
    return None, 0


#: Words that say nothing about which count a column holds ("number of structures" = "structures").
_FILLER = frozenset({"number", "of", "no", "nb", "total", "count", "the", "عدد", "مجموع", "اجمالي"})
_WORD_SPLIT = re.compile(r"[^\w]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD_SPLIT.split(fold(text).replace("_", " ")) if w and w not in _FILLER)


def structured_fields(taxonomy: Taxonomy) -> dict[str, Field]:
    """Every structured field a category declares (``data/categories.yaml`` ``fields:``), by id.

    An id declared by several categories is one column target (the first declaration names it);
    each row keeps only the fields of its own category.
    """
    out: dict[str, Field] = {}
    for kind in KINDS:
        for cat in taxonomy.categories(kind):
            for f in getattr(cat, "fields", ()):
                out.setdefault(f.id, f)
    return out


def structured_field_of(header: str, fields: dict[str, Field]) -> str | None:
    """The structured field a column is named for: its id or its label in Arabic or English,
    whole or without its group path; else a field whose id or label holds every word of the
    name (filler words like "number of"/"عدد" aside: "Children" → ``children_displaced``),
    when exactly one does."""
    for name in name_candidates(header):
        key = _key(name)
        for f in fields.values():
            if key in (f.id, _key(fold(f.label_en)), _key(fold(f.label_ar))):
                return f.id
    words = _words(name_candidates(header)[-1])
    if not words or all(len(w) < 4 for w in words):
        return None
    found = [f.id for f in fields.values()
             if words <= _words(f.id) or words <= _words(f.label_en) or words <= _words(f.label_ar)]
    return found[0] if len(found) == 1 else None


def detect_mapping(headers: list[str]) -> list[str | None]:
    """The field each column feeds (None: ignored). One column per field: the best-named wins."""
    best: dict[str, tuple[int, int]] = {}
    for col, header in enumerate(headers):
        name, rank = field_of(header)
        if name and (name not in best or rank < best[name][0]):
            best[name] = (rank, col)
    mapping: list[str | None] = [None] * len(headers)
    for name, (_rank, col) in best.items():
        mapping[col] = name
    return mapping


#: Filled cells of a column looked at to judge whether its values fit a field, and the share that must.
_SAMPLE = 500
_FIT = 0.5
#: Unnamed columns are read by their values only when nearly all of them fit.
_FIT_UNNAMED = 0.8


def cell_text(text: str | None) -> str | None:
    """A cell as the import reads it: ``None`` for an empty cell or a skip marker (``n/a``)."""
    if text is None:
        return None
    text = text.strip()
    return None if not text or text.casefold() in SKIP_MARKERS else text


def _is_number(text: str, limit: float) -> bool:
    try:
        _coordinate(text, limit)
    except ValueError:
        return False
    return True


def _is_point(text: str) -> bool:
    # A geotrace or geoshape ("lat lon alt acc;lat lon ...") is not one point.
    if ";" in text:
        return False
    try:
        return parse_location(text) is not None
    except ValueError:
        return False


def _is_date(text: str) -> bool:
    try:
        parse_date(text)
    except ValueError:
        return False
    return True


def _value_checks(categories: CategoryLookup, place_lookup) -> dict:
    checks = {
        "kind": lambda v: fold(v) in _KINDS,
        "category": categories.known,
        "precision": lambda v: fold(v) in _PRECISIONS,
        "lat": lambda v: _is_number(v, 90),
        "lon": lambda v: _is_number(v, 180),
        "location": _is_point,
        "observed_on": _is_date,
        "submitted_at": _is_date,
        "link": lambda v: v.lower().startswith(("http://", "https://")),
    }
    if place_lookup is not None:
        checks["area_name"] = lambda v: place_lookup(v) is not None
    return checks


def _share(values: list[str], check) -> float:
    return sum(1 for v in values if check(v)) / len(values) if values else 0.0


def fit_mapping(table, taxonomy: Taxonomy, place_lookup=None) -> list[str | None]:
    """The mapping of ``table``'s columns, judged by their names and then by their values.

    A column named like one of Ahya's fields is taken as that field only when at least half of
    its filled cells fit it (a form's own ``type`` question answering "Apartment" is not the
    report's kind; a ``date`` column of free text is not the date): otherwise the next column
    named like it is tried. Empty columns and skip markers (``n/a``) judge nothing. Columns no
    name matches are then read by their values: geopoints ("lat lon alt acc", never a geotrace)
    as the location when the file has no coordinates, and names of neighbourhoods or villages
    (``place_lookup``: any language or spelling) as the place.

    Parameters
    ----------
    table : geo.formats.tabular.Table
        The rows.
    taxonomy : Taxonomy
        Categories, to judge a category column.
    place_lookup : callable, optional
        ``text -> slug or None``; without it place columns are taken by name only.

    Returns
    -------
    list
        One field (or None) per column.
    """
    n = len(table.headers)
    samples: list[list[str]] = [[] for _ in range(n)]
    for row in table.rows:
        for i in range(min(n, len(row))):
            value = cell_text(row[i])
            if value is not None and len(samples[i]) < _SAMPLE:
                samples[i].append(value)
    checks = _value_checks(CategoryLookup(taxonomy), place_lookup)
    named: dict[str, list[tuple[int, int]]] = {}
    for col, header in enumerate(table.headers):
        name, rank = field_of(header)
        if name:
            named.setdefault(name, []).append((rank, col))
    mapping: list[str | None] = [None] * n
    for name, found in named.items():
        check = checks.get(name)
        for _rank, col in sorted(found):
            if check is None or not samples[col] or _share(samples[col], check) >= _FIT:
                mapping[col] = name
                break
    taken = set(mapping)
    free = [c for c in range(n) if mapping[c] is None and field_of(table.headers[c])[0] is None
            and samples[c]]
    if table.points is None and "location" not in taken and not {"lat", "lon"} <= taken:
        col = next((c for c in free if _share(samples[c], _is_point) >= _FIT_UNNAMED), None)
        if col is not None:
            mapping[col] = "location"
            free.remove(col)
    if "area_name" not in taken and "area_name" in checks:
        col = next((c for c in free if _share(samples[c], checks["area_name"]) >= _FIT_UNNAMED), None)
        if col is not None:
            mapping[col] = "area_name"
            free.remove(col)
    # Columns named for a category's structured field ("Structures", "منهم أطفال"), when they fit.
    fields = structured_fields(taxonomy)
    today = dt.date.today()
    for col in free:
        fid = structured_field_of(table.headers[col], fields)
        if fid and fid not in mapping and _share(
                samples[col], lambda v, f=fields[fid]: clean_value(f, v, today)[1] is None) >= _FIT:
            mapping[col] = fid
    return mapping


def apply_overrides(headers: list[str], mapping: list[str | None], overrides: dict[str, str],
                    extra=()) -> list:
    """``mapping`` with ``{column name: field}`` applied (``""``/``-``/``ignore`` drops a column).

    A column is found by its exact name or its folded name. A field given to a column is taken
    from any other column. ``extra``: the structured field ids a column may also feed. Raises
    ValueError naming the unknown column or field.
    """
    out = list(mapping)
    folded = {fold(h): i for i, h in reversed(list(enumerate(headers)))}
    for column, target in overrides.items():
        col = headers.index(column) if column in headers else folded.get(fold(column))
        if col is None:
            raise ValueError(f"no column named {column!r}")
        target = (target or "").strip().lower()
        if target in IGNORE:
            out[col] = None
            continue
        if target not in FIELDS and target not in extra:
            raise ValueError(f"unknown field {target!r} (one of: {', '.join((*FIELDS, *extra))})")
        out = [None if f == target else f for f in out]
        out[col] = target
    return out


def has_place(mapping: list[str | None], table_points: bool = False) -> bool:
    """Whether rows can have a place at all: coordinates, a location column or an area name."""
    fields = set(mapping)
    return table_points or {"lat", "lon"} <= fields or "location" in fields or "area_name" in fields


# --- cells ------------------------------------------------------------------------------------

def parse_number(text: str) -> float:
    """A decimal number as people type it (Arabic-Indic digits, Arabic decimal mark)."""
    return float(text.strip().translate(_DIGITS).replace("٫", ".").replace(",", "."))


def _coordinate(text: str, limit: float) -> float:
    value = parse_number(text)
    # float() accepts "nan" and "inf": they are numbers to Python, not places.
    if not math.isfinite(value) or abs(value) > limit:
        raise ValueError(text)
    return value


_LOCATION_SPLIT = re.compile(r"[\s,;]+")


def parse_location(text: str) -> tuple[float, float] | None:
    """(lat, lon) of a Kobo ``_geolocation`` ("[31.77, 35.23]") or an ODK geopoint
    ("31.77 35.23 0 5": lat lon altitude accuracy); None for an empty or ``[null, null]`` one."""
    body = text.strip().translate(_DIGITS).replace("٫", ".").strip("[]() ")
    parts = [p for p in _LOCATION_SPLIT.split(body) if p]
    if not parts or all(p.lower() in ("null", "none", "nan") for p in parts[:2]):
        return None
    if len(parts) < 2:
        raise ValueError(text)
    return _coordinate(parts[0], 90), _coordinate(parts[1], 180)


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})$")


def parse_date(text: str) -> dt.date:
    """A date as spreadsheets and survey tools write it.

    ISO dates and times (Kobo ``2024-05-01T10:20:30.123+03:00``, ODK ``...Z``; a time with an
    offset is read as a Jerusalem date), ``YYYY/MM/DD`` and day-first ``DD/MM/YYYY`` (the
    order used in Palestine; ``05/01/2024`` is 5 January). Raises ValueError.
    """
    value = text.strip().translate(_DIGITS)
    if "T" in value or (" " in value and ":" in value):
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(JERUSALEM)
        return stamp.date()
    match = _YEAR_FIRST.match(value)
    if match:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    match = _DAY_FIRST.match(value)
    if match:
        return dt.date(int(match[3]), int(match[2]), int(match[1]))
    raise ValueError(text)


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would run: ``=...``, or ``+``/``-``/``@`` before a function or a pipe."""
    if text.startswith("="):
        return True
    if text[:1] in "+-@" and len(text) > 1 and (text[1].isalpha() or text[1] == "="):
        return any(ch in text for ch in "(|!")
    return False


def _choice_lookup(values: dict[str, list[str]]) -> dict[str, str]:
    return {fold(v): key for key, names in values.items() for v in [key, *names]}


_KINDS = _choice_lookup(KIND_VALUES)
_PRECISIONS = _choice_lookup(PRECISION_VALUES)


class CategoryLookup:
    """Category ids from ids, English or Arabic labels, per kind (ids repeat across kinds)."""

    def __init__(self, taxonomy: Taxonomy):
        self.by_kind = {k: {} for k in KINDS}
        for kind in KINDS:
            for cat in taxonomy.categories(kind):
                for name in (cat.id, cat.label_en, cat.label_ar):
                    self.by_kind[kind].setdefault(fold(name), cat.id)

    def known(self, text: str) -> bool:
        """Whether ``text`` names a category of any kind."""
        key = fold(text)
        return any(key in ids for ids in self.by_kind.values())

    def find(self, kind: str | None, text: str) -> tuple[str | None, str]:
        """(the id, its kind) for ``text``: in ``kind`` first, then in the other kinds.

        With no kind, a category that exists in one kind only tells the kind. A value no kind
        knows comes back as (None, text).
        """
        key = fold(text)
        if kind in self.by_kind and key in self.by_kind[kind]:
            return kind, self.by_kind[kind][key]
        found = [(k, ids[key]) for k, ids in self.by_kind.items() if key in ids]
        if kind is None and len(found) == 1:
            return found[0]
        if found:
            return None if kind is None else kind, found[0][1]  # the rules say which kind it is for
        return kind, text


# --- rows -------------------------------------------------------------------------------------

@dataclass
class ParsedRow:
    """A row's values for the report rules, where it is in the file, and what could not be read.

    ``problems`` holds ``(field, code, value)``: ``code`` one of ``number``, ``location``,
    ``date``, ``kind``, ``precision``, ``formula``, ``geometry``, ``source_id``.
    """

    line: int
    values: dict
    source_id: str
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    #: Structured field id → the cell's text (checked against the row's category by the import).
    raw_fields: dict = field(default_factory=dict)


_TEXT_FIELDS = ("title", "description", "area_name", "organization", "link", "contact")


def parse_rows(table, mapping: list[str | None], taxonomy: Taxonomy,
               default_kind: str | None = None, default_category: str | None = None) -> list[ParsedRow]:
    """Every row of ``table`` (a ``geo.formats.tabular.Table``) read through ``mapping``.

    Empty cells and skip markers (``n/a``) are empty values.

    Parameters
    ----------
    default_kind : {"challenge", "initiative"} or None
        The kind of rows whose own kind is empty (``--kind``); without it, a category that
        exists in one kind only decides.
    default_category : str or None
        The category (id or label) of rows whose own category is empty (``--category``).
    """
    columns = [(i, f) for i, f in enumerate(mapping) if f]
    categories = CategoryLookup(taxonomy)
    out = []
    for n, row in enumerate(table.rows):
        cells = {f: value for i, f in columns
                 if i < len(row) and (value := cell_text(row[i])) is not None}
        point = table.points[n] if table.points is not None else None
        out.append(_parse_row(table.lines[n], cells, point, categories, default_kind, default_category))
    return out


def _parse_row(line: int, cells: dict, point, categories: CategoryLookup, default_kind,
               default_category=None) -> ParsedRow:
    problems: list[tuple[str, str, str]] = []
    for name, text in list(cells.items()):
        if looks_like_formula(text):
            problems.append((name, "formula", text[:60]))
            del cells[name]
    values = {name: cells.get(name, "") for name in _TEXT_FIELDS}
    # Kind: the row's own, else --kind, else the category's (when only one kind has it).
    kind = None
    if cells.get("kind"):
        kind = _KINDS.get(fold(cells["kind"]))
        if kind is None:
            problems.append(("kind", "kind", cells["kind"][:60]))
    else:
        kind = default_kind
    category = cells.get("category") or default_category or ""
    if category:
        kind, category = categories.find(kind, category)
    values["kind"], values["category"] = kind, category
    precision = cells.get("precision")
    values["precision"] = "approximate"
    if precision:
        values["precision"] = _PRECISIONS.get(fold(precision))
        if values["precision"] is None:
            problems.append(("precision", "precision", precision[:60]))
    values["lat"], values["lon"] = _place(cells, point, problems)
    values["observed_on"] = None
    for name in ("observed_on", "submitted_at"):  # the date observed, else the day it was sent
        if cells.get(name):
            try:
                values["observed_on"] = parse_date(cells[name])
            except ValueError:
                problems.append((name, "date", cells[name][:60]))
            break
    if not values["title"] and values["description"]:
        values["title"] = _title_from(values["description"])
    raw_fields = {name: text for name, text in cells.items() if name not in FIELDS}
    # Rows differing only in their counts are different reports (an empty dict leaves the hashes
    # of files without structured columns as they were).
    hashed = {**values, "fields": raw_fields} if raw_fields else values
    source_id = _source_id(cells.get("source_id"), hashed, problems)
    return ParsedRow(line, values, source_id, problems, raw_fields)


def _place(cells: dict, point, problems: list) -> tuple[float | None, float | None]:
    lat = lon = None
    try:
        if cells.get("lat") or cells.get("lon"):
            lat = _coordinate(cells["lat"], 90) if cells.get("lat") else None
            lon = _coordinate(cells["lon"], 180) if cells.get("lon") else None
        elif cells.get("location"):
            lat, lon = parse_location(cells["location"]) or (None, None)
        elif point == "bad":
            problems.append(("location", "geometry", ""))
        elif point is not None:
            lon, lat = point
            if abs(lat) > 90 or abs(lon) > 180:
                raise ValueError(f"{lon} {lat}")
    except (ValueError, KeyError) as exc:
        problems.append(("location", "location" if cells.get("location") else "number", str(exc)[:60]))
        return None, None
    return lat, lon


def _title_from(description: str) -> str:
    """A survey without a title column: the description's first line when it is short (at most
    80 characters, a title in itself); otherwise "" and the import writes a documented title."""
    first = description.strip().splitlines()[0].strip()
    return first if len(first) <= 80 else ""


def _source_id(given: str | None, values: dict, problems: list) -> str:
    """The row's id in its source: Kobo's ``_uuid`` and ODK's ``uuid:...`` alike, else a hash
    of what the row says (the same report read from CSV or XLSX gets the same hash)."""
    if given:
        text = given.strip()
        if text.lower().startswith("uuid:"):
            text = text[5:]
        if len(text) + 5 > MAX_SOURCE_ID:
            problems.append(("source_id", "source_id", text[:60]))
        return "uuid:" + text.lower()
    content = {k: (round(v, 6) if isinstance(v, float) else
                   v.isoformat() if isinstance(v, dt.date) else v) for k, v in sorted(values.items())}
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return "sha256:" + digest
