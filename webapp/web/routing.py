"""URL converters shared by every blueprint, registered once in ``create_app``.

``<id:name>`` replaces werkzeug's ``<int:name>`` for database ids. Werkzeug's converter
accepts any number of digits: ``/reports/99999999999999999999`` reached the database and
overflowed SQLite's and PostgreSQL's integer (a 500), and a few thousand digits overflowed
Python's own int parsing. Ids are 1..2**31-1 (PostgreSQL ``integer``), so anything else is
simply a page that does not exist: 404 from the router, before any view runs.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request, url_for
from werkzeug.routing import IntegerConverter, Map, ValidationError

#: The largest PostgreSQL ``integer`` (SQLite's INTEGER is wider): the largest id a row can have.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """A database id: decimal digits without sign or leading zero, from 1 to :data:`MAX_ID`."""

    # At most 10 digits: nothing longer can be in range, and int() never sees a huge string.
    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_ID)

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValidationError()
        return number


def is_valid_id(value) -> bool:
    """Whether ``value`` is an int a row id can have (for ids that come from forms or cursors)."""
    return type(value) is int and 1 <= value <= MAX_ID


class StrictMap(Map):
    """werkzeug's Map without ``merge_slashes``: ``/static//etc/passwd`` (or ``%2f``) is a
    path the router refuses (404), not a redirect to another URL built from the client's input."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("merge_slashes", False)
        super().__init__(*args, **kwargs)


class AhyaFlask(Flask):
    """Flask with :class:`StrictMap`: it must be the class, since Flask adds its static rule
    while it is being constructed."""

    url_map_class = StrictMap


def url_with_request_args(endpoint: str, *, _external: bool = False) -> str:
    """``endpoint``'s URL carrying this request's query arguments as they came (repeats kept).

    Never ``url_for(endpoint, **request.args)``: the client's argument names would become
    url_for's keywords (``endpoint``, ``_scheme``, ``_anchor``, ``_method``: a 500).
    """
    pairs = list(request.args.items(multi=True))
    base = url_for(endpoint, _external=_external)
    return base + ("?" + urlencode(pairs) if pairs else "")


def init_app(app) -> None:
    app.url_map.converters["id"] = IdConverter
    app.add_template_global(url_with_request_args)
