"""Two app servers that share nothing but the database (issue 23).

Two gunicorn servers run as two machines would: each in its own working directory with its own
instance folder, the same ``SECRET_KEY`` and ``DATABASE_URL`` (PostgreSQL when TEST_DATABASE_URL
is set, as in .ci/run's PostgreSQL pass; else one SQLite file outside both instance folders).
Through them, with real HTTP:

* a report with a photo posted through A is served, photo included, by B;
* an organization's logo uploaded through A is served by B once published;
* an overlay imported by ``flask layers import`` on A's machine shows on B's map;
* a backup taken on B holds the photo, the logo and the overlay;
* a change made on B (the report archived) is seen by A at its next request.

Neither instance folder holds any of these files afterwards.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
from PIL import Image
from shapely.geometry import Point

pytestmark = pytest.mark.slow
pytest.importorskip("gunicorn", reason="gunicorn is not installed (pip install -e '.[prod]')")
requests = pytest.importorskip("requests")
ROOT = Path(__file__).resolve().parents[2]
SECRET = "two-servers-secret"
ORGANIZER = ("two@example.org", "two servers long password")
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def database_url(tmp_path):
    if not os.environ.get("TEST_DATABASE_URL"):
        yield f"sqlite:///{tmp_path / 'shared' / 'ahya.db'}"
        return
    from tests.conftest import _postgres_database

    url, drop = _postgres_database()
    yield url
    drop()


def machine_app(instance: Path, database_url: str):
    """The app as a command on that machine creates it (its own instance folder)."""
    from webapp import create_app

    return create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET, "DATABASE_URL": database_url,
                       "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})


def dispose(app) -> None:
    from webapp.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Server:
    """gunicorn with two workers, in ``home`` (its working directory and instance folder)."""

    def __init__(self, home: Path, database_url: str):
        home.mkdir(parents=True, exist_ok=True)
        self.home, self.instance = home, home / "instance"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = home / "gunicorn.log"
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
               "RATELIMIT_STORAGE_URI": "memory://",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        factory = f"webapp:create_app({{'INSTANCE_PATH': {str(self.instance)!r}}})"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b",
                                          f"127.0.0.1:{self.port}", factory], env=env, cwd=home,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy between the test and 127.0.0.1
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"gunicorn exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if self.session.get(f"{self.base}/about", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        pytest.fail(f"gunicorn did not answer: {self.log.read_text(errors='replace')[-2000:]}")

    def get(self, path: str, **kw):
        return self.session.get(self.base + path, timeout=30, **kw)

    def post_form(self, path: str, form_page: str, data: dict, files: dict | None = None):
        token = _TOKEN.search(self.get(form_page).text).group(1)
        return self.session.post(self.base + path, data={**data, "csrf_token": token}, files=files,
                                 timeout=30, allow_redirects=False)

    def login(self) -> None:
        resp = self.post_form("/auth/login", "/auth/login",
                              {"email": ORGANIZER[0], "password": ORGANIZER[1]})
        assert resp.status_code == 302, resp.text[:500]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    def errors(self) -> str:
        text = self.log.read_text(errors="replace")
        return "" if "Traceback" not in text else text[-3000:]


@pytest.fixture
def servers(tmp_path, database_url):
    from webapp.store.accounts import create_user

    # Migrated once first, as a deployment does (two servers migrating at once could collide).
    if database_url.startswith("sqlite"):
        (tmp_path / "shared").mkdir()
    setup = machine_app(tmp_path / "setup", database_url)
    with setup.app_context():
        create_user(*ORGANIZER, role="organizer")
    dispose(setup)
    started = []
    try:
        for name in ("a", "b"):
            started.append(Server(tmp_path / name, database_url))
        yield started
    finally:
        for server in started:
            server.stop()


def jpeg(colour=(10, 120, 60)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    return buf.getvalue()


def app_files(instance: Path) -> list[str]:
    """Files under an instance folder other than a SQLite database (there is none on PostgreSQL)."""
    return sorted(str(p.relative_to(instance)) for p in instance.rglob("*")
                  if p.is_file() and not p.name.startswith("ahya.db"))


def test_two_servers_share_everything_through_the_database(servers, tmp_path, database_url):
    a, b = servers
    a.login()

    # A photo posted through A ...
    report = {"kind": "challenge", "category": "housing", "precision": "approximate", "lon": "35.2389",
              "lat": "31.7698", "area_name": "", "title": "صورة من الخادم الأول",
              "description": "two servers", "observed_on": "", "organization": "", "link": "", "contact": ""}
    resp = a.post_form("/reports/new", "/reports/new", report,
                       files={"photo": ("site.jpg", jpeg(), "image/jpeg")})
    assert resp.status_code == 302, resp.text[:2000]
    report_id = int(re.search(r"/(\d+)$", resp.headers["Location"]).group(1))
    # ... is served, with its page, by B.
    page = b.get(f"/reports/{report_id}")
    assert page.status_code == 200 and "صورة من الخادم الأول" in page.text, b.errors()
    photo_url = re.search(r'<img src="(/photos/[0-9a-f]{32}\.jpg)"', page.text).group(1)
    from_a, from_b = a.get(photo_url), b.get(photo_url)
    assert from_b.status_code == 200 and from_b.content == from_a.content
    assert from_b.content[:2] == b"\xff\xd8"
    assert from_b.headers["ETag"] == from_a.headers["ETag"]
    assert "max-age=300" in from_b.headers["Cache-Control"]
    assert b.get(photo_url, headers={"If-None-Match": from_b.headers["ETag"]}).status_code == 304

    # An organization's logo uploaded through A, published there, is served by B.
    org = {"name_ar": "لجنة الخادمين", "name_en": "Two servers committee", "kind": "community_group",
           "areas": "silwan", "categories": "housing", "description": "", "website": "", "public_phone": "",
           "public_email": ""}
    resp = a.post_form("/organizations/new", "/organizations/new", org,
                       files={"logo": ("logo.jpg", jpeg((200, 40, 40)), "image/jpeg")})
    assert resp.status_code == 302, resp.text[:2000]
    org_id = int(re.search(r"/organizations/(\d+)", resp.headers["Location"]).group(1))
    detail = f"/moderation/organizations/{org_id}"
    resp = a.post_form(f"{detail}/publish", detail, {})
    assert resp.status_code == 302, resp.text[:1000]
    org_page = b.get(f"/organizations/{org_id}")
    assert org_page.status_code == 200, b.errors()
    logo_url = re.search(r'(/organizations/logos/[0-9a-f]{32}\.jpg)', org_page.text).group(1)
    logo = b.get(logo_url)
    assert logo.status_code == 200 and logo.content == a.get(logo_url).content
    assert logo.content[:2] == b"\xff\xd8"

    # An overlay imported on A's machine shows on B's map (and on A's).
    gardens = tmp_path / "gardens.geojson"
    gpd.GeoDataFrame({"name_ar": ["حديقة سلوان"]}, geometry=[Point(35.2360, 31.7680)],
                     crs="EPSG:4326").to_file(gardens, engine="pyogrio")
    on_a = machine_app(a.instance, database_url)
    result = on_a.test_cli_runner().invoke(
        args=["layers", "import", str(gardens), "--title", "Gardens of two"])
    assert result.exit_code == 0, result.output
    dispose(on_a)
    assert "Gardens of two" in b.get("/?lang=en").text
    assert "Gardens of two" in a.get("/?lang=en").text

    # A backup taken on B holds all of it.
    on_b = machine_app(b.instance, database_url)
    backup = tmp_path / "from-b.gpkg"
    result = on_b.test_cli_runner().invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    dispose(on_b)
    con = sqlite3.connect(backup)
    try:
        stored = dict(con.execute("SELECT name, data FROM stored_files"))
        layers = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
    finally:
        con.close()
    assert stored[photo_url.replace("/photos/", "photos/")] == from_a.content
    assert stored["photos/" + logo_url.rsplit("/", 1)[1]] == logo.content
    assert {"overlays/gardens.geojson", "overlays/gardens.json"} <= set(stored)
    assert "overlay_gardens" in layers  # and QGIS shows the overlay as a layer

    # A change made on B is seen by A at its next request: the report archived, its photo gone.
    b.login()
    resp = b.post_form(f"/moderation/{report_id}/archive", f"/moderation/{report_id}", {})
    assert resp.status_code == 302, resp.text[:1000]
    assert a.get(f"/reports/{report_id}").status_code == 404
    assert a.get(photo_url).status_code == 404

    # Nothing of it was written to either machine's instance folder.
    assert app_files(a.instance) == [] and app_files(b.instance) == []
    assert not a.errors() and not b.errors(), a.errors() + b.errors()
