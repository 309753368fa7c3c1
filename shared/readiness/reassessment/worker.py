"""The worker's use case: re-score one due user as of now, store it once per due period, tell the bus.

Exactly once per user and due period, whatever the queue delivers:

- the assessment's id is derived from the user and the period (identity.derived_assessment_id) and
  stored with a conditional PutItem, so a duplicated message, a retry after a crash or a second
  dispatch can never store a second one;
- the schedule is advanced with an UpdateItem conditional on the period it came from, so it moves
  on exactly once, and a message for a period that is over (or for a schedule rescheduled or
  deleted meanwhile) changes nothing.

The ReadinessChanged event is put on the bus after the assessment is stored and before the
schedule moves on: if publishing fails, the message is retried and the retry, finding the
assessment already stored and the period still open, publishes it from the stored assessment.
Events are therefore delivered at least once; ``assessment_id`` identifies one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from readiness.assessments import Assessment, PreviousAssessment, stored_assessment
from readiness.cadence import CHANGE_THRESHOLD, ReadinessChange, next_due, readiness_change_of
from readiness.identity import derived_assessment_id
from readiness.inputs import ScoringInputs, load_scoring_inputs
from readiness.reassessment.messages import ReassessmentMessage
from readiness.reassessment.ports import ReadinessEvents
from readiness.result import AssessmentResult, ScoreChange
from readiness.store import AssessmentAlreadyExists, AssessmentRepository, StoredAssessment
from readiness.store.schedules import ScheduleRepository
from readiness.submission import Submission

OutcomeKind = Literal[
    "reassessed",  # a scheduled assessment was stored for the period
    "already_done",  # an earlier delivery finished this period (or it was rescheduled or opted out)
    "recently_assessed",  # the user submitted after the period fell due: that assessment counts
    "nothing_to_score",  # no stored answers: the period passes without an assessment
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
        schedules: ScheduleRepository,
        events: ReadinessEvents,
        *,
        threshold: int = CHANGE_THRESHOLD,
    ) -> None:
        self._assessments = assessments
        self._schedules = schedules
        self._events = events
        self._threshold = threshold

    def reassess(self, message: ReassessmentMessage, *, now: datetime) -> ReassessmentOutcome:
        """Re-assess the message's user for its due period (idempotent: see the module's docstring)."""
        assessment_id = scheduled_assessment_id(message)
        inputs = load_scoring_inputs(self._assessments, message.user_id)
        if inputs is None:
            return self._close(message, now, "nothing_to_score")
        latest = inputs.latest
        if latest is not None and latest.assessment_id == assessment_id:
            return self._resume(message, latest, now)  # an earlier delivery stored it and stopped
        if latest is not None and latest.summary.created_at >= message.due_at:
            return self._close(message, now, "recently_assessed")

        assessment = self._rescore(inputs, assessment_id, now)
        try:
            self._assessments.add(stored_assessment(assessment, inputs.owner_token_hash, _carried(inputs)))
        except AssessmentAlreadyExists:  # a concurrent delivery of the same message got there first
            stored = self._assessments.get(message.user_id, assessment_id)
            if stored is None:
                raise
            return self._resume(message, stored, now)
        change = self._change(message.user_id, assessment.assessment_id, assessment.previous)
        if change is not None:
            self._events.publish(change)
        self._advance(message, now, assessment_id)
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

    def _resume(
        self, message: ReassessmentMessage, stored: StoredAssessment, now: datetime
    ) -> ReassessmentOutcome:
        """The period's assessment is stored: finish what an earlier delivery may have left undone."""
        schedule = self._schedules.get(message.user_id)
        if (
            schedule is None
            or schedule.due_period != message.due_period
            or schedule.cadence_days != message.cadence_days
        ):
            return ReassessmentOutcome("already_done", stored.assessment_id)
        previous = stored.body.get("previous")
        change = None
        if previous is not None:
            change = self._change(
                message.user_id, stored.assessment_id, PreviousAssessment.model_validate(previous)
            )
        if change is not None:
            self._events.publish(change)
        self._advance(message, now, stored.assessment_id)
        return ReassessmentOutcome("reassessed", stored.assessment_id, change)

    def _close(self, message: ReassessmentMessage, now: datetime, kind: OutcomeKind) -> ReassessmentOutcome:
        """The period passes without a scheduled assessment."""
        if not self._advance(message, now, None):
            return ReassessmentOutcome("already_done")
        return ReassessmentOutcome(kind)

    def _advance(self, message: ReassessmentMessage, now: datetime, assessment_id: str | None) -> bool:
        return self._schedules.advance(
            message.user_id,
            period=message.due_period,
            cadence_days=message.cadence_days,
            next_due_at=next_due(message.due_at, message.cadence_days, now),
            assessment_id=assessment_id,
            now=now,
        )

    def _change(
        self, user_id: str, assessment_id: str, previous: PreviousAssessment | None
    ) -> ReadinessChange | None:
        if previous is None:
            return None
        changes: ScoreChange = previous.changes
        return readiness_change_of(user_id, assessment_id, changes, self._threshold)


def _carried(inputs: ScoringInputs) -> dict[str, Any]:
    """What the scheduled assessment was scored on, stored like a submission's (nothing new was sent).

    The latest assessment's inputs are carried over as they are (whatever else they hold), with the
    time the answers were given, so the next load reads the same answers, of the same age.
    """
    answered_at = inputs.answered_at.isoformat()
    if inputs.latest is not None:
        return {**inputs.latest.inputs, "answered_at": answered_at, "activities_submitted": 0}
    from readiness.activity_log import encode_log

    return {
        "questionnaire_version": inputs.questionnaire_version,
        "answers": inputs.answers,
        "answered_at": answered_at,
        "activities_submitted": 0,
        "activity_log": encode_log(inputs.history),
    }
