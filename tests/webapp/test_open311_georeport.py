"""webapp/open311/georeport.py on its own: parameter parsing and XML output, no app."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from webapp.open311 import georeport as open311


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-05", dt.datetime(2026, 11, 5)),
    ("2026-11-05T08:15:30Z", dt.datetime(2026, 11, 5, 8, 15, 30)),
    ("2026-11-05T10:15:30+02:00", dt.datetime(2026, 11, 5, 8, 15, 30)),
    ("2026-11-05T08:15Z", dt.datetime(2026, 11, 5, 8, 15)),
])
def test_w3c_datetimes_become_naive_utc(text, expected):
    assert open311.parse_datetime("start_date", text) == expected


@pytest.mark.parametrize("text", ["", "2026", "2026-11", "2026-11-05T08:15:30", "2026-02-30",
                                  "05/11/2026", "2026-11-05T25:00:00Z", "٢٠٢٦-١١-٠٥", "x" * 10_000])
def test_bad_datetimes_are_refused(text):
    with pytest.raises(open311.Open311Error):
        open311.parse_datetime("start_date", text)


def test_request_ids():
    assert open311.parse_request_id("42") == 42
    assert open311.parse_request_id("9" * 40) is None  # cannot exist: a 404, not a crash
    for bad in ("0", "-1", "4.2", "١", "", "1 OR 1=1"):
        with pytest.raises(open311.Open311Error):
            open311.parse_request_id(bad)


def test_xml_escapes_text_and_drops_what_xml_cannot_carry():
    body = open311.to_xml("service_requests", "request", [
        {"description": "<script>alert(1)</script> & \x07bell", "lat": 31.5, "media_url": None,
         "metadata": False}])
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert b"<script>" not in body
    root = ET.fromstring(body)  # noqa: S314 - built here
    request = root.find("request")
    assert request.findtext("description") == "<script>alert(1)</script> & bell"
    assert (request.findtext("lat"), request.findtext("media_url"), request.findtext("metadata")) == (
        "31.5", "", "false")


def test_service_request_reads_only_the_public_dict():
    public = {"id": 7, "kind": "challenge", "category": "housing", "title": "T", "description": "D",
              "area": "silwan", "organization": "", "published_at": "2026-11-05T08:15:30.123456",
              "lon": 35.1, "lat": 31.7}
    out = open311.service_request(public, status="published", service_name="Housing", address="Silwan",
                                  media_url=None)
    assert out["service_request_id"] == "7" and out["status"] == "open"
    assert (out["lat"], out["long"]) == (31.7, 35.1)
    assert out["requested_datetime"] == "2026-11-05T08:15:30Z"
    assert out["agency_responsible"] is None and out["description"] == "T\n\nD"


def test_a_request_id_of_thousands_of_digits_names_no_report():
    from webapp.open311.georeport import parse_request_id

    assert parse_request_id("9" * 5000) is None
    assert parse_request_id("12") == 12
