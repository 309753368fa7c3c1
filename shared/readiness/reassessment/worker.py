"""The worker's use case: re-score one due user as of now, store it once per due period, tell the bus.

The dispatcher has already moved the user's schedule on to its next period (the conditional write
keyed by the period it came from), so the worker writes only the assessment: its id is derived from
the user and the period (identity.derived_assessment_id) and it is stored with a write conditional
on that id being new. A duplicated message, a retry after a crash, a redrive from the dead-letter
queue: none can store a second assessment for the period.

A ReadinessChanged event is put on the bus once the assessment is stored. If that fails, the
message fails and comes back (``delivery`` 2 and up): finding its assessment stored, the retry
publishes the event from it. A copy of a message delivered for the first time that finds the
assessment stored (another delivery of the same message did it) does not publish again. Events
are still delivered at least once (EventBridge itself is at-least-once): ``assessment_id``
identifies one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from readiness.assessments import Assessment, PreviousAssessment, stored_assessment
from readiness.cadence import CHANGE_THRESHOLD, ReadinessChange, readiness_change_of
from readiness.centres.service import CentreLedger, counted_assessment
from readiness.identity import derived_assessment_id
from readiness.inputs import ScoringInputs, load_scoring_inputs
from readiness.reassessment.messages import ReassessmentMessage
from readiness.reassessment.ports import ReadinessEvents
from readiness.result import AssessmentResult, ScoreChange
from readiness.store import AssessmentAlreadyExists, AssessmentRepository, StoredAssessment
from readiness.submission import Submission

OutcomeKind = Literal[
    "reassessed",  # a scheduled assessment was stored for the period
    "already_done",  # another delivery stored it (this one may have published its event)
    "recently_assessed",  # the user submitted after the period fell due: that assessment counts
    "nothing_to_score",  # an unknown user, or no stored answers
]


@dataclass(frozen=True, slots=True)
class ReassessmentOutcome:
    kind: OutcomeKind
    assessment_id: str | None = None
    change: ReadinessChange | None = None


def scheduled_assessment_id(message: ReassessmentMessage) -> str:
    """The one id a period's scheduled assessment can have (sorting by the time it fell due)."""
    return derived_assessment_id(message.due_at, f"scheduled/{message.user_id}/{message.due_period}")


class ReassessmentService:
    def __init__(
        self,
        assessments: AssessmentRepository,
        events: ReadinessEvents,
        *,
        threshold: int = CHANGE_THRESHOLD,
        ledger: CentreLedger | None = None,
    ) -> None:
        self._assessments = assessments
        self._events = events
        self._threshold = threshold
        self._ledger = ledger or CentreLedger()

    def reassess(
        self, message: ReassessmentMessage, *, now: datetime, delivery: int = 1
    ) -> ReassessmentOutcome:
        """Re-assess the message's user for its due period (idempotent: see the module's docstring).

        ``delivery`` is how often the queue has delivered this message (ApproximateReceiveCount).
        """
        assessment_id = scheduled_assessment_id(message)
        inputs = load_scoring_inputs(self._assessments, message.user_id)
        if inputs is None:
            return ReassessmentOutcome("nothing_to_score")
        latest = inputs.latest
        if latest is not None and latest.assessment_id == assessment_id:
            return self._stored_before(message, latest, delivery)
        if latest is not None and latest.summary.created_at >= message.due_at:
            # Submitted after the period fell due: that assessment counts for it. Unless an earlier
            # delivery of this message stored the period's one first and failed to publish.
            earlier = self._assessments.get(message.user_id, assessment_id) if delivery > 1 else None
            if earlier is not None:
                return self._stored_before(message, earlier, delivery)
            return ReassessmentOutcome("recently_assessed")

        assessment = self._rescore(inputs, assessment_id, now)
        # the student's career centres count it, in the same transaction. A race with a submission of
        # the same user (LatestChanged, MembershipChanged: StoreUnavailable) fails the message; its
        # retry finds the submission, which counts for the period (recently_assessed)
        counted = counted_assessment(assessment.assessment_id, assessment.created_at, assessment)
        centre_writes = self._ledger.plan(
            message.user_id, counted, memberships=inputs.memberships, joining=None, now=now
        )
        try:
            self._assessments.add(
                stored_assessment(assessment, inputs.owner_token_hash, _carried(inputs)),
                replacing=latest.assessment_id if latest is not None else None,
                centre_writes=centre_writes or None,
            )
        except AssessmentAlreadyExists:  # a copy of this message, delivered at the same time, got there first
            stored = self._assessments.get(message.user_id, assessment_id)
            if stored is None:
                raise
            return self._stored_before(message, stored, delivery)
        change = self._change(message.user_id, assessment.assessment_id, assessment.previous)
        if change is not None:
            self._events.publish(change)
        return ReassessmentOutcome("reassessed", assessment_id, change)

    def _rescore(self, inputs: ScoringInputs, assessment_id: str, now: datetime) -> Assessment:
        from readiness.compare import what_moved
        from readiness.scoring import score_assessment

        # The answers keep the time they were given: self-reported counts fade with their age.
        submission = Submission(
            questionnaire_version=inputs.questionnaire_version,
            answers=inputs.answers,
            answered_at=inputs.answered_at,
        )
        result = score_assessment(submission, as_of=now, history=inputs.history)
        previous = None
        if inputs.latest is not None:
            before = AssessmentResult.model_validate(inputs.latest.body)
            previous = PreviousAssessment(
                assessment_id=inputs.latest.assessment_id,
                score=before.score,
                delta=result.score - before.score,
                changes=what_moved(before, result),
            )
        return Assessment.model_validate(
            {
                **result.model_dump(),
                "assessment_id": assessment_id,
                "user_id": inputs.user_id,
                "created_at": now,
                "previous": previous,
                "trigger": "scheduled",
            }
        )

    def _stored_before(
        self, message: ReassessmentMessage, stored: StoredAssessment, delivery: int
    ) -> ReassessmentOutcome:
        """The period's assessment is stored already; a retry of this message owes its event."""
        if delivery <= 1:
            return ReassessmentOutcome("already_done", stored.assessment_id)
        previous = stored.body.get("previous")
        change = None
        if previous is not None:
            change = self._change(
                message.user_id, stored.assessment_id, PreviousAssessment.model_validate(previous)
            )
        if change is not None:
            self._events.publish(change)
        return ReassessmentOutcome("reassessed", stored.assessment_id, change)

    def _change(
        self, user_id: str, assessment_id: str, previous: PreviousAssessment | None
    ) -> ReadinessChange | None:
        if previous is None:
            return None
        changes: ScoreChange = previous.changes
        return readiness_change_of(user_id, assessment_id, changes, self._threshold)


def _carried(inputs: ScoringInputs) -> dict[str, Any]:
    """What the scheduled assessment was scored on, stored like a submission's (nothing new was sent).

    The latest assessment's inputs carry over as they are (whatever else they hold), with the time
    the answers were given, so that the next load reads the same answers, of the same age.
    """
    carried = dict(inputs.latest.inputs) if inputs.latest is not None else {}
    carried.update(
        questionnaire_version=inputs.questionnaire_version,
        answers=inputs.answers,
        answered_at=inputs.answered_at.isoformat(),
        activities_submitted=0,
    )
    return carried
