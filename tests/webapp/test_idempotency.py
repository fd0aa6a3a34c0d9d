"""Idempotent report forms: a post repeated with the same client key stores one report.

An offline-queued form (``static/js/offline-form.js``) may be sent twice (its answer was lost,
two tabs sent the queue at once): the second post must store nothing and answer as the first.
Queued posts ask for JSON; an ordinary post with a key gets the usual pages.
"""

from __future__ import annotations

import uuid

from tests.conftest import csrf_token
from tests.webapp.test_contribute import NEW, SUGGEST, counts, jpeg, only_report, submit, text, valid_data

JSON = {"Accept": "application/json"}


def post_json(client, url: str, data: dict, photo=None):
    import io

    data = dict(data, csrf_token=csrf_token(client, url + "?lang=en"))
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "photo.jpg")
    return client.post(url, data=data, content_type="multipart/form-data", headers=JSON)


def test_a_repeated_suggestion_key_stores_one_report(app, client):
    key = str(uuid.uuid4())
    first = submit(client, SUGGEST, valid_data(client_key=key), photo=(jpeg(), "a.jpg"))
    again = submit(client, SUGGEST, valid_data(client_key=key.upper()), photo=(jpeg(), "a.jpg"))
    assert first.status_code == again.status_code == 200
    assert "waits for review" in text(again)
    assert counts(app) == (1, 1, 1)  # one report, its create event, one photo file
    assert only_report(app).client_key == key


def test_a_repeated_organizer_key_redirects_to_the_same_report(app, client, login):
    login()
    key = str(uuid.uuid4())
    first = submit(client, NEW, valid_data(client_key=key))
    again = submit(client, NEW, valid_data(client_key=key, title="Changed on the way"))
    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    report = only_report(app)
    assert report.title == "Demolition order on Wadi Hilweh street"
    assert counts(app) == (1, 2, 0)


def test_queued_posts_get_json_and_a_retry_stores_nothing(app, client):
    key = str(uuid.uuid4())
    first = post_json(client, SUGGEST, valid_data(client_key=key), photo=jpeg())
    assert (first.status_code, first.get_json()) == (200, {"status": "stored"})
    again = post_json(client, SUGGEST, valid_data(client_key=key), photo=jpeg())
    assert (again.status_code, again.get_json()) == (200, {"status": "duplicate"})
    assert counts(app) == (1, 1, 1)


def test_organizer_json_outcome_names_the_report(app, client, login):
    login()
    key = str(uuid.uuid4())
    first = post_json(client, NEW, valid_data(client_key=key)).get_json()
    again = post_json(client, NEW, valid_data(client_key=key)).get_json()
    report = only_report(app)
    assert first == {"status": "stored", "url": f"/reports/{report.id}"}
    assert again == {"status": "duplicate", "url": f"/reports/{report.id}"}


def test_a_refused_queued_post_gets_the_servers_message(app, client):
    resp = post_json(client, SUGGEST, valid_data(client_key=str(uuid.uuid4()), lon="34.78", lat="32.08"))
    assert resp.status_code == 400
    body = resp.get_json()
    assert "outside Jerusalem" in body["error"] and "point" in body["errors"]
    assert counts(app) == (0, 0, 0)


def test_a_refused_key_can_be_sent_again_once_corrected(app, client):
    key = str(uuid.uuid4())
    assert submit(client, SUGGEST, valid_data(client_key=key, title="")).status_code == 400
    assert submit(client, SUGGEST, valid_data(client_key=key)).status_code == 200
    assert counts(app)[0] == 1


def test_a_malformed_key_is_refused_and_stores_nothing(app, client):
    resp = submit(client, SUGGEST, valid_data(client_key="not-a-uuid"))
    assert resp.status_code == 400
    assert "reload the page" in text(resp)
    assert counts(app) == (0, 0, 0)


def test_posts_without_a_key_still_work_and_are_not_deduplicated(app, client):
    for _ in range(2):
        assert submit(client, SUGGEST, valid_data()).status_code == 200
    assert counts(app)[0] == 2


def test_a_stale_csrf_token_is_still_refused(app, client):
    key = str(uuid.uuid4())
    submit(client, SUGGEST, valid_data(client_key=key))
    resp = client.post(SUGGEST, data=valid_data(client_key=key, csrf_token="stale"), headers=JSON)
    assert resp.status_code == 400  # a repeat does not skip CSRF
    assert counts(app)[0] == 1


def test_the_hidden_key_field_is_on_both_forms(client, login):
    assert 'name="client_key"' in client.get(SUGGEST).get_data(as_text=True)
    login()
    assert 'name="client_key"' in client.get(NEW).get_data(as_text=True)


def test_a_queued_post_still_meets_the_honeypot(app, client):
    resp = post_json(client, SUGGEST, valid_data(client_key=str(uuid.uuid4()), website="http://spam.example"))
    assert (resp.status_code, resp.get_json()) == (200, {"status": "stored"})  # a bot learns nothing
    assert counts(app) == (0, 0, 0)


def test_queued_posts_count_against_the_rate_limit(tmp_path):
    from webapp import create_app

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "inst"), "SECRET_KEY": "t",
                      "SUGGEST_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    key = str(uuid.uuid4())
    # Repeats of one key count too: a retry loop cannot get around the limit.
    answers = [post_json(client, SUGGEST, valid_data(client_key=key)).status_code for _ in range(2)]
    assert answers == [200, 200]
    refused = post_json(client, SUGGEST, valid_data(client_key=str(uuid.uuid4())))
    assert refused.status_code == 429 and refused.get_json()["error"]
    assert counts(app)[0] == 1
