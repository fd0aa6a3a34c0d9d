"""The shipped layers (``data/layers``), loaded once for every geo test.

Tests read them and never change them; a test that needs to change a frame copies it first.
"""

from __future__ import annotations

import pytest

from geo.reference.layers import Layers, load_layers
from tests.conftest import ROOT

SHIPPED_LAYERS = ROOT / "data" / "layers"


@pytest.fixture(scope="session")
def layers() -> Layers:
    """Areas, places and boundary as the app loads them."""
    return load_layers(SHIPPED_LAYERS)


@pytest.fixture(scope="session")
def areas(layers):
    """The shipped area polygons."""
    return layers.areas
