"""Read a table of rows from an uploaded file: CSV, XLSX or GeoJSON, refusing what is unsafe.

``read_table(data, filename)`` gives the header and the rows as text, each row with the number a
spreadsheet user sees (the header is row 1) or, for GeoJSON, the feature's position. Nothing is
evaluated: an XLSX formula comes back as its text (``=HYPERLINK(...)``) for the caller to refuse,
and files that would cost more than they are worth (bombs, binary junk) raise ``TableError``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import zipfile
from dataclasses import dataclass, field

MAX_BYTES = 20 * 1024 * 1024  #: the upload limit of the app (MAX_CONTENT_LENGTH)
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELL = 10_000  #: characters in one cell
#: XLSX: uncompressed bytes of the whole archive, of the shared strings, and the compression ratio
#: a member may have (real sheets compress 5-20x; a bomb 1000x).
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_SHARED_STRINGS = 60 * 1024 * 1024
MAX_RATIO = 200
_ENCODINGS = ("utf-8", "cp1256")


#: Why a file is refused, in English (webapp.store.report_import words them in the reader's language).
MESSAGES = {
    "too_big": "the file is larger than {mb} MB",
    "empty": "the file is empty",
    "not_text": "the file is not text (binary data or UTF-16): save it as CSV UTF-8 or XLSX",
    "encoding": "the file is not valid UTF-8 text: save it as CSV UTF-8",
    "geojson_encoding": "the GeoJSON is not valid UTF-8",
    "no_header": "the first row must name the columns",
    "rows": "more than {max:,} rows: split the file",
    "csv": "the CSV cannot be read at line {line}: {detail}",
    "columns": "more than {max} columns",
    "cell": "a cell holds more than {max:,} characters",
    "bad_zip": "the file is not a valid XLSX workbook (broken zip)",
    "not_xlsx": "the zip file is not an XLSX workbook: save the sheet as XLSX or CSV",
    "unzipped": "the workbook unpacks to too much data",
    "bomb": "the workbook is compressed suspiciously well (a zip bomb?)",
    "shared_strings": "the workbook's text table is too large",
    "xlsx": "the XLSX workbook cannot be read ({detail})",
    "declared_rows": "the sheet declares {n:,} rows; at most {max:,}",
    "declared_columns": "the sheet declares {n:,} columns; at most {max}",
    "sheet_empty": "the sheet is empty",
    "json": "the file is not valid JSON",
    "not_collection": "the JSON is not a GeoJSON FeatureCollection",
    "no_features": "the GeoJSON has no features",
    "features": "more than {max:,} features: split the file",
}


class TableError(ValueError):
    """The file cannot be read as a table: ``code`` (a key of ``MESSAGES``) and its ``params``."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(MESSAGES[code].format(**params))


@dataclass
class Table:
    """Column names, rows of text (``None`` for an empty cell) and where each row is in the file.

    ``unit`` is what ``lines`` count: ``"row"`` (spreadsheet rows, header = 1) or ``"feature"``.
    ``points`` holds a GeoJSON feature's (lon, lat), or None, per row.
    """

    format: str
    headers: list[str]
    rows: list[list[str | None]]
    lines: list[int]
    unit: str = "row"
    encoding: str | None = None
    points: list | None = None
    notes: list[str] = field(default_factory=list)


def read_table(data: bytes, filename: str = "") -> Table:
    """The table in ``data``; the format comes from the content, the name only breaks ties.

    Raises
    ------
    TableError
        Too big, binary, an archive that is not an XLSX, a bomb, no header, too many rows.
    """
    if len(data) > MAX_BYTES:
        raise TableError("too_big", mb=MAX_BYTES // (1024 * 1024))
    if not data.strip():
        raise TableError("empty")
    name = filename.lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return read_xlsx(data)
    text, encoding = decode_text(data)
    stripped = text.lstrip()
    if stripped.startswith("{") or name.endswith((".geojson", ".json")):
        if encoding != "utf-8":  # RFC 7946: GeoJSON is UTF-8; anything else is a broken file
            raise TableError("geojson_encoding")
        return read_geojson(text)
    return read_csv(text, encoding)


# --- text -------------------------------------------------------------------------------------

def decode_text(data: bytes) -> tuple[str, str]:
    """Text of a CSV/GeoJSON: UTF-8 (with or without BOM), else Windows-1256 (Arabic Excel)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, forced = data[3:], "utf-8"
    else:
        forced = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in data[:65536]:
        # UTF-16 (Excel's "Unicode text") or a binary file: neither is a CSV we can read safely.
        raise TableError("not_text")
    for encoding in ((forced,) if forced else _ENCODINGS):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise TableError("not_text")
        return text, encoding
    raise TableError("encoding")


def _looks_binary(text: str) -> bool:
    # Windows-1256 decodes every byte, so junk "decodes": control characters give it away.
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > max(8, len(sample) // 1000)


def read_csv(text: str, encoding: str = "utf-8") -> Table:
    """Rows of a CSV; the delimiter (``,`` ``;`` tab - Kobo uses ``;``) is read off the header."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise TableError("no_header")
        _check_width(len(header))
        rows, lines = [], []
        # A spreadsheet shows one row per record (a quoted cell may span lines): count records.
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) >= MAX_ROWS:
                raise TableError("rows", max=MAX_ROWS)
            _check_width(len(row))
            rows.append([_cell(c) for c in row])
            lines.append(line)
    except csv.Error as exc:
        raise TableError("csv", line=reader.line_num, detail=str(exc)) from None
    return Table("csv", [h.strip() for h in header], rows, lines, encoding=encoding)


def _check_width(n: int) -> None:
    if n > MAX_COLUMNS:
        raise TableError("columns", max=MAX_COLUMNS)


def _cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    # datetime is a date too
    text = (value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)).strip()
    if len(text) > MAX_CELL:
        raise TableError("cell", max=MAX_CELL)
    return text or None


# --- XLSX -------------------------------------------------------------------------------------

def check_xlsx_archive(data: bytes) -> None:
    """Refuse a zip that is not a workbook, or one that unpacks to far more than it weighs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TableError("bad_zip") from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise TableError("not_xlsx")
    if len(infos) > 1000 or sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise TableError("unzipped")
    for info in infos:
        if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise TableError("bomb")
        if info.filename == "xl/sharedStrings.xml" and info.file_size > MAX_SHARED_STRINGS:
            raise TableError("shared_strings")


def read_xlsx(data: bytes) -> Table:
    """The first sheet of a workbook, read-only; formulas come back as their text, unevaluated."""
    check_xlsx_archive(data)
    import openpyxl  # only XLSX needs it: keep it off the import path of the rest

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                      keep_links=False, keep_vba=False)
    except Exception as exc:  # openpyxl raises many types for broken parts
        raise TableError("xlsx", detail=type(exc).__name__) from None
    try:
        sheet = book.worksheets[0]
        declared_rows, declared_cols = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > MAX_ROWS + 1:
            raise TableError("declared_rows", n=declared_rows, max=MAX_ROWS)
        if declared_cols > MAX_COLUMNS:
            raise TableError("declared_columns", n=declared_cols, max=MAX_COLUMNS)
        it = sheet.iter_rows(values_only=True)
        header = None
        rows, lines = [], []
        for number, values in enumerate(it, start=1):
            if len(values) > MAX_COLUMNS:
                raise TableError("columns", max=MAX_COLUMNS)
            cells = [_cell(v) for v in values]
            if header is None:
                if not any(cells):
                    continue  # blank rows above the header
                header = [c or "" for c in cells]
                continue
            if not any(cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise TableError("rows", max=MAX_ROWS)
            rows.append(cells)
            lines.append(number)
    except TableError:
        raise
    except Exception as exc:
        raise TableError("xlsx", detail=type(exc).__name__) from None
    finally:
        book.close()
    if header is None:
        raise TableError("sheet_empty")
    return Table("xlsx", header, rows, lines)


# --- GeoJSON ----------------------------------------------------------------------------------

def read_geojson(text: str) -> Table:
    """Point features; their properties become columns, their point goes to ``points``."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise TableError("json") from None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" \
            or not isinstance(doc.get("features"), list):
        raise TableError("not_collection")
    features = doc["features"]
    if not features:
        raise TableError("no_features")
    if len(features) > MAX_ROWS:
        raise TableError("features", max=MAX_ROWS)
    headers: dict[str, None] = {}
    for feat in features:
        props = feat.get("properties") if isinstance(feat, dict) else None
        for key in (props or {}) if isinstance(props, dict) else ():
            headers.setdefault(str(key), None)
    _check_width(len(headers))
    names = list(headers)
    rows, points = [], []
    for feat in features:
        props = feat.get("properties") if isinstance(feat, dict) else None
        props = props if isinstance(props, dict) else {}
        rows.append([_cell(_scalar(props.get(n))) for n in names])
        points.append(_point(feat.get("geometry") if isinstance(feat, dict) else None))
    return Table("geojson", names, rows, list(range(1, len(rows) + 1)), unit="feature",
                 encoding="utf-8", points=points)


def _scalar(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def _point(geometry):
    """(lon, lat) of a Point geometry, ``"bad"`` for any other geometry, None when absent."""
    if geometry is None:
        return None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") != "Point" or not isinstance(coords, list) \
            or len(coords) < 2:
        return "bad"
    try:
        lon, lat = float(coords[0]), float(coords[1])
    except (TypeError, ValueError):
        return "bad"
    return (lon, lat) if math.isfinite(lon) and math.isfinite(lat) else "bad"
