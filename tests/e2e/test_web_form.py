"""The web form in headless Chromium against the local stack: what a job seeker sees and does."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import BrowserPage, Http, LocalStackProcess, open_page

pytestmark = pytest.mark.e2e

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


# ---------------------------------------------------------------- what a person does


def load_form(page: Any, stack: LocalStackProcess) -> None:
    page.goto(stack.base_url + "/")
    page.wait_for_selector("body[data-ready=true]")


def answer_every_question(page: Any, pick: int = 2, count: str = "4") -> None:
    """Click an answer for every choice-like question (the pick-th option) and type every count."""
    for group in page.locator("fieldset.question").all():
        labels = group.locator(".options label")
        labels.nth(min(pick, labels.count() - 1)).click()
    for field in page.locator(".question.count input").all():
        field.fill(count)


def open_activity(page: Any) -> None:
    if not page.locator("#activity-details").evaluate("details => details.open"):
        page.locator("#activity-details > summary").click()


def submit_and_wait_for_report(page: Any) -> None:
    page.locator("#submit").click()
    page.locator("#report-title").wait_for(state="visible")


def count_questions(questionnaire: dict[str, Any]) -> int:
    return sum(len(section["questions"]) for section in questionnaire["sections"])


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


# ---------------------------------------------------------------- tests


def test_a_first_visit_fills_in_submits_and_reads_the_report(
    web: BrowserPage, stack: LocalStackProcess, questionnaire: dict[str, Any], artifacts: Path
) -> None:
    page = web.page
    load_form(page, stack)

    # the questionnaire is the one the API serves, not a copy
    assert page.locator(".question").count() == count_questions(questionnaire)
    first = questionnaire["sections"][0]["questions"][0]
    assert first["text"] in page.locator(".question-text").first.inner_text()
    assert (
        page.locator("fieldset.section > legend").first.inner_text() == questionnaire["sections"][0]["title"]
    )
    page.screenshot(path=str(artifacts / "desktop-form.png"), full_page=True)

    answer_every_question(page)
    open_activity(page)
    page.fill("#fill-message_sent", "4")
    page.get_by_role("button", name="Fill all months: messages you sent").click()
    page.fill("#monthly-help_given-0", "2")
    page.click("#add-entry")
    page.select_option("#entry-1-type", "recommendation_given")
    page.fill("#entry-1-date", (date.today() - timedelta(days=40)).isoformat())
    page.select_option("#entry-1-role", "peer")
    assert "51 activities will be sent" in page.locator("#activity-total").inner_text()

    with page.expect_request(lambda r: r.url.endswith("/v1/assessments") and r.method == "POST") as captured:
        submit_and_wait_for_report(page)
    request = captured.value
    assert UUID.match(request.headers["idempotency-key"])
    assert "authorization" not in request.headers
    sent = json.loads(request.post_data)
    assert sent["questionnaire_version"] == questionnaire["version"]
    assert len(sent["answers"]) == count_questions(questionnaire)
    assert len(sent["activities"]) == 51
    now = datetime.now(UTC)
    moments = [datetime.fromisoformat(a["occurred_at"].replace("Z", "+00:00")) for a in sent["activities"]]
    assert all(moment <= now for moment in moments)
    assert all("counterpart" not in a for a in sent["activities"])
    assert {"type": "recommendation_given", "counterpart_role": "peer"}.items() <= sent["activities"][
        -1
    ].items()

    # the report
    assert page.evaluate("document.activeElement.id") == "report-title"
    score = int(page.locator("#overall-score").inner_text())
    assert 0 <= score <= 100
    assert page.locator("#overall-band").inner_text().lower() in {"early", "building", "ready", "strong"}
    assert "confidence" in page.locator("#overall-confidence").inner_text().lower()
    radar = page.locator("svg[data-chart=radar]")
    assert radar.locator(".radar-dot").count() == 7
    assert radar.locator(".radar-label").count() == 7
    assert page.locator(".dimension").count() == 7
    assert page.locator(".explanation tr").count() >= 7
    recommendations = page.locator(".recommendation")
    assert recommendations.count() >= 1
    assert re.search(r"\+\d+\.\d points", recommendations.first.inner_text())
    assert page.locator("#flags h3").is_visible()
    assert page.locator("#credential-user-id").input_value()
    identity = json.loads(page.evaluate("localStorage.getItem('readiness.identity')"))
    assert identity["userId"] == page.locator("#credential-user-id").input_value()
    assert identity["token"] == page.locator("#credential-token").input_value()
    page.screenshot(path=str(artifacts / "desktop-report.png"), full_page=True)

    # offline-ready: nothing but this server was asked for anything, and nothing broke
    assert all(url.startswith(stack.base_url + "/") for url in web.requested_urls), web.requested_urls
    assert web.console_errors == []


def test_client_side_checks_name_every_missing_answer(
    web: BrowserPage, stack: LocalStackProcess, questionnaire: dict[str, Any]
) -> None:
    page = web.page
    load_form(page, stack)
    required = [q for s in questionnaire["sections"] for q in s["questions"] if q.get("required", True)]
    count_question = next(q for q in required if q["kind"] == "count")

    page.locator(f"#in-{count_question['id']}").fill(str(count_question["max"] + 1))
    page.locator("#submit").click()

    summary = page.locator("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert summary.locator("li").count() == len(required)
    assert (
        f"from {count_question['min']} to {count_question['max']}"
        in page.locator(f"#err-{count_question['id']}").inner_text()
    )
    assert page.locator(f"#in-{count_question['id']}").get_attribute("aria-invalid") == "true"
    assert not any(url.endswith("/v1/assessments") for url in web.requested_urls)

    # a summary link takes the keyboard to the field
    summary.locator("a").first.click()
    first_id = required[0]["id"]
    assert page.evaluate("document.activeElement.name") == first_id


def test_the_server_message_is_shown_at_the_field_it_names(
    web: BrowserPage, stack: LocalStackProcess, questionnaire: dict[str, Any]
) -> None:
    page = web.page
    load_form(page, stack)
    answer_every_question(page)
    open_activity(page)
    page.fill("#monthly-message_sent-11", "1")  # the first event sent
    page.click("#add-entry")
    page.select_option("#entry-1-type", "help_given")
    page.fill("#entry-1-date", (date.today() - timedelta(days=3)).isoformat())
    count_question = next(
        q for s in questionnaire["sections"] for q in s["questions"] if q["kind"] == "count"
    )

    def tamper(route: Any) -> None:
        # Values the form itself would refuse, so that only the server can object to them.
        body = json.loads(route.request.post_data)
        body["activities"][0]["occurred_at"] = "2100-01-01T00:00:00Z"
        body["activities"][-1]["occurred_at"] = "2100-01-02T00:00:00Z"
        body["answers"][count_question["id"]] = count_question["max"] + 5
        route.continue_(post_data=json.dumps(body))

    page.route("**/v1/assessments", tamper)
    with page.expect_response("**/v1/assessments") as answered:
        page.locator("#submit").click()
    assert answered.value.status == 422
    details = {d["field"]: d["message"] for d in answered.value.json()["error"]["details"]}
    page.locator("#error-summary").wait_for(state="visible")

    assert page.evaluate("document.activeElement.id") == "error-summary"
    server_answer_message = details[f"answers.{count_question['id']}"]
    assert server_answer_message in page.locator(f"#err-{count_question['id']}").inner_text()
    assert details["activities.0.occurred_at"] in page.locator("#err-monthly-message_sent").inner_text()
    assert details["activities.1.occurred_at"] in page.locator("#err-entry-1-date").inner_text()
    assert page.locator("#entry-1-date").get_attribute("aria-invalid") == "true"
    assert page.locator("#report").is_hidden()


def test_a_returning_visitor_sees_the_trend_and_what_moved(
    web: BrowserPage, stack: LocalStackProcess, artifacts: Path
) -> None:
    page = web.page
    load_form(page, stack)
    answer_every_question(page, pick=1, count="2")
    submit_and_wait_for_report(page)
    token = json.loads(page.evaluate("localStorage.getItem('readiness.identity')"))["token"]

    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.locator("#returning-title").wait_for(state="visible")
    assert "Welcome back" in page.locator("#returning").inner_text()
    answer_every_question(page, pick=3, count="12")
    open_activity(page)
    page.fill("#fill-help_given", "3")
    page.get_by_role("button", name="Fill all months: times you helped someone").click()
    with page.expect_request(lambda r: r.url.endswith("/v1/assessments") and r.method == "POST") as captured:
        submit_and_wait_for_report(page)

    assert captured.value.headers["authorization"] == f"Bearer {token}"
    moved = page.locator("#what-moved")
    assert moved.is_visible()
    assert moved.locator(".changes-overall").inner_text().startswith("Overall:")
    assert moved.locator(".changes-dimensions > li").count() >= 1
    assert page.locator("#history svg[data-chart=trend] .trend-dot").count() == 2
    assert page.locator("svg[data-chart=radar] .radar-previous").count() == 1
    assert page.locator("#credentials-title").count() == 0  # the key is shown once, on the first visit
    page.screenshot(path=str(artifacts / "desktop-returning-report.png"), full_page=True)

    page.reload()
    page.locator("#returning-history svg[data-chart=trend]").wait_for(state="visible")
    assert page.locator("#returning-history .trend-dot").count() == 2
    page.click("#view-latest")
    page.locator("#report-title").wait_for(state="visible")
    assert page.locator("#what-moved").is_visible()


def test_forget_me_removes_the_identity_from_this_browser(web: BrowserPage, stack: LocalStackProcess) -> None:
    page = web.page
    load_form(page, stack)
    answer_every_question(page)
    submit_and_wait_for_report(page)

    page.click("#forget-me")
    dialog = page.locator("#forget-dialog")
    assert dialog.is_visible()
    page.click("#forget-confirm")

    assert page.evaluate("localStorage.getItem('readiness.identity')") is None
    assert page.evaluate("sessionStorage.getItem('readiness.draft')") is None
    assert page.locator("#forget-me").count() == 0
    assert page.locator("#report").is_hidden()
    assert page.evaluate("document.activeElement.id") == "page-title"
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#returning").is_hidden()


def test_the_form_can_be_completed_with_the_keyboard_alone(
    web: BrowserPage, stack: LocalStackProcess
) -> None:
    page = web.page
    load_form(page, stack)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # type: ignore[index]  # shown when focused
    page.keyboard.press("Enter")

    # The focus ring is on the control, or on its label when the control itself is drawn by the label.
    focus_ring = """() => {
        const el = document.activeElement;
        const hidden = getComputedStyle(el).opacity === '0';
        return getComputedStyle(hidden ? document.querySelector(`label[for="${el.id}"]`) : el).outlineStyle;
    }"""
    rings: set[str] = set()
    for _ in range(400):
        page.keyboard.press("Tab")
        focused = page.evaluate("({id: document.activeElement.id, type: document.activeElement.type || ''})")
        if focused["id"] == "submit":
            rings.add(page.evaluate(focus_ring))
            page.keyboard.press("Enter")
            break
        if focused["type"] == "radio":
            page.keyboard.press("ArrowRight")  # moves to the next option and chooses it
            rings.add(page.evaluate(focus_ring))
        elif focused["type"] == "number" and focused["id"].startswith("in-"):
            page.keyboard.type("3")
            rings.add(page.evaluate(focus_ring))
    else:
        pytest.fail("never reached the submit button with Tab")

    page.locator("#report-title").wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "report-title"
    assert rings == {"solid"}  # every focused control showed a visible focus ring


def test_no_serious_or_critical_accessibility_violations(browser: Any, stack: LocalStackProcess) -> None:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    axe = Axe()
    problems: list[str] = []

    def scan(page: Any, where: str) -> None:
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"][:3]]
                problems.append(f"{where}: {violation['id']} ({violation['impact']}) at {targets}")

    for width in (1280, 375):
        opened = open_page(browser, width=width)
        page = opened.page
        load_form(page, stack)
        scan(page, f"{width}px form")
        open_activity(page)
        page.click("#add-entry")
        page.locator("#submit").click()
        scan(page, f"{width}px form with errors")
        answer_every_question(page)
        page.click(".remove-entry")
        page.fill("#monthly-message_sent-3", "5")
        submit_and_wait_for_report(page)
        scan(page, f"{width}px first report")
        page.click("#reassess")
        answer_every_question(page, pick=3)
        submit_and_wait_for_report(page)
        scan(page, f"{width}px returning report")
        page.reload()
        page.locator("#returning-title").wait_for(state="visible")
        scan(page, f"{width}px returning visitor")
        page.click("#forget-me")
        scan(page, f"{width}px forget-me dialog")
        opened.page.context.close()

    assert problems == []


def test_it_reads_well_at_375_px(browser: Any, stack: LocalStackProcess, artifacts: Path) -> None:
    opened = open_page(browser, width=375, height=812)
    page = opened.page
    load_form(page, stack)
    open_activity(page)
    page.click("#add-entry")

    assert no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "mobile-375-form.png"), full_page=True)

    answer_every_question(page)
    page.fill("#monthly-message_sent-1", "6")
    page.select_option("#entry-1-type", "certification_earned")
    page.fill("#entry-1-date", (date.today() - timedelta(days=100)).isoformat())
    submit_and_wait_for_report(page)

    assert no_horizontal_scroll(page)
    radar = page.locator("svg[data-chart=radar]").bounding_box()
    assert radar is not None
    assert radar["x"] >= 0
    assert radar["x"] + radar["width"] <= 375
    font_size = page.locator(".question-text, .report-meta").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert font_size >= 14
    page.screenshot(path=str(artifacts / "mobile-375-report.png"), full_page=True)
    assert opened.console_errors == []
    opened.page.context.close()


def test_the_api_and_the_page_agree_on_the_saved_history(
    web: BrowserPage, stack: LocalStackProcess, http: Http
) -> None:
    page = web.page
    load_form(page, stack)
    answer_every_question(page)
    submit_and_wait_for_report(page)
    identity = json.loads(page.evaluate("localStorage.getItem('readiness.identity')"))

    listing = http.get(f"/v1/users/{identity['userId']}/assessments", token=identity["token"])

    assert listing.status == 200
    [item] = listing.json["items"]
    assert str(item["score"]) == page.locator("#overall-score").inner_text()


def test_a_failed_send_is_retried_with_the_same_idempotency_key(
    web: BrowserPage, stack: LocalStackProcess
) -> None:
    page = web.page
    load_form(page, stack)
    answer_every_question(page)
    keys: list[str] = []

    def unreachable_at_first(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) <= 3:  # the first send and the page's two automatic retries
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/v1/assessments", unreachable_at_first)
    page.locator("#submit").click()
    page.locator("#retry-submit").wait_for(state="visible")
    assert "not sent" in page.locator("#error-summary").inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"

    submit_and_wait_for_report(page)  # the unchanged form, sent again: the same attempt

    assert len(keys) == 4
    assert len(set(keys)) == 1


def test_a_saved_key_the_server_no_longer_knows_is_forgotten(
    web: BrowserPage, stack: LocalStackProcess
) -> None:
    page = web.page
    load_form(page, stack)
    stale = {"userId": "u_0000000000000000000000000", "token": "stale-token", "since": "2026-01-01T00:00:00Z"}
    page.evaluate("identity => localStorage.setItem('readiness.identity', JSON.stringify(identity))", stale)

    load_form(page, stack)

    notice = page.locator("#returning .notice")
    notice.wait_for(state="visible")
    assert "no longer recognised" in notice.inner_text()
    assert page.evaluate("localStorage.getItem('readiness.identity')") is None
    answer_every_question(page)
    with page.expect_request(lambda r: r.url.endswith("/v1/assessments") and r.method == "POST") as captured:
        submit_and_wait_for_report(page)
    assert "authorization" not in captured.value.headers


def test_a_reload_keeps_the_unsent_answers(web: BrowserPage, stack: LocalStackProcess) -> None:
    page = web.page
    load_form(page, stack)
    answer_every_question(page, pick=1, count="7")
    open_activity(page)
    page.fill("#monthly-skill_learned-2", "3")
    page.click("#add-entry")
    page.select_option("#entry-1-type", "project_started")
    page.wait_for_timeout(500)  # the draft is saved a moment after the last change

    load_form(page, stack)

    first = page.locator("fieldset.question").first
    assert first.locator("input").nth(1).is_checked()
    assert page.locator(".question.count input").first.input_value() == "7"
    assert page.locator("#activity-details").evaluate("details => details.open")
    assert page.locator("#monthly-skill_learned-2").input_value() == "3"
    assert page.locator("#entry-1-type").input_value() == "project_started"


SPREAD_CHECK = """async () => {
    const activity = await import('/activity.js');
    const problems = [];
    const iso = (t) => new Date(t).toISOString();
    const clocks = [  // mid-month, 30 seconds into a month, the last second of a year
        new Date(2026, 5, 17, 15, 4), new Date(2026, 2, 1, 0, 0, 30), new Date(2026, 11, 31, 23, 59, 59),
    ];
    for (const now of clocks) {
        const months = activity.lastMonths(now);
        if (months.length !== 12) problems.push(`${months.length} months`);
        if (months[11].start.getMonth() !== now.getMonth()) problems.push('the last month is not this one');
        for (const month of months) {
            const next = new Date(month.start.getFullYear(), month.start.getMonth() + 1, 1).getTime();
            const times = activity.spreadInMonth(10, month.start, now).map((t) => Date.parse(t));
            if (times.length !== 10) problems.push('count');
            for (const t of times) {
                if (t < month.start.getTime() || t >= next) problems.push(`${iso(t)} not in ${month.label}`);
                if (t > now.getTime()) problems.push(`${iso(t)} is after ${iso(now)}`);
            }
            if (month.offset > 0 && new Set(times).size !== 10) problems.push('not spread');
        }
        const pad = (n) => String(n).padStart(2, '0');
        const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
        const typed = Date.parse(activity.dateToOccurredAt(today, now));
        if (typed > now.getTime()) problems.push('a date typed as today is in the future');
    }
    return problems;
}"""


def test_monthly_counts_become_events_within_their_month_and_never_in_the_future(
    web: BrowserPage, stack: LocalStackProcess
) -> None:
    load_form(web.page, stack)

    assert web.page.evaluate(SPREAD_CHECK) == []
