"""The records storage deals in and the repository interface the service depends on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class AssessmentSummary:
    """One line of a user's history (what a history page lists)."""

    assessment_id: str
    user_id: str
    created_at: datetime
    as_of: datetime
    score: int
    band: str
    confidence: str
    model_version: str
    questionnaire_version: str
    owner_token_hash: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class StoredAssessment:
    """A whole assessment: the summary, the public body as served, and the inputs it was scored on."""

    summary: AssessmentSummary
    body: dict[str, Any] = field(repr=False)  # the public assessment document (ids, result, previous)
    inputs: dict[str, Any] = field(repr=False)  # answers and the activity log; personal data

    @property
    def assessment_id(self) -> str:
        return self.summary.assessment_id

    @property
    def user_id(self) -> str:
        return self.summary.user_id

    @property
    def owner_token_hash(self) -> str:
        return self.summary.owner_token_hash


@dataclass(frozen=True, slots=True)
class AssessmentPage:
    """A page of history, newest first; ``after`` is the last id on it when more follow."""

    items: list[AssessmentSummary]
    after: str | None


class AssessmentRepository(Protocol):
    """Assessments by user. Every method is one request to the store (see docs/data-model.md)."""

    def add(self, assessment: StoredAssessment) -> None:
        """Store a new assessment; AssessmentAlreadyExists if its id is taken."""

    def get(self, user_id: str, assessment_id: str) -> StoredAssessment | None:
        """One assessment of one user, or None."""

    def latest(self, user_id: str) -> StoredAssessment | None:
        """The user's newest assessment, or None for an unknown user."""

    def owner_token_hash(self, user_id: str) -> str | None:
        """The hash of the user's token, or None for an unknown user."""

    def page(self, user_id: str, *, limit: int, after: str | None = None) -> AssessmentPage:
        """Up to ``limit`` summaries, newest first, starting after the assessment id ``after``."""
