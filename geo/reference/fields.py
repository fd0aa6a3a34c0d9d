"""Structured fields of a category (``fields:`` in ``data/categories.yaml``): declared, checked, cleaned.

A category may carry typed fields - counts, dates, choices - that a report of it fills in
(people displaced by a demolition, households cut off from water). This module is pure: it reads
the declarations (:func:`parse_fields`), turns raw values into typed ones (:func:`clean_values`:
form strings, spreadsheet cells or JSON values alike) and keeps what may be published
(:func:`public_values`). Problems come back as codes with parameters; ``webapp.store.report_fields``
words them in the reader's language.

Types and stored values (one JSON object per report, field id → value):

========  ===================================  =====================================
type      accepted input                       stored
========  ===================================  =====================================
integer   12, "12", "١٢", "1,200", 12.0         int, 0 ≤ n ≤ ``max`` (1,000,000)
decimal   2.5, "2,5", "٢٫٥"                     float, 0 ≤ x ≤ ``max`` (1,000,000,000)
date      "2024-05-01", "01/05/2024" (day first)  ISO date string, 1948-01-01 … today
choice    the id, the English or Arabic label  the choice id
multi     a list, or ids/labels separated by   list of choice ids, in declared order
          commas (Kobo: spaces)
yesno     true/false, yes/no, نعم/لا, 1/0       bool
text      one line, at most 200 characters     str
========  ===================================  =====================================
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

TYPES = ("integer", "decimal", "date", "choice", "multi", "yesno", "text")
NUMERIC = ("integer", "decimal")
#: Field and choice ids: stored in every report's JSON and named in URLs (``field=``), never renamed.
FIELD_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
DEFAULT_MAX = {"integer": 1_000_000, "decimal": 1_000_000_000.0}
TEXT_MAX = 200
#: The earliest date a field may hold (a mistyped year such as 0202 would skew every trend).
EARLIEST_DATE = dt.date(1948, 1, 1)
_KEYS = {"id", "type", "label_ar", "label_en", "unit_ar", "unit_en", "required", "public", "choices",
         "max", "at_most"}

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_WHOLE = re.compile(r"^\d+$")
_GROUPED = re.compile(r"^\d{1,3}(?:[,٬']\d{3})+$")  # 1,200 / ١٬٢٠٠ / 1'200
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_LIST_SPLIT = re.compile(r"\s*[,،;؛\n]\s*")
YES = frozenset({"yes", "y", "true", "1", "نعم", "اي", "ايوه", "صح"})
NO = frozenset({"no", "n", "false", "0", "لا", "كلا", "خطا"})


def fold(text: str) -> str:
    """Text as compared, not as shown: case, Arabic letter variants, diacritics and spacing.

    The same folding as the import's column matching (``webapp.store.report_rows.fold``),
    repeated here because ``geo/`` imports nothing from ``webapp/``.
    """
    text = _DIACRITICS.sub("", str(text)).translate(_ARABIC_FOLD).casefold()
    return " ".join(text.replace("_", " ").replace("-", " ").split())


@dataclass(frozen=True)
class Choice:
    """One answer of a ``choice`` or ``multi`` field."""

    id: str
    label_ar: str
    label_en: str

    def label(self, lang: str) -> str:
        """The label in ``lang`` (Arabic for ``"ar"``, English otherwise)."""
        return self.label_ar if lang == "ar" else self.label_en


@dataclass(frozen=True)
class Field:
    """A structured field as declared in the taxonomy file."""

    id: str
    type: str
    label_ar: str
    label_en: str
    unit_ar: str = ""
    unit_en: str = ""
    required: bool = False
    public: bool = True
    choices: tuple[Choice, ...] = ()
    max: float | None = None
    at_most: str | None = None  # another numeric field of the category this one cannot exceed
    choice_index: dict = field(init=False, repr=False, compare=False, hash=False)

    def label(self, lang: str) -> str:
        """The label in ``lang``."""
        return self.label_ar if lang == "ar" else self.label_en

    def unit(self, lang: str) -> str:
        """The unit in ``lang`` (empty when the field has none)."""
        return self.unit_ar if lang == "ar" else self.unit_en

    @property
    def numeric(self) -> bool:
        """Whether values can be summed (integer or decimal)."""
        return self.type in NUMERIC

    @property
    def limit(self) -> float | None:
        """The largest value a numeric field accepts."""
        if not self.numeric:
            return None
        return self.max if self.max is not None else DEFAULT_MAX[self.type]

    def __post_init__(self):
        # Every spelling of every choice (id, labels; folded) → its id, built once: the form's
        # hot path looks values up here on every post.
        index = {fold(name): c.id for c in self.choices for name in (c.id, c.label_ar, c.label_en)}
        object.__setattr__(self, "choice_index", index)

    def choice(self, choice_id: str) -> Choice | None:
        """The choice with id ``choice_id``, or None."""
        return next((c for c in self.choices if c.id == choice_id), None)

    def as_dict(self) -> dict:
        """Plain data for JSON (``/api/v1/categories``, the OpenAPI schema, the form's script)."""
        out = {"id": self.id, "type": self.type, "label_ar": self.label_ar, "label_en": self.label_en,
               "required": self.required, "public": self.public}
        if self.unit_ar or self.unit_en:
            out["unit_ar"], out["unit_en"] = self.unit_ar, self.unit_en
        if self.choices:
            out["choices"] = [{"id": c.id, "label_ar": c.label_ar, "label_en": c.label_en}
                              for c in self.choices]
        if self.numeric:
            out["max"] = self.limit
        if self.at_most:
            out["at_most"] = self.at_most
        return out


def parse_fields(entries, where: str) -> tuple[Field, ...]:
    """Check and read a category's ``fields:`` list; a malformed entry raises ValueError naming it.

    Parameters
    ----------
    entries : list of dict or None
        The YAML list.
    where : str
        Where the list is (``categories.yaml: challenge[0]``), for the error message.

    Returns
    -------
    tuple of Field
        In file order.
    """
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ValueError(f"{where}: fields must be a list")
    out: list[Field] = []
    for i, entry in enumerate(entries):
        at = f"{where}.fields[{i}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{at}: must be a mapping")
        unknown = set(entry) - _KEYS
        if unknown:
            raise ValueError(f"{at}: unknown keys {sorted(unknown)}")
        missing = {"id", "type", "label_ar", "label_en"} - set(entry)
        if missing:
            raise ValueError(f"{at}: missing {sorted(missing)}")
        fid, ftype = str(entry["id"]), str(entry["type"])
        if not FIELD_ID.match(fid) or any(f.id == fid for f in out):
            raise ValueError(f"{at}: bad or duplicate id {fid!r}")
        if ftype not in TYPES:
            raise ValueError(f"{at}: type must be one of {TYPES}")
        for flag in ("required", "public"):
            if flag in entry and not isinstance(entry[flag], bool):
                raise ValueError(f"{at}: {flag} must be true or false")
        choices = _parse_choices(entry.get("choices"), ftype, at)
        limit = entry.get("max")
        if limit is not None and (ftype not in NUMERIC or isinstance(limit, bool)
                                  or not isinstance(limit, int | float)
                                  or not 0 < limit <= DEFAULT_MAX[ftype]):
            raise ValueError(f"{at}: max must be a positive number, for integer or decimal fields only")
        out.append(Field(id=fid, type=ftype, label_ar=str(entry["label_ar"]),
                         label_en=str(entry["label_en"]),
                         unit_ar=str(entry.get("unit_ar") or ""), unit_en=str(entry.get("unit_en") or ""),
                         required=bool(entry.get("required", False)), public=bool(entry.get("public", True)),
                         choices=choices, max=limit,
                         at_most=str(entry["at_most"]) if entry.get("at_most") else None))
    by_id = {f.id: f for f in out}
    for f in out:
        if f.at_most and (not f.numeric or f.at_most not in by_id or not by_id[f.at_most].numeric
                          or f.at_most == f.id):
            raise ValueError(f"{where}: field {f.id!r}: at_most must name another numeric field")
    return tuple(out)


def _parse_choices(entries, ftype: str, at: str) -> tuple[Choice, ...]:
    if ftype not in ("choice", "multi"):
        if entries:
            raise ValueError(f"{at}: only choice and multi fields have choices")
        return ()
    if not isinstance(entries, list) or len(entries) < 2:
        raise ValueError(f"{at}: a {ftype} field needs a list of at least two choices")
    out: list[Choice] = []
    seen: set[str] = set()
    for j, c in enumerate(entries):
        if not isinstance(c, dict) or {"id", "label_ar", "label_en"} - set(c):
            raise ValueError(f"{at}.choices[{j}]: needs id, label_ar and label_en")
        cid = str(c["id"])
        names = {fold(cid), fold(c["label_ar"]), fold(c["label_en"])}
        if not FIELD_ID.match(cid) or names & seen:
            raise ValueError(f"{at}.choices[{j}]: bad or duplicate id or label {cid!r}")
        seen |= names
        out.append(Choice(cid, str(c["label_ar"]), str(c["label_en"])))
    return tuple(out)


# --- cleaning ---------------------------------------------------------------------------------

#: A problem with one value: (code, parameters). Codes: ``required``, ``integer``, ``decimal``,
#: ``range`` (min, max), ``date``, ``future``, ``too_early`` (date), ``choice``, ``yesno``,
#: ``text_long`` (max), ``text_invalid``, ``at_most`` (other: the other field's id), ``unknown``.
Problem = tuple[str, dict]


def is_empty(value) -> bool:
    """Whether a raw value means "not given": None, blank text, an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return all(is_empty(v) for v in value)
    return False


def _number(value, integer: bool) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().translate(_DIGITS).replace(" ", "").replace("\u00a0", "")
        if integer and _GROUPED.match(text):
            text = re.sub(r"[,٬']", "", text)
        if not re.fullmatch(r"[+-]?\d*(?:[.,٫]\d*)?", text) or not any(ch.isdigit() for ch in text):
            raise ValueError(value)  # float() would take "nan", "1e400", "-0x1p3"
        number = float(text.replace("٫", ".").replace(",", "."))
    else:
        raise ValueError(value)
    if not math.isfinite(number) or (integer and not number.is_integer()):
        raise ValueError(value)
    return number


def _date(value, today: dt.date) -> tuple[str | None, Problem | None]:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        text = value.strip().translate(_DIGITS)
        try:
            match = _ISO.match(text) or _YEAR_FIRST.match(text)
            if match:
                day = dt.date(int(match[1]), int(match[2]), int(match[3]))
            elif (match := _DAY_FIRST.match(text)):
                day = dt.date(int(match[3]), int(match[2]), int(match[1]))
            else:
                return None, ("date", {})
        except ValueError:
            return None, ("date", {})
    else:
        return None, ("date", {})
    if day > today:
        return None, ("future", {})
    if day < EARLIEST_DATE:
        return None, ("too_early", {"date": EARLIEST_DATE.isoformat()})
    return day.isoformat(), None


def _choices(f: Field, value) -> tuple[object, Problem | None]:
    index = f.choice_index
    if f.type == "choice":
        if not isinstance(value, str) or fold(value) not in index:
            return None, ("choice", {})
        return index[fold(value)], None
    if isinstance(value, str):
        text = value.strip()
        parts = [p for p in _LIST_SPLIT.split(text) if p]
        # Kobo and ODK export a select_multiple as choice names separated by spaces.
        if len(parts) == 1 and fold(text) not in index and all(fold(p) in index for p in text.split()):
            parts = text.split()
    elif isinstance(value, list | tuple):
        parts = [p for p in value if not is_empty(p)]
    else:
        return None, ("choice", {})
    if not parts or any(not isinstance(p, str) or fold(p) not in index for p in parts):
        return None, ("choice", {})
    chosen = {index[fold(p)] for p in parts}
    return [c.id for c in f.choices if c.id in chosen], None


def _yesno(value) -> tuple[bool | None, Problem | None]:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int) and value in (0, 1):
        return bool(value), None
    if isinstance(value, str):
        key = fold(value.translate(_DIGITS))
        if key in YES:
            return True, None
        if key in NO:
            return False, None
    return None, ("yesno", {})


def _text(value) -> tuple[str | None, Problem | None]:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None, ("text_invalid", {})
    text = " ".join(str(value).split())  # one line: a short answer, not a paragraph
    if "\ufffd" in text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None, ("text_invalid", {})
    if len(text) > TEXT_MAX:
        return None, ("text_long", {"max": TEXT_MAX})
    return text, None


def clean_value(f: Field, value, today: dt.date) -> tuple[object, Problem | None]:
    """One raw value of field ``f`` → (typed value, None) or (None, problem). ``value`` is not empty."""
    if f.numeric:
        try:
            number = _number(value, f.type == "integer")
        except ValueError:
            return None, (f.type, {})
        if number < 0 or number > f.limit:
            return None, ("range", {"min": 0, "max": f.limit})
        return (int(number) if f.type == "integer" else number), None
    if f.type == "date":
        return _date(value, today)
    if f.type in ("choice", "multi"):
        return _choices(f, value)
    if f.type == "yesno":
        return _yesno(value)
    return _text(value)


def clean_values(fields: tuple[Field, ...], raw: Mapping, today: dt.date, *,
                 unknown: str = "error") -> tuple[dict, dict[str, Problem]]:
    """Raw values of a category's fields → typed values and the problems, per field id.

    Parameters
    ----------
    fields : tuple of Field
        The category's fields (:func:`parse_fields`).
    raw : mapping
        Field id → raw value: text as typed or read from a file, or a JSON value (number, bool,
        list, string). Empty values (None, blank, empty list) mean "not given".
    today : datetime.date
        The last date a date field may hold (the reporters' today, in Jerusalem).
    unknown : {"error", "ignore"}
        What to do with an id the category does not declare: a problem (the API: a misspelt
        field is an error) or nothing (a file whose columns serve several categories).

    Returns
    -------
    values : dict
        Field id → typed value, only for fields given and valid (what the reports' ``fields``
        column stores).
    problems : dict
        Field id → (code, parameters); empty when everything passes.
    """
    declared = {f.id: f for f in fields}
    values: dict = {}
    problems: dict[str, Problem] = {}
    if unknown == "error":
        for key in raw:
            if key not in declared and not is_empty(raw[key]):
                problems[str(key)[:40]] = ("unknown", {})
    for f in fields:
        value = raw.get(f.id)
        if is_empty(value):
            if f.required:
                problems[f.id] = ("required", {})
            continue
        typed, problem = clean_value(f, value, today)
        if problem:
            problems[f.id] = problem
        else:
            values[f.id] = typed
    for f in fields:
        if f.at_most and f.id in values and f.at_most in values and values[f.id] > values[f.at_most]:
            problems[f.id] = ("at_most", {"other": f.at_most})
            del values[f.id]
    return values, problems


def public_values(fields: tuple[Field, ...], values: Mapping | None) -> dict:
    """The values that may be published: public fields the category still declares, in declared order.

    A value of a private field, of a field since removed from the file, or of another
    category's field (the report changed category) is left out.
    """
    if not values:
        return {}
    return {f.id: values[f.id] for f in fields if f.public and f.id in values}


def json_schema(f: Field) -> dict:
    """The JSON Schema of a stored value of ``f`` (OpenAPI documents, API clients' checks)."""
    if f.type == "integer":
        schema = {"type": "integer", "minimum": 0, "maximum": int(f.limit)}
    elif f.type == "decimal":
        schema = {"type": "number", "minimum": 0, "maximum": f.limit}
    elif f.type == "date":
        schema = {"type": "string", "format": "date"}
    elif f.type == "choice":
        schema = {"enum": [c.id for c in f.choices]}
    elif f.type == "multi":
        schema = {"type": "array", "items": {"enum": [c.id for c in f.choices]}, "uniqueItems": True}
    elif f.type == "yesno":
        schema = {"type": "boolean"}
    else:
        schema = {"type": "string", "maxLength": TEXT_MAX}
    unit = f" ({f.unit_en})" if f.unit_en else ""
    return {**schema, "description": f"{f.label_en}{unit}"}


def format_value(f: Field, value, lang: str) -> str:
    """A stored value as a reader sees it: choices by label, yes/no in words, numbers with the unit.

    Thousands are grouped (``1,200``) and decimals keep at most two places.
    """
    if f.type in ("choice", "multi"):
        ids = value if isinstance(value, list) else [value]
        sep = "، " if lang == "ar" else ", "
        return sep.join(c.label(lang) if (c := f.choice(str(i))) else str(i) for i in ids)
    if f.type == "yesno":
        if lang == "ar":
            return "نعم" if value else "لا"
        return "yes" if value else "no"
    if f.numeric and isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value:,}" if f.type == "integer" else f"{value:,.2f}".rstrip("0").rstrip(".")
        unit = f.unit(lang)
        return f"{text} {unit}" if unit else text
    return str(value)
