"""The OpenAPI 3.1 document of /api/v1, built from the code's own lists.

Enums come from the taxonomy and the gazetteer, limits from ``queries`` and patterns
from ``params``, so the document cannot drift from what the endpoints accept. Summaries
and parameter help are translatable (the /api page shows them in Arabic); the document
itself is always English. ``x-examples`` lists the requests the /api page shows as curl
commands; the tests call every one of them.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from geo.drawing.excerpt import EXCERPT_CHARS
from geo.reference.fields import json_schema
from geo.reference.taxonomy import KINDS
from geo.spatial.privacy import PRECISIONS

from ..store.filters import BBOX, CONTROL_CHARS, MAX_QUERY
from ..store.layers import place_slugs
from ..store.lifecycle import ALL_STATES, STATUS_VALUES
from ..store.models import ORG_KINDS
from ..store.public_fields import public_field_defs
from ..store.queries import DEFAULT_LIMIT, MAX_LIMIT
from ..store.reporting import get_taxonomy
from ..store.trends import FIELD_PATTERN, PERIODS, numeric_fields
from ..web.routing import MAX_ID
from .params import DEFAULT_ORG_LIMIT, MAX_ORG_LIMIT

API_VERSION = "1.0.0"
SUMMARIES = {
    "listReports": _l("Published reports as GeoJSON points, newest first, with filters and pages."),
    "listCategories": _l("The categories of challenges and initiatives: labels in Arabic and English, "
                         "colour and icon."),
    "listAreas": _l("Every neighborhood and village polygon with its report counts under the same "
                    "filters, and classes for a map."),
    "getArea": _l("One neighborhood or village: its polygon (or point) and its report counts by category."),
    "getOpenAPI": _l("This description of the API, in OpenAPI 3.1."),
    "listClusters": _l("Counts of published reports per grid cell for a zoom level: what a map "
                       "shows when zoomed out."),
    "getReport": _l("One published report as a GeoJSON feature."),
    "listReportUpdates": _l("The timeline of one published report: its published updates, oldest "
                            "first, its state and the areas that said it affects them too."),
    "listOrganizations": _l("Published organizations: where they work, on which challenges, how to "
                            "reach them; with filters and pages."),
    "getOrganization": _l("One published organization with its areas, challenges and initiatives."),
    "listTrends": _l("Published reports counted per year or month, citywide or for one area, under "
                     "the same filters, and the sum of a numeric field."),
    "listTrendsCSV": _l("The same table as CSV: one row per period."),
}
PARAMETER_HELP = {
    "kind": _l("Only challenges or only initiatives."),
    "category": _l("A category id; repeat the parameter or separate ids with commas for several. "
                   "With kind, a category of the other kind matches nothing."),
    "area": _l("The id (slug) of a neighborhood or village."),
    "since": _l("Observed on or after this date (YYYY-MM-DD)."),
    "until": _l("Observed on or before this date (YYYY-MM-DD)."),
    "q": _l("Words that must all appear in the title."),
    "status": _l("Only reports in this state (reported, ongoing, resolved, no_longer_relevant, active, "
                 "paused, ended), or open or closed for the groups of states."),
    "bbox": _l("Bounding box min_lon,min_lat,max_lon,max_lat in degrees (WGS84), on the public point."),
    "limit": _l("Reports per page, from 1 to 5000 (500 by default)."),
    "cursor": _l("Where the next page starts (the last id of the previous page): copy it from the "
                 "previous page's next link."),
    "lang": _l("Language of the label field: ar or en."),
    "measure": _l("What the map classes count: challenge or initiative."),
    "measure_category": _l("Count only this category for the map classes (a category of the other "
                           "kind counts nothing)."),
    "geometry": _l("none leaves the polygons out, for a map that already has them."),
    "slug": _l("The id (slug) of a neighborhood or village."),
    "zoom": _l("The map zoom level (0 to 22): cells are about 60 pixels wide at that zoom."),
    "report_id": _l("The number of a published report."),
    "org_category": _l("Only organizations working on this challenge category."),
    "org_kind": _l("Only organizations of this kind."),
    "org_q": _l("Words that must all appear in the name or the description."),
    "org_area": _l("Only organizations serving this neighborhood or village (its id, slug)."),
    "org_limit": _l("Organizations per page, from 1 to 500 (100 by default)."),
    "org_id": _l("The number of a published organization."),
    "by": _l("The length of a period: year or month."),
    "field": _l("A public number field of the chosen categories, summed per period."),
}
#: Rules the schemas cannot express (they tie two parameters together, or bound numbers inside
#: a text): appended to the parameter help, and checked by the server (400). Keep this list
#: short: every rule here is a request the schema allows and the server refuses.
PARAMETER_RULES = {
    "until": _l("Not before since."),
    "bbox": _l("Longitudes from -180 to 180, latitudes from -90 to 90, each minimum smaller than its "
               "maximum."),
    "field": _l("Only a number field that the chosen categories carry."),
}
SILWAN_BBOX = "35.22,31.75,35.26,31.79"
#: The longest request line (``GET <path>?<query> HTTP/1.1``) served: gunicorn's default
#: ``limit_request_line``. Longer ones are a 414 from gunicorn, or from the API itself when it
#: runs behind another server (``webapp/api/views.py``), so the answer is the same everywhere.
MAX_REQUEST_LINE = 4094


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json_content(schema: str, media: str = "application/json") -> dict:
    return {media: {"schema": _ref("schemas", schema)}}


def _organization_parameters(challenge_categories: list[str], slugs: list[str]) -> dict:
    """Parameters of /organizations: single values (not repeatable like /reports' category)."""
    specs = {
        "org_area": ("area", {"type": "string", "enum": slugs}, "silwan"),
        "org_category": ("category", {"type": "string", "enum": challenge_categories}, "housing"),
        "org_kind": ("kind", {"type": "string", "enum": list(ORG_KINDS)}, "ngo"),
        "org_q": ("q", {"type": "string", "maxLength": MAX_QUERY,
                        "pattern": f"^[^{CONTROL_CHARS}]*$"}, "legal"),
        "org_limit": ("limit", {"type": "integer", "minimum": 1, "maximum": MAX_ORG_LIMIT,
                                "default": DEFAULT_ORG_LIMIT}, 50),
    }
    out = {key: {"name": name, "in": "query", "required": False, "description": str(PARAMETER_HELP[key]),
                 "schema": schema, "example": example} for key, (name, schema, example) in specs.items()}
    out["org_id"] = {"name": "org_id", "in": "path", "required": True, "example": 1,
                     "description": str(PARAMETER_HELP["org_id"]),
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
    return out


def _organization_schemas(challenge_categories: list[str], slugs: list[str]) -> dict:
    text = {"type": "string"}
    organization = {"type": "object", "additionalProperties": False, "properties": {
        "id": {"type": "integer", "minimum": 1}, "name_ar": text, "name_en": text,
        "kind": {"enum": list(ORG_KINDS)}, "description": {"type": "string", "maxLength": 2000},
        "website": {"type": "string",
                    "description": "The organization's public website (http/https) or \"\"."},
        "public_phone": {"type": "string", "description": "The organization's public phone or \"\"."},
        "public_email": {"type": "string", "description": "The organization's public e-mail or \"\"."},
        "is_demo": {"type": "boolean"},
        "published_at": {"type": ["string", "null"], "description": "ISO 8601, UTC."},
        "areas": {"type": "array", "items": {"enum": slugs}, "description": "Slugs of the areas it serves."},
        "categories": {"type": "array", "items": {"enum": challenge_categories},
                       "description": "Challenge categories it works on."},
        "logo": {"type": ["string", "null"], "format": "uri"},
        "url": {"type": "string", "format": "uri", "description": "Its public page."},
        "initiatives": {"type": "array", "items": {"type": "integer"},
                        "description": "Ids of its published initiatives (see /reports/{report_id})."},
    }}
    organization["required"] = list(organization["properties"])
    return {
        "Organization": organization,
        "OrganizationCollection": {"type": "object", "additionalProperties": False,
                                   "required": ["count", "limit", "truncated", "numberMatched",
                                                "numberReturned", "organizations"],
                                   "properties": {
            "count": {"type": "integer", "minimum": 0},
            "numberMatched": {"type": "integer", "minimum": 0,
                              "description": "Organizations matching the filters, on every page together."},
            "numberReturned": {"type": "integer", "minimum": 0,
                               "description": "Organizations on this page (as count)."},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_ORG_LIMIT},
            "truncated": {"type": "boolean", "description": "More organizations follow on the next page."},
            "next": {"type": "string", "format": "uri",
                     "description": "The next page (only when truncated)."},
            "organizations": {"type": "array", "items": _ref("schemas", "Organization")}}},
        "OrganizationRef": {"oneOf": [{"type": "null"}, {
            "type": "object", "additionalProperties": False, "required": ["id", "name_ar", "name_en", "url"],
            "properties": {"id": {"type": "integer"}, "name_ar": text, "name_en": text,
                           "url": {"type": "string", "description": "The organization's page (a path)."}}}],
            "description": "An initiative's published organization, or null."},
    }


DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _field_schema() -> dict:
    """``field=``: the public number fields of the taxonomy (a pattern while there are none)."""
    ids = sorted(numeric_fields(None, ()))
    return {"type": "string", "enum": ids} if ids else {"type": "string", "pattern": FIELD_PATTERN}


def _parameters(categories: list[str], slugs: list[str]) -> dict:
    specs = {
        "kind": ({"type": "string", "enum": list(KINDS)}, "challenge"),
        "category": ({"type": "array", "items": {"type": "string", "enum": categories}}, ["housing"]),
        "area": ({"type": "string", "enum": slugs}, "silwan"),
        "since": ({"type": "string", "format": "date", "pattern": DATE_PATTERN}, "2026-01-01"),
        "until": ({"type": "string", "format": "date", "pattern": DATE_PATTERN}, "2026-12-31"),
        "q": ({"type": "string", "maxLength": MAX_QUERY, "pattern": f"^[^{CONTROL_CHARS}]*$"}, "demolition"),
        "status": ({"type": "string", "enum": list(STATUS_VALUES)}, "open"),
        # "bbox" is a format of this API (see PARAMETER_RULES): the pattern says what it looks
        # like, the format what only the server can check.
        "bbox": ({"type": "string", "format": "bbox", "pattern": f"^{BBOX.pattern}$"}, SILWAN_BBOX),
        "limit": ({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, 100),
        # Any id is a valid place to continue: the schema is exactly what the server accepts.
        "cursor": ({"type": "integer", "minimum": 1, "maximum": MAX_ID}, None),
        "lang": ({"type": "string", "enum": ["ar", "en"]}, "en"),
        "measure": ({"type": "string", "enum": list(KINDS), "default": "challenge"}, "initiative"),
        "measure_category": ({"type": "string", "enum": categories}, "legal-aid"),
        "geometry": ({"type": "string", "enum": ["full", "none"], "default": "full"}, "none"),
        "zoom": ({"type": "integer", "minimum": 0, "maximum": 22}, 12),
        "by": ({"type": "string", "enum": list(PERIODS), "default": "year"}, "month"),
        "field": (_field_schema(), None),
    }
    out = {}
    for name, (schema, example) in specs.items():
        help_text = " ".join(str(t) for t in (PARAMETER_HELP[name], PARAMETER_RULES.get(name)) if t)
        out[name] = {"name": name, "in": "query", "required": False,
                     "description": help_text, "schema": schema}
        if example is not None:
            out[name]["example"] = example
        if schema["type"] == "array":
            out[name].update(style="form", explode=True)
    out["slug"] = {"name": "slug", "in": "path", "required": True, "example": "silwan",
                   "description": str(PARAMETER_HELP["slug"]), "schema": {"type": "string", "enum": slugs}}
    out["zoom"]["required"] = True
    out["report_id"] = {"name": "report_id", "in": "path", "required": True, "example": 1,
                        "description": str(PARAMETER_HELP["report_id"]),
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
    out["If-None-Match"] = {"name": "If-None-Match", "in": "header", "required": False,
                            "description": "An ETag from an earlier response: 304 if nothing changed.",
                            "schema": {"type": "string"}}
    out["If-Modified-Since"] = {"name": "If-Modified-Since", "in": "header", "required": False,
                                "description": "A Last-Modified date from an earlier response: 304 if "
                                               "nothing changed since (ignored with If-None-Match).",
                                "schema": {"type": "string"}}
    return out


def _report_fields() -> dict:
    """The public structured fields of every category (ids are unique across categories)."""
    properties = {fid: json_schema(f) for fid, f in public_field_defs().items()}
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "description": "The report's structured fields (data/categories.yaml): public ones only, "
                           "those its category declares; a field not filled in is absent."}


def _schemas(categories: list[str]) -> dict:
    position = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3}
    ring = {"type": "array", "items": position, "minItems": 4}
    count = {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^<[0-9]+$"}],
             "description": "A count; counts below MIN_PUBLIC_COUNT are published as \"<k\"."}
    by_category = {"type": "object", "required": list(KINDS), "additionalProperties": False,
                   "properties": {k: {"type": "object", "propertyNames": {"enum": categories},
                                      "additionalProperties": _ref("schemas", "Count")} for k in KINDS}}
    place = {"slug": {"type": "string"}, "name_ar": {"type": "string"}, "name_en": {"type": "string"},
             "name_he": {"type": "string"}, "kind": {"type": "string"}, "sector": {"type": "string"},
             "challenges": _ref("schemas", "Count"), "initiatives": _ref("schemas", "Count"),
             "by_category": _ref("schemas", "CountsByCategory"), "url": {"type": "string"}}

    def obj(properties: dict, required=None, **extra) -> dict:
        return {"type": "object", "required": list(required or properties), "properties": properties,
                **extra}

    def geometry(kind: str, coordinates: dict) -> dict:
        return obj({"type": {"const": kind}, "coordinates": coordinates})

    def feature(id_type: str, geom: dict, props: str) -> dict:
        return obj({"type": {"const": "Feature"}, "id": {"type": id_type}, "geometry": geom,
                    "properties": _ref("schemas", props)})

    pair = {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}
    nullable = {"oneOf": [_ref("schemas", "Polygon"), _ref("schemas", "MultiPolygon"), {"type": "null"}]}
    return {
        "Point": geometry("Point", position),
        "Polygon": geometry("Polygon", {"type": "array", "items": ring}),
        "MultiPolygon": geometry("MultiPolygon",
                                 {"type": "array", "items": {"type": "array", "items": ring}}),
        "ReportProperties": obj({
            "id": {"type": "integer"}, "kind": {"enum": list(KINDS)}, "category": {"enum": categories},
            "title": {"type": "string"}, "excerpt": {"type": "string", "maxLength": EXCERPT_CHARS + 1},
            "area": {"type": ["string", "null"]}, "precision": {"enum": list(PRECISIONS)},
            "observed_on": {"type": ["string", "null"], "format": "date"},
            "organization": {"type": "string"}, "link": {"type": "string"}, "is_demo": {"type": "boolean"},
            "url": {"type": "string", "description": "The report's public page (a path on this host)."},
            "organization_record": _ref("schemas", "OrganizationRef"),
            "status": {"enum": list(ALL_STATES), "description": "The public state of the report."},
            "updates": {"type": "integer", "minimum": 0, "description": "Published updates."},
            "affected_areas": {"type": "integer", "minimum": 0,
                               "description": "Areas that said this challenge affects them too."},
            "fields": _ref("schemas", "ReportFields"),
        }, additionalProperties=False),
        "ReportFields": _report_fields(),
        "CategoryField": obj({
            "id": {"enum": list(public_field_defs())} if public_field_defs() else {"type": "string"},
            "type": {"enum": ["integer", "decimal", "date", "choice", "multi", "yesno", "text"]},
            "label_ar": {"type": "string"}, "label_en": {"type": "string"}, "label": {"type": "string"},
            "unit_ar": {"type": "string"}, "unit_en": {"type": "string"}, "unit": {"type": "string"},
            "required": {"type": "boolean"},
            "choices": {"type": "array", "items": obj(
                {"id": {"type": "string"}, "label_ar": {"type": "string"}, "label_en": {"type": "string"},
                 "label": {"type": "string"}}, additionalProperties=False)},
            "max": {"type": "number", "description": "The largest value (numbers only)."},
        }, required=["id", "type", "label_ar", "label_en", "label", "unit_ar", "unit_en", "unit", "required",
                     "choices"], additionalProperties=False),
        "ReportUpdate": obj({
            "id": {"type": "integer"}, "report_id": {"type": "integer"},
            "source": {"enum": ["organizer", "public"]}, "text": {"type": "string"},
            "state": {"oneOf": [{"enum": list(ALL_STATES)}, {"type": "null"}],
                      "description": "The state this update set, if it changed it."},
            "previous_state": {"oneOf": [{"enum": list(ALL_STATES)}, {"type": "null"}]},
            "happened_on": {"type": ["string", "null"], "format": "date",
                            "description": "When the event happened (YYYY-MM-DD), if the author gave "
                                           "a date; otherwise the publication date stands for it."},
            "published_at": {"type": "string", "format": "date-time"},
            "photo_url": {"type": ["string", "null"]},
        }, additionalProperties=False),
        "ReportUpdates": obj({
            "report_id": {"type": "integer"}, "status": {"enum": list(ALL_STATES)},
            "count": {"type": "integer", "minimum": 0},
            "updates": {"type": "array", "items": _ref("schemas", "ReportUpdate")},
            "affected_areas": {"type": "array", "items": obj({
                "area": {"type": "string"}, "linked_report_id": {"type": ["integer", "null"]}},
                additionalProperties=False)},
        }, additionalProperties=False),
        "ReportFeature": feature("integer", _ref("schemas", "Point"), "ReportProperties"),
        "ReportCollection": obj({
            "type": {"const": "FeatureCollection"}, "count": {"type": "integer", "minimum": 0},
            "numberMatched": {"type": "integer", "minimum": 0,
                              "description": "Reports matching the filters, on every page together (OGC API "
                                             "- Features' name: GDAL and QGIS read it)."},
            "numberReturned": {"type": "integer", "minimum": 0,
                               "description": "Features on this page (as count)."},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "truncated": {"type": "boolean", "description": "More reports follow on the next page."},
            "next": {"type": "string", "format": "uri",
                     "description": "The next page (only when truncated)."},
            "features": {"type": "array", "items": _ref("schemas", "ReportFeature")},
        }, required=["type", "count", "numberMatched", "numberReturned", "limit", "truncated", "features"],
            additionalProperties=False),
        "Category": obj({"id": {"type": "string"}, "label_en": {"type": "string"},
                         "label_ar": {"type": "string"}, "label": {"type": "string"},
                         "colour": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                         "icon": {"type": "string"},
                         "fields": {"type": "array", "items": _ref("schemas", "CategoryField"),
                                    "description": "The category's public structured fields."}},
                        additionalProperties=False),
        "Categories": obj({"lang": {"enum": ["ar", "en"]},
                           **{k: {"type": "array", "items": _ref("schemas", "Category")} for k in KINDS}},
                          additionalProperties=False),
        "Count": count,
        "CountsByCategory": by_category,
        "AreaProperties": obj({**place, "value": _ref("schemas", "Count"),
                               "class": {"type": "integer", "minimum": -1,
                                         "description": "Map class of value; -1 for zero."}}),
        "AreaFeature": feature("string", nullable, "AreaProperties"),
        "AreaCollection": obj({
            "type": {"const": "FeatureCollection"}, "count": {"type": "integer", "minimum": 0},
            "filters": {"type": "object", "description": "The filters applied, as query parameters."},
            "classes": obj({"scheme": {"const": "quantiles"}, "measure": {"enum": list(KINDS)},
                            "category": {"type": ["string", "null"]},
                            "breaks": {"type": "array", "items": {"type": "integer"}},
                            "ranges": {"type": "array", "items": pair},
                            "labels": {"type": "array", "items": {"type": "string"},
                                       "description": "Legend text per class: 3–6, 4 or <5."},
                            "zero_class": {"const": -1}}),
            "features": {"type": "array", "items": _ref("schemas", "AreaFeature")},
        }),
        "PlaceProperties": obj({**place, "has_polygon": {"type": "boolean"}}),
        "Place": feature("string", {"oneOf": [_ref("schemas", "Polygon"), _ref("schemas", "MultiPolygon"),
                                              _ref("schemas", "Point")]}, "PlaceProperties"),
        "ClusterCount": {
            "oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^<[0-9]+$"},
                      {"type": "string", "pattern": "^>[0-9]+$"}],
            "description": "A count of one kind in a cell. Below MIN_PUBLIC_COUNT it is \"<k\"; \">m\" "
                           "(at least m + 1) hides a kind whose exact count would reveal a \"<k\" "
                           "one by subtraction from the cell's count."},
        "ClusterCollection": obj({
            "type": {"const": "FeatureCollection"}, "zoom": {"type": "integer"},
            "cell_deg": {"type": "number"},
            "total": {"type": "integer", "minimum": 0,
                      "description": "Reports in the cells; a cell published as \"<k\" adds 1."},
            "total_is_lower_bound": {"type": "boolean",
                                     "description": "Some cell is suppressed: the total is a lower bound."},
            "min_count": {"type": "integer", "minimum": 1,
                          "description": "MIN_PUBLIC_COUNT: counts below it are published as \"<k\" "
                                         "(1: no suppression)."},
            "max_zoom": {"type": "integer", "description": "Above this zoom, ask /reports?bbox= for points."},
            "bbox": {"type": ["array", "null"], "items": {"type": "number"}},
            "features": {"type": "array", "items": obj({
                "type": {"const": "Feature"}, "geometry": _ref("schemas", "Point"),
                "properties": obj({"count": {
                    "oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^<[0-9]+$"}],
                    "description": "Reports in the cell; \"<k\" when fewer than MIN_PUBLIC_COUNT."},
                    "top": {"type": "object", "additionalProperties": {"type": "string"},
                            "description": "Per kind counted exactly: its most frequent category "
                                           "in the cell."}}, required=["count"],
                    additionalProperties=_ref("schemas", "ClusterCount"))})},
        }),
        "TrendPeriod": obj({
            "period": {"type": "string", "pattern": "^[0-9]{4}(-[0-9]{2})?$",
                       "description": "2024 (by year) or 2024-03 (by month)."},
            "start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"},
            "count": count,
            "sum": {"type": ["number", "null"],
                    "description": "The field summed over the period's reports (only with field); "
                                   "null when the count is suppressed."}},
            required=["period", "start", "end", "count"], additionalProperties=False),
        "Trend": obj({
            "by": {"enum": list(PERIODS)}, "field": {"type": ["string", "null"]},
            "filters": {"type": "object", "description": "The filters applied, as query parameters."},
            "periods": {"type": "array", "items": _ref("schemas", "TrendPeriod"),
                        "description": "Oldest first, every period between the first and the last "
                                       "(zeros included)."},
            "undated": {**count, "description": "Reports without an observation date (in no period)."},
            "total": obj({"count": {"type": "integer", "minimum": 0}, "sum": {"type": "number"}},
                         required=["count"], additionalProperties=False),
            "total_is_lower_bound": {"type": "boolean",
                                     "description": "Some count is suppressed: the totals add up only "
                                                    "what is shown."},
        }, additionalProperties=False),
        "Error": obj({"error": {"type": "string"}, "status": {"type": "integer"}}, required=["error"]),
        "ParameterError": obj({"error": {"type": "string"},
                               "parameter": {"type": "string", "description": "The parameter at fault."}}),
        "TrendCSV": {"type": "string", "description": "period,start,end,count[,sum_<field>] rows."},
        "OpenAPIDocument": obj({"openapi": {"type": "string"}, "info": {"type": "object"},
                                "paths": {"type": "object"}}),
    }


def _operation(op_id: str, params: list[str], schema: str, examples: list[str], *,
               media: str = "application/geo+json", errors=("400",)) -> dict:
    ok_headers = {name: _ref("headers", name) for name in ("ETag", "Last-Modified", "Cache-Control")}
    if op_id in ("listReports", "listOrganizations"):
        ok_headers["Link"] = _ref("headers", "Link")
    responses = {"200": {"description": "OK", "headers": ok_headers, "content": _json_content(schema, media)},
                 "304": _ref("responses", "NotModified")}
    responses.update({code: _ref("responses", {"400": "BadParameter", "404": "NotFound"}[code])
                      for code in errors})
    responses["414"] = _ref("responses", "URITooLong")
    return {"get": {"operationId": op_id, "summary": str(SUMMARIES[op_id]),
                    "parameters": [_ref("parameters", p) for p in (*params, "If-None-Match",
                                                                   "If-Modified-Since")],
                    "responses": responses, "x-examples": examples}}


FILTERS = ("kind", "category", "area", "since", "until", "q", "bbox", "status")


def build_document(url_root: str) -> dict:
    """The OpenAPI 3.1 document, with this host's /api/v1 as the server."""
    taxonomy = get_taxonomy()
    categories = list(dict.fromkeys(c.id for k in KINDS for c in taxonomy.categories(k)))
    slugs = sorted(place_slugs())
    challenge_categories = [c.id for c in taxonomy.categories("challenge")]
    with force_locale("en"):
        parameters = {**_parameters(categories, slugs),
                      **_organization_parameters(challenge_categories, slugs)}
        paths = {
            "/reports": _operation("listReports", [*FILTERS, "limit", "cursor"], "ReportCollection", [
                "/reports", "/reports?kind=challenge&category=housing&limit=100",
                f"/reports?bbox={SILWAN_BBOX}&since=2026-01-01"]),
            "/areas": _operation("listAreas", [*FILTERS, "measure", "measure_category", "geometry"],
                                 "AreaCollection", ["/areas?geometry=none",
                                                    "/areas?kind=initiative&measure=initiative"]),
            "/areas/{slug}": _operation("getArea", ["slug", *(f for f in FILTERS if f != "area")], "Place",
                                        ["/areas/silwan"], errors=("400", "404")),
            "/reports/{report_id}": _operation("getReport", ["report_id"], "ReportFeature",
                                               ["/reports/1"], errors=("404",)),
            "/reports/{report_id}/updates": _operation("listReportUpdates", ["report_id"], "ReportUpdates",
                                                       ["/reports/1/updates"], media="application/json",
                                                       errors=("404",)),
            "/clusters": _operation("listClusters", ["zoom", *FILTERS], "ClusterCollection", [
                f"/clusters?zoom=12&bbox={SILWAN_BBOX}", "/clusters?zoom=11&kind=challenge"]),
            "/organizations": _operation(
                "listOrganizations", ["org_area", "org_category", "org_kind", "org_q", "org_limit", "cursor"],
                "OrganizationCollection", ["/organizations", "/organizations?category=housing",
                                           "/organizations?area=silwan&kind=ngo"], media="application/json"),
            "/organizations/{org_id}": _operation("getOrganization", ["org_id"], "Organization",
                                                  ["/organizations/1"], media="application/json",
                                                  errors=("404",)),
            "/trends": _operation("listTrends", [*FILTERS, "by", "field"], "Trend", [
                "/trends?category=housing&by=year", "/trends?area=silwan&by=month&since=2025-01-01"],
                media="application/json"),
            "/trends.csv": _operation("listTrendsCSV", [*FILTERS, "by", "field"], "TrendCSV",
                                      ["/trends.csv?category=housing"], media="text/csv"),
            "/categories": _operation("listCategories", ["lang"], "Categories", ["/categories?lang=en"],
                                      media="application/json"),
            "/openapi.json": _operation("getOpenAPI", [], "OpenAPIDocument", ["/openapi.json"],
                                        media="application/json", errors=()),
        }
    header = {"schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ahya open data API", "version": API_VERSION,
                 "description": "Published reports (challenges and initiatives) of Ahya, the community "
                                "map of Jerusalem's neighborhoods and villages, as GeoJSON and JSON. "
                                "Read-only, no account, any origin (CORS)."},
        "servers": [{"url": url_root.rstrip("/") + "/api/v1"}],
        "paths": paths,
        "components": {
            "parameters": parameters,
            "schemas": {**_schemas(categories), **_organization_schemas(challenge_categories, slugs)},
            "headers": {
                "ETag": {**header, "description": "Changes whenever the data or the request changes."},
                "Last-Modified": {**header, "description": "When the data last changed (HTTP date)."},
                "Cache-Control": {**header, "description": "public, max-age=0, must-revalidate"},
                "Link": {**header, "description": 'The next page: <url>; rel="next" (RFC 8288).'},
            },
            "responses": {
                "NotModified": {"description": "Nothing changed since the ETag or date sent; no body.",
                                "headers": {"ETag": _ref("headers", "ETag")}},
                "BadParameter": {"description": "A malformed parameter, named in the body.",
                                 "content": _json_content("ParameterError")},
                "NotFound": {"description": "No such area, published report or published organization.",
                             "content": _json_content("Error")},
                "URITooLong": {"description": f"The request line is over {MAX_REQUEST_LINE:,} bytes (the "
                                              "limit of the app and of gunicorn in front of it): send fewer "
                                              "or shorter parameters.",
                               "content": _json_content("Error")},
            },
        },
    }
