"""Query-string parsing for the exports: the map's report filters plus the poster's options.

Strict like the API (:func:`webapp.store.filters.filters_from_args`): a bad parameter is a 400 naming
it, never a silently different file, because an advocate may print a poster without looking at it closely.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from ..store.filters import ParameterError, filters_from_args, form_args, single
from ..store.queries import ReportFilters

#: Poster title and subtitle: user text, one line each.
MAX_TEXT = 120
PAPERS = ("A4", "A3")
ORIENTATIONS = ("portrait", "landscape")
MODES = ("choropleth", "points", "both")
#: ``trend=``: a column chart of the reports per year or month under the poster's map (none: no chart).
TRENDS = ("none", "year", "month")


def export_filters(args: MultiDict) -> ReportFilters:
    """The report filters of an export (kind, category, area, since, until, q, bbox, status).

    ``limit`` is refused: an export holds every matching report (up to the row cap), and a
    file quietly cut to the API's page size would be mistaken for the whole data set.
    """
    if "limit" in args:
        raise ParameterError("limit", "'limit' does not apply to exports: every matching report is included")
    return filters_from_args(form_args(args))


def _choice(args: MultiDict, name: str, choices: tuple[str, ...]) -> str:
    value = (single(args, name) or "").strip()
    if not value:
        return choices[0]
    # Case-insensitive match, answered in the canonical spelling ("a3" -> "A3").
    found = next((c for c in choices if c.lower() == value.lower()), None)
    if found is None:
        raise ParameterError(name, f"'{name}' must be one of {', '.join(choices)}")
    return found


def _text(args: MultiDict, name: str) -> str:
    """One line of user text: whitespace collapsed, at most 120 characters, no control characters."""
    raw = single(args, name)
    if raw is None:
        return ""
    text = " ".join(raw.split())
    if len(text) > MAX_TEXT:
        raise ParameterError(name, f"'{name}' must be at most {MAX_TEXT} characters")
    # Cc: control characters; Cs: lone surrogates, which no font or PDF can hold.
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise ParameterError(name, f"'{name}' must be plain text")
    return text


@dataclass(frozen=True)
class PosterOptions:
    paper: str = "A4"
    orientation: str = "portrait"
    mode: str = "choropleth"
    title: str = ""
    subtitle: str = ""
    trend: str = "none"

    def to_args(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in (("paper", self.paper), ("orientation", self.orientation),
                                    ("mode", self.mode), ("title", self.title),
                                    ("subtitle", self.subtitle),
                                    ("trend", "" if self.trend == "none" else self.trend)) if v]


def poster_options(args: MultiDict) -> PosterOptions:
    """``paper`` (A4|A3), ``orientation`` (portrait|landscape), ``mode`` (choropleth|points|both),
    ``title`` and ``subtitle`` (empty: a title is made from the filters), ``trend`` (none|year|month:
    a chart of the reports per period under the map)."""
    return PosterOptions(paper=_choice(args, "paper", PAPERS),
                         orientation=_choice(args, "orientation", ORIENTATIONS),
                         mode=_choice(args, "mode", MODES),
                         title=_text(args, "title"), subtitle=_text(args, "subtitle"),
                         trend=_choice(args, "trend", TRENDS))
