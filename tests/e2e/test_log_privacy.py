"""Logs of a whole journey carry no answer, token, key, name, e-mail or message text.

tests/integration/test_logs.py proves it for one function in process; this runs the product: its own
local stack (functions at DEBUG) driven over HTTP through every kind of request with distinctive
canary values (a new user's answers and counterparts, an activity push, a LinkedIn export full of
names, e-mails and messages, a returning user, a schedule, a career centre made with the CLI and its
two keys, consent, the centre's summary and roster, refused requests quoting canaries, a scheduled
re-assessment through the stack's reassess trigger). Then everything the stack and every function
worker wrote (their stdout and stderr, the Powertools JSON lines among them) is searched for each canary.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import REPO, Http, LocalStackProcess, centre_command
from tests.fixtures_linkedin import ExportOptions, build_export
from tools.local_dynamodb import dynamodb_client
from tools.sam_template import load_template

pytestmark = pytest.mark.e2e

ORIGIN = (
    "http://localhost:8765"  # the centre's registered origin (no page is served there: the key is checked)
)
LIMITS = ("UserSubmissionsPerHour", "UserSubmissionsPerDay", "SourceSubmissionsPerHour", "UserImportsPerDay")

# Answers no log line has a reason to contain: unusual counts, and choices that are words.
CANARY_ANSWERS: dict[str, Any] = {
    **{
        f"{d}_{i}": 4
        for d in ("reach", "continuity", "generosity", "growth", "visibility")
        for i in (1, 2, 3)
    },
    **{f"lifelines_{i}": 2 for i in (1, 2, 3, 4)},
    "market_2": 5,
    "reach_count": 917,
    "continuity_count": 433,
    "generosity_count": 389,
    "market_count": 173,
    "growth_count": 87,
    "lifelines_count": 41,
    "visibility_count": 163,
    "continuity_1": "few_times_year",
    "market_1": "within_3_months",
    "market_3": True,
    "growth_3": False,
    "context_status": "between_jobs",
    "context_horizon": "within_6_months",
}
PEOPLE = [
    "Ottoline Vexcanary <ottoline.vexcanary@canary.example>",
    "bartholomew.quincanary@canary.example",
    "Zebedee Marrowcanary",
]
EVENT_IDS = ["crm-canary-diary-7731", "crm-canary-diary-7732"]
SECRET_QUESTION = "ottoline-canary-secret-question"
# unknown top-level fields: one shaped like a field name, one an e-mail address (whose part before
# the first dot once reached the logs as the rejected field's "name")
SECRET_FIELD = "zebedee_marrowcanary_at_canary_example"
SECRET_EMAIL_FIELD = "zebmarrowcanary.x@canary.example"


@pytest.fixture
def journey_stack(tmp_path: Any) -> Iterator[LocalStackProcess]:
    template = load_template(REPO / "template.yaml")
    args = ["--log-level", "DEBUG", "--no-reassess"]
    for name in LIMITS:
        if name in template.parameters:
            args += ["--parameter", f"{name}=10000"]
    running = LocalStackProcess(data_dir=tmp_path / "data", log_path=tmp_path / "stack.log", extra_args=args)
    running.start(fresh=True)
    yield running
    running.stop()


def _events(count: int, *, counterparts: list[str], ids: list[str] | None = None) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    kinds = ["help_given", "recruiter_conversation", "introduction_made", "message_sent"]
    events = []
    for i in range(count):
        event: dict[str, Any] = {
            "type": kinds[i % len(kinds)],
            "occurred_at": (now - timedelta(days=5 + 17 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "counterpart": counterparts[i % len(counterparts)],
            "counterpart_role": "recruiter" if i % 4 == 1 else "peer",
        }
        if ids and i < len(ids):
            event["id"] = ids[i]
        events.append(event)
    return events


def _created(response: Any) -> dict[str, Any]:
    assert response.status == 201, response.raw[:500]
    body: dict[str, Any] = response.json
    return body


def _form(fields: dict[str, str], data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="export.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n".encode()
        + data
        + b"\r\n--"
        + boundary.encode()
        + b"--\r\n"
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _import(http: Http, user_id: str, token: str, data: bytes) -> dict[str, Any]:
    started = _created(http.post(f"/v1/users/{user_id}/imports", token=token))
    body, content_type = _form(started["upload"]["fields"], data)
    path = urlsplit(started["upload"]["url"]).path
    posted = http.request("POST", path, raw=body, headers={"Content-Type": content_type}, timeout=60)
    assert posted.status == 204, posted.raw
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status: dict[str, Any] = http.get(
            f"/v1/users/{user_id}/imports/{started['import_id']}", token=token
        ).json
        if status["status"] not in ("awaiting_upload", "importing"):
            return status
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def _make_due_now(stack: LocalStackProcess, user_id: str) -> None:
    """Move the running stack's schedule of ``user_id`` to fall due just now (a real one waits a week)."""
    from readiness.cadence import due_period
    from readiness.store.schedule_table import due_sort_key

    due = datetime.now(UTC) - timedelta(milliseconds=200)
    endpoint = (stack.data_dir / "dynamodb-endpoint").read_text().strip()
    dynamodb_client(endpoint).update_item(
        TableName="ReadinessTable",
        Key={"PK": {"S": f"USER#{user_id}"}, "SK": {"S": "SCHEDULE"}},
        UpdateExpression="SET next_due_at = :due, due_period = :period, DUE_SK = :key",
        ExpressionAttributeValues={
            ":due": {"S": due.isoformat()},
            ":period": {"S": due_period(due)},
            ":key": {"S": due_sort_key(due, user_id)},
        },
    )


def _scheduled_assessment(http: Http, user_id: str, token: str, count: int) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        items = http.get(f"/v1/users/{user_id}/assessments", token=token).json["items"]
        if len(items) == count:
            newest: dict[str, Any] = http.get(
                f"/v1/assessments/{items[0]['assessment_id']}", token=token
            ).json
            assert newest["trigger"] == "scheduled"
            return newest
        time.sleep(0.2)
    raise AssertionError("no scheduled re-assessment")


def test_a_whole_journey_logs_no_answer_token_key_name_email_or_message(
    journey_stack: LocalStackProcess,
) -> None:
    http = journey_stack.http
    version = http.get("/v1/questionnaire").json["version"]

    # a new user: answers and counterparts
    first = _created(
        http.post(
            "/v1/assessments",
            {
                "questionnaire_version": version,
                "answers": CANARY_ANSWERS,
                "activities": _events(6, counterparts=PEOPLE),
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    )
    user_id, token = first["user_id"], first["user_token"]

    # an activity push: names and e-mails as counterpart ids, diary-like event ids
    pushed = http.post(
        f"/v1/users/{user_id}/activities",
        {"activities": _events(4, counterparts=PEOPLE, ids=EVENT_IDS)},
        token=token,
    )
    assert pushed.status == 200, pushed.raw

    # a LinkedIn export full of people, e-mails and message text
    export = build_export(ExportOptions(variant="complete"))
    imported = _import(http, user_id, token, export.data)
    assert imported["status"] == "completed", imported

    # the returning user, their history, a schedule
    second = _created(
        http.post(
            "/v1/assessments",
            {"questionnaire_version": version, "answers": CANARY_ANSWERS},
            token=token,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    )
    assert http.get(f"/v1/assessments/{second['assessment_id']}", token=token).status == 200
    assert http.get(f"/v1/users/{user_id}/assessments?limit=1", token=token).status == 200
    scheduled = http.request("PUT", f"/v1/users/{user_id}/schedule", body={"cadence_days": 7}, token=token)
    assert scheduled.status == 201, scheduled.raw

    # a career centre, made with the CLI; a student joins with its publishable key and shares
    centre = centre_command(
        journey_stack,
        "create",
        "--name",
        "Canary Careers",
        "--origin",
        ORIGIN,
        "--k-threshold",
        "2",
        "--json",
    )
    publishable, secret = centre["publishable_key"], centre["secret_key"]
    student = _created(
        http.post(
            "/v1/assessments",
            {"questionnaire_version": version, "answers": CANARY_ANSWERS},
            headers={"X-Readiness-Key": publishable, "Origin": ORIGIN},
        )
    )
    consent = http.request(
        "PUT",
        f"/v1/users/{student['user_id']}/consents/{centre['centre_id']}",
        body={"share_results": True},
        token=student["user_token"],
    )
    assert consent.status == 200, consent.raw
    assert http.get("/v1/centres/me/summary", token=secret).status == 200
    roster = http.get("/v1/centres/me/students", token=secret)
    assert roster.status == 200
    assert roster.json["items"], roster.raw
    on_behalf = http.post(
        f"/v1/users/{student['user_id']}/activities",
        {"activities": _events(2, counterparts=PEOPLE)},
        token=secret,
    )
    assert on_behalf.status == 200, on_behalf.raw

    # refused requests that quote canaries
    forged = f"rdy1.{user_id}.{'Q' * 43}"
    refusals = [
        http.post(
            "/v1/assessments", {"questionnaire_version": version, "answers": CANARY_ANSWERS}, token=forged
        ),
        http.get("/v1/centres/me/summary", token=secret[:-4] + "QQQQ"),
        http.post(
            "/v1/assessments",
            {"questionnaire_version": version, "answers": {**CANARY_ANSWERS, SECRET_QUESTION: 3}},
            token=token,
        ),
        http.post(
            "/v1/assessments",
            {"questionnaire_version": version, "answers": CANARY_ANSWERS, SECRET_FIELD: PEOPLE[0]},
            token=token,
        ),
        http.request(
            "PUT",
            f"/v1/users/{user_id}/schedule",
            body={"cadence_days": 7, SECRET_EMAIL_FIELD: 1},
            token=token,
        ),
        http.request(
            "POST",
            "/v1/assessments",
            raw=f'{{"answers": {{"reach_1": "{PEOPLE[0]}"'.encode(),
            token=token,
            headers={"Content-Type": "application/json"},
        ),
        http.request(
            "POST",
            f"/v1/users/{user_id}/activities",
            raw=f'{{"activities": [], "{SECRET_FIELD}": 1, "{SECRET_FIELD}": 2}}'.encode(),
            token=token,
            headers={"Content-Type": "application/json"},
        ),
        http.post(f"/v1/users/{student['user_id']}/activities", {"activities": []}, token=token),
    ]
    assert all(400 <= r.status < 500 for r in refusals), [(r.status, r.raw[:200]) for r in refusals]

    # a scheduled re-assessment, dispatched by the running stack's reassess trigger
    _make_due_now(journey_stack, user_id)
    trigger = subprocess.run(
        [sys.executable, "-m", "tools.local_stack", "reassess", "--data-dir", str(journey_stack.data_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert trigger.returncode == 0, trigger.stdout + trigger.stderr
    reassessed = _scheduled_assessment(http, user_id, token, count=3)
    assert reassessed["previous"]["assessment_id"] == second["assessment_id"]
    deadline = time.monotonic() + 10  # the worker logs just after its write
    while '"message":"user re-assessed"' not in journey_stack.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert journey_stack.stop() == 0  # every worker has exited: all they wrote is in the log

    logged = journey_stack.log() + trigger.stdout + trigger.stderr
    # the capture holds the functions' Powertools JSON logs, from the API, the import and the worker
    for expected in (
        '"message":"assessment created"',
        '"message":"import run"',
        '"message":"user re-assessed"',
    ):
        assert expected in logged, expected
    assert '"level":"DEBUG"' in logged or '"level":"INFO"' in logged

    canaries = {
        "user token": token,
        "student token": student["user_token"],
        "forged token's secret": forged.rsplit(".", 1)[1],
        "publishable key": publishable,
        "secret key": secret,
        "secret key's secret": secret.rsplit("_", 1)[1],
        "forged secret key's secret": (secret[:-4] + "QQQQ").rsplit("_", 1)[1],
        "secret question id": SECRET_QUESTION,
        "unknown field": SECRET_FIELD,
        "unknown field, e-mail": SECRET_EMAIL_FIELD,
        "unknown field, e-mail's first part": SECRET_EMAIL_FIELD.split(".", 1)[0],
        **{f"person {i}": person for i, person in enumerate(PEOPLE)},
        **{f"event id {i}": event_id for i, event_id in enumerate(EVENT_IDS)},
        **{f"export: {value}": value for value in export.secrets},
    }
    canaries |= {f"token part {i}": part for i, part in enumerate(token.split(".")[2:])}
    leaks = {name: value for name, value in canaries.items() if value in logged}
    for name, value in CANARY_ANSWERS.items():
        text = value if isinstance(value, str) else None
        if text and text in logged:
            leaks[f"answer {name}"] = text
        distinctive = isinstance(value, int) and not isinstance(value, bool) and value > 10
        if distinctive and re.search(rf"{re.escape(name)}\W{{1,6}}{value}\b", logged):
            leaks[f"answer {name}"] = str(value)
    assert not leaks, {name: _context(logged, value) for name, value in leaks.items()}


def _context(text: str, value: str) -> str:
    index = text.find(value)
    return text[max(0, index - 200) : index + len(value) + 200] if index >= 0 else value
