"""Scheduled re-assessment on the local stack: the timer, `make reassess` against a running stack, and
`make reassess` on its own, each re-assessing a user who is due (made due by moving their schedule's
due time into the past in the saved data: a real schedule falls due a week after it is set)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, Http, LocalStackProcess, submission
from tools.local_dynamodb import LocalDynamoDB, dynamodb_client
from tools.sam_template import load_template

pytestmark = pytest.mark.e2e


def _new_scheduled_user(http: Http, questionnaire: dict[str, Any]) -> tuple[str, str]:
    created = http.post("/v1/assessments", submission(questionnaire)).json
    user_id, token = created["user_id"], created["user_token"]
    response = http.request(
        "PUT",
        f"/v1/users/{user_id}/schedule",
        body={"cadence_days": 7},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status == 201, response.raw
    return user_id, token


def _make_due(data_dir: Path, user_id: str) -> None:
    """Move the user's due time to just now, in the saved data (the stack must be stopped). Just now: after
    the user's last assessment, or the worker would rightly count that one for the period."""
    from readiness.cadence import due_period
    from readiness.store.schedule_table import due_sort_key

    dynamodb = LocalDynamoDB(load_template(REPO / "template.yaml"), data_dir=data_dir)
    endpoint = dynamodb.start_server()
    try:
        dynamodb.create_tables()
        due = datetime.now(UTC) - timedelta(milliseconds=200)
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
    finally:
        dynamodb.stop()


def _history(http: Http, user_id: str, token: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = http.get(
        f"/v1/users/{user_id}/assessments", headers={"Authorization": f"Bearer {token}"}
    ).json["items"]
    return items


def _scheduled(http: Http, user_id: str, token: str, *, within: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        history = _history(http, user_id, token)
        if len(history) == 2:
            newest = http.get(
                f"/v1/assessments/{history[0]['assessment_id']}", headers={"Authorization": f"Bearer {token}"}
            ).json
            assert newest["trigger"] == "scheduled"
            assert newest["previous"]["assessment_id"] == history[1]["assessment_id"]
            return newest
        time.sleep(0.3)
    raise AssertionError(f"no scheduled assessment within {within} s")


def _reassess(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.local_stack", "reassess", "--data-dir", str(data_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_timer_and_make_reassess_reassess_a_due_user_once(
    own_stack: LocalStackProcess, questionnaire: dict[str, Any]
) -> None:
    # the timer (every second here, every minute by default)
    own_stack.extra_args = ["--reassess-every", "1"]
    own_stack.start(fresh=True)
    user_id, token = _new_scheduled_user(own_stack.http, questionnaire)
    own_stack.stop()
    _make_due(own_stack.data_dir, user_id)
    own_stack.start()
    scheduled = _scheduled(own_stack.http, user_id, token)
    schedule = own_stack.http.get(
        f"/v1/users/{user_id}/schedule", headers={"Authorization": f"Bearer {token}"}
    ).json
    assert datetime.fromisoformat(schedule["last_due_at"]) < datetime.fromisoformat(scheduled["created_at"])
    assert datetime.fromisoformat(schedule["next_due_at"]) > datetime.now(UTC) + timedelta(days=6)
    time.sleep(2.5)  # more ticks of the timer: nothing more to do
    assert len(_history(own_stack.http, user_id, token)) == 2
    assert "re-assess  1 due, 1 queued" in own_stack.log()

    # `make reassess` while the stack runs: the stack dispatches and reports on its console
    asked = _reassess(own_stack.data_dir)
    assert asked.returncode == 0, asked.stderr
    assert f"pid {own_stack.process.pid if own_stack.process else ''}" in asked.stdout
    deadline = time.monotonic() + 10
    while "re-assess  0 due, 0 queued" not in own_stack.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "re-assess  0 due, 0 queued" in own_stack.log()
    own_stack.stop()

    # `make reassess` with no stack running: one dispatch here, on the saved data
    _make_due(own_stack.data_dir, user_id)
    ran = _reassess(own_stack.data_dir)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "reassess: 1 due, 1 queued, 1 re-assessed, 0 failed" in ran.stdout
    own_stack.extra_args = ["--no-reassess"]
    own_stack.start()
    assert len(_history(own_stack.http, user_id, token)) == 3
