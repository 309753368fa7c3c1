"""Every way a submission can be wrong: the status, each offending field named, and nothing written."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from readiness.submission import MAX_ACTIVITIES, MAX_BODY_BYTES

from tests.builders import answers
from tests.integration.conftest import NOW, ApiClient, activity, submission


def _without(key: str) -> dict[str, Any]:
    values = answers("middle")
    del values[key]
    return values


CASES: list[tuple[str, Any, int, str, list[str]]] = [
    ("malformed JSON", '{"questionnaire_version": "1", "answers": {', 400, "malformed_json", ["body"]),
    ("empty body", "", 400, "malformed_json", ["body"]),
    ("not UTF-8", b"\xff\xfe{}", 400, "malformed_json", ["body"]),
    ("a JSON array", "[1, 2, 3]", 422, "invalid_submission", ["body"]),
    ("answers missing", {"questionnaire_version": "1"}, 422, "invalid_submission", ["answers"]),
    (
        "an unknown field",
        submission(comment="hello"),
        422,
        "invalid_submission",
        ["comment"],
    ),
    (
        "an unknown questionnaire version",
        submission(questionnaire_version="99"),
        422,
        "invalid_submission",
        ["questionnaire_version"],
    ),
    (
        "an unknown question id",
        submission(answers={**answers("middle"), "reach_99": 3}),
        422,
        "invalid_submission",
        ["answers.reach_99"],
    ),
    (
        "missing required answers",
        submission(answers=_without("reach_1") | {"market_1": None}),
        422,
        "invalid_submission",
        ["answers.market_1", "answers.reach_1"],
    ),
    (
        "out-of-range values",
        submission(answers={**answers("middle"), "reach_1": 6, "reach_count": -1, "continuity_1": "daily"}),
        422,
        "invalid_submission",
        ["answers.continuity_1", "answers.reach_1", "answers.reach_count"],
    ),
    (
        "an unknown activity type",
        submission(activities=[activity("message_sent", 3), {"type": "poke", "occurred_at": "2026-01-01"}]),
        422,
        "invalid_submission",
        ["activities.1.type"],
    ),
    (
        "an event in the future",
        submission(
            activities=[{"type": "message_sent", "occurred_at": (NOW + timedelta(hours=1)).isoformat()}]
        ),
        422,
        "invalid_submission",
        ["activities.0.occurred_at"],
    ),
    (
        "an event before 1990",
        submission(activities=[{"type": "message_sent", "occurred_at": "1989-12-31"}]),
        422,
        "invalid_submission",
        ["activities.0.occurred_at"],
    ),
    (
        "an unknown counterpart role",
        submission(activities=[activity("message_sent", 3, "c1", "boss")]),
        422,
        "invalid_submission",
        ["activities.0.counterpart_role"],
    ),
    (
        "more than 5,000 activities",
        submission(activities=[activity("reaction_made", 1)] * (MAX_ACTIVITIES + 1)),
        413,
        "payload_too_large",
        ["activities"],
    ),
    (
        "a body over 1 MB",
        json.dumps(submission(padding="x" * MAX_BODY_BYTES)),
        413,
        "payload_too_large",
        ["body"],
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "code", "fields"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_bad_submission_is_rejected_with_every_field_named_and_writes_nothing(
    api: ApiClient, item_counts: Any, body: Any, status: int, code: str, fields: list[str]
) -> None:
    before = item_counts()

    response = api.post("/v1/assessments", body=body, headers={"Idempotency-Key": "retry-key-0000000001"})

    assert response.status == status
    assert response.error["code"] == code
    assert sorted(response.fields) == sorted(fields)
    assert all(detail["message"] for detail in response.error["details"])
    assert response.error["message"]
    assert item_counts() == before == {"ReadinessTable": 0, "IdempotencyTable": 0}


def test_an_event_just_within_the_clock_skew_is_accepted(api: ApiClient) -> None:
    soon = (NOW + timedelta(minutes=4)).isoformat()

    response = api.post(
        "/v1/assessments", body=submission(activities=[{"type": "message_sent", "occurred_at": soon}])
    )

    assert response.status == 201
    assert response.body["evidence"]["activities_ignored"] == 1  # dated after as_of: not counted yet


def test_exactly_5000_activities_are_accepted(api: ApiClient) -> None:
    events = [
        activity("message_sent", 1 + index % 700, f"c{index % 400}", id=f"e{index}")
        for index in range(MAX_ACTIVITIES)
    ]

    response = api.post("/v1/assessments", body=submission(activities=events))

    assert response.status == 201
    assert response.body["evidence"]["activities_counted"] == MAX_ACTIVITIES


@pytest.mark.parametrize("key", ["short", "has space in it!!!!", "x" * 256, "ключ-ключ-ключ-ключ"])
def test_a_malformed_idempotency_key_is_422(api: ApiClient, item_counts: Any, key: str) -> None:
    response = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": key})

    assert response.status == 422
    assert response.fields == ["headers.Idempotency-Key"]
    assert item_counts() == {"ReadinessTable": 0, "IdempotencyTable": 0}
