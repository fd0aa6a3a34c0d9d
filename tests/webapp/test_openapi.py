"""The OpenAPI document is valid, complete, and true: every documented call answers as documented."""

from __future__ import annotations

import re
import shlex
from html import unescape
from urllib.parse import urlencode

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

from tests.conftest import SILWAN

BEIT_HANINA = (35.2239, 31.8349)


@pytest.fixture
def data(app, make_report):
    """Reports that match the documented examples (so bodies are not empty), and more."""
    from webapp.cli.demo import load_demo

    with app.app_context():
        load_demo(40, 3)
    make_report()  # a housing challenge in Silwan observed 2026-10-01: "Demolition order"
    make_report(kind="initiative", category="legal-aid", title="Legal clinic")
    make_report(category="education", title="School", lon=BEIT_HANINA[0], lat=BEIT_HANINA[1])
    make_report(kind="initiative", category="legal-aid", title="Exact", precision="exact",
                lon=SILWAN[0], lat=SILWAN[1])


@pytest.fixture
def doc(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    return resp.get_json()


def resolve(doc: dict, obj: dict) -> dict:
    while "$ref" in obj:
        section, name = obj["$ref"].split("/")[2:]
        obj = doc["components"][section][name]
    return obj


def check_body(doc: dict, schema: dict, body) -> None:
    """Validate ``body`` against a schema of the document, its ``#/components`` refs included."""
    root = {**schema, "components": doc["components"]}
    Draft202012Validator(root, format_checker=FormatChecker()).validate(body)


def operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def example_request(doc: dict, path: str, op: dict) -> str:
    """The operation's URL (relative to the server) with every documented example parameter."""
    query = []
    for ref in op.get("parameters", []):
        param = resolve(doc, ref)
        if "example" not in param:
            continue  # e.g. cursor: only the server can make one
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", str(param["example"]))
        elif param["in"] == "query":
            values = param["example"] if isinstance(param["example"], list) else [param["example"]]
            query.extend((param["name"], str(v)) for v in values)
    assert "{" not in path, f"path parameter without example in {path}"
    return path + ("?" + urlencode(query) if query else "")


def call_and_check(client, doc: dict, op: dict, url: str, expected: str = "200"):
    resp = client.get("/api/v1" + url)
    assert str(resp.status_code) == expected, (url, resp.get_data(as_text=True)[:300])
    response = resolve(doc, op["responses"][expected])
    (media, spec), = response["content"].items()
    assert resp.mimetype == media, url
    # /trends.csv is text: its schema is a string.
    body = resp.get_json() if media.endswith("json") else resp.get_data(as_text=True)
    check_body(doc, spec["schema"], body)
    return resp


def test_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema


def test_every_api_route_is_documented(app, doc):
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    assert routes == set(doc["paths"])
    assert doc["servers"] == [{"url": "http://localhost/api/v1"}]


def test_enums_come_from_the_taxonomy(app, doc):
    from webapp.store.reporting import get_taxonomy

    params = doc["components"]["parameters"]
    with app.app_context():
        taxonomy = get_taxonomy()
        ids = {c.id for kind in ("challenge", "initiative") for c in taxonomy.categories(kind)}
    assert set(params["category"]["schema"]["items"]["enum"]) == ids
    assert params["kind"]["schema"]["enum"] == ["challenge", "initiative"]
    assert params["since"]["schema"]["format"] == "date"
    bbox = re.compile(params["bbox"]["schema"]["pattern"])
    assert bbox.match("35.22,31.75,35.26,31.79") and bbox.match(" -1.5e2, 2 ,3,+4")
    assert not bbox.match("1,2,3") and not bbox.match("a,b,c,d")


def required_query(doc, op) -> str:
    """The required query parameters of an operation with their examples (e.g. zoom=12)."""
    pairs = []
    for ref in op["parameters"]:
        param = resolve(doc, ref)
        if param["in"] == "query" and param.get("required"):
            pairs.append(f"{param['name']}={param['example']}")
    return "&".join(pairs)


def test_every_documented_path_answers_as_documented(client, doc, data):
    for path, method, op in operations(doc):
        assert method == "get"
        url = example_request(doc, path, op)
        resp = call_and_check(client, doc, op, url)
        if op["operationId"] in ("listReports", "listAreas"):
            assert resp.get_json()["features"], f"{url}: the examples should find something"
        # Without parameters too (required path parameters aside): the unfiltered answer.
        bare = re.sub(r"\{(\w+)\}", lambda m: str(resolve(doc, doc["components"]["parameters"][
            m.group(1)])["example"]), path)
        needed = required_query(doc, op)
        call_and_check(client, doc, op, bare + (f"?{needed}" if needed else ""))
        if "ETag" in resp.headers:  # /areas gets its validators from the api/areas.py owner
            again = client.get("/api/v1" + url, headers={"If-None-Match": resp.headers["ETag"]})
            assert again.status_code == 304 and "304" in op["responses"] and again.data == b""


def test_every_curl_example_answers_as_documented(client, doc, data):
    examples = [(op, example) for _path, _method, op in operations(doc) for example in op["x-examples"]]
    assert len(examples) >= len(list(operations(doc)))
    for op, example in examples:
        call_and_check(client, doc, op, example)


def test_documented_errors(client, doc):
    for path, _method, op in operations(doc):
        url = example_request(doc, path, op).split("?")[0]
        needed = required_query(doc, op)
        prefix = f"?{needed}&" if needed else "?"
        if "400" in op["responses"]:
            names = {resolve(doc, ref)["name"] for ref in op.get("parameters", [])}
            bad = next(n for n in ("kind", "lang") if n in names)  # /categories has only lang
            call_and_check(client, doc, op, url + prefix + f"{bad}=nope", "400")
            assert client.get(f"/api/v1{url}{prefix}{bad}=nope").get_json()["parameter"] == bad
        if "404" in op["responses"]:
            call_and_check(client, doc, op, re.sub(r"[^/]+$", "no-such-place", url), "404")


def test_report_example_matches_a_report(client, doc, data):
    """The examples are chosen to find something: a curl from the docs shows real output."""
    op = doc["paths"]["/reports"]["get"]
    body = client.get("/api/v1" + example_request(doc, "/reports", op)).get_json()
    assert [f["properties"]["title"] for f in body["features"]] == ["Demolition order"]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_api_page(client, doc, lang):
    resp = client.get(f"/api?lang={lang}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    text = unescape(html)
    assert f'lang="{lang}"' in html
    assert 'href="http://localhost/api/v1/openapi.json"' in html
    for _path, _method, op in operations(doc):
        for example in op["x-examples"]:
            assert f"curl -s {shlex.quote('http://localhost/api/v1' + example)}\n" in text, example
    assert client.get("/api/").status_code == 200
