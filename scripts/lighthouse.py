"""Lighthouse (mobile defaults) on Ahya's map page, on a temporary instance with demo data.

``python scripts/lighthouse.py [--runs 3] [--count 2000] [--tiles stub|offline] [--path /] [--json OUT]``

Starts the app on a TEMPORARY SQLite instance (your own database is never touched), loads
``--count`` demo reports, serves it on 127.0.0.1, runs Lighthouse ``--runs`` times and prints
each run and the median. Tiles: ``stub`` (default) serves a plain 256 px PNG from a second local
server after 300 ms, like a slow tile server, so the run needs no internet and measures the app;
``offline`` keeps the configured tile server (OpenStreetMap), whose requests fail without a
network (Lighthouse then logs one network error per tile: the only console errors expected).

Lighthouse is a Node tool and no part of Ahya: install it anywhere outside the repository
(``npm install lighthouse`` in a scratch folder) and pass ``--lighthouse PATH`` or set
``LIGHTHOUSE``; Chromium is taken from ``CHROME_PATH`` (default ``/usr/bin/chromium``).
Scores vary from run to run, more on a busy machine: compare medians.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from webapp import create_app  # noqa: E402

CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")
TILE_DELAY = 0.3
METRICS = {"LCP": "largest-contentful-paint", "FCP": "first-contentful-paint", "TBT": "total-blocking-time",
           "SI": "speed-index", "CLS": "cumulative-layout-shift"}


class _Quiet(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


def _tile_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (232, 232, 228)).save(buf, format="PNG")
    return buf.getvalue()


def start_tile_server() -> str:
    """A local tile server answering every tile with the same PNG after TILE_DELAY seconds."""
    png = _tile_png()

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(TILE_DELAY)  # a slow tile server, on purpose
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.send_header("Cache-Control", "max-age=86400")
            self.end_headers()
            # Lighthouse may close the page before the tile arrives.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(png)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png"


def start_app(instance: Path, count: int, tiles: str, port: int) -> str:
    config = {"INSTANCE_PATH": str(instance), "SECRET_KEY": "lighthouse", "RATELIMIT_ENABLED": False}
    if tiles == "stub":
        config.update(TILE_URL=start_tile_server(), TILE_ATTRIBUTION="local stub tiles")
    app = create_app(config)
    result = app.test_cli_runner().invoke(args=["demo", "load", "--count", str(count), "--seed", "1"])
    if result.exit_code:
        raise SystemExit(f"demo load failed: {result.output}")
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def run_lighthouse(lighthouse: str, url: str, out: Path) -> dict:
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    subprocess.run([lighthouse, url, "--quiet", "--output=json", f"--output-path={out}",
                    f"--chrome-flags={CHROME_FLAGS}"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = json.loads(out.read_text(encoding="utf-8"))
    audits = report["audits"]
    row = {name: cat["score"] for name, cat in report["categories"].items()}
    row.update({m: audits[a]["numericValue"] for m, a in METRICS.items()})
    row["KiB"] = audits["total-byte-weight"]["numericValue"] / 1024
    errors = audits["errors-in-console"]["details"]["items"]
    row["console_errors"] = [i.get("description", "") for i in errors]
    return row


def _line(label: str, row: dict) -> str:
    return (f"{label:>7}  perf {row['performance']:.2f}  a11y {row['accessibility']:.2f}  "
            f"best {row['best-practices']:.2f}  seo {row['seo']:.2f}  LCP {row['LCP'] / 1000:.2f} s  "
            f"FCP {row['FCP'] / 1000:.2f} s  TBT {row['TBT']:.0f} ms  CLS {row['CLS']:.3f}  "
            f"{row['KiB']:.0f} KiB")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=2000, help="demo reports to load")
    parser.add_argument("--tiles", choices=("offline", "stub"), default="offline")
    parser.add_argument("--path", default="/", help="page to measure")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lighthouse", default=os.environ.get("LIGHTHOUSE") or shutil.which("lighthouse"))
    parser.add_argument("--json", type=Path, help="write every run and the median here")
    parser.add_argument("--reports", type=Path, help="keep Lighthouse's own JSON reports in this folder")
    args = parser.parse_args(argv)
    if not args.lighthouse or not Path(args.lighthouse).exists():
        print("Lighthouse not found: `npm install lighthouse` in a folder outside the repository, then "
              "pass --lighthouse PATH/node_modules/.bin/lighthouse (or set LIGHTHOUSE).", file=sys.stderr)
        return 2
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory(prefix="ahya-lighthouse-") as tmp:
        base = start_app(Path(tmp) / "instance", args.count, args.tiles, args.port)
        url = base + args.path
        print(f"{url}  ({args.count} demo reports, tiles: {args.tiles})")
        rows = []
        for i in range(args.runs):
            folder = args.reports or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            rows.append(run_lighthouse(args.lighthouse, url, folder / f"lighthouse-{i + 1}.json"))
            print(_line(f"run {i + 1}", rows[-1]))
    numeric = [k for k in rows[0] if k != "console_errors"]
    median = {k: statistics.median(r[k] for r in rows) for k in numeric}
    print(_line("median", median))
    errors = sorted({e for r in rows for e in r["console_errors"]})
    print("console errors:", errors or "none")
    if args.json:
        args.json.write_text(json.dumps({"url": url, "tiles": args.tiles, "count": args.count,
                                         "runs": rows, "median": median}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
