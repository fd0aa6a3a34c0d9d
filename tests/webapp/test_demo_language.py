"""Demo reports in both languages, each shown in the page's language (and labelled as demo)."""

from __future__ import annotations

import json
import re

from webapp.extensions import db
from webapp.store.models import Report


def _load(app, runner):
    result = runner.invoke(args=["demo", "load", "--count", "40", "--seed", "11"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(db.select(Report.id, Report.title)).all()
    english = [i for i, t in rows if t.startswith("[DEMO] ")]
    arabic = [i for i, t in rows if t.startswith("[تجريبي] ")]
    assert english and arabic  # stored in both languages
    return english, arabic


def test_report_pages_show_demo_reports_in_the_pages_language(app, runner, client):
    english, arabic = _load(app, runner)
    ar = client.get(f"/reports/{english[0]}?lang=ar").get_data(as_text=True)
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", ar, re.S)[1]
    assert h1.startswith("[تجريبي] ") and "[DEMO]" not in h1
    assert "بيانات تجريبية" in ar  # the description too
    en = client.get(f"/reports/{arabic[0]}?lang=en").get_data(as_text=True)
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", en, re.S)[1]
    assert h1.startswith("[DEMO] ") and "تجريبي" not in h1


def test_the_list_shows_every_demo_title_in_the_pages_language(app, runner, client):
    _load(app, runner)
    ar = client.get("/reports?lang=ar").get_data(as_text=True)
    titles = re.findall(r'<th scope="row" class="col-title"><a [^>]*>(.*?)</a>', ar)
    assert titles and all(t.startswith("[تجريبي] ") for t in titles)
    en = client.get("/reports?lang=en").get_data(as_text=True)
    titles = re.findall(r'<th scope="row" class="col-title"><a [^>]*>(.*?)</a>', en)
    assert titles and all(t.startswith("[DEMO] ") for t in titles)


def test_a_real_report_is_shown_as_written(app, client, make_report):
    rid = make_report(title="[DEMO] not really a demo")
    html = client.get(f"/reports/{rid}?lang=ar").get_data(as_text=True)
    assert "[DEMO] not really a demo" in html


def test_the_map_gets_the_title_patterns_of_its_language(client):
    html = client.get("/?lang=ar").get_data(as_text=True)
    conf = json.loads(re.search(r'id="ahya-reports">(.*?)</script>', html, re.S)[1])
    assert conf["demoTitles"]["ar"] | {} == {"prefix": "تجريبي", "challenge": "{cat} في {area}",
                                             "initiative": "مبادرة {cat} في {area}"}
    assert conf["demoTitles"]["en"]["challenge"] == "{cat} in {area}"
    assert "[DEMO]" not in html  # no demo title in the page itself


def test_a_demo_report_whose_title_was_rewritten_is_shown_as_written(app, runner, client):
    english, _arabic = _load(app, runner)
    with app.app_context():
        report = db.session.get(Report, english[0])
        report.title = "[DEMO] Our own words about the water"
        db.session.commit()
    html = client.get(f"/reports/{english[0]}?lang=ar").get_data(as_text=True)
    assert "[DEMO] Our own words about the water" in html
