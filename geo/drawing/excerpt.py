"""Text shown in small places: the one excerpt rule for map popups, the offline map and feeds."""

from __future__ import annotations

#: Longest excerpt before the ellipsis: a popup's few lines, a feed reader's preview.
EXCERPT_CHARS = 200
#: Trailing punctuation dropped before the ellipsis (Latin and Arabic comma and semicolon).
_TRAILING = " ,.;:،؛"


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The start of ``text`` on one line: at most ``limit`` characters, cut at a word, with "…".

    Parameters
    ----------
    text : str or None
        A public description (None or empty gives "").
    limit : int
        Maximum length before the ellipsis.

    Returns
    -------
    str
        Whitespace collapsed to single spaces; when longer than ``limit``, cut at the last space
        (Arabic and English words are short: only a "word" longer than 40 % of ``limit`` is cut
        in the middle), trailing punctuation dropped, and "…" added.
    """
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(_TRAILING) + "…"
