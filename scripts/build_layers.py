"""Rebuild data/layers/*.geojson from data/gazetteer and data/sources.

Usage::

    python scripts/build_layers.py            # build from the committed sources
    python scripts/build_layers.py --fetch    # first re-extract the census areas from PyPI

``--fetch`` runs ``pip download --no-deps geostatil==0.0.1`` (the only network
step, optional) and copies Jerusalem's statistical areas into data/sources.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.reference import build  # noqa: E402

STATAREAS = ROOT / "data" / "sources" / "cbs2008_jerusalem_statareas.geojson"


def fetch_statareas() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "geostatil==0.0.1", "-d", tmp], check=True)
        sdist = next(Path(tmp).glob("geostatil-0.0.1.tar.gz"))
        with tarfile.open(sdist) as tar:
            member = "geostatil-0.0.1/geostatil/data/geometries.json"
            tar.extract(member, tmp, filter="data")
        return build.extract_statareas(Path(tmp) / member, STATAREAS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetch", action="store_true", help="re-extract census areas from PyPI")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "layers")
    args = parser.parse_args(argv)
    if args.fetch:
        print(f"extracted {fetch_statareas()} statistical areas into {STATAREAS}")
    counts = build.build_all(ROOT / "data" / "gazetteer", STATAREAS, args.out)
    for name, n in counts.items():
        print(f"{name}: {n} features")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
