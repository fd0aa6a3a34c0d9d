"""Matching free-text organization names to organization records.

Pure (no database: ``organizations.py`` hands in the records): names in, ids out. Both sides
go through :func:`geo.reference.search.normalize` (case, diacritics, Arabic letter variants,
punctuation), so "جمعية  الأمل" matches "جمعيه الامل"
and "Al-Amal Society" matches "al amal society".
"""

from __future__ import annotations

from collections.abc import Iterable

from geo.reference.search import normalize


def name_key(text: str | None) -> str:
    """The key a name is matched by ("" for an empty name)."""
    return normalize(text or "")


def name_index(organizations: Iterable[tuple[int, str, str]]) -> dict[str, int]:
    """``{key: id}`` for the Arabic and English names of ``(id, name_ar, name_en)`` rows.

    A key shared by two organizations is ambiguous and left out: linking an initiative to
    the wrong group is worse than linking it to none.
    """
    seen: dict[str, set[int]] = {}
    for org_id, name_ar, name_en in organizations:
        for name in (name_ar, name_en):
            key = name_key(name)
            if key:
                seen.setdefault(key, set()).add(int(org_id))
    return {key: next(iter(ids)) for key, ids in seen.items() if len(ids) == 1}


def match_name(text: str | None, index: dict[str, int]) -> int | None:
    """The id of the organization whose name ``text`` is, or None."""
    key = name_key(text)
    return index.get(key) if key else None


def unmatched_names(texts: Iterable[str | None], index: dict[str, int]) -> list[str]:
    """The distinct free-text names (first spelling seen, stripped) that match nothing, in order."""
    out: dict[str, str] = {}
    for text in texts:
        key = name_key(text)
        if key and key not in index and key not in out:
            out[key] = " ".join(str(text).split())
    return list(out.values())
