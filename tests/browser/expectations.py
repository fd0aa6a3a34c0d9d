"""Auto-waiting checks on numbers shown in a page, for the browser tests.

Playwright's ``expect()`` retries until the page matches or its timeout (set once in
``tests/browser/conftest.py``) runs out; these helpers add what it lacks: a number shown
in an element, compared as a number (``"12"`` is not found in ``"112 reports"``).
"""

from __future__ import annotations

import re

import pytest

# Without Playwright the browser tests are skipped (conftest), not broken at import.
_sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the 'playwright' package")
expect = _sync_api.expect

NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")


def numbers_in(text: str) -> list[float]:
    """Every (unsigned, Western-digit) number written in ``text``, in order."""
    return [float(n) for n in NUMBER.findall(text)]


def expect_number(locator, value: float, *, alone: bool = True) -> None:
    """Wait until ``locator`` shows the number ``value``, then check it as a number.

    Parameters
    ----------
    locator : playwright.sync_api.Locator
    value : float
        The number expected.
    alone : bool
        True: the element's whole text is that number; False: it is one of the numbers in a
        sentence (a status line such as "12 reports shown").
    """
    digits = re.escape(f"{value:g}")
    pattern = rf"^\s*0*{digits}(?:\.0+)?\s*$" if alone else rf"(?<![\d.])0*{digits}(?:\.0+)?(?![\d.])"
    expect(locator).to_have_text(re.compile(pattern))
    found = numbers_in(locator.text_content() or "")
    if alone:
        assert found == [value], (locator, found, value)
    else:
        assert value in found, (locator, found, value)
