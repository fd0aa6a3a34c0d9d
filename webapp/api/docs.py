"""The human page about the API (/api), built from the same OpenAPI document as /api/v1/openapi.json.

On the API's blueprint, outside the /api/v1 prefix: it is HTML in the reader's language while
everything under /api/v1 is language-neutral JSON.
"""

from __future__ import annotations

import shlex

from flask import render_template, request, url_for

from .openapi import PARAMETER_HELP, SUMMARIES, build_document
from .views import bp


def _parameter(doc: dict, ref: dict) -> dict:
    return doc["components"]["parameters"][ref["$ref"].rsplit("/", 1)[1]]


def operations(doc: dict) -> list[dict]:
    """Each endpoint with its translated summary, its parameters and ready-to-run curl commands."""
    server = doc["servers"][0]["url"]
    out = []
    for path, item in doc["paths"].items():
        op = item["get"]
        params = []
        for ref in op["parameters"]:
            param = _parameter(doc, ref)
            if param["in"] in ("query", "path"):
                params.append({"name": param["name"], "help": PARAMETER_HELP[param["name"]],
                               "required": param["required"], "example": param.get("example")})
        out.append({"id": op["operationId"], "path": "/api/v1" + path, "parameters": params,
                    "summary": SUMMARIES[op["operationId"]],
                    "curl": [f"curl -s {shlex.quote(server + example)}" for example in op["x-examples"]]})
    return out


@bp.get("", strict_slashes=False)
def page():
    doc = build_document(request.url_root)
    api_root = doc["servers"][0]["url"]
    return render_template("api/index.html", operations=operations(doc), api_root=api_root,
                           openapi_url=url_for("api.openapi", _external=True),
                           reports_url=shlex.quote(api_root + "/reports?limit=100"))
