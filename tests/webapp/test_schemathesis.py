"""The API keeps its own contract: schemathesis against /api/v1/openapi.json, every check.

Schemathesis reads the app's OpenAPI document (through WSGI, no server) and, per operation,
sends the documented examples, boundary values of every schema (coverage phase) and generated
requests, valid and invalid ones (fuzzing phase). All its checks run on every answer: no 5xx,
only declared status codes, content types and headers, bodies valid against their schemas,
schema-valid requests accepted, schema-invalid ones refused with a 4xx, 405 with ``Allow``
for undeclared methods. Any finding fails the test.

The run is reproducible (seeded: ``SCHEMATHESIS_SEED``, 42 by default, the seed of the issue's
CLI run) and bounded for CI: ``SCHEMATHESIS_MAX_EXAMPLES`` (default 60) generated requests per
operation and mode, after the coverage phase's boundary values, a couple of minutes on 2 cores.
For a deeper run (the issue's: 1,000 examples per operation, every check)::

    SCHEMATHESIS_MAX_EXAMPLES=1000 python -m pytest -m schemathesis tests/webapp/test_schemathesis.py
    SCHEMATHESIS_SEED=7 SCHEMATHESIS_MAX_EXAMPLES=300 python -m pytest -m schemathesis ...  # other cases

Requests are sent as generated: the server must accept every request the document allows
(a category of the other kind, any cursor id, ...). Only the two rules the document states in
words and schemas cannot express (``PARAMETER_RULES`` in ``webapp/api/openapi.py``: ``until``
not before ``since``, and ``bbox``'s ranges and order, its own ``bbox`` format generated here)
are applied to the *valid* requests before they are sent, so that "schema-valid request
rejected" means a real disagreement. Nothing else is repaired: a new rule the server enforces
and the document does not state is a finding.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.errors import FailureGroup

from tests.conftest import SILWAN, make_app, postgres_database

pytestmark = pytest.mark.schemathesis

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "60"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "42"))
SECRET_KEY = "schemathesis-test-key"


def _bbox(values: list[int]) -> str:
    min_lon, max_lon, min_lat, max_lat = values  # micro-degrees, each pair ordered and distinct
    return ",".join(f"{v / 1e6:.6f}" for v in (min_lon, min_lat, max_lon, max_lat))


@st.composite
def _bboxes(draw) -> str:
    lon = sorted(draw(st.lists(st.integers(-180_000_000, 180_000_000), min_size=2, max_size=2, unique=True)))
    lat = sorted(draw(st.lists(st.integers(-90_000_000, 90_000_000), min_size=2, max_size=2, unique=True)))
    return _bbox([*lon, *lat])


schemathesis.openapi.format("bbox", _bboxes())


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    """One app for the module (the API only reads), with demo reports and a few exact ones."""
    from webapp.cli.demo import load_demo
    from webapp.store.reporting import create_report

    with (postgres_database() as db_url,
          make_app(tmp_path_factory.mktemp("instance"), db_url, SECRET_KEY=SECRET_KEY) as app):
        with app.app_context():
            load_demo(40, 3)
            for kind, category in (("challenge", "housing"), ("initiative", "legal-aid")):
                create_report({"kind": kind, "category": category, "title": "Demolition order",
                               "lon": SILWAN[0], "lat": SILWAN[1], "precision": "exact"},
                              user=None, source="organizer", publish=True)
        yield app


def _repair_valid_query(case) -> None:
    """Apply the two rules of PARAMETER_RULES to a schema-valid request, and nothing else.

    The fuzzing phase draws ``bbox`` from the format above; the coverage phase builds values
    from the pattern alone ("0,0,0,0" looks like a bbox): those are replaced by a valid one, as
    a client would write it. ``since`` after ``until`` is swapped.
    """
    from werkzeug.datastructures import MultiDict

    from webapp.store.filters import ParameterError, parse_bbox

    query = case.query
    if not isinstance(query, dict):
        return
    if isinstance(query.get("bbox"), str):
        try:
            parse_bbox(MultiDict({"bbox": query["bbox"]}))
        except ParameterError:
            query["bbox"] = "35.22,31.75,35.26,31.79"
    since, until = query.get("since"), query.get("until")
    if isinstance(since, str) and isinstance(until, str) and since > until:
        query["since"], query["until"] = until, since
    if "field" in query:  # /trends: only a number field of the chosen kind and categories
        from webapp.store.trends import numeric_fields
        categories = query.get("category") or []
        categories = tuple(categories if isinstance(categories, list) else [categories])
        if query["field"] not in numeric_fields(query.get("kind"), categories):
            del query["field"]


def _operation_tests(schema, test_func):
    """Yield ``(label, hypothesis test)`` for every operation of ``schema``, or its schema error.

    This is what ``@schema.parametrize()`` builds for each operation (the documented examples, the
    coverage phase's boundary values and the fuzzing phase, in positive and negative modes, with
    the hypothesis settings of ``test_func``), without the pytest plugin's collection machinery:
    that plugin rewrites pytest's private node ids and broke on pytest 9.2 (``AttributeError:
    'Function' object has no attribute '_nodeid'``). A plain loop runs on every pytest release.
    """
    from schemathesis.core.result import Ok
    from schemathesis.generation.feedback import FeedbackSources
    from schemathesis.pytest._test_builder import build_operation_test
    from schemathesis.python._constants.orchestrator import make_constants_value_source

    feedback = FeedbackSources(constants_value_source=make_constants_value_source(schema))
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            yield result.err().label, result.err().as_failing_test_function()
            continue
        operation = result.ok()
        yield operation.label, build_operation_test(config=schema.config, operation=operation,
                                                    test_func=test_func, given_kwargs={},
                                                    feedback=feedback)


@settings(max_examples=MAX_EXAMPLES, derandomize=False, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
def _send_and_validate(case, app) -> None:
    """Send one generated request through WSGI and run every schemathesis check on the answer."""
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        with app.app_context():
            _repair_valid_query(case)
    # identity: werkzeug's test client hands over the gzip bytes undecoded.
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, checks=CHECKS.get_all())


def _describe(label: str, exc: BaseException) -> str:
    """One finding as text: the operation, each failed check and how to reproduce it."""
    found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
    lines = [f"{label}: {type(exc).__name__}: {exc}" if not isinstance(exc, FailureGroup) else label]
    lines += [f"  {type(e).__name__}: {e}" for e in found if e is not exc]
    lines += [f"  {note}" for note in getattr(exc, "__notes__", [])]
    return "\n".join(lines)


def test_api_keeps_its_openapi_contract(api_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    schema.config.seed = SEED  # one seed, derived per operation: the same run every time
    load_all_checks()
    tested, failures = [], []
    for label, operation_test in _operation_tests(schema, _send_and_validate):
        tested.append(label)
        try:
            operation_test(app=api_app)
        except (Exception, FailureGroup) as exc:  # every operation runs; all findings are reported
            failures.append(_describe(label, exc))
    # Every operation of the document was tested (a silently empty loop would pass), but the one
    # serving the document itself, which schemathesis leaves out (as its pytest plugin did).
    doc = api_app.test_client().get("/api/v1/openapi.json").get_json()
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    documented = {f"{method.upper()} {path}" for path, item in doc["paths"].items()
                  for method in item if method in methods}
    assert sorted(tested) == sorted(documented - {"GET /openapi.json"})
    assert not failures, "\n\n".join(failures)


def test_the_document_declares_the_formats_it_uses(api_app):
    """The API format generated above is the one the document uses, besides dates."""
    doc = api_app.test_client().get("/api/v1/openapi.json").get_json()
    formats = {p["schema"].get("format") for p in doc["components"]["parameters"].values()}
    assert formats - {None} == {"date", "bbox"}
