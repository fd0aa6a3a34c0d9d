"""Demo reports in the reader's language.

Demo titles are made from a report's kind, category and area only (``geo.spatial.demo.demo_title``), so
a page shows a demo report in its own language whatever language it was stored in; its
description likewise (``geo.spatial.demo.demo_description``). A real report, or a demo report whose
title an organizer has rewritten, is shown as written.
"""

from __future__ import annotations

from collections.abc import Mapping

from geo.spatial.demo import DEMO_PREFIX, demo_description, demo_title, is_demo_title

from .layers import place_names
from .reporting import get_taxonomy


def _words(data: Mapping, lang: str) -> tuple[str, str, str] | None:
    cat = get_taxonomy().get(data.get("kind"), data.get("category"))
    names = place_names().get(data.get("area") or "", {})
    area = names.get(lang) or ""
    if cat is None or not area:
        return None
    return cat.label(lang), cat.label("en"), area


def localized(data: Mapping, lang: str) -> dict:
    """``{"title", "description"}`` of a public report dict for a page in ``lang``."""
    title, description = data.get("title") or "", data.get("description") or ""
    if (not data.get("is_demo") or not is_demo_title(title) or title.startswith(DEMO_PREFIX[lang] + " ")
            or data.get("kind") not in ("challenge", "initiative")):
        return {"title": title, "description": description}
    stored_lang = next(code for code, prefix in DEMO_PREFIX.items() if title.startswith(prefix + " "))
    stored, words = _words(data, stored_lang), _words(data, lang)
    # Only a title the demo generator wrote (rebuilt, it is the same): one an organizer edited,
    # or a test's own text, is shown as written.
    made = stored and demo_title(data["kind"], stored[0], stored[2], stored_lang)
    if words is None or made != title:
        return {"title": title, "description": description}
    label, label_en, area = words
    return {"title": demo_title(data["kind"], label, area, lang),
            "description": demo_description(data["kind"], label, label_en, area, lang, description)}


def localized_title(data: Mapping, lang: str) -> str:
    """The title of a public report dict as a page in ``lang`` shows it."""
    return localized(data, lang)["title"]
