"""The public structured fields as the outward formats show them: API, exports.

``store.report_fields`` checks and stores the values; this module says how the *public* ones
look outside (issue 20): one column per field in every export with its GIS type, the field
list of ``/api/v1/categories`` (and its OpenAPI enum of ids; the values' schema is
``geo.reference.fields.json_schema``). Private
fields (``public: false``) are never listed here, so no output built on this module can name
one, let alone show its value (values come from ``reporting.public_dict``, which drops them).
"""

from __future__ import annotations

from geo.reference.fields import Field
from geo.reference.taxonomy import KINDS

from .reporting import get_taxonomy

#: Field type -> GIS column type of the exports (``geo.formats.export.COLUMN_TYPES``).
GIS_TYPES = {"integer": "integer", "decimal": "real", "date": "date", "yesno": "boolean",
             "choice": "string", "multi": "string", "text": "string"}
#: Separator of a multiple choice's ids in one export cell (as ``addresses`` and the like).
MULTI_SEPARATOR = ";"


def public_field_defs() -> dict[str, Field]:
    """Every public field of the taxonomy, id -> field, in file order (ids are unique citywide)."""
    taxonomy = get_taxonomy()
    out: dict[str, Field] = {}
    for kind in KINDS:
        for cat in taxonomy.categories(kind):
            for field in taxonomy.fields(kind, cat.id):
                if field.public:
                    out.setdefault(field.id, field)
    return out


def export_column(field_id: str, taken) -> str:
    """The export column of a field: its id, or ``field_<id>`` if a report column has that name."""
    return field_id if field_id not in taken else f"field_{field_id}"


def export_value(field: Field, value):
    """A public value as one export cell: numbers, ISO dates and booleans as they are, a multiple
    choice as ``id;id``; None when the report has no value."""
    if value is None:
        return None
    if field.type == "multi":
        return MULTI_SEPARATOR.join(str(v) for v in value)
    return value


def category_fields_json(kind: str, category: str, lang: str) -> list[dict]:
    """The public fields of one category for ``/api/v1/categories``.

    Each: ``id``, ``type``, ``label_ar``, ``label_en``, ``label`` (in ``lang``), ``unit_ar``,
    ``unit_en``, ``unit`` (empty when none), ``required``, ``choices`` (``id``, labels; empty
    unless a choice field) and ``max`` for numbers. Private fields are left out.
    """
    out = []
    for field in get_taxonomy().fields(kind, category):
        if not field.public:
            continue
        item = {"id": field.id, "type": field.type, "label_ar": field.label_ar,
                "label_en": field.label_en, "label": field.label(lang), "unit_ar": field.unit_ar,
                "unit_en": field.unit_en, "unit": field.unit(lang), "required": field.required,
                "choices": [{"id": c.id, "label_ar": c.label_ar, "label_en": c.label_en,
                             "label": c.label(lang)} for c in field.choices]}
        if field.numeric:
            item["max"] = field.limit
        out.append(item)
    return out

