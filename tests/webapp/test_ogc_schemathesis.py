"""/ogc/ keeps its own contract: schemathesis against /ogc/api (OpenAPI 3.0), every check.

The same run as ``test_schemathesis.py`` (documented examples, coverage phase, fuzzing in
positive and negative modes, every check; ``SCHEMATHESIS_MAX_EXAMPLES`` per operation), on an app
with demo reports, a published organization and an overlay, so every collection has features.
Schema-valid requests are repaired where only the server can know (a bbox whose minimum is above
its maximum, a datetime that is no date, a category of the other kind), as a client would.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.errors import FailureGroup

from tests.conftest import make_app, postgres_database
from tests.webapp.test_schemathesis import MAX_EXAMPLES, _describe, _operation_tests

pytestmark = pytest.mark.schemathesis


@pytest.fixture(scope="module")
def ogc_app(tmp_path_factory):
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    from webapp.cli.demo import load_demo
    from webapp.extensions import db
    from webapp.store import overlays
    from webapp.store.models import Organization, OrganizationArea, OrganizationCategory

    with (postgres_database() as db_url, make_app(tmp_path_factory.mktemp("instance"), db_url) as app):
        with app.app_context():
            load_demo(40, 3)
            org = Organization(name_ar="جمعية", name_en="Org", status="published")
            org.areas = [OrganizationArea(area="silwan")]
            org.categories = [OrganizationCategory(category="housing")]
            db.session.add(org)
            db.session.commit()
            shapes = [LineString([(35.2, 31.7), (35.21, 31.71)]), Point(35.23, 31.77)]
            overlays.save("wall", gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=shapes, crs=4326),
                          {"title": "Wall"})
        yield app


def _repair(case) -> None:
    """Make a schema-valid request valid for what only the server checks."""
    from webapp.store.ogc_params import OgcError, parse_bbox, parse_datetime
    from webapp.store.reporting import get_taxonomy

    query = case.query
    if not isinstance(query, dict):
        return
    for name, parse, valid in (("bbox", parse_bbox, "35.22,31.75,35.26,31.79"),
                               ("datetime", parse_datetime, "2025-01-01/..")):
        if isinstance(query.get(name), str):
            try:
                parse(query[name])
            except OgcError:
                query[name] = valid
    # Integer ids in every collection here but areas and places (slugs).
    integer_ids = "/areas/" not in case.path and "/places/" not in case.path
    cursor = query.get("cursor")
    if isinstance(cursor, str) and integer_ids and (not cursor.isdigit() or len(cursor) > 10):
        query["cursor"] = "1"
    kind, category = query.get("kind"), query.get("category")
    if "/reports/" in case.path and kind and category and not get_taxonomy().is_valid(kind, category):
        del query["category"]


@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
def _send_and_validate(case, app) -> None:
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        with app.app_context():
            _repair(case)
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, checks=CHECKS.get_all())


def test_ogc_api_keeps_its_openapi_contract(ogc_app):
    schema = schemathesis.openapi.from_wsgi("/ogc/api", ogc_app)
    load_all_checks()
    tested, failures = [], []
    for label, operation_test in _operation_tests(schema, _send_and_validate):
        tested.append(label)
        try:
            operation_test(app=ogc_app)
        except (Exception, FailureGroup) as exc:  # every operation runs; all findings are reported
            failures.append(_describe(label, exc))
    doc = ogc_app.test_client().get("/ogc/api").get_json()
    documented = {f"GET {path}" for path in doc["paths"]}
    assert "GET /collections/overlay-wall/items" in documented
    assert set(tested) >= documented - {"GET /api"}
    assert not failures, "\n\n".join(failures)
