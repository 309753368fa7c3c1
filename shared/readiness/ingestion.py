"""Activity pushed through the API: up to 1,000 events a call, each stored once, every one accounted for.

``POST /v1/users/{user_id}/activities`` takes ``{"activities": [event, ...]}`` in PRODUCT.md's event
model. The batch itself must be well-formed (JSON, an object, a list of at most 1,000); within it,
each event stands on its own: a valid event is accepted (or counted as a duplicate when the same
event, by client ``id`` or by content, is already stored or earlier in the batch); an invalid one is
rejected with a reason per field, and the others are still stored. Accepted events are pseudonymised
like every stored event (readiness.activity_log) and written as one activity item.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from readiness.activity import ActivityEvent
from readiness.activity_log import identity, pseudonymise
from readiness.errors import FieldError, InvalidSubmission
from readiness.identity import Credential, InvalidCredentials
from readiness.inputs import ScoringInputs, load_scoring_inputs
from readiness.json_body import read_json_body
from readiness.owners import UserNotFound, check_owner, require_path_user
from readiness.store.records import AssessmentRepository
from readiness.submission import MAX_BODY_BYTES, activity_date_errors, pydantic_field_errors

MAX_ACTIVITIES_PER_CALL = 1000
_EVENT = TypeAdapter(ActivityEvent)


class ActivityBatch(BaseModel):
    """A batch of activity for one user (the request body)."""

    model_config = ConfigDict(extra="forbid")

    activities: list[ActivityEvent] = Field(
        max_length=MAX_ACTIVITIES_PER_CALL,
        description="at most 1,000 events; occurred_at from 1990-01-01 to 5 minutes after the server's clock",
    )


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str = Field(description="dotted path, e.g. activities.3.occurred_at")
    message: str


class RejectedActivity(BaseModel):
    """One event that was not stored, and why."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=0, description="its position in `activities`")
    errors: list[Problem]


class IngestionResult(BaseModel):
    """What became of a batch: every event is accepted, a duplicate, or rejected."""

    model_config = ConfigDict(frozen=True)

    accepted: int = Field(ge=0, description="events stored now")
    duplicates: int = Field(ge=0, description="events already stored (same id, or same content) or repeated")
    rejected: int = Field(ge=0, description="invalid events; see `rejections`")
    rejections: list[RejectedActivity] = Field(description="one entry per rejected event, in order")
    history_events: int = Field(ge=0, description="events stored for you in all, after this call")


def parse_activity_batch(
    body: bytes | str, *, now: datetime
) -> tuple[list[tuple[int, ActivityEvent]], list[RejectedActivity]]:
    """The valid events (with their index) and the rejected ones; InvalidSubmission for the batch itself."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidSubmission(
            [FieldError("body", f"must be at most {MAX_BODY_BYTES} bytes")], too_large=True
        )
    document = read_json_body(body)
    if not isinstance(document, dict):
        raise InvalidSubmission([FieldError("body", "must be a JSON object")])
    unknown = sorted(set(document) - {"activities"})
    if unknown:
        raise InvalidSubmission([FieldError(name, "is not a known field") for name in unknown])
    raw = document.get("activities")
    if raw is None:
        raise InvalidSubmission([FieldError("activities", "is required")])
    if not isinstance(raw, list):
        raise InvalidSubmission([FieldError("activities", "must be a list of activity events")])
    if len(raw) > MAX_ACTIVITIES_PER_CALL:
        raise InvalidSubmission(
            [FieldError("activities", f"at most {MAX_ACTIVITIES_PER_CALL} activities per call")],
            too_large=True,
        )
    valid: list[tuple[int, ActivityEvent]] = []
    rejected: list[RejectedActivity] = []
    for index, candidate in enumerate(raw):
        prefix = f"activities.{index}"
        try:
            event = _EVENT.validate_python(candidate)
        except ValidationError as exc:
            details = [
                FieldError(f"{prefix}.{d.field}" if d.field != "body" else prefix, d.message)
                for d in pydantic_field_errors(exc)
            ]
        else:
            details = activity_date_errors([event], now=now, prefix="activities")
            details = [FieldError(d.field.replace("activities.0", prefix, 1), d.message) for d in details]
            if not details:
                valid.append((index, event))
                continue
        rejected.append(
            RejectedActivity(index=index, errors=[Problem(field=d.field, message=d.message) for d in details])
        )
    return valid, rejected


class ActivityService:
    """Stores pushed activity for its owner."""

    def __init__(self, repository: AssessmentRepository) -> None:
        self._repository = repository

    def ingest(
        self,
        credential: Credential,
        user_id: str,
        body: bytes | str,
        *,
        now: datetime,
        count_request: Callable[[], None] | None = None,
    ) -> IngestionResult:
        """The owner pushes a batch (their token is checked against what their data is read with).

        ``count_request`` runs once the batch is known to be well-formed, before anything is read or
        written (the caller's request limit: a refused or malformed push writes nothing).
        """
        require_path_user(self._repository, credential, user_id)
        valid, rejected = parse_activity_batch(body, now=now)
        if count_request is not None:
            count_request()
        stored = load_scoring_inputs(self._repository, user_id)
        if stored is None:
            raise InvalidCredentials("unknown user")
        check_owner(credential, stored.owner_token_hash)
        return self._store(user_id, stored, valid, rejected, now=now)

    def ingest_authorized(self, user_id: str, body: bytes | str, *, now: datetime) -> IngestionResult:
        """A batch from a caller already authorized for this user (not the owner: a career centre with the
        student's consent, say); an unknown user is a 404."""
        valid, rejected = parse_activity_batch(body, now=now)
        stored = load_scoring_inputs(self._repository, user_id)
        if stored is None:
            raise UserNotFound("no such user")
        return self._store(user_id, stored, valid, rejected, now=now)

    def _store(
        self,
        user_id: str,
        stored: ScoringInputs,
        valid: list[tuple[int, ActivityEvent]],
        rejected: list[RejectedActivity],
        *,
        now: datetime,
    ) -> IngestionResult:
        known = {identity(event) for event in stored.history}
        accepted = []
        for event in pseudonymise((event for _, event in valid), user_id):
            key = identity(event)
            if key not in known:
                known.add(key)
                accepted.append(event)
        if accepted:
            self._repository.add_activity(user_id, accepted, source="api", now=now)
        return IngestionResult(
            accepted=len(accepted),
            duplicates=len(valid) - len(accepted),
            rejected=len(rejected),
            rejections=rejected,
            history_events=len(stored.history) + len(accepted),
        )
