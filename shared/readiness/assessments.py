"""Assessments as the service keeps them: create (score and store), read one, page through a history.

The HTTP layer calls these use cases; they depend on a repository interface, never on boto3.
Authentication happens here, against what is stored: a user is whoever holds the token whose
hash their assessments carry, and another user's assessment is indistinguishable from none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from readiness.activity import ActivityEvent
from readiness.activity_log import distinct, identity, pseudonymise, unseen_history
from readiness.centres.membership import Membership, MembershipChanged
from readiness.centres.service import CentreLedger, counted_assessment
from readiness.errors import NotFound, ReadinessError
from readiness.identity import (
    Credential,
    InvalidCredentials,
    is_assessment_id,
    issue_user_token,
    new_assessment_id,
)
from readiness.inputs import load_scoring_inputs
from readiness.owners import authenticate, check_owner
from readiness.result import AssessmentResult, ScoreChange
from readiness.store import (
    AssessmentPage,
    AssessmentRepository,
    AssessmentSummary,
    StoreError,
    StoreUnavailable,
)
from readiness.store.errors import AlreadySubmitted, LatestChanged
from readiness.store.records import StoredAssessment, SubmissionReceipt
from readiness.submission import Submission

Trigger = Literal["submitted", "scheduled"]
WRITE_ATTEMPTS = 3  # a submission re-scored this often when other assessments of the user keep landing first


class AssessmentNotFound(NotFound):
    """No such assessment or user, or not the caller's (the two are deliberately indistinguishable)."""


class PreviousAssessment(BaseModel):
    """The assessment before this one, and what moved the score since."""

    model_config = ConfigDict(frozen=True)

    assessment_id: str
    score: int = Field(ge=0, le=100)
    delta: int = Field(ge=-100, le=100, description="this score minus the previous one")
    changes: ScoreChange = Field(description="what moved the score, per dimension and signal")


class Assessment(AssessmentResult):
    """An assessment as the API serves it: the model's result with its id, owner and time."""

    assessment_id: str = Field(description="opaque id; ids sort by creation time")
    user_id: str
    created_at: datetime = Field(description="when the service stored it (UTC)")
    previous: PreviousAssessment | None = Field(
        default=None, description="the user's previous assessment, if any"
    )
    trigger: Trigger = Field(
        default="submitted",
        description="`submitted`: the user sent a submission; `scheduled`: re-scored on the user's "
        "re-assessment schedule from their stored answers and activity (as_of the time it ran)",
    )


@dataclass(frozen=True, slots=True)
class CreatedAssessment:
    assessment: Assessment
    user_token: str | None  # only for a new user; shown once


class SubmissionKeyReused(ReadinessError):
    """An earlier run stored another submission under the same retry key (409)."""


@dataclass(frozen=True, slots=True)
class RetryKey:
    """What makes a keyed submission (``Idempotency-Key``) store its assessment once, however often it runs.

    Powertools answers a retry from the idempotency record once the first run completed. A run that
    stored its assessment and then died before completing the record is run again; that run finds
    the receipt the first one stored with the assessment and answers with the stored assessment.
    """

    receipt_id: str  # names the receipt: derived from the caller and the key, never the key itself
    payload_digest: str
    lifetime: timedelta  # as long as the idempotency record
    seal: Callable[[str], str] = field(repr=False)  # a new user's token, for the receipt
    unseal: Callable[[str], str] = field(repr=False)


class AssessmentService:
    """The assessment use cases over a repository."""

    def __init__(self, repository: AssessmentRepository, ledger: CentreLedger | None = None) -> None:
        self._repository = repository
        self._ledger = ledger or CentreLedger()

    def create(
        self,
        submission: Submission,
        *,
        credential: Credential | None,
        now: datetime,
        joining: str | None = None,
        idempotency_record: str | None = None,
        retry_key: RetryKey | None = None,
    ) -> CreatedAssessment:
        """Score a validated submission as of ``now`` and store it; a returning user gets ``previous``.

        ``joining``: the career centre whose publishable key came with the submission; the student
        joins it. Every centre the student belongs to counts the new assessment, in the same write.
        ``retry_key``: the submission is keyed; a run after one that stored it answers with that one.
        When another assessment of the user is stored while this one is scored, it is scored again
        from the new inputs (its ``previous`` is that one), up to WRITE_ATTEMPTS times, then a 503.
        """
        for _ in range(WRITE_ATTEMPTS):
            try:
                return self._create_once(
                    submission,
                    credential=credential,
                    now=now,
                    joining=joining,
                    idempotency_record=idempotency_record,
                    retry_key=retry_key,
                )
            except LatestChanged:
                continue
            except AlreadySubmitted as stored:
                return self._stored_before(stored.receipt, retry_key)
        raise StoreUnavailable("other assessments of this user kept being stored first; retry")

    def _create_once(
        self,
        submission: Submission,
        *,
        credential: Credential | None,
        now: datetime,
        joining: str | None,
        idempotency_record: str | None,
        retry_key: RetryKey | None,
    ) -> CreatedAssessment:
        from readiness.compare import what_moved
        from readiness.scoring import score_assessment

        latest: StoredAssessment | None = None
        stored_history: list[ActivityEvent] = []
        memberships: list[Membership] = []
        user_token: str | None = None
        if credential is None:
            issued = issue_user_token()
            user_id, token_hash, user_token = issued.user_id, issued.token_hash, issued.token
        else:
            stored = load_scoring_inputs(self._repository, credential.user_id)
            if stored is None:
                raise InvalidCredentials("unknown user")
            check_owner(credential, stored.owner_token_hash)
            user_id, token_hash = credential.user_id, stored.owner_token_hash
            latest, stored_history, memberships = stored.latest, stored.history, stored.memberships

        new_events = tuple(distinct(pseudonymise(submission.activities, user_id)))
        # A repeat counts once, as sent now; only events never stored before are stored (once).
        history = unseen_history(stored_history, new_events) if stored_history else []
        stored_identities = {identity(event) for event in stored_history}
        unstored = [event for event in new_events if identity(event) not in stored_identities]
        result = score_assessment(
            submission.model_copy(update={"activities": new_events}), as_of=now, history=history
        )

        previous = None
        if latest is not None:
            before = AssessmentResult.model_validate(latest.body)
            previous = PreviousAssessment(
                assessment_id=latest.assessment_id,
                score=before.score,
                delta=result.score - before.score,
                changes=what_moved(before, result),
            )
        inputs = {
            "questionnaire_version": submission.questionnaire_version,
            "answers": submission.answers,
            "answered_at": (submission.answered_at or now).isoformat(),
            "activities_submitted": len(new_events),
        }
        assessment = Assessment.model_validate(
            {
                **result.model_dump(),
                "assessment_id": new_assessment_id(now),
                "user_id": user_id,
                "created_at": now,
                "previous": previous,
            }
        )
        counted = counted_assessment(assessment.assessment_id, now, assessment)
        centre_writes = self._ledger.plan(user_id, counted, memberships=memberships, joining=joining, now=now)
        receipt = None
        if retry_key is not None:
            receipt = SubmissionReceipt(
                receipt_id=retry_key.receipt_id,
                user_id=user_id,
                assessment_id=assessment.assessment_id,
                payload_digest=retry_key.payload_digest,
                expires_at=now + retry_key.lifetime,
                sealed_token=retry_key.seal(user_token) if user_token is not None else None,
            )
        try:
            self._repository.add(
                _stored(assessment, token_hash, inputs, idempotency_record),
                replacing=latest.assessment_id if latest is not None else None,
                activity=unstored,
                centre_writes=centre_writes or None,
                receipt=receipt,
            )
        except MembershipChanged:
            # another assessment of this student was counted first: nothing was written, retry
            raise StoreUnavailable("a concurrent assessment of the same user; retry") from None
        return CreatedAssessment(assessment=assessment, user_token=user_token)

    def _stored_before(self, receipt: SubmissionReceipt, retry_key: RetryKey | None) -> CreatedAssessment:
        """An earlier run of this keyed submission stored it: the same answer again, nothing stored."""
        if retry_key is None:
            raise StoreError("a receipt was found for a submission without a retry key")
        if receipt.payload_digest != retry_key.payload_digest:
            raise SubmissionKeyReused("this retry key was used for another submission")
        stored = self._repository.get(receipt.user_id, receipt.assessment_id)
        if stored is None:  # the receipt is written with the assessment, in one transaction
            raise StoreError("a submission receipt names an assessment that is not stored")
        token = retry_key.unseal(receipt.sealed_token) if receipt.sealed_token is not None else None
        return CreatedAssessment(
            assessment=Assessment.model_validate({"trigger": "submitted", **stored.body}), user_token=token
        )

    def get(self, credential: Credential, assessment_id: str) -> dict[str, Any]:
        """The caller's assessment as served (a JSON object)."""
        stored = (
            self._repository.get(credential.user_id, assessment_id)
            if is_assessment_id(assessment_id)
            else None
        )
        if stored is None:
            self._authenticate(credential)
            raise AssessmentNotFound("no such assessment")
        check_owner(credential, stored.owner_token_hash)
        return {"trigger": "submitted", **stored.body}  # stored before triggers existed: submitted

    def history(
        self, credential: Credential, user_id: str, *, limit: int, after: str | None
    ) -> AssessmentPage:
        """A page of the caller's assessments, newest first."""
        if user_id != credential.user_id:
            self._authenticate(credential)
            raise AssessmentNotFound("no such user")
        page = self._repository.page(user_id, limit=limit, after=after)
        if page.items:
            check_owner(credential, page.items[0].owner_token_hash)
        else:
            self._authenticate(credential)
        return page

    def _authenticate(self, credential: Credential) -> None:
        authenticate(self._repository, credential)


def stored_assessment(assessment: Assessment, token_hash: str, inputs: dict[str, Any]) -> StoredAssessment:
    """The record the repository stores for an assessment (scheduled re-assessments store theirs too)."""
    return _stored(assessment, token_hash, inputs)


def _stored(
    assessment: Assessment, token_hash: str, inputs: dict[str, Any], idempotency_record: str | None = None
) -> StoredAssessment:
    summary = AssessmentSummary(
        assessment_id=assessment.assessment_id,
        user_id=assessment.user_id,
        created_at=assessment.created_at,
        as_of=assessment.as_of,
        score=assessment.score,
        band=assessment.band.value,
        confidence=assessment.confidence.value,
        model_version=assessment.model_version,
        questionnaire_version=assessment.questionnaire_version,
        owner_token_hash=token_hash,
    )
    return StoredAssessment(
        summary=summary,
        body=assessment.model_dump(mode="json"),
        inputs=inputs,
        idempotency_record=idempotency_record,
    )
