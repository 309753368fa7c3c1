"""The web form's "Your data" in headless Chromium against the local stack: download everything the
server keeps (every export page, one file), erase it with a confirmation, and what a failure or a
busy server does."""

from __future__ import annotations

import json
import re
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import BrowserPage, Http, LocalStackProcess
from tests.e2e.test_privacy_api import PUSHES, REFUSED, pushed_events, served
from tests.e2e.test_web_form import (
    answer_every_question,
    load_form,
    open_activity,
    submit_and_wait_for_report,
)

pytestmark = pytest.mark.e2e

FILE_NAME = re.compile(r"^readiness-export-\d{4}-\d{2}-\d{2}\.json$")
ERASED_KINDS = [
    "assessment",
    "answers",
    "activity",
    "LinkedIn imports",
    "re-assessment schedule",
    "career-centre memberships and the consent",
    "private key",
]


def complete_an_assessment(page: Any, stack: LocalStackProcess) -> dict[str, Any]:
    """A first visit through the form, with some activity; the answers sent and the identity kept."""
    load_form(page, stack)
    answer_every_question(page)
    open_activity(page)
    page.fill("#monthly-help_given-5", "2")
    with page.expect_request(lambda r: r.url.endswith("/v1/assessments") and r.method == "POST") as captured:
        submit_and_wait_for_report(page)
    sent = json.loads(captured.value.post_data)
    identity = json.loads(page.evaluate("localStorage.getItem('readiness.identity')"))
    return {"sent": sent, "user_id": identity["userId"], "token": identity["token"]}


def stored_identity(page: Any) -> Any:
    return page.evaluate("localStorage.getItem('readiness.identity')")


def envelope(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message, "details": []}})


def test_download_everything_then_erase_everything(
    web: BrowserPage, stack: LocalStackProcess, http: Http, tmp_path: Path
) -> None:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
    from playwright.sync_api import expect

    page = web.page
    user = complete_an_assessment(page, stack)
    user_id, token = user["user_id"], user["token"]
    [listed] = http.get(f"/v1/users/{user_id}/assessments", token=token).json["items"]
    for batch in range(PUSHES):  # a long history: the export spans more than one page
        body = {"activities": pushed_events(batch)}
        pushed = served(partial(http.post, f"/v1/users/{user_id}/activities", body, token=token))
        assert pushed.status == 200, pushed.raw[:300]

    # ---------------------------------------------------------------- the three actions, told apart
    section = page.locator("#your-data")
    expect(section).to_be_visible()
    expect(page.get_by_role("button", name="Download my data")).to_have_attribute(
        "aria-describedby", "download-data-hint"
    )
    expect(page.locator("#download-data-hint")).to_contain_text("Nothing is deleted")
    expect(page.locator("#erase-data-hint")).to_contain_text("cannot be undone")
    expect(page.locator("#forget-me-hint")).to_contain_text("Nothing is deleted from the server")
    page.click("#your-data-button")
    assert page.evaluate("document.activeElement.id") == "your-data-title"

    # ---------------------------------------------------------------- the download
    with page.expect_download() as downloading:
        page.click("#download-data")
    download = downloading.value
    assert FILE_NAME.match(download.suggested_filename), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    exported = json.loads(saved.read_text(encoding="utf-8"))

    assert set(exported) == {"format", "user_id", "exported_at", "items"}
    assert exported["format"] == "readiness-export/1"
    assert exported["user_id"] == user_id
    assert exported["exported_at"][:10] in download.suggested_filename
    [assessment] = [item["assessment"] for item in exported["items"] if item["kind"] == "assessment"]
    assert assessment["assessment_id"] == listed["assessment_id"]
    assert str(assessment["score"]) == page.locator("#overall-score").inner_text()
    [stored_user] = [item for item in exported["items"] if item["kind"] == "user"]
    assert stored_user["answers"] == user["sent"]["answers"]
    events = [event for item in exported["items"] if item["kind"] == "activity" for event in item["events"]]
    assert len(events) == PUSHES * 1_000 + len(user["sent"]["activities"])
    batches = {item["batch_id"] for item in exported["items"] if item["kind"] == "activity"}
    assert len(batches) == PUSHES + 1  # the form's own activity, and the history pushed since
    export_calls = [url for url in web.requested_urls if f"/v1/users/{user_id}/export" in url]
    assert len(export_calls) >= 2  # every page was followed
    assert all("cursor=" in url for url in export_calls[1:])
    expect(page.locator("#download-done")).to_contain_text(f"from {len(export_calls)} pages")
    expect(page.locator("#download-link")).to_have_attribute("download", download.suggested_filename)

    # ---------------------------------------------------------------- the confirmation, cancelled
    page.click("#erase-data")
    dialog = page.get_by_role("dialog", name="Erase everything about you?")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "erase-cancel"  # the safe choice
    text = page.locator("#erase-text").inner_text()
    for kind in ERASED_KINDS:
        assert kind in text, kind
    assert "cannot be undone" in text
    assert page.locator("#erase-dialog").get_attribute("aria-describedby") == "erase-text"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "erase-data"
    assert stored_identity(page) is not None
    assert http.get(f"/v1/users/{user_id}/assessments", token=token).status == 200

    # ---------------------------------------------------------------- accessible with the dialog open
    page.click("#erase-data")
    expect(dialog).to_be_visible()
    violations = Axe().run(page).response["violations"]
    assert [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in violations] == []

    # ---------------------------------------------------------------- confirmed
    with page.expect_response(lambda r: r.request.method == "DELETE") as answered:
        page.click("#erase-confirm")
    assert answered.value.status == 200
    receipt = answered.value.json()
    expect(dialog).to_be_hidden()
    notice = page.locator("#erase-receipt")
    expect(notice).to_contain_text(
        "Erased from the server: 1 assessment, your latest answers and your private key"
    )
    expect(notice).to_contain_text(f"{receipt['erased']['activity']} batches of activity")
    expect(page.locator("#status")).to_have_text(notice.inner_text())  # the live region says it too
    assert stored_identity(page) is None
    assert page.evaluate("sessionStorage.getItem('readiness.draft')") is None
    expect(section).to_be_hidden()
    expect(page.locator("#identity-bar")).to_be_empty()
    assert page.evaluate("document.activeElement.id") == "page-title"

    assert http.get(f"/v1/users/{user_id}/assessments", token=token).status in REFUSED
    assert http.get(f"/v1/users/{user_id}/export", token=token).status in (*REFUSED, 404)
    assert web.console_errors == []  # no CSP violation: no inline script, handler or style


def test_a_failed_erasure_changes_nothing_and_says_why(
    web: BrowserPage, stack: LocalStackProcess, http: Http
) -> None:
    from playwright.sync_api import expect

    page = web.page
    user = complete_an_assessment(page, stack)
    user_id, token = user["user_id"], user["token"]
    message = "The data store is not available right now. Please try again in a moment."
    deletes: list[str] = []

    def unavailable(route: Any) -> None:
        if route.request.method != "DELETE":
            route.continue_()
            return
        deletes.append(route.request.headers.get("authorization", ""))
        route.fulfill(
            status=503,
            headers={"Retry-After": "0", "Content-Type": "application/json"},
            body=envelope("service_unavailable", message),
        )

    page.route(f"**/v1/users/{user_id}", unavailable)
    page.click("#erase-data")
    page.click("#erase-confirm")

    error = page.locator("#erase-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)  # the API's own message
    expect(error).to_contain_text("did not finish")
    assert len(deletes) == 4  # the first request and three retries, each with the user's key
    assert set(deletes) == {f"Bearer {token}"}
    expect(page.locator("#erase-confirm")).to_have_text("Try again")
    assert stored_identity(page) is not None
    expect(page.locator("#your-data")).to_be_visible()
    assert http.get(f"/v1/users/{user_id}/assessments", token=token).status == 200

    page.click("#erase-cancel")
    expect(page.locator("#erase-dialog")).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "erase-data"
    expect(page.locator("#report-title")).to_be_visible()  # the report is still on screen


def test_a_busy_server_is_asked_again_after_its_retry_after(
    web: BrowserPage, stack: LocalStackProcess, http: Http
) -> None:
    from playwright.sync_api import expect

    page = web.page
    user = complete_an_assessment(page, stack)
    user_id, token = user["user_id"], user["token"]
    sent_at: list[float] = []

    def busy_twice(route: Any) -> None:
        if route.request.method != "DELETE":
            route.continue_()
            return
        sent_at.append(time.monotonic())
        if len(sent_at) == 1:
            route.fulfill(
                status=429,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body=envelope("too_many_requests", "Too many requests; try again later."),
            )
        elif len(sent_at) == 2:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body=envelope("service_unavailable", "The erasure was cut short; retry."),
            )
        else:
            route.continue_()

    page.route(f"**/v1/users/{user_id}", busy_twice)
    page.click("#erase-data")
    page.click("#erase-confirm")

    expect(page.locator("#erase-receipt")).to_contain_text("Erased from the server: 1 assessment")
    assert len(sent_at) == 3
    assert sent_at[1] - sent_at[0] >= 0.9  # waited what Retry-After asked
    assert sent_at[2] - sent_at[1] >= 0.9
    assert stored_identity(page) is None
    assert http.get(f"/v1/users/{user_id}/assessments", token=token).status in REFUSED


def test_a_failed_download_says_why_and_saves_nothing(web: BrowserPage, stack: LocalStackProcess) -> None:
    from playwright.sync_api import expect

    page = web.page
    user = complete_an_assessment(page, stack)
    downloads: list[Any] = []

    def downloaded(download: Any) -> None:  # Playwright cannot take the builtin list.append
        downloads.append(download)

    page.on("download", downloaded)
    message = "The export cursor is not valid."

    def refused(route: Any) -> None:
        route.fulfill(
            status=422,
            headers={"Content-Type": "application/json"},
            body=envelope("invalid_request", message),
        )

    page.route(f"**/v1/users/{user['user_id']}/export*", refused)
    page.click("#download-data")

    error = page.locator("#download-error")
    expect(error).to_have_text(f"Your data could not be downloaded: {message}")
    assert error.get_attribute("role") == "alert"
    expect(page.locator("#download-data")).to_have_attribute("aria-disabled", "false")
    assert downloads == []
    assert page.locator("#download-link").count() == 0
