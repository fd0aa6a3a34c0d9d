"""Share cards: Open Graph / Twitter tags on every public HTML page, and the PNG previews.

Pages are discovered from ``app.url_map`` (like the authorization test), so a page added later
is checked too. The PNGs are decoded with Pillow.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.webapp.test_authz import rules
from webapp.state import app_state

REQUIRED = ("og:title", "og:description", "og:type", "og:url", "og:image", "og:locale", "twitter:card")


def meta(html: str) -> dict[str, str]:
    found = {}
    for attrs in re.findall(r"<meta\s+([^>]*)>", html):
        key = re.search(r'(?:property|name)="([^"]+)"', attrs)
        value = re.search(r'content="([^"]*)"', attrs)
        if key and value:
            found.setdefault(key.group(1), value.group(1))
    return found


def absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@pytest.fixture
def ids(make_report, make_org):
    return {"report": make_report(), "org": make_org("Silwan Legal Aid", ["silwan", "at-tur"], ["housing"]),
            "initiative": make_report(kind="initiative", category="legal-aid", title="Desk")}


def test_every_public_html_page_has_share_tags(app, client, ids):
    checked = []
    for endpoint, url, methods, role in rules(app, ids["report"]):
        if role is not None or "GET" not in methods:
            continue
        if endpoint == "connect.organization":
            url = f"/connect/organization/{ids['org']}"
        elif endpoint == "connect.initiative":
            url = f"/connect/initiative/{ids['initiative']}"
        for lang in ("ar", "en"):
            resp = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
            if resp.status_code != 200 or resp.mimetype != "text/html":
                continue
            if "attachment" in resp.headers.get("Content-Disposition", ""):
                continue  # a downloaded file (the offline map), not a page one shares
            tags = meta(resp.get_data(as_text=True))
            missing = [t for t in REQUIRED if not tags.get(t)]
            assert missing == [], f"{url}: missing {missing}"
            assert absolute(tags["og:url"]) and absolute(tags["og:image"]), url
            assert tags["og:locale"] == ("ar_AR" if lang == "ar" else "en_US")
            assert tags["twitter:card"] == "summary_large_image"
            checked.append(endpoint)
    assert {"public.index", "public.report_detail", "public.area_profile", "public.about",
            "connect.organization", "public.report_list"} <= set(checked)


def test_area_and_report_pages_describe_themselves(client, ids):
    tags = meta(client.get("/areas/silwan?lang=en").get_data(as_text=True))
    assert re.match(r"https?://[^/]+/cards/area/silwan\.png\?v=\d+$", tags["og:image"])
    assert "Silwan" in tags["og:title"] and "Silwan" in tags["og:description"]
    tags = meta(client.get(f"/reports/{ids['report']}?lang=en").get_data(as_text=True))
    assert tags["og:type"] == "article" and "Demolition order" in tags["og:title"]
    assert "Three homes received orders." in tags["og:description"]
    assert tags["og:url"].endswith(f"/reports/{ids['report']}?lang=en")


def _png(resp) -> Image.Image:
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert "public" in resp.headers["Cache-Control"] and "max-age" in resp.headers["Cache-Control"]
    image = Image.open(io.BytesIO(resp.get_data()))
    image.load()
    return image


def test_area_card_is_a_1200_by_630_png_cached_per_data_version(app, client, make_report):
    first = client.get("/cards/area/silwan.png")
    assert _png(first).size == (1200, 630)
    cache = app_state(app).cards
    assert len(cache) == 1
    second = client.get("/cards/area/silwan.png")
    assert second.get_data() == first.get_data() and len(cache) == 1  # a hit: nothing drawn
    make_report()  # a new data version
    third = client.get("/cards/area/silwan.png")
    assert _png(third).size == (1200, 630) and len(cache) == 2
    # The highlighted area: the accent colour is in the image.
    assert (224, 96, 59) in {c for _n, c in _png(third).convert("RGB").getcolors(1 << 20)}
    assert client.get("/cards/area/no-such-place.png").status_code == 404


def test_organization_card_only_for_published_organizations(app, client, make_org):
    org = make_org("Silwan Legal Aid", ["silwan"], ["housing"])
    pending = make_org("Pending", ["silwan"], ["housing"], status="pending")
    assert _png(client.get(f"/cards/organization/{org}.png")).size == (1200, 630)
    assert client.get(f"/cards/organization/{pending}.png").status_code == 404
    assert client.get("/cards/organization/999999.png").status_code == 404
    # An edit to the organization draws a new card.
    from webapp.extensions import db
    from webapp.store.models import Organization

    before = len(app_state(app).cards)
    with app.app_context():
        db.session.get(Organization, org).name_en = "Silwan Legal Aid Centre"
        db.session.commit()
    _png(client.get(f"/cards/organization/{org}.png"))
    assert len(app_state(app).cards) == before + 1


def test_city_card(client):
    assert _png(client.get("/cards/city.png")).size == (1200, 630)


def test_organization_page_shares_its_own_card_and_offers_to_connect(client, ids):
    html = client.get(f"/organizations/{ids['org']}").get_data(as_text=True)
    tags = meta(html)
    assert f"/cards/organization/{ids['org']}.png?v=" in tags["og:image"]
    assert absolute(tags["og:image"])
    assert f'href="/connect/organization/{ids["org"]}"' in html
    card = client.get(urlsplit(tags["og:image"]).path + "?" + urlsplit(tags["og:image"]).query)
    assert card.status_code == 200
    assert Image.open(io.BytesIO(card.data)).size == (1200, 630)
