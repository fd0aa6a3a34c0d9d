"""The API's own query parameters: the page cursor of /api/v1/reports and /organizations, the page sizes.

The report filters every listing shares are parsed in :mod:`webapp.store.filters`.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from ..store.filters import ParameterError, single
from ..web.routing import MAX_ID, is_valid_id

#: Organizations per page of /api/v1/organizations: by default, and at most.
DEFAULT_ORG_LIMIT, MAX_ORG_LIMIT = 100, 500
#: What a cursor looks like: the last id of the previous page, a row id (1..MAX_ID, no sign,
#: no leading zero). Published as the OpenAPI schema (an integer from 1 to MAX_ID).
CURSOR_PATTERN = r"^[1-9][0-9]{0,9}$"


def encode_cursor(last_id: int) -> str:
    """The ``cursor`` for the page after the row ``last_id``: the id itself.

    Keyset pages over public rows: any id is a valid place to continue ("below this id"), so
    the document can say exactly which cursors are valid (an integer from 1 to ``MAX_ID``)
    and the server accepts every one of them. Nothing is revealed: the ids of published rows
    are in every answer, and the query takes only an integer.
    """
    return str(int(last_id))


def parse_cursor(args: MultiDict) -> int | None:
    """``cursor=`` from a previous page's ``next`` link: the id to continue below, or None."""
    raw = single(args, "cursor")
    if raw is None:
        return None
    # The pattern first: int() never sees a long string, and "+1", "01", "1.0" are refused.
    last_id = int(raw) if re.fullmatch(CURSOR_PATTERN[1:-1], raw) else None
    if not is_valid_id(last_id):
        raise ParameterError("cursor", f"'cursor' must be a report id from 1 to {MAX_ID}: use the 'next' "
                                       "link of a previous page")
    return last_id


def args_dict(pairs: list[tuple[str, str]]) -> dict:
    """Query pairs as JSON: repeated keys (category) become lists."""
    out: dict = {}
    for key, value in pairs:
        if key == "category":
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    return out
