"""A submission (questionnaire answers plus activity): parsing and validation with every field named."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from readiness.activity import ActivityEvent
from readiness.errors import FieldError, InvalidSubmission
from readiness.json_body import read_json_body
from readiness.questionnaire import QUESTIONNAIRES, Answers, get_questionnaire, validate_answers

MAX_ACTIVITIES = 5000
MAX_BODY_BYTES = 1024 * 1024
EARLIEST_ACTIVITY = datetime(1990, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)


class _SubmissionShape(BaseModel):
    """The JSON shape; answers are checked against the questionnaire afterwards."""

    model_config = ConfigDict(extra="forbid")

    questionnaire_version: str = Field(min_length=1, max_length=32)
    answers: dict[str, Any]
    activities: list[ActivityEvent] = Field(default_factory=list, max_length=MAX_ACTIVITIES)


class Submission(BaseModel):
    """A validated submission: what the model scores."""

    model_config = ConfigDict(frozen=True)

    questionnaire_version: str
    answers: Answers
    activities: tuple[ActivityEvent, ...] = ()
    # when the answers were given; None means as of the scoring time (a re-assessment passes the original)
    answered_at: datetime | None = None


def parse_submission(body: str | bytes | dict[str, Any], *, now: datetime) -> Submission:
    """Validate a submission body (JSON text, or an already decoded object) as of the server's clock `now`.

    Raises InvalidSubmission with one FieldError per problem; `too_large` is set for the size limits.
    """
    try:
        if isinstance(body, str | bytes):
            if len(body) > MAX_BODY_BYTES:
                raise InvalidSubmission(
                    [FieldError("body", f"must be at most {MAX_BODY_BYTES} bytes")], too_large=True
                )
            read_json_body(body)  # one meaning only: no repeated names, lone surrogates, control characters
            shape = _SubmissionShape.model_validate_json(body)  # parses and validates in one pass
        else:
            shape = _SubmissionShape.model_validate(body)
    except ValidationError as exc:
        raise _rejection(exc, body) from None

    if shape.questionnaire_version not in QUESTIONNAIRES:
        known = ", ".join(sorted(QUESTIONNAIRES))
        raise InvalidSubmission([FieldError("questionnaire_version", f"unknown version; known: {known}")])
    answers, errors = validate_answers(get_questionnaire(shape.questionnaire_version), shape.answers)
    errors += activity_date_errors(shape.activities, now=now)
    if errors:
        raise InvalidSubmission(errors)
    return Submission(
        questionnaire_version=shape.questionnaire_version, answers=answers, activities=tuple(shape.activities)
    )


def _rejection(exc: ValidationError, body: object) -> InvalidSubmission:
    errors = exc.errors(include_url=False, include_context=False)
    if any(e["type"] == "json_invalid" for e in errors):
        reason = next(e["msg"] for e in errors if e["type"] == "json_invalid").removeprefix("Invalid JSON: ")
        return InvalidSubmission([FieldError("body", f"is not valid JSON ({reason})")], malformed=True)
    if any(e["type"] == "too_long" and tuple(e["loc"]) == ("activities",) for e in errors):
        return InvalidSubmission(
            [FieldError("activities", f"at most {MAX_ACTIVITIES} activities per submission")], too_large=True
        )
    details = pydantic_field_errors(exc)
    # the answers are checked as well, so that one round trip names every problem
    decoded = _decoded(body)
    if isinstance(decoded.get("answers"), dict):
        details += _answer_errors(decoded.get("questionnaire_version"), decoded["answers"])
    return InvalidSubmission(details)


def _decoded(body: object) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    if not isinstance(body, str | bytes):
        return {}
    try:
        decoded = json.loads(body)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def activity_date_errors(
    activities: list[ActivityEvent], *, now: datetime, prefix: str = "activities"
) -> list[FieldError]:
    """Events dated before 1990 or more than five minutes after the server's clock."""
    latest = now + CLOCK_SKEW
    errors = []
    for index, event in enumerate(activities):
        moment = event.occurred_at  # validation made it timezone-aware, so it compares as an instant
        if moment < EARLIEST_ACTIVITY:
            errors.append(FieldError(f"{prefix}.{index}.occurred_at", "must be on or after 1990-01-01"))
        elif moment > latest:
            errors.append(FieldError(f"{prefix}.{index}.occurred_at", "must not be in the future"))
    return errors


def _answer_errors(version: Any, answers: dict[str, Any]) -> list[FieldError]:
    if not isinstance(version, str) or version not in QUESTIONNAIRES:
        return []
    return validate_answers(get_questionnaire(version), answers)[1]


def pydantic_field_errors(exc: ValidationError) -> list[FieldError]:
    """pydantic's errors as FieldErrors with dotted paths (`activities.3.type`)."""
    details = []
    for error in exc.errors(include_url=False, include_context=False):
        path = ".".join(str(part) for part in error["loc"])
        message = error["msg"]
        if error["type"] == "model_type" and not error["loc"]:
            message = "must be a JSON object"
        elif error["type"] == "extra_forbidden":
            message = "is not a known field"
        elif error["type"] == "missing":
            message = "is required"
        elif error["type"] == "enum":
            message = message.replace("Input should be", "must be")
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        details.append(FieldError(path or "body", message))
    return details


_ACTIVITY_LIST = TypeAdapter(list[ActivityEvent])


def parse_activities(
    body: str | bytes, *, now: datetime, limit: int, prefix: str = "activities"
) -> list[ActivityEvent]:
    """Validate a JSON array of activity events (stored history, ingestion batches) with the same rules."""
    try:
        activities = _ACTIVITY_LIST.validate_json(body)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise InvalidSubmission([FieldError("body", "is not valid JSON")], malformed=True) from None
        details = [
            FieldError(f"{prefix}.{d.field}" if d.field != "body" else prefix, d.message)
            for d in pydantic_field_errors(exc)
        ]
        raise InvalidSubmission(details) from None
    if len(activities) > limit:
        raise InvalidSubmission([FieldError(prefix, f"at most {limit} activities per call")], too_large=True)
    errors = activity_date_errors(activities, now=now, prefix=prefix)
    if errors:
        raise InvalidSubmission(errors)
    return activities
