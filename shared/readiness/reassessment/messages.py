"""The message a dispatcher sends per due user and the worker reads: ids and times only, no personal data."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from readiness.cadence import MAX_CADENCE_DAYS, MIN_CADENCE_DAYS, due_period
from readiness.errors import ReadinessError
from readiness.identity import USER_ID_PATTERN
from readiness.store.schedules import DueSchedule

# SendMessageBatch takes at most 10 messages.
SQS_BATCH = 10


class InvalidMessage(ReadinessError):
    """A queue message that is not a re-assessment request (it can never succeed: it ends in the DLQ)."""


class ReassessmentMessage(BaseModel):
    """Re-assess ``user_id`` for the period that fell due at ``due_at`` (on a ``cadence_days`` schedule)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = 1
    user_id: str = Field(pattern=f"^{USER_ID_PATTERN}$")
    due_at: AwareDatetime
    cadence_days: int = Field(ge=MIN_CADENCE_DAYS, le=MAX_CADENCE_DAYS)

    @property
    def due_period(self) -> str:
        return due_period(self.due_at)

    @classmethod
    def of(cls, entry: DueSchedule) -> ReassessmentMessage:
        return cls(user_id=entry.user_id, due_at=entry.next_due_at, cadence_days=entry.cadence_days)

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, body: str) -> ReassessmentMessage:
        try:
            return cls.model_validate_json(body)
        except ValidationError as exc:
            problems = ", ".join(sorted({".".join(map(str, e["loc"])) or "body" for e in exc.errors()}))
            raise InvalidMessage(f"not a re-assessment message ({problems})") from None
