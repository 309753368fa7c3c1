"""What a user's next assessment is scored from: the one place that knows where answers and activity live.

The create use case and the scheduled re-assessment both call ``load_scoring_inputs``; neither needs
to know how the repository keeps answers, the owner's token hash or stored activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from readiness.activity import ActivityEvent
from readiness.activity_log import decode_log
from readiness.store.records import AssessmentRepository, StoredAssessment


@dataclass(frozen=True)
class ScoringInputs:
    """A user's stored inputs: the latest answers, when they were given, and the activity history.

    ``history`` holds stored (pseudonymised) events, oldest first; ``latest`` is the newest
    assessment (None when the user has stored activity but no assessment yet).
    """

    user_id: str
    owner_token_hash: str = field(repr=False)
    questionnaire_version: str
    answers: dict[str, Any] = field(repr=False)
    answered_at: datetime
    history: list[ActivityEvent] = field(repr=False)
    latest: StoredAssessment | None = field(repr=False)


def load_scoring_inputs(repository: AssessmentRepository, user_id: str) -> ScoringInputs | None:
    """The user's stored inputs, or None for an unknown user (or one without answers yet)."""
    latest = repository.latest(user_id)
    if latest is None:
        return None
    inputs = latest.inputs
    answered_at = inputs.get("answered_at")
    return ScoringInputs(
        user_id=user_id,
        owner_token_hash=latest.owner_token_hash,
        questionnaire_version=str(inputs.get("questionnaire_version", latest.summary.questionnaire_version)),
        answers=dict(inputs.get("answers", {})),
        answered_at=datetime.fromisoformat(answered_at) if answered_at else latest.summary.created_at,
        history=decode_log(inputs.get("activity_log", [])),
        latest=latest,
    )
