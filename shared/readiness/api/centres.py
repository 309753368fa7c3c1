"""Career centres in API v1: consent and roster documents, the consent body, roster queries and cursors."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from readiness.api.errors import InvalidRequest
from readiness.api.pagination import decode_after, encode_cursor, page_query
from readiness.centres.membership import Membership, StudentEntry
from readiness.centres.model import CENTRE_ID_PATTERN
from readiness.errors import FieldError, InvalidSubmission
from readiness.identity import USER_ID_PATTERN, is_user_id
from readiness.json_body import read_json_body
from readiness.result import Band, Confidence

MAX_CONSENT_BODY = 4096


class ConsentChoice(BaseModel):
    """PUT /v1/users/{user_id}/consents/{centre_id}: whether the centre may see your individual results."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    share_results: StrictBool = Field(
        description="true: the centre may see your latest score, band and date; false (the default): it "
        "sees you only inside aggregates of at least its k-anonymity threshold"
    )


class Consent(BaseModel):
    """A student's consent for one centre."""

    model_config = ConfigDict(frozen=True)

    centre_id: str = Field(pattern=f"^{CENTRE_ID_PATTERN}$")
    share_results: bool
    joined_at: datetime = Field(description="when you first took the assessment through this centre")
    updated_at: datetime | None = Field(description="when you last changed your choice; null: never (so no)")

    @classmethod
    def of(cls, membership: Membership) -> Consent:
        return cls(
            centre_id=membership.centre_id,
            share_results=membership.consent,
            joined_at=membership.joined_at,
            updated_at=membership.consent_updated_at,
        )


class Student(BaseModel):
    """A consenting student's latest result (no answers, no activity)."""

    model_config = ConfigDict(frozen=True)

    user_id: str = Field(pattern=f"^{USER_ID_PATTERN}$")
    assessment_id: str
    assessed_at: datetime
    score: int = Field(ge=0, le=100)
    band: Band
    confidence: Confidence
    consented_at: datetime

    @classmethod
    def of(cls, entry: StudentEntry) -> Student:
        return cls(
            user_id=entry.user_id,
            assessment_id=entry.assessment_id,
            assessed_at=entry.assessed_at,
            score=entry.score,
            band=Band(entry.band),
            confidence=Confidence(entry.confidence),
            consented_at=entry.consented_at,
        )


class StudentList(BaseModel):
    """A page of the centre's students who share their results, by user id."""

    model_config = ConfigDict(frozen=True)

    items: list[Student]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


def parse_consent_choice(body: bytes) -> ConsentChoice:
    if len(body) > MAX_CONSENT_BODY:
        raise InvalidRequest([FieldError("body", f"must be at most {MAX_CONSENT_BODY} bytes")])
    try:
        document = read_json_body(body) if body.strip() else None
    except InvalidSubmission as exc:
        if exc.malformed:
            raise
        raise InvalidRequest(exc.details) from None
    if not isinstance(document, dict):
        raise InvalidRequest([FieldError("body", 'must be a JSON object: {"share_results": true|false}')])
    try:
        return ConsentChoice.model_validate(document)
    except ValidationError as exc:
        details = []
        for error in exc.errors(include_url=False):
            name = ".".join(str(part) for part in error["loc"]) or "body"
            message = (
                "is not allowed"
                if error["type"] == "extra_forbidden"
                else ("is required" if error["type"] == "missing" else "must be true or false")
            )
            details.append(FieldError(name, message))
        raise InvalidRequest(details) from None


def encode_student_cursor(after_user_id: str) -> str:
    return encode_cursor(after_user_id)


def decode_student_cursor(cursor: str) -> str:
    """The user id a roster page starts after (it positions a page inside the calling centre's roster)."""
    return decode_after(cursor, is_valid=is_user_id)


def student_query(params: dict[str, str]) -> tuple[int, str | None]:
    """``limit`` (1-100, default 20) and ``cursor`` of GET /v1/centres/me/students; all problems at once."""
    return page_query(params, is_valid=is_user_id)
