"""Filters of the directory and of /api/v1/organizations: area, category, kind, q."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from .filters import ParameterError, parse_area, parse_query, single
from .layers import place_slugs
from .models import ORG_KINDS
from .reporting import get_taxonomy

NAMES = ("area", "category", "kind", "q")


def _category(args: MultiDict) -> str | None:
    value = single(args, "category")
    if not value:
        return None
    if not get_taxonomy().is_valid("challenge", value):
        raise ParameterError("category", "unknown challenge category")
    return value


def _kind(args: MultiDict) -> str | None:
    value = single(args, "kind")
    if not value:
        return None
    if value not in ORG_KINDS:
        raise ParameterError("kind", f"'kind' must be one of {', '.join(ORG_KINDS)}")
    return value


def directory_filters(args: MultiDict, *, lenient: bool = False) -> tuple[dict, list[str]]:
    """``({area, category, kind, q}, problems)``.

    Strict (the API): the first bad parameter raises :class:`ParameterError`. Lenient (the
    directory page): a bad value is dropped and its parameter named in ``problems``, so a
    shared link with one broken value still opens the directory.
    """
    parsers = {"area": lambda a: parse_area(a, place_slugs()), "category": _category, "kind": _kind,
               "q": parse_query}
    out, problems = {}, []
    for name, parse in parsers.items():
        try:
            out[name] = parse(args)
        except ParameterError:
            if not lenient:
                raise
            out[name] = None
            problems.append(name)
    return out, problems
