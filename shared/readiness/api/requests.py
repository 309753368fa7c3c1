"""Reading HTTP requests into validated inputs: body, headers, query; every problem names its field."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import BaseModel, ConfigDict, Field

from readiness.access.errors import Forbidden, NotYourUser
from readiness.access.http import principal_of
from readiness.access.principal import PrincipalKind
from readiness.api.errors import InvalidRequest, MalformedBody, UnsupportedMediaType
from readiness.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_query
from readiness.errors import FieldError
from readiness.identity import AuthenticationRequired, Credential, VerifiedUser, is_assessment_id
from readiness.submission import Submission, parse_submission

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
# Long enough that a random key (a UUID, as the web form sends) cannot be guessed.
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{15,254}")


@dataclass(frozen=True, slots=True)
class AssessmentRequest:
    """POST /v1/assessments, validated: who asks, the submission, and the retry key if any."""

    submission: Submission = field(repr=False)
    credential: Credential | None
    idempotency_key: str | None = field(repr=False)
    payload_digest: str  # SHA-256 of the canonical JSON body: "the same payload" for idempotency
    centre_id: str | None = None  # sent with a centre's publishable key: the student joins that centre


class HistoryQuery(BaseModel):
    """GET /v1/users/{user_id}/assessments, validated."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    after: str | None = None


def body_bytes(event: APIGatewayProxyEventV2) -> bytes:
    """The request body; a body must be declared JSON (415 otherwise: a cross-site form or text/plain post
    is never read, and a browser must preflight a JSON request)."""
    raw = event.body or ""
    if raw:
        media_type, _, parameters = (event.headers.get("content-type") or "").partition(";")
        media_type = media_type.strip().lower()
        charset = parameters.strip().lower().removeprefix("charset=").strip('"') if parameters.strip() else ""
        if media_type != "application/json" or charset not in ("", "utf-8"):
            raise UnsupportedMediaType("the body must be JSON, sent as 'Content-Type: application/json'")
    if event.is_base64_encoded:
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedBody("the body is not valid base64") from None
    return raw.encode("utf-8")


def idempotency_key(event: APIGatewayProxyEventV2) -> str | None:
    value = event.headers.get(IDEMPOTENCY_KEY_HEADER.lower())
    if value is None:
        return None
    if _IDEMPOTENCY_KEY.fullmatch(value) is None:
        raise InvalidRequest(
            [
                FieldError(
                    f"headers.{IDEMPOTENCY_KEY_HEADER}",
                    "must be 16 to 255 characters of letters, digits and . _ : - (a random UUID is ideal)",
                )
            ]
        )
    return value


def canonical_digest(document: Any) -> str:
    """SHA-256 of a JSON document written canonically (key order and spacing do not matter)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def assessment_request(event: APIGatewayProxyEventV2, *, now: datetime) -> AssessmentRequest:
    """Who asks (the authorizer said), then the retry key, then the body."""
    principal = principal_of(event.raw_event)
    credential = VerifiedUser(principal.user_id) if principal.user_id else None
    centre_id = principal.centre_id if principal.kind is PrincipalKind.CENTRE_PUBLIC else None
    key = idempotency_key(event)
    # the raw bytes: the domain parses and validates JSON in one pass and enforces the size limit
    submission = parse_submission(body_bytes(event), now=now)
    return AssessmentRequest(
        submission=submission,
        credential=credential,
        idempotency_key=key,
        # "the same payload" is the same submission, however its JSON was spaced or ordered
        payload_digest=canonical_digest(submission.model_dump(mode="json")) if key else "",
        centre_id=centre_id,
    )


def owner_credential(event: APIGatewayProxyEventV2) -> Credential:
    """The calling user, as the authorizer verified them (never read from a header here)."""
    principal = principal_of(event.raw_event)
    if principal.kind is PrincipalKind.USER and principal.user_id:
        return VerifiedUser(principal.user_id)
    if principal.kind is PrincipalKind.ANONYMOUS:
        raise AuthenticationRequired("this route needs 'Authorization: Bearer <user_token>'")
    raise Forbidden("this route is for users")


def acting_for(event: APIGatewayProxyEventV2, user_id: str) -> Credential:
    """Who acts on ``user_id``'s resources: the user themself, or a centre (secret key) they share with.

    A centre acting for anyone who is not its student, or who does not share with it, gets the same
    404 as for a user who does not exist.
    """
    principal = principal_of(event.raw_event)
    if principal.kind is PrincipalKind.CENTRE_SECRET and principal.centre_id:
        from readiness.access.runtime import consent_service

        if not consent_service().allows(user_id, principal.centre_id):
            raise NotYourUser("not a student who shares with this centre")
        return VerifiedUser(user_id)
    return owner_credential(event)


def history_query(event: APIGatewayProxyEventV2, user_id: str) -> HistoryQuery:
    limit, after = page_query(event.query_string_parameters or {}, is_valid=is_assessment_id)
    return HistoryQuery(user_id=user_id, limit=limit, after=after)


def questionnaire_version(event: APIGatewayProxyEventV2) -> str | None:
    """``?version=`` of GET /v1/questionnaire: None for the current one, 422 for an unknown one."""
    from readiness.questionnaire import QUESTIONNAIRES

    version = (event.query_string_parameters or {}).get("version")
    if version is None or version == "":
        return None
    if version not in QUESTIONNAIRES:
        known = ", ".join(sorted(QUESTIONNAIRES))
        raise InvalidRequest([FieldError("version", f"unknown questionnaire version; known: {known}")])
    return version
