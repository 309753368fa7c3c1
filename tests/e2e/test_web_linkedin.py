"""The web form's optional LinkedIn step in headless Chromium: what is kept, the upload, the next report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import BrowserPage, LocalStackProcess
from tests.e2e.test_web_form import answer_every_question, load_form, submit_and_wait_for_report
from tests.fixtures_linkedin import ExportOptions, build_export, long_line_csv, zip_of

pytestmark = pytest.mark.e2e


def open_linkedin(page: Any) -> None:
    if not page.locator("#linkedin-details").evaluate("details => details.open"):
        page.locator("#linkedin-details > summary").click()


def returning_visitor(page: Any, stack: LocalStackProcess) -> None:
    load_form(page, stack)
    answer_every_question(page, pick=1, count="2")
    submit_and_wait_for_report(page)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")


def test_a_first_visit_explains_the_step_and_asks_for_a_first_report(
    web: BrowserPage, stack: LocalStackProcess
) -> None:
    page = web.page
    load_form(page, stack)
    open_linkedin(page)

    text = page.locator("#linkedin").inner_text()
    assert "What we never keep" in text
    assert "message text" in text
    assert "once you have your first report" in text
    assert page.locator("#linkedin-file").count() == 0


def test_an_export_is_imported_and_the_next_report_counts_its_history(
    web: BrowserPage, stack: LocalStackProcess, tmp_path: Path, artifacts: Path
) -> None:
    page = web.page
    returning_visitor(page, stack)
    export = build_export(ExportOptions(variant="complete")).write(
        tmp_path / "Complete_LinkedInDataExport.zip"
    )
    open_linkedin(page)

    page.set_input_files("#linkedin-file", str(export))
    page.click("#linkedin-import")
    done = page.locator("#linkedin-status .notice")
    done.wait_for(state="visible", timeout=60_000)

    assert done.inner_text().startswith("Imported ")
    assert "send the questionnaire again" in done.inner_text()
    page.screenshot(path=str(artifacts / "desktop-linkedin-imported.png"), full_page=True)
    answer_every_question(page, pick=1, count="2")
    submit_and_wait_for_report(page)
    evidence = page.locator("#report").inner_text()
    assert "activities over" in evidence
    assert web.console_errors == []
    identity = json.loads(page.evaluate("localStorage.getItem('readiness.identity')"))
    assert identity["userId"]


def test_a_broken_export_is_reported_and_a_wrong_file_is_refused_before_upload(
    web: BrowserPage, stack: LocalStackProcess, tmp_path: Path
) -> None:
    page = web.page
    returning_visitor(page, stack)
    open_linkedin(page)
    text_file = tmp_path / "Connections.csv"
    text_file.write_text("First Name,Last Name\n")

    page.set_input_files("#linkedin-file", str(text_file))
    page.click("#linkedin-import")
    assert "not a file from inside it" in page.locator("#linkedin-error").inner_text()
    assert page.locator("#linkedin-file").get_attribute("aria-invalid") == "true"

    broken = tmp_path / "export.zip"
    broken.write_bytes(zip_of([("messages.csv", long_line_csv())]))
    page.set_input_files("#linkedin-file", str(broken))
    page.click("#linkedin-import")
    page.locator("#linkedin-status .field-error").wait_for(state="visible", timeout=60_000)

    assert "nothing from it was kept" in page.locator("#linkedin-status").inner_text()
    assert page.locator("#linkedin-status li").count() == 1
