"""What a user's next assessment is scored from: the one place that knows where answers and activity live.

The create use case, activity ingestion, imports and the scheduled re-assessment all call
``load_scoring_inputs``; none of them needs to know how the repository keeps answers, the owner's
token hash or stored activity. Today that is one Query over the user's ``USER`` items: the user item
(token hash, latest assessment, its answers) and every activity item (docs/data-model.md).

A user whose assessments were stored before activity had items of its own (the newest assessment
carried the whole log) is moved over the first time their inputs are loaded: the user item is
written and the log becomes an activity item, once. Afterwards nothing reads the old log again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from readiness.activity import ActivityEvent
from readiness.activity_log import decode_log, distinct
from readiness.centres.membership import Membership
from readiness.store.records import AssessmentRepository, StoredAssessment

_LEGACY_LOG = "activity_log"


@dataclass(frozen=True)
class ScoringInputs:
    """A user's stored inputs: the latest answers, when they were given, and the activity history.

    ``history`` holds every stored (pseudonymised) event once; ``latest`` is the newest assessment
    (its body is what ``previous`` is computed from).
    """

    user_id: str
    owner_token_hash: str = field(repr=False)
    questionnaire_version: str
    answers: dict[str, Any] = field(repr=False)
    answered_at: datetime
    history: list[ActivityEvent] = field(repr=False)
    latest: StoredAssessment | None = field(repr=False)
    activity_items: int = 0  # how many activity items hold the history (a user's storage footprint)
    memberships: list[Membership] = field(default_factory=list, repr=False)  # career centres they belong to


def load_scoring_inputs(repository: AssessmentRepository, user_id: str) -> ScoringInputs | None:
    """The user's stored inputs, or None for an unknown user."""
    stored = repository.load_inputs(user_id)
    latest = stored.latest
    history = stored.activity
    items = stored.activity_items
    if latest is None or stored.owner_token_hash is None:
        legacy = repository.latest(user_id)
        if legacy is None:
            return None
        latest, log = _moved_over(legacy)
        repository.migrate(latest, log, now=legacy.summary.created_at)
        history = [*history, *log]
        items += 1 if log else 0
    inputs = latest.inputs
    answered_at = inputs.get("answered_at")
    return ScoringInputs(
        user_id=user_id,
        owner_token_hash=latest.owner_token_hash,
        questionnaire_version=str(inputs.get("questionnaire_version", latest.summary.questionnaire_version)),
        answers=dict(inputs.get("answers", {})),
        answered_at=datetime.fromisoformat(answered_at) if answered_at else latest.summary.created_at,
        history=distinct(history),
        latest=latest,
        activity_items=items,
        memberships=list(stored.memberships),
    )


def _moved_over(legacy: StoredAssessment) -> tuple[StoredAssessment, list[ActivityEvent]]:
    """A pre-issue-5 assessment as the user item keeps it, and its log as events to store."""
    inputs = {name: value for name, value in legacy.inputs.items() if name != _LEGACY_LOG}
    log = distinct(decode_log(legacy.inputs.get(_LEGACY_LOG, [])))
    return StoredAssessment(summary=legacy.summary, body=legacy.body, inputs=inputs), log
