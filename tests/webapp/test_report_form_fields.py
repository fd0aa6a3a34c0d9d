"""Structured fields in the report forms: /reports/new, /suggest, the offline queue's JSON posts and
moderation's edit page show each category's fields, check them with ``clean_fields`` and store them."""

from __future__ import annotations

import json
import re

from tests.webapp.test_contribute import (
    NEW,
    SUGGEST,
    counts,
    field_error,
    only_report,
    submit,
    text,
    valid_data,
)
from tests.webapp.test_moderation import edit_data
from webapp.extensions import db
from webapp.store.models import AuditEvent, Report

HOUSING = {"field_structures": "٢", "field_people_displaced": "9", "field_children_displaced": "4",
           "field_demolished_by": "self_demolition", "field_order_date": "2024-03-01",
           "field_stage": "demolished", "field_case_number": "File 77/2024"}


def test_the_form_shows_every_categorys_fields_arabic_first(client, login):
    login()
    page = text(client.get(NEW))
    group = re.search(r'<fieldset class="group category-fields" id="fields-challenge-housing"'
                      r'.*?</fieldset>\s*(?=<fieldset class="group|</form>|{)', page, re.S)
    assert group, "the housing group is on the page"
    body = page[group.start():]
    assert 'data-kind="challenge" data-category="housing"' in body
    assert "الأشخاص المهجّرون" in body and 'name="field_people_displaced"' in body
    assert 'inputmode="numeric"' in body
    assert '<span class="unit" id="field-people_displaced-unit">أشخاص</span>' in body
    assert '<option value="self_demolition">العائلة نفسها بموجب أمر (هدم ذاتي)</option>' in body
    assert 'type="date" max="' in body
    for category in ("education", "water", "movement", "land"):
        assert f'id="fields-challenge-{category}"' in page
    assert 'name="field_services_affected" id="field-services_affected-water" value="water"' in page
    assert "<script>" not in page  # CSP: no inline script; pick-point.js shows the chosen group
    english = text(client.get(NEW + "?lang=en"))
    assert "People displaced" in english and ">people</span>" in english


def test_an_organizer_report_stores_its_fields_typed(client, app, login):
    login()
    resp = submit(client, NEW, valid_data(**HOUSING, field_households_affected="40"))
    assert resp.status_code == 302, text(resp)[:3000]
    report = only_report(app)
    # The water field posted beside a housing report (a page without JavaScript) is not stored.
    assert report.fields == {"structures": 2, "people_displaced": 9, "children_displaced": 4,
                             "demolished_by": "self_demolition", "order_date": "2024-03-01",
                             "stage": "demolished", "case_number": "File 77/2024"}
    page = text(client.get(resp.location + "?lang=en"))
    assert "9 people" in page and "File 77/2024" not in page


def test_bad_values_are_refused_at_their_field_and_kept(client, app, login):
    login()
    before = counts(app)
    resp = submit(client, NEW, valid_data(field_people_displaced="3", field_children_displaced="5",
                                          field_structures="two", field_stage="bulldozed",
                                          field_order_date="2999-01-01"))
    assert resp.status_code == 400
    assert counts(app) == before
    assert field_error(resp, "field-children_displaced") == "This cannot be more than “People displaced”."
    assert field_error(resp, "field-structures") == "Enter a whole number (0 or more)."
    assert field_error(resp, "field-stage") == "Choose from the list."
    assert field_error(resp, "field-order_date") == "The date cannot be in the future."
    page = text(resp)
    assert 'value="two"' in page and 'aria-invalid="true"' in page
    assert "Please correct the marked fields." in page


def test_a_queued_post_is_refused_in_json_naming_the_field(client, app, login):
    login()
    resp = client.post(NEW, data=dict(valid_data(field_people_displaced="-4"),
                                      csrf_token=re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                                           text(client.get(NEW + "?lang=en")))[1]),
                       headers={"Accept": "application/json"})
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["errors"] == {"field_people_displaced": ["Enter a number from 0 to 1,000,000."]}
    assert "People displaced: Enter a number from 0 to 1,000,000." in body["error"]


def test_a_suggestion_carries_fields_too(client, app):
    resp = submit(client, SUGGEST, valid_data(category="water", field_households_affected="١٢",
                                              field_services_affected=["sewage", "water"],
                                              field_days_without_water="3"))
    assert resp.status_code == 200, text(resp)[:2000]
    report = only_report(app)
    assert report.status == "pending"
    assert report.fields == {"households_affected": 12, "days_without_water": 3,
                             "services_affected": ["water", "sewage"]}


def test_moderation_edits_the_fields_and_the_audit_says_so(client, app, login, make_report):
    login()
    rid = make_report(publish=False, fields={"people_displaced": 9, "case_number": "C-1"})
    page = text(client.get(f"/moderation/{rid}/edit"))
    assert 'name="field_people_displaced" id="field-people_displaced" value="9"' in page
    assert 'value="C-1"' in page  # organizers see the private field
    data = edit_data(client, rid, field_people_displaced="11", field_children_displaced="2")
    resp = client.post(f"/moderation/{rid}/edit", data=data)
    assert resp.status_code == 302, text(resp)[:2000]
    with app.app_context():
        report = db.session.get(Report, rid)
        assert report.fields == {"people_displaced": 11, "children_displaced": 2, "case_number": "C-1"}
        details = [e.detail for e in db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.report_id == rid, AuditEvent.action == "edit"))]
    assert details == ["fields"]
    # Cleared inputs clear the values.
    data = edit_data(client, rid, field_people_displaced="", field_children_displaced="",
                     field_case_number="")
    assert client.post(f"/moderation/{rid}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Report, rid).fields == {}


def test_moderation_shows_public_and_private_values(client, login, make_report):
    login()
    rid = make_report(publish=False, fields={"people_displaced": 9, "case_number": "C-77"})
    page = text(client.get(f"/moderation/{rid}?lang=en"))
    private = page.split('class="private"', 1)[1]
    assert "9 people" in page.split('class="private"', 1)[0]
    assert "C-77" in private


def test_api_and_popups_carry_the_public_values_only(client, make_report):
    rid = make_report(fields={"people_displaced": 9, "stage": "order_frozen", "case_number": "C-77"})
    feature = next(f for f in client.get("/api/v1/reports").get_json()["features"] if f["id"] == rid)
    assert feature["properties"]["fields"] == {"people_displaced": 9, "stage": "order_frozen"}
    assert client.get(f"/api/v1/reports/{rid}").get_json()["properties"]["fields"]["stage"] == "order_frozen"
    assert "C-77" not in client.get(f"/api/v1/reports/{rid}").get_data(as_text=True)
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["ReportFields"]
    assert schema["properties"]["people_displaced"]["type"] == "integer"
    assert schema["properties"]["stage"]["enum"] == ["order_issued", "demolished", "order_frozen"]
    assert "case_number" not in schema["properties"] and schema["additionalProperties"] is False
    page = text(client.get("/?lang=ar"))
    conf = json.loads(re.search(r'id="ahya-reports">(.*?)</script>', page, re.S)[1])
    assert conf["fields"]["people_displaced"]["label"] == "الأشخاص المهجّرون"  # the popups' labels
    assert conf["fields"]["stage"]["choices"]["order_frozen"] == "تم تجميد الأمر"
    assert "case_number" not in conf["fields"] and "case_number" not in page


def test_hostile_values_in_every_structured_field_never_answer_5xx(client, app, login):
    """The hostile walk's query values, each in every structured field of each category at once:
    refused (400) or stored typed; never a 5xx, never a value of the wrong type."""
    from tests.webapp.test_hostile_walk import QUERY_VALUES
    from webapp.store.reporting import get_taxonomy

    login()
    with app.app_context():
        groups = [(c.id, c.fields) for c in get_taxonomy().categories("challenge") if c.fields]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(client.get(NEW)))[1]
    types = {"integer": int, "decimal": float, "date": str, "choice": str, "multi": list, "yesno": bool,
             "text": str}
    for category, fields in groups:
        for value in QUERY_VALUES:
            data = dict(valid_data(category=category), csrf_token=token,
                        **{"field_" + f.id: value for f in fields})
            resp = client.post(NEW, data=data)
            assert resp.status_code in (302, 400), (category, value, resp.status_code)
    with app.app_context():
        for report in db.session.scalars(db.select(Report)):
            declared = {f.id: f for f in get_taxonomy().fields(report.kind, report.category)}
            for fid, stored in report.fields.items():
                assert isinstance(stored, types[declared[fid].type]), (fid, stored)
