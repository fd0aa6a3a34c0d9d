"""Issue 18's "done when", the backup part: in Chromium an admin downloads a backup from one
instance and restores it, through the browser only, into a second, empty instance.

Both instances are apps of this test (their own databases, served like the shared live server),
so the admin log and settings they write never reach another browser test.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORT, make_browser_app, serve
from tests.browser.test_report_form import log_in

pytestmark = pytest.mark.browser

SOURCE_ADMIN = ("source-admin@example.org", "source admin battery")
TARGET_ADMIN = ("target-admin@example.org", "target admin battery")
TITLE = "هدم منزل في سلوان — backup test"


def _instance(tmp_path, name: str, admin: tuple[str, str], with_report: bool):
    from webapp.extensions import db
    from webapp.store.accounts import create_user
    from webapp.store.reporting import create_report

    app = make_browser_app(tmp_path / name, f"{name}-secret")
    with app.app_context():
        create_user(*admin, role="admin")
        if with_report:
            create_report({"kind": "challenge", "category": "housing", "title": TITLE,
                           "description": "Three homes received orders.", "lon": 35.2389, "lat": 31.7698,
                           "precision": "approximate", "observed_on": None, "organization": "", "link": "",
                           "contact": "private contact"}, user=None, source="organizer", publish=True)
        db.session.remove()
    return app


def test_download_a_backup_and_restore_it_into_a_second_empty_instance(browser, tmp_path):
    source = _instance(tmp_path, "source", SOURCE_ADMIN, with_report=True)
    target = _instance(tmp_path, "target", TARGET_ADMIN, with_report=False)
    saved = tmp_path / "downloaded.gpkg"
    with serve(source, "source-server") as source_url, serve(target, "target-server") as target_url:
        context = browser.new_context(viewport=VIEWPORT, base_url=source_url, locale="ar",
                                      accept_downloads=True)
        context.set_default_timeout(20_000)
        page = context.new_page()
        try:
            log_in(page, *SOURCE_ADMIN)
            page.goto("/admin/backup?lang=ar")
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
            expect(page.locator("#last-backup")).to_contain_text("لم تُنشأ بعد")
            with page.expect_download() as download:
                page.click("#backup-download")
            download.value.save_as(saved)
            assert saved.read_bytes()[:16] == b"SQLite format 3\x00"
            assert download.value.suggested_filename.endswith(".gpkg")
            page.goto("/admin/backup?lang=ar")
            expect(page.locator("#last-backup time")).to_be_visible()  # the time now, in Jerusalem time
        finally:
            context.close()

        context = browser.new_context(viewport=VIEWPORT, base_url=target_url, locale="ar")
        context.set_default_timeout(20_000)
        page = context.new_page()
        try:
            log_in(page, *TARGET_ADMIN)
            page.goto("/admin/backup?lang=en")
            page.set_input_files("#file", str(saved))
            with page.expect_navigation():
                page.click("#restore-upload")
            # What the file holds, before anything changes; nothing restored yet.
            expect(page.locator("#backup-counts")).to_contain_text("reports")
            expect(page.locator("#accounts-replaced")).to_be_visible()
            page.check("#confirm")
            with page.expect_navigation():
                page.click("#restore-confirm")
            expect(page.locator("h1")).to_have_text("Backup restored")
            expect(page.locator("#restored-counts")).to_contain_text("reports: 1")
            # Still signed in as the admin who restored; the report is on the second instance.
            page.goto("/admin/backup?lang=en")
            expect(page.locator("h1")).to_have_text("Backups")
            page.goto("/reports/1?lang=ar")
            expect(page.locator("h1")).to_contain_text("هدم منزل في سلوان")
            # And the second instance is not empty any more: a second restore is refused.
            page.goto("/admin/backup?lang=en")
            page.set_input_files("#file", str(saved))
            with page.expect_navigation():
                page.click("#restore-upload")
            expect(page.locator("#backup-error")).to_contain_text("not empty")
        finally:
            context.close()
    for app in (source, target):
        with app.app_context():
            from webapp.extensions import db

            db.session.remove()
            db.engine.dispose()
