"""Bulk import of reports: the CLI (``flask reports import``) and the page (/reports/import) share it.

``prepare`` reads a file (geo.formats.tabular), maps its columns (webapp.store.report_rows) and puts every row
through the form's own rules (``store.report_rules``); nothing is written. ``store`` writes the new
rows of a prepared import in one transaction: one data version, Core executemany inserts, an
"import" audit event per report. Areas are found for the whole file at once (``AreaIndex.assign``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import numpy as np
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from geo.formats.tabular import Table, TableError, read_table
from geo.spatial.privacy import public_points

from ..extensions import db
from . import report_rules as rules
from .area_names import area_label, find_area
from .lifecycle import default_state
from .models import AuditEvent, Report, User, utcnow
from .report_fields import clean_fields
from .report_rows import (
    CategoryLookup,
    apply_overrides,
    fit_mapping,
    has_place,
    parse_rows,
    structured_fields,
)
from .reporting import get_area_index, get_taxonomy
from .versioning import bump_data_version

PROBLEMS = {
    "number": _l("The coordinates are not numbers within range."),
    "location": _l("The location cannot be read (expected \"lat lon\" or \"[lat, lon]\")."),
    "geometry": _l("The feature's geometry is not a point."),
    "date": _l("The date cannot be read (expected YYYY-MM-DD or DD/MM/YYYY)."),
    "kind": _l("Unknown type: use challenge or initiative."),
    "precision": _l("Unknown precision: use exact, approximate or area."),
    "formula": _l("This cell holds a spreadsheet formula; paste its value instead."),
    "source_id": _l("The submission id is too long."),
}
#: geo.formats.tabular.MESSAGES in the reader's language (tests check that every code has one).
REASONS = {
    "too_big": _l("the file is larger than %(mb)s MB"),
    "empty": _l("the file is empty"),
    "not_text": _l("the file is not text (binary data or UTF-16): save it as CSV UTF-8 or XLSX"),
    "encoding": _l("the file is not valid UTF-8 text: save it as CSV UTF-8"),
    "geojson_encoding": _l("the GeoJSON is not valid UTF-8"),
    "no_header": _l("the first row must name the columns"),
    "rows": _l("more than %(max)s rows: split the file"),
    "csv": _l("the CSV cannot be read at line %(line)s: %(detail)s"),
    "columns": _l("more than %(max)s columns"),
    "cell": _l("a cell holds more than %(max)s characters"),
    "bad_zip": _l("the file is not a valid XLSX workbook (broken zip)"),
    "not_xlsx": _l("the zip file is not an XLSX workbook: save the sheet as XLSX or CSV"),
    "unzipped": _l("the workbook unpacks to too much data"),
    "bomb": _l("the workbook is compressed suspiciously well (a zip bomb?)"),
    "shared_strings": _l("the workbook's text table is too large"),
    "xlsx": _l("the XLSX workbook cannot be read (%(detail)s)"),
    "declared_rows": _l("the sheet declares %(n)s rows; at most %(max)s"),
    "declared_columns": _l("the sheet declares %(n)s columns; at most %(max)s"),
    "sheet_empty": _l("the sheet is empty"),
    "json": _l("the file is not valid JSON"),
    "not_collection": _l("the JSON is not a GeoJSON FeatureCollection"),
    "no_features": _l("the GeoJSON has no features"),
    "features": _l("more than %(max)s features: split the file"),
}
FIELD_LABELS = {
    "title": _l("Title"), "description": _l("Description"), "kind": _l("Type"), "category": _l("Category"),
    "lat": _l("Latitude"), "lon": _l("Longitude"), "location": _l("Location"),
    "area_name": _l("Neighborhood or village"), "precision": _l("What the public map shows"),
    "observed_on": _l("Date observed"), "submitted_at": _l("Submission time"),
    "organization": _l("Organization"), "link": _l("Link"), "contact": _l("Contact (private)"),
    "source_id": _l("Submission id"), "point": _l("Place"),
}
_CHUNK = 5_000  # rows per INSERT executemany and per "already imported?" query
_LOOKUP_CHUNK = 500


class ImportError_(ValueError):
    """The file as a whole cannot be imported (unreadable, no place column, bad mapping)."""


@dataclass
class RowResult:
    line: int
    source_id: str
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    fields: dict | None = None
    status: str = "new"  # new | duplicate (already imported) | repeated (earlier in the file) | invalid


@dataclass
class Plan:
    """What an import would do: the mapping used and every row's outcome."""

    filename: str
    table: Table
    mapping: list[str | None]
    rows: list[RowResult]
    #: Why no row can have a place (no coordinates or place column): the page still previews.
    notice: str = ""

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def invalid(self) -> list[RowResult]:
        return [r for r in self.rows if r.status == "invalid"]

    @property
    def new(self) -> list[RowResult]:
        return [r for r in self.rows if r.status == "new"]

    def unit_label(self, line: int) -> str:
        return _("Feature %(n)d", n=line) if self.table.unit == "feature" else _("Row %(n)d", n=line)


def reason(exc: TableError) -> str:
    """Why geo.formats.tabular refused a file, in the current language."""
    params = {k: f"{v:,}" if isinstance(v, int) else v for k, v in exc.params.items()}
    return str(REASONS[exc.code]) % params if exc.code in REASONS else str(exc)


def read(data: bytes, filename: str) -> Table:
    """The file's table; raises ``ImportError_`` with the reason in the reader's language."""
    try:
        return read_table(data, filename)
    except TableError as exc:
        raise ImportError_(_("The file cannot be imported: %(reason)s.", reason=reason(exc))) from None


def category_error(kind: str | None, category: str | None) -> str | None:
    """Why ``category`` (an id or a label, for ``kind`` or any kind) cannot be the default category."""
    if not category:
        return None
    taxonomy = get_taxonomy()
    found_kind, found = CategoryLookup(taxonomy).find(kind, category)
    kinds = (found_kind,) if found_kind else ("challenge", "initiative")
    if any(taxonomy.is_valid(k, found) for k in kinds):
        return None
    return _("Unknown category: %(category)s.", category=category)


def prepare(data: bytes, filename: str, *, overrides: dict | None = None, mapping: list | None = None,
            default_kind: str | None = None, default_category: str | None = None,
            preview: bool = False, table: Table | None = None) -> Plan:
    """Read, map and check a file; raises ``ImportError_`` when the file as a whole is refused.

    Parameters
    ----------
    overrides : dict, optional
        ``{column name: field}`` from ``--map`` (applied to the detected mapping).
    mapping : list, optional
        The whole mapping, one field (or None) per column, as the preview page sends it.
    default_kind : str, optional
        ``--kind``: the kind of rows that give none.
    default_category : str, optional
        ``--category``: the category (id or label) of rows that give none.
    preview : bool
        For the page: a file whose place columns are not recognised still gives a plan (every
        row invalid, ``notice`` saying why) so that the organizer can map them.
    table : Table, optional
        The file already read (``read``).
    """
    if table is None:
        table = read(data, filename)
    if mapping is not None:
        if len(mapping) != len(table.headers):
            raise ImportError_(_("The mapping does not match the file's columns."))
        cols = list(mapping)
    else:
        cols = fit_mapping(table, get_taxonomy(), find_area)
    if overrides:
        try:
            cols = apply_overrides(table.headers, cols, overrides, tuple(structured_fields(get_taxonomy())))
        except ValueError as exc:
            raise ImportError_(_("Bad --map: %(reason)s.", reason=str(exc))) from None
    if not table.rows:
        raise ImportError_(_("The file has no rows to import."))
    notice = ""
    if not has_place(cols, table.points is not None):
        if not preview:
            raise ImportError_(_("No column with coordinates or place names was recognised: name the "
                                 "columns lat and lon (or خط العرض and خط الطول), gps, _geolocation "
                                 "or area, or map one with --map COLUMN=FIELD."))
        notice = _("No column with coordinates or place names was recognised: choose one in the "
                   "mapping below and press “Preview again”.")
    parsed = parse_rows(table, cols, get_taxonomy(), default_kind, default_category)
    rows = _check(parsed)
    _mark_duplicates(rows)
    return Plan(filename, table, cols, rows, notice)


def _lang() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "ar"


def documented_title(values: dict, area: str | None, lang: str) -> str:
    """The title of a row that has none: its category, its place and its date, in ``lang``.

    "Housing & demolitions · Silwan · 2024-03-05": the category's label, the neighbourhood or
    village (found from the coordinates or the place column) and the date observed, each left
    out when the row lacks it (never another column's text: a geotrace is not a title).
    """
    parts = []
    category = get_taxonomy().get(values.get("kind"), values.get("category") or "") \
        if values.get("kind") else None
    if category is not None:
        parts.append(category.label(lang))
    if area:
        parts.append(area_label(area, lang))
    if values.get("observed_on"):
        parts.append(values["observed_on"].isoformat())
    return " · ".join(parts)[:120]


def _check(parsed) -> list[RowResult]:
    """The report rules for every row; the areas of all coordinate rows in one vectorised call."""
    with_point = [i for i, p in enumerate(parsed)
                  if p.values["lat"] is not None and p.values["lon"] is not None]
    areas: dict[int, str | None] = {}
    if with_point:
        lons = np.array([parsed[i].values["lon"] for i in with_point])
        lats = np.array([parsed[i].values["lat"] for i in with_point])
        found = get_area_index().assign(lons, lats)
        areas = {i: (None if a is None else str(a)) for i, a in zip(with_point, found, strict=True)}
    out = []
    lang = _lang()
    for i, row in enumerate(parsed):
        result = RowResult(row.line, row.source_id)
        result.errors = [(name, str(PROBLEMS[code])) for name, code, _value in row.problems]
        unread = {name for name, _m in result.errors}
        if not row.values["title"]:
            area = areas.get(i) if i in areas else find_area(row.values["area_name"])
            row.values["title"] = documented_title(row.values, area, lang)
        for name, message in rules.field_errors(row.values, skip=unread, for_file=True).items():
            result.errors.append((name, message))
        if not unread & {"location", "lat", "lon"} and "area_name" not in dict(result.errors):
            place = rules.resolve_point(row.values["lat"], row.values["lon"], row.values["area_name"],
                                        **({"area": areas[i]} if i in areas else {}), for_file=True)
            if place.error:
                result.errors.append(("point", place.error))
        structured: dict = {}
        if row.raw_fields and not {"kind", "category"} & {name for name, _m in result.errors}:
            # The row's own category decides which columns are its fields; the others are dropped.
            structured, problems = clean_fields(row.values["kind"], row.values["category"],
                                                row.raw_fields, unknown="ignore")
            result.errors.extend(problems.items())
        if result.errors:
            result.status = "invalid"
        else:
            result.fields = {**rules.derive_fields(row.values, place), "area": place.area,
                             "fields": structured}
        out.append(result)
    return out


def _mark_duplicates(rows: list[RowResult]) -> None:
    """Rows already in the database, and rows repeating an earlier row of the same file."""
    seen: set[str] = set()
    for row in rows:
        if row.source_id in seen and row.status == "new":
            row.status = "repeated"
        seen.add(row.source_id)
    ids = sorted({r.source_id for r in rows if r.status == "new"})
    stored: set[str] = set()
    for lo in range(0, len(ids), _LOOKUP_CHUNK):
        stored.update(db.session.scalars(select(Report.source_id).where(
            Report.source_id.in_(ids[lo:lo + _LOOKUP_CHUNK]))))
    for row in rows:
        if row.status == "new" and row.source_id in stored:
            row.status = "duplicate"


def refusal(plan: Plan, hint: str = "") -> str:
    """Why a plan with invalid rows imports nothing; ``hint`` names the way to skip them."""
    # No plural forms: "rows with problems: N" reads right for any N in both languages.
    text = _("Rows with problems: %(n)d; nothing was imported. Fix them, or skip the invalid rows",
             n=len(plan.invalid))
    return f"{text}{hint}."


def store(plan: Plan, *, user: User | None, publish: bool, skip_invalid: bool) -> int:
    """Write the plan's new rows; returns how many. Refuses (stores nothing) when rows are
    invalid and ``skip_invalid`` is false."""
    if plan.invalid and not skip_invalid:
        raise ImportError_(refusal(plan))
    new = plan.new
    if not new:
        return 0
    index, now = get_area_index(), utcnow()
    user_id = user.id if user is not None else None
    version = bump_data_version()  # once for the whole file: every row carries it
    status = "published" if publish else "pending"
    seeds = [secrets.token_hex(16) for _row in new]
    # The same public points as the form's (geo.spatial.privacy.public_point), computed for all rows at once.
    plons, plats = public_points([r.fields["lon"] for r in new], [r.fields["lat"] for r in new],
                                 [r.fields["precision"] for r in new], [r.fields["area"] for r in new],
                                 seeds, index)
    records = []
    for k, row in enumerate(new):
        f, seed = row.fields, seeds[k]
        records.append({**f, "privacy_seed": seed, "public_lon": float(plons[k]),
                        "public_lat": float(plats[k]), "status": status, "photo": None, "is_demo": False,
                        "source": "import", "reject_reason": "", "lifecycle": default_state(f["kind"]),
                        "created_by_id": user_id, "created_at": now, "updated_at": now,
                        "published_at": now if publish else None, "changed_version": version,
                        "source_id": row.source_id})
    table = Report.__table__
    ids: dict[str, int] = {}
    for lo in range(0, len(records), _CHUNK):
        chunk = records[lo:lo + _CHUNK]
        result = db.session.execute(insert(table).returning(table.c.id, table.c.source_id), chunk)
        ids.update({sid: rid for rid, sid in result})
    name = plan.filename[:200]
    events = []
    for row in new:
        detail = f"{name}, {plan.table.unit} {row.line}"
        events.append({"report_id": ids[row.source_id], "user_id": user_id, "action": "import",
                       "detail": detail, "created_at": now})
        if publish:
            events.append({"report_id": ids[row.source_id], "user_id": user_id, "action": "publish",
                           "detail": "", "created_at": now})
    for lo in range(0, len(events), _CHUNK):
        db.session.execute(insert(AuditEvent.__table__), events[lo:lo + _CHUNK])
    db.session.commit()
    return len(new)


def mapping_summary(plan: Plan) -> list[tuple[str, str | None]]:
    """(column, field) pairs, in file order."""
    return list(zip(plan.table.headers, plan.mapping, strict=True))


def field_choices(lang: str) -> list[tuple[str, str]]:
    """(id, label) of every structured field a column may feed: "Category: field" in ``lang``."""
    taxonomy, seen, out = get_taxonomy(), set(), []
    for kind in ("challenge", "initiative"):
        for cat in taxonomy.categories(kind):
            for f in getattr(cat, "fields", ()):
                if f.id not in seen:
                    seen.add(f.id)
                    out.append((f.id, f"{cat.label(lang)}: {f.label(lang)}"))
    return out


def field_label(name: str) -> str:
    """What a mapped column feeds, in the reader's language: a report field or a structured one."""
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    found = structured_fields(get_taxonomy()).get(name)
    return found.label(_lang()) if found is not None else name
