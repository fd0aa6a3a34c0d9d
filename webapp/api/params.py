"""The API's own query parameters: the signed page cursor of /api/v1/reports, the page sizes.

The report filters every listing shares are parsed in :mod:`webapp.store.filters`.
"""

from __future__ import annotations

from itsdangerous import BadData, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from ..store.filters import ParameterError, single
from ..web.routing import is_valid_id

MAX_CURSOR = 200
#: Organizations per page of /api/v1/organizations: by default, and at most.
DEFAULT_ORG_LIMIT, MAX_ORG_LIMIT = 100, 500
#: What a cursor looks like (itsdangerous: urlsafe base64 payload, a dot, the signature; a
#: leading dot when the payload is compressed). Published as the OpenAPI pattern.
CURSOR_PATTERN = r"^\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
_CURSOR_SALT = "ahya.api.reports.cursor"


def _cursor_serializer(secret_key: str) -> URLSafeSerializer:
    # Signed, so a cursor is only ever a value this server produced: clients cannot craft one
    # to probe ids or feed arbitrary input into the query.
    return URLSafeSerializer(secret_key, salt=_CURSOR_SALT)


def encode_cursor(last_id: int, secret_key: str) -> str:
    """The opaque ``cursor`` for the page after the row ``last_id`` (urlsafe base64 + signature)."""
    return _cursor_serializer(secret_key).dumps(int(last_id))


def parse_cursor(args: MultiDict, secret_key: str) -> int | None:
    """``cursor=`` from a previous page's ``next`` link: the id to continue below, or None."""
    raw = single(args, "cursor")
    if raw is None:
        return None
    try:
        if len(raw) > MAX_CURSOR:
            raise BadData("too long")
        last_id = _cursor_serializer(secret_key).loads(raw)
    except BadData:
        last_id = None
    if not is_valid_id(last_id):
        raise ParameterError("cursor", "'cursor' is not valid: use the 'next' link of a previous page")
    return last_id
