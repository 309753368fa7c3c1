"""The web form when the API refuses a submission for a used-up request limit (429 rate_limited)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import BrowserPage, LocalStackProcess
from tests.e2e.test_web_form import answer_every_question, load_form

pytestmark = pytest.mark.e2e


def test_a_used_up_limit_is_not_retried_sooner_and_says_when_to_come_back(
    web: BrowserPage, stack: LocalStackProcess
) -> None:
    page = web.page
    load_form(page, stack)
    answer_every_question(page)
    sent: list[str] = []
    refusal = {
        "error": {
            "code": "rate_limited",
            "message": "Too many requests; retry after the number of seconds in Retry-After.",
            "details": [{"field": "limits.source_submissions_per_hour", "message": "at most 20 ..."}],
        }
    }

    def limited(route: Any) -> None:
        sent.append(route.request.headers["idempotency-key"])
        route.fulfill(
            status=429,
            headers={"Retry-After": "1800", "Content-Type": "application/json", "Cache-Control": "no-store"},
            body=json.dumps(refusal),
        )

    page.route("**/v1/assessments", limited)
    page.locator("#submit").click()
    page.locator("#retry-submit").wait_for(state="visible")

    summary = page.locator("#error-summary").inner_text()
    assert "not sent" in summary
    assert "too often for now" in summary
    assert "Please try again after" in summary
    assert "Retry-After" not in summary  # words for a person, not the API's
    assert len(sent) == 1  # 30 minutes is longer than the page waits: no automatic retry to be refused
