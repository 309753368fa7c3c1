"""Submission parsing: every problem named with its dotted field, limits enforced, nothing half-accepted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from readiness.errors import InvalidSubmission
from readiness.submission import MAX_ACTIVITIES, MAX_BODY_BYTES, parse_activities, parse_submission

from tests.builders import answers

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def body(**fields: Any) -> bytes:
    document: dict[str, Any] = {"questionnaire_version": "1", "answers": answers("middle"), "activities": []}
    document.update(fields)
    return json.dumps(document).encode()


def rejection(raw: bytes | str | dict[str, Any]) -> InvalidSubmission:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(raw, now=NOW)
    return caught.value


def test_a_valid_submission_parses_with_dates_read_as_utc() -> None:
    parsed = parse_submission(
        body(
            activities=[
                {"type": "help_given", "occurred_at": "2026-03-14"},
                {"type": "message_sent", "occurred_at": "2026-03-14T09:30:00", "counterpart": "c1"},
                {
                    "type": "message_sent",
                    "occurred_at": "2026-03-14T09:30:00+02:00",
                    "counterpart_role": "recruiter",
                    "id": "client-7",
                },
            ]
        ),
        now=NOW,
    )
    first, second, third = parsed.activities
    assert first.occurred_at == datetime(2026, 3, 14, tzinfo=UTC)
    assert second.occurred_at == datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert third.occurred_at == datetime(2026, 3, 14, 7, 30, tzinfo=UTC)
    assert third.id == "client-7"


def test_the_same_body_as_an_object_parses_the_same() -> None:
    raw = body(activities=[{"type": "help_given", "occurred_at": "2026-03-14"}])
    assert parse_submission(json.loads(raw), now=NOW) == parse_submission(raw, now=NOW)


def test_malformed_json_is_marked_malformed() -> None:
    error = rejection(b'{"questionnaire_version": ')
    assert error.malformed
    assert [d.field for d in error.details] == ["body"]


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"3", b"null", [1, 2], None])
def test_a_body_that_is_not_an_object_is_named(raw: Any) -> None:
    error = rejection(raw)
    assert [d.as_dict() for d in error.details] == [{"field": "body", "message": "must be a JSON object"}]
    assert not error.malformed


def test_every_problem_is_named_in_one_round_trip() -> None:
    error = rejection(
        body(
            answers=answers("middle", reach_1=7, bogus=1),
            activities=[
                {"type": "gossip", "occurred_at": "2026-01-01"},
                {"type": "help_given", "occurred_at": 1700000000},
                {"type": "help_given", "occurred_at": "2026-01-01", "note": "x"},
                {"type": "help_given", "occurred_at": "2026-01-01", "counterpart_role": "boss"},
            ],
            extra=True,
        )
    )
    fields = {d.field for d in error.details}
    assert fields >= {
        "activities.0.type",
        "activities.1.occurred_at",
        "activities.2.note",
        "activities.3.counterpart_role",
        "extra",
        "answers.reach_1",
        "answers.bogus",
    }
    message = next(d.message for d in error.details if d.field == "activities.1.occurred_at")
    assert "ISO-8601" in message


@pytest.mark.parametrize(
    ("when", "message"),
    [("1989-12-31", "1990-01-01"), ((NOW + timedelta(minutes=6)).isoformat(), "future")],
)
def test_dates_outside_the_allowed_range_are_rejected(when: str, message: str) -> None:
    error = rejection(
        body(
            activities=[
                {"type": "help_given", "occurred_at": "2026-01-01"},
                {"type": "help_given", "occurred_at": when},
            ]
        )
    )
    assert [d.field for d in error.details] == ["activities.1.occurred_at"]
    assert message in error.details[0].message


def test_five_minutes_of_clock_skew_is_allowed() -> None:
    soon = (NOW + timedelta(minutes=4, seconds=59)).isoformat()
    assert parse_submission(body(activities=[{"type": "help_given", "occurred_at": soon}]), now=NOW)


def test_unknown_questionnaire_version_is_named() -> None:
    error = rejection(body(questionnaire_version="99"))
    assert [d.field for d in error.details] == ["questionnaire_version"]


def test_too_many_activities_is_too_large() -> None:
    events = [{"type": "help_given", "occurred_at": "2026-01-01"}] * (MAX_ACTIVITIES + 1)
    error = rejection(body(activities=events))
    assert error.too_large
    assert [d.field for d in error.details] == ["activities"]
    assert parse_submission(body(activities=events[:MAX_ACTIVITIES]), now=NOW)


def test_a_body_over_one_megabyte_is_too_large() -> None:
    raw = body(padding="x" * MAX_BODY_BYTES)
    error = rejection(raw)
    assert error.too_large
    assert [d.field for d in error.details] == ["body"]


def test_missing_answers_are_required() -> None:
    error = rejection(json.dumps({"questionnaire_version": "1"}).encode())
    assert [d.as_dict() for d in error.details] == [{"field": "answers", "message": "is required"}]


def test_activity_lists_validate_with_the_same_rules_and_their_own_limit() -> None:
    good = json.dumps([{"type": "help_given", "occurred_at": "2026-01-01"}] * 3)
    assert len(parse_activities(good, now=NOW, limit=3)) == 3
    with pytest.raises(InvalidSubmission) as caught:
        parse_activities(good, now=NOW, limit=2)
    assert caught.value.too_large
    with pytest.raises(InvalidSubmission) as caught:
        parse_activities(json.dumps([{"type": "x", "occurred_at": "2026-01-01"}]), now=NOW, limit=5)
    assert [d.field for d in caught.value.details] == ["activities.0.type"]
