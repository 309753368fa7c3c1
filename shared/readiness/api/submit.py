"""POST /v1/assessments as one call: score and store once per retry key, hand the token back once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from readiness.api.errors import IdempotencyKeyReused
from readiness.api.idempotency import (
    ANONYMOUS_CALLER,
    IdempotentCall,
    StoredResponse,
    receipt_id,
    run_once,
    seal,
    unseal,
)
from readiness.api.requests import AssessmentRequest
from readiness.api.runtime import assessment_service
from readiness.assessments import RetryKey, SubmissionKeyReused
from readiness.settings import get_settings


@dataclass(frozen=True, slots=True)
class SubmittedAssessment:
    body: dict[str, Any]  # the assessment, with user_token for a new user
    replayed: bool  # a retry answered from the idempotency record

    @property
    def assessment_id(self) -> str:
        return str(self.body["assessment_id"])


def submit_assessment(
    request: AssessmentRequest, *, now: datetime, lambda_context: Any
) -> SubmittedAssessment:
    service = assessment_service()

    if request.idempotency_key is None:
        created = service.create(
            request.submission, credential=request.credential, now=now, joining=request.centre_id
        )
        body = created.assessment.model_dump(mode="json")
        if created.user_token is not None:
            body["user_token"] = created.user_token
        return SubmittedAssessment(body=body, replayed=False)

    call = IdempotentCall(
        key=request.idempotency_key,
        # keys are scoped to the caller: the user (or a first visitor) and the centre it came through
        caller=f"{request.credential.user_id if request.credential else ANONYMOUS_CALLER}"
        f"@{request.centre_id or '-'}",
        payload_digest=request.payload_digest,
    )

    # a run after one that stored the assessment but died before the record said so answers with it
    retry_key = RetryKey(
        receipt_id=receipt_id(call),
        payload_digest=request.payload_digest,
        lifetime=timedelta(seconds=get_settings().idempotency_expiry_seconds),
        seal=partial(seal, call=call),
        unseal=partial(unseal, call=call),
    )

    def produce() -> StoredResponse:
        try:
            created = service.create(
                request.submission,
                credential=request.credential,
                now=now,
                joining=request.centre_id,
                idempotency_record=call.record_id,
                retry_key=retry_key,
            )
        except SubmissionKeyReused:  # an expired run's record was replaced; its receipt still holds
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request body; use a new key"
            ) from None
        sealed = seal(created.user_token, call) if created.user_token is not None else None
        return {"body": created.assessment.model_dump(mode="json"), "sealed_token": sealed}

    outcome = run_once(call, produce, lambda_context)
    body = dict(outcome.response["body"])
    if outcome.response.get("sealed_token"):
        body["user_token"] = unseal(outcome.response["sealed_token"], call)
    return SubmittedAssessment(body=body, replayed=outcome.replayed)
