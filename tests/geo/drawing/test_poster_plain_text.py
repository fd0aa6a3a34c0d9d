"""geo.drawing.poster draws user text as written: no mathtext, no invisible format characters."""

from __future__ import annotations

import pytest
from matplotlib.text import Text

from geo.drawing.poster import drawable_text, poster_figure, render_poster

#: Each of these raised inside matplotlib before (mathtext parse errors; the BOM crashed the PDF
#: writer); "$\frac{1}{0}$" silently printed a fraction instead of the dollars.
HOSTILE = ["$\\frac{1}{0}$", "$$", "\\", "$x^$", "$\\sqrt{}$", "a\u200db", "\u202eabc", "\ufeffسلام",
           "\u2066x\u2069", "1$ and 2$"]


def _text_kwargs(title: str) -> dict:
    return {"title": title, "subtitle": title, "legend_title": "$n$", "sources_text": "$$ sources",
            "date_text": "$d$"}


def test_every_text_artist_is_plain_text(layers):
    fig = poster_figure(layers.areas, layers.boundary, counts=dict.fromkeys(layers.areas["slug"], 3),
                        lang="en", **_text_kwargs("$\\frac{1}{0}$"))
    texts = [t for t in fig.findobj(Text) if t.get_text()]
    assert len(texts) > 10  # title, subtitle, sources, date, area names, scale, north, legend
    assert all(not t.get_parse_math() for t in texts), [t.get_text() for t in texts if t.get_parse_math()]
    assert "$\\frac{1}{0}$" in [t.get_text() for t in texts]  # the title as typed


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_hostile_titles_render(layers, fmt):
    for title in HOSTILE:
        data = render_poster(layers.areas.head(5), layers.boundary, fmt=fmt, lang="ar",
                             labels_for_larger_areas=False, **_text_kwargs(title))
        assert data.startswith(b"\x89PNG" if fmt == "png" else b"%PDF"), title


def test_drawable_text_drops_format_characters_but_keeps_joiners():
    assert drawable_text("\u202eabc\u202c") == "abc"
    assert drawable_text("\ufeffسلام\u2060") == "سلام"
    assert drawable_text("\u2067x\u2069") == "x"
    assert drawable_text("ب\u200dب\u200c") == "ب\u200dب\u200c"
    assert drawable_text("$\\frac{1}{0}$") == "$\\frac{1}{0}$"
