"""Finding a report's exact coordinates in a published text, as numbers rather than substrings.

A substring test is flaky both ways: ``"35.23891"`` is found in a public longitude
``35.238915`` that lies 150 m away, and a number printed with other digits is missed.
"""

from __future__ import annotations

import re

NUMBER = re.compile(r"-?\d+\.\d+")
#: Two printed coordinates closer than this (degrees, about 0.1 m) are the same number.
SAME = 1e-6


def numbers(text: str) -> list[float]:
    """Every decimal number written in ``text``."""
    return [float(n) for n in NUMBER.findall(text)]


def exact_coordinates_in(text: str, exact: tuple[float, float], public: tuple[float, float]) -> list[float]:
    """The numbers of ``text`` equal to a coordinate of the exact point ``(lon, lat)``.

    A coordinate the public point happens to share (a point 150 m due east keeps the latitude)
    is published legitimately and cannot be told apart: it is not looked for.
    """
    found = numbers(text)
    return [n for value, shown in zip(exact, public, strict=True) if abs(value - shown) >= SAME
            for n in found if abs(n - value) < SAME]
