"""Response documents of API v1 that are not the domain's own (history pages, the error envelope)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from readiness.assessments import Assessment
from readiness.result import Band, Confidence


class AssessmentListItem(BaseModel):
    """One assessment in a user's history."""

    model_config = ConfigDict(frozen=True)

    assessment_id: str
    created_at: datetime
    as_of: datetime
    score: int = Field(ge=0, le=100)
    band: Band
    confidence: Confidence
    model_version: str
    questionnaire_version: str


class AssessmentList(BaseModel):
    """A page of a user's assessments, newest first."""

    model_config = ConfigDict(frozen=True)

    items: list[AssessmentListItem]
    next_cursor: str | None = Field(
        description="pass as `cursor` to get the next page; null on the last page"
    )


class ErrorDetail(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str = Field(
        description="dotted path of the offending field, e.g. answers.reach_1 or activities.3.type"
    )
    message: str


class ErrorBody(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(description="stable, machine-readable error code")
    message: str = Field(description="what went wrong, for people")
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorEnvelope(BaseModel):
    """Every 4xx and 5xx response has this body."""

    model_config = ConfigDict(frozen=True)

    error: ErrorBody


class NewAssessment(Assessment):
    """The 201 answer to POST /v1/assessments."""

    user_token: str | None = Field(
        default=None,
        description="only when the submission created a new user: send it as `Authorization: Bearer "
        "<user_token>` from now on. It is shown once and stored only as a hash; a retry with the same "
        "Idempotency-Key shows it again.",
    )
