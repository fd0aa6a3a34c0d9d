"""GeoJSON for public reports, built from ``reporting.public_dict`` with plain dicts.

Plain dicts and ``json.dumps`` are several times faster than a GeoDataFrame
round trip (see /work/shared/NOTES.md), and keep the one public serializer in charge
of which fields may leave the server.
"""

from __future__ import annotations

import json

from flask import Response, url_for

from geo.drawing.excerpt import excerpt

from ..store.organizations import public_lookup

#: Fields of ``public_dict`` copied into a feature's properties (the full description is not:
#: the map shows an excerpt, the permalink the whole text).
PROPERTIES = ("id", "kind", "category", "title", "area", "precision", "observed_on",
              "organization", "link", "is_demo", "status", "fields")


def report_feature(public: dict, url: str, counts: dict | None = None) -> dict:
    """One GeoJSON Feature from a ``public_dict`` result (its public point as geometry).

    ``counts`` holds the report's published ``updates`` and, for a challenge, the areas that
    joined it (``affected_areas``): see ``store.updates.update_counts`` and
    ``store.affected.signal_counts``.
    """
    props = {name: public.get(name) for name in PROPERTIES}
    counts = counts or {}
    props["updates"] = counts.get("updates", 0)
    props["affected_areas"] = counts.get("affected_areas", 0)
    props["excerpt"] = excerpt(public.get("description") or "")
    props["url"] = url
    props["organization_record"] = organization_ref(public.get("organization_id"))
    return {"type": "Feature", "id": public["id"],
            "geometry": {"type": "Point", "coordinates": [public["lon"], public["lat"]]},
            "properties": props}


def organization_ref(org_id: int | None) -> dict | None:
    """``{id, name_ar, name_en, url}`` of a report's published organization, or None."""
    if org_id is None:
        return None
    org = public_lookup().get(org_id)
    if org is None:
        return None
    return {**org, "url": url_for("organizations.organization_page", org_id=org_id)}


def feature_collection(features: list[dict], **members) -> dict:
    """A FeatureCollection; ``members`` become foreign members (count, limit, truncated...)."""
    return {"type": "FeatureCollection", **members, "features": features}


def dumps(data) -> str:
    # Arabic stays readable (and ~2x smaller than \\uXXXX escapes); no spaces between tokens.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def record_counts(report_ids: list[int]) -> dict[int, dict]:
    """``{id: {"updates": n, "affected_areas": m}}`` for a page of reports (two grouped queries)."""
    from ..store.affected import signal_counts
    from ..store.updates import update_counts

    updates, signals = update_counts(report_ids), signal_counts(report_ids)
    return {i: {"updates": updates.get(i, 0), "affected_areas": signals.get(i, 0)} for i in report_ids}


def json_response(data, status: int = 200, mimetype: str = "application/json") -> Response:
    """``data`` as a JSON response body (``dumps``: compact, non-ASCII kept)."""
    return Response(dumps(data), status=status, mimetype=mimetype)
