"""The records storage deals in and the repository interface the service depends on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, Protocol

if TYPE_CHECKING:
    from readiness.activity import ActivityEvent
    from readiness.centres.membership import CentreWrites, Membership

ActivitySource = Literal["assessment", "api", "import", "migrated"]


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
class SubmissionReceipt:
    """Stored with a keyed submission's assessment, in the same write, for as long as its key is good.

    A re-run of the submission (its first run stored the assessment, then died before the idempotency
    record said so) finds the receipt instead of storing a second assessment, and answers with the
    stored one; a new user's token is in it sealed, so that only the same Idempotency-Key unseals it.
    """

    receipt_id: str  # derived from the caller and the Idempotency-Key (never the key itself)
    user_id: str
    assessment_id: str
    payload_digest: str  # the submission it was for: the same key with another one is refused
    expires_at: datetime
    sealed_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class StoredAssessment:
    """A whole assessment: the summary, the public body as served, and the inputs it was scored on."""

    summary: AssessmentSummary
    body: dict[str, Any] = field(repr=False)  # the public assessment document (ids, result, previous)
    # what it was scored on (questionnaire_version, answers, answered_at, activities_submitted); kept on the
    # user item for the latest assessment. Assessments stored before issue 5 also carry "activity_log".
    inputs: dict[str, Any] = field(repr=False)
    # the idempotency record of the keyed submission that created it (erasure deletes that too)
    idempotency_record: str | None = field(default=None, repr=False)

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


@dataclass(frozen=True, slots=True)
class StoredInputs:
    """The user's scoring inputs as stored: the user item (token hash, latest assessment) and activity.

    ``owner_token_hash`` and ``latest`` are None when there is no user item: an unknown user, or one
    whose assessments were stored before activity had items of its own (see readiness.inputs).
    ``activity`` is every stored event, oldest item first, repeats across items included.
    ``memberships`` are the career centres the user is a student of (their items share the prefix).
    """

    owner_token_hash: str | None = field(repr=False)
    latest: StoredAssessment | None = field(repr=False)
    activity: list[ActivityEvent] = field(repr=False)
    activity_items: int = 0
    memberships: list[Membership] = field(default_factory=list, repr=False)


class AssessmentRepository(Protocol):
    """Assessments, the user item and stored activity, by user (requests per call: docs/data-model.md)."""

    def add(
        self,
        assessment: StoredAssessment,
        *,
        replacing: str | None,
        activity: Sequence[ActivityEvent] = (),
        centre_writes: CentreWrites | None = None,
        receipt: SubmissionReceipt | None = None,
    ) -> None:
        """Store a new assessment, make it the user's latest (the user item), and store ``activity``
        (pseudonymised events not stored before) with it: one transaction, all or nothing.

        Conditional on the id being new (AssessmentAlreadyExists otherwise: what a derived id, a
        scheduled re-assessment's, needs) and on the user item still pointing at ``replacing``, the
        latest assessment the caller scored from (None: a new user, no user item yet); LatestChanged
        when another assessment of the user was stored since.

        ``centre_writes`` (the student's centres' counters, memberships and roster) go in the same
        transaction, so an assessment is never stored without being counted, or counted twice;
        MembershipChanged when a concurrent assessment of the same student got there first.
        ``receipt``: a keyed submission's (SubmissionReceipt); AlreadySubmitted with the stored one when
        an earlier run of the same submission stored its assessment (and nothing is written).
        """

    def load_inputs(self, user_id: str) -> StoredInputs:
        """The user item, every activity item and the centre memberships: one Query (more pages only for
        very long histories)."""

    def add_activity(
        self,
        user_id: str,
        events: Sequence[ActivityEvent],
        *,
        source: ActivitySource,
        now: datetime,
        import_id: str | None = None,
    ) -> int:
        """Store pseudonymised events as new activity items (written once); returns how many items."""

    def migrate(self, latest: StoredAssessment, activity: Sequence[ActivityEvent], *, now: datetime) -> None:
        """Write the user item for ``latest`` and store a pre-issue-5 activity log as activity items."""

    def get(self, user_id: str, assessment_id: str) -> StoredAssessment | None:
        """One assessment of one user, or None."""

    def latest(self, user_id: str) -> StoredAssessment | None:
        """The user's newest assessment, or None for an unknown user."""

    def owner_token_hash(self, user_id: str) -> str | None:
        """The hash of the user's token (from the user item), or None for an unknown user."""

    def page(self, user_id: str, *, limit: int, after: str | None = None) -> AssessmentPage:
        """Up to ``limit`` summaries, newest first, starting after the assessment id ``after``."""


ImportState = Literal["awaiting_upload", "importing", "completed", "failed"]


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One LinkedIn import of one user: its state, and once finished its report and what was stored.

    ``report`` is the parser's ImportReport as JSON (counts, file names and reason codes only);
    ``outcome`` says what was stored of it; ``error`` is a code of ours when the import itself failed.
    """

    user_id: str
    import_id: str
    state: ImportState
    created_at: datetime
    updated_at: datetime
    upload_expires_at: datetime
    owner_token_hash: str = field(repr=False)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    report: dict[str, Any] | None = None
    outcome: dict[str, int] | None = None
    error: str | None = None


class ImportRepository(Protocol):
    """Import items and the user's counterpart salt (one request per method)."""

    def create_import(self, record: ImportRecord, *, expires_at: datetime) -> None:
        """Store a new import (ConditionFailed if its id is taken); the item expires at ``expires_at``."""

    def get_import(self, user_id: str, import_id: str) -> ImportRecord | None:
        """One import of one user, or None."""

    def claim_import(
        self, user_id: str, import_id: str, *, now: datetime, stale_before: datetime
    ) -> ImportRecord | None:
        """Move an import from awaiting_upload (or from an importing run that started before
        ``stale_before``) to importing; None when it is in any other state or does not exist."""

    def release_import(self, user_id: str, import_id: str, *, now: datetime) -> None:
        """Put a claimed import back to awaiting_upload (its run failed for a reason a retry can fix)."""

    def finish_import(
        self,
        user_id: str,
        import_id: str,
        *,
        state: Literal["completed", "failed"],
        now: datetime,
        report: dict[str, Any] | None,
        outcome: dict[str, int] | None,
        error: str | None,
    ) -> None:
        """Record how the import ended."""

    def counterpart_salt(self, user_id: str, candidate: bytes) -> bytes:
        """The user's secret counterpart salt; ``candidate`` becomes it if the user has none yet."""


@dataclass(frozen=True, slots=True)
class PresignedPost:
    """A browser-style upload: POST multipart/form-data to ``url`` with ``fields`` then the file."""

    url: str
    fields: dict[str, str] = field(repr=False)  # the signed policy: passing it on is the permission


class UploadStore(Protocol):
    """Where uploaded archives wait for their import (an S3 bucket)."""

    def presign(self, key: str, *, max_bytes: int, expires_in_seconds: int) -> PresignedPost:
        """A POST that can upload one object at exactly ``key``, of 1 to ``max_bytes`` bytes, for a while."""

    def open(self, key: str) -> BinaryIO:
        """A local, seekable copy of the object (UploadMissing when there is none); close it when done."""

    def delete(self, key: str) -> None:
        """Delete the object (no error if it is already gone)."""
