"""geo.drawing.excerpt.excerpt: the one rule for popups, the offline map and feeds."""

from __future__ import annotations

from geo.drawing.excerpt import EXCERPT_CHARS, excerpt


def test_short_text_is_kept_on_one_line():
    assert excerpt("  one\n two  ") == "one two"
    assert excerpt(None) == "" and excerpt("") == ""
    assert excerpt("x" * EXCERPT_CHARS) == "x" * EXCERPT_CHARS


def test_long_text_is_cut_at_a_word_with_an_ellipsis():
    cut = excerpt("word " * 100, 30)
    assert cut == "word word word word word word…"
    assert len(excerpt("word " * 100)) <= EXCERPT_CHARS + 1


def test_trailing_punctuation_goes_before_the_ellipsis():
    assert excerpt("بيوت، مهددة؛ " * 40, 20) == "بيوت، مهددة؛ بيوت…"
    assert excerpt("one, two. three " * 30, 14) == "one, two…"


def test_a_very_long_word_is_cut_in_the_middle():
    assert excerpt("a " + "x" * 300, 50) == "a " + "x" * 48 + "…"
