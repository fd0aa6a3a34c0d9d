"""``GET /api/v1/organizations`` and ``/api/v1/organizations/<id>``: published organizations as JSON.

Fields come from ``store.organizations.public_dict`` plus links; pages are cut by id
(keyset, newest first) with the same cursor as /reports (the last id). ETags and the response
cache come from ``cached_json`` like every other API response.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request, url_for
from sqlalchemy import select

from ..extensions import db
from ..store.filters import ParameterError, single
from ..store.models import Report
from ..store.organization_filters import directory_filters
from ..store.organizations import (
    get_published,
    matches,
    public_dict,
    published_dicts,
    published_initiatives,
)
from .cache import cached_json
from .geojson import json_response
from .params import DEFAULT_ORG_LIMIT, MAX_ORG_LIMIT, encode_cursor, parse_cursor
from .views import bp

#: Parameters of /organizations where an empty value is an error (``q=`` means "no words").
NON_EMPTY = ("area", "category", "kind", "limit", "cursor")


def org_json(org: dict, initiative_ids: list[int]) -> dict:
    """The API form of a public organization dict: absolute links, its published initiatives."""
    return {**org, "logo": url_for("organizations.logo", filename=org["logo"], _external=True)
            if org["logo"] else None,
            "url": url_for("organizations.organization_page", org_id=org["id"], _external=True),
            "initiatives": initiative_ids}


def _limit() -> int:
    raw = single(request.args, "limit")
    if raw is None:
        return DEFAULT_ORG_LIMIT
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ORG_LIMIT:
        raise ParameterError("limit", f"'limit' must be an integer from 1 to {MAX_ORG_LIMIT}")
    return int(raw)


def _initiatives_by_org() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    rows = db.session.execute(select(Report.organization_id, Report.id).where(
        Report.organization_id.is_not(None), Report.status == "published", Report.kind == "initiative")
        .order_by(Report.id.desc()))
    for org_id, report_id in rows:
        out.setdefault(org_id, []).append(report_id)
    return out


@bp.get("/v1/organizations")
@cached_json
def organizations():
    """Published organizations, newest first; filters area, category, kind, q; cursor pages."""
    try:
        # Strict like /reports: "area=" is no area (the document's enums allow no empty value);
        # only the directory page's GET form reads an empty field as "any".
        for name in NON_EMPTY:
            if any(not value.strip() for value in request.args.getlist(name)):
                raise ParameterError(name, f"'{name}' must not be empty: leave it out instead")
        filters, _problems = directory_filters(request.args)
        limit = _limit()
        after = parse_cursor(request.args)
    except ParameterError as exc:
        return json_response(exc.as_json(), status=400)
    found = [o for o in published_dicts() if matches(o, **filters)]
    rows = [o for o in found if after is None or o["id"] < after]
    page, truncated = rows[:limit], len(rows) > limit
    by_org = _initiatives_by_org()
    # numberMatched counts every page (the rows before the cursor too), as in /api/v1/reports.
    body = {"count": len(page), "numberMatched": len(found), "numberReturned": len(page),
            "limit": limit, "truncated": truncated,
            "organizations": [org_json(o, by_org.get(o["id"], [])) for o in page]}
    if truncated:
        pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
        pairs.append(("cursor", encode_cursor(page[-1]["id"])))
        body["next"] = url_for("api.organizations", _external=True) + "?" + urlencode(pairs)
    resp = json_response(body)
    if truncated:
        resp.headers["Link"] = f'<{body["next"]}>; rel="next"'
    return resp


@bp.get("/v1/organizations/<id:org_id>")
@cached_json
def organization(org_id: int):
    """One published organization."""
    org = get_published(org_id)
    if org is None:
        return json_response({"error": "no published organization with this id", "status": 404}, status=404)
    ids = [r.id for r in published_initiatives(org.id)]
    return json_response(org_json(public_dict(org), ids))
