"""The schedule routes' request and response documents, and the service they call.

PUT /v1/users/{user_id}/schedule takes ``{"cadence_days": 7..180}``; GET answers the schedule with its
next due time; DELETE opts out. A body problem names its field, as everywhere in the API.
"""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from readiness.api.errors import InvalidRequest, MalformedBody
from readiness.api.requests import body_bytes
from readiness.cadence import MAX_CADENCE_DAYS, MIN_CADENCE_DAYS, ScheduleRequest
from readiness.errors import FieldError, InvalidSubmission
from readiness.json_body import read_json_body
from readiness.schedules import ScheduleService
from readiness.store.schedules import Schedule

MAX_SCHEDULE_BODY_BYTES = 1024
_CADENCE_MESSAGE = f"must be a whole number of days from {MIN_CADENCE_DAYS} to {MAX_CADENCE_DAYS}"


class ScheduleDocument(BaseModel):
    """A user's re-assessment schedule."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    cadence_days: int = Field(
        ge=MIN_CADENCE_DAYS, le=MAX_CADENCE_DAYS, description="days between re-assessments"
    )
    next_due_at: datetime = Field(
        description="when the next scheduled re-assessment falls due (UTC); it runs within a few minutes"
    )
    created_at: datetime
    updated_at: datetime
    last_due_at: datetime | None = Field(
        default=None,
        description="when the previous period fell due: its scheduled re-assessment ran then (it is in "
        "your history with trigger `scheduled`, unless you had just submitted one yourself)",
    )

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleDocument:
        return cls(
            user_id=schedule.user_id,
            cadence_days=schedule.cadence_days,
            next_due_at=schedule.next_due_at,
            created_at=schedule.created_at,
            updated_at=schedule.updated_at,
            last_due_at=schedule.last_due_at,
        )


def schedule_request(event: APIGatewayProxyEventV2) -> ScheduleRequest:
    """The body of PUT /v1/users/{user_id}/schedule, validated; each problem names its field."""
    raw = body_bytes(event)
    if len(raw) > MAX_SCHEDULE_BODY_BYTES:
        raise InvalidSubmission(
            [FieldError("body", f"must be at most {MAX_SCHEDULE_BODY_BYTES} bytes")], too_large=True
        )
    try:
        read_json_body(raw)  # one meaning only: {"cadence_days": 7, "cadence_days": 180} is refused
    except InvalidSubmission as exc:
        if exc.malformed:
            raise MalformedBody("the body is not valid JSON") from None
        raise InvalidRequest(exc.details) from None
    try:
        return ScheduleRequest.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        if any(error["type"] == "json_invalid" for error in errors):
            raise MalformedBody("the body is not valid JSON") from None
        details = []
        for error in errors:
            location = ".".join(str(part) for part in error["loc"]) or "body"
            if error["type"] == "missing":
                message = "is required"
            elif error["type"] == "extra_forbidden":
                message = "is not a field of a schedule (only cadence_days)"
            elif error["type"] == "model_type":
                message = 'must be a JSON object such as {"cadence_days": 30}'
            else:
                message = _CADENCE_MESSAGE
            details.append(FieldError(location, message))
        raise InvalidRequest(details) from None


def schedule_service() -> ScheduleService:
    """The service over the process's DynamoDB client (made per request: no I/O, nothing to cache)."""
    from readiness.api.runtime import dynamodb_client
    from readiness.settings import get_settings
    from readiness.store.dynamodb import DynamoDBAssessmentRepository
    from readiness.store.schedule_table import DynamoDBScheduleRepository

    client, table = dynamodb_client(), get_settings().require_table()
    return ScheduleService(
        DynamoDBScheduleRepository(client, table), DynamoDBAssessmentRepository(client, table)
    )
