"""Career centres end to end: the CLI against the local stack, the widget on another origin, the dashboard.

A host page on one loopback origin (http://localhost:<port>) embeds the widget served by the local
stack on another (http://127.0.0.1:<port>) with the centre's publishable key; students complete it
in the iframe; the host receives readiness:ready and readiness:completed (with the score only for
the student who shares); a page on an unregistered origin gets nothing; the counsellor dashboard
renders for the secret key, which stays in sessionStorage.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import BrowserPage, LocalStackProcess, LoopbackPage, centre_command, open_page

pytestmark = pytest.mark.e2e


class HostPage(LoopbackPage):
    """A centre's own site: one page with the embed snippet, on its own loopback origin."""

    def __init__(self, host: str, script_src: str) -> None:
        self.script_src = script_src
        self.key = ""
        super().__init__(host)

    def html(self) -> str:
        return f"""<!doctype html><html lang="en">
<head><meta charset="utf-8"><title>Example Careers</title></head>
<body><h1>Example University Careers</h1>
<script>
window.readinessEvents = [];
for (const type of ["readiness:ready", "readiness:completed"]) {{
  window.addEventListener(type, (event) => window.readinessEvents.push({{type, detail: event.detail}}));
}}
</script>
<script src="{self.script_src}" data-key="{self.key}" async></script>
</body></html>"""


@pytest.fixture
def host(stack: LocalStackProcess) -> Iterator[HostPage]:
    page = HostPage("localhost", f"{stack.base_url}/embed.js")
    yield page
    page.close()


def events(page: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("window.readinessEvents")
    return found


def complete_in_frame(page: Any, *, share: bool) -> dict[str, Any]:
    page.wait_for_function("window.readinessEvents.some((e) => e.type === 'readiness:ready')")
    frame = page.frame_locator("iframe")
    frame.locator("body[data-ready=true]").wait_for()
    for group in frame.locator("fieldset.question").all():
        labels = group.locator(".options label")
        labels.nth(min(2, labels.count() - 1)).click()
    for field in frame.locator(".question.count input").all():
        field.fill("4")
    if share:
        frame.locator("#share-results").check()
    frame.locator("#submit").click()
    frame.locator("#report-title").wait_for(state="visible")
    page.wait_for_function("window.readinessEvents.some((e) => e.type === 'readiness:completed')")
    (completed,) = [e["detail"] for e in events(page) if e["type"] == "readiness:completed"]
    return completed


def test_a_student_completes_the_embedded_form_and_the_dashboard_shows_the_cohort(
    browser: Any, stack: LocalStackProcess, host: HostPage, artifacts: Path
) -> None:
    created = centre_command(
        stack,
        "create",
        "--name", "Example University Careers",
        "--display-name", "Example Careers",
        "--origin", host.origin,
        "--accent-colour", "#aa3300",
        "--k-threshold", "2",
        "--json",
    )  # fmt: skip
    host.key = created["publishable_key"]

    sharing = open_page(browser)
    try:
        sharing.page.goto(host.origin + "/")
        completed = complete_in_frame(sharing.page, share=True)
        assert completed["shared"] is True
        assert isinstance(completed["score"], int)
        assert completed["assessment_id"].startswith("a_")
        ready = next(e for e in events(sharing.page) if e["type"] == "readiness:ready")
        assert ready["detail"] == {"centre_id": created["centre_id"]}
        frame = sharing.page.frame_locator("iframe")
        assert "Example Careers" in frame.locator("#centre-header").inner_text()
        height = sharing.page.locator("iframe").evaluate("f => f.getBoundingClientRect().height")
        content = frame.locator("html").evaluate("d => d.scrollHeight")
        assert abs(height - content) <= 2  # resized to its content
        sharing.page.screenshot(path=str(artifacts / "centre-embed-completed.png"), full_page=True)
        assert not [e for e in sharing.console_errors if "readiness" in e.lower()]
    finally:
        sharing.page.context.close()

    private = open_page(browser)
    try:
        private.page.goto(host.origin + "/")
        completed = complete_in_frame(private.page, share=False)
        assert completed == {"assessment_id": completed["assessment_id"], "shared": False}
    finally:
        private.page.context.close()

    dashboard = open_page(browser)
    try:
        page = dashboard.page
        page.goto(stack.base_url + "/centre/")
        page.locator("#secret-key").fill(created["secret_key"])
        page.locator("#key-form button[type=submit]").click()
        page.locator("body[data-ready=true]").wait_for()
        assert page.locator("#student-count").inner_text() == "2"
        assert page.locator("table.students tbody tr").count() == 1  # only the student who shares
        assert page.locator("svg.bar-chart").count() == 5
        stored = page.evaluate("[sessionStorage.length, localStorage.length]")
        assert stored == [1, 0]  # the key is in this tab's session storage, nowhere else
        page.screenshot(path=str(artifacts / "centre-dashboard.png"), full_page=True)
        page.locator("#forget-key").click()
        assert page.evaluate("sessionStorage.length") == 0
        assert page.locator("#key-form").is_visible()
    finally:
        dashboard.page.context.close()


def test_a_page_on_an_unregistered_origin_gets_nothing(
    browser: Any, stack: LocalStackProcess, host: HostPage
) -> None:
    created = centre_command(
        stack, "create", "--name", "Other Careers", "--origin", "https://careers.other.example", "--json"
    )
    host.key = created["publishable_key"]
    opened: BrowserPage = open_page(browser)
    try:
        opened.page.goto(host.origin + "/")
        notice = opened.page.locator(".readiness-embed-notice")
        notice.filter(has_text="not available").wait_for()
        assert opened.page.locator("iframe").count() == 0
        assert events(opened.page) == []
    finally:
        opened.page.context.close()
