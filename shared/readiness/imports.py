"""LinkedIn export imports: a presigned upload, an import run on the uploaded archive, a report.

1. ``start``: the owner asks for an import; an import item is stored (awaiting_upload) and a
   presigned POST is returned that allows exactly one object, at ``uploads/<user_id>/<import_id>.zip``,
   of at most 50 MB, for 15 minutes.
2. ``run`` (the import function, when the object is created): the import is claimed (so a duplicated
   notification does nothing), the archive is copied locally and parsed by readiness.linkedin with the
   user's secret counterpart salt, and the derived events, once the report is final and not failed,
   are pseudonymised, deduplicated against what is stored, compacted (readiness.compaction) and stored
   as activity items. The report and what was stored are recorded, then the uploaded object is deleted.
3. ``status``: the owner reads the import: its state, the report, what was stored.

Nothing personal is kept: events are derived (type, time, counterpart digest, role); the report holds
counts, file names and reason codes; the archive is deleted after the run (and by the bucket's
lifecycle rule within a day if a run never happens).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field

from readiness.activity import ActivityEvent
from readiness.activity_log import identity, pseudonymise
from readiness.compaction import HistoryCompactor
from readiness.errors import NotFound
from readiness.identity import IMPORT_ID_PATTERN, USER_ID_PATTERN, Credential, is_import_id, new_import_id
from readiness.inputs import load_scoring_inputs
from readiness.linkedin import ImportLimits, ImportReport, parse_export
from readiness.owners import authenticate, check_owner, require_path_user
from readiness.store.errors import StoreError, StoreUnavailable, UploadMissing
from readiness.store.records import (
    AssessmentRepository,
    ImportRecord,
    ImportRepository,
    UploadStore,
)

UPLOAD_PREFIX = "uploads/"
MAX_UPLOAD_BYTES = ImportLimits().max_archive_bytes  # 50 MB: the upload policy and the parser agree
UPLOAD_EXPIRES_SECONDS = 15 * 60
REPORT_KEPT_DAYS = 30  # the import item (and its report) expires after this
# A run that started this long ago and never finished is over (the function's timeout is 5 minutes).
RUN_STALE_AFTER = timedelta(minutes=15)
SALT_BYTES = 32
_EVENTS_PER_READ = 2000
_UPLOAD_KEY = re.compile(rf"{UPLOAD_PREFIX}({USER_ID_PATTERN})/({IMPORT_ID_PATTERN})\.zip")
_log = logging.getLogger(__name__)

ImportStatus = Literal["awaiting_upload", "importing", "completed", "failed", "expired"]


class ImportStillRunning(StoreUnavailable):
    """Another run holds the import's claim: retry later (the upload is kept)."""


class ImportNotFound(NotFound):
    """No such import, or not the caller's."""


def upload_key(user_id: str, import_id: str) -> str:
    return f"{UPLOAD_PREFIX}{user_id}/{import_id}.zip"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """(user_id, import_id) of an upload key, or None for any other object."""
    found = _UPLOAD_KEY.fullmatch(key)
    return (found.group(1), found.group(2)) if found else None


class UploadForm(BaseModel):
    """How to upload the archive: an HTML-form POST (multipart/form-data) to `url`."""

    model_config = ConfigDict(frozen=True)

    method: Literal["POST"] = "POST"
    url: str
    fields: dict[str, str] = Field(
        description="send every one of these as a form field, in this order, then the file as the field "
        "`file` (last)"
    )
    max_bytes: int = Field(description="the largest archive the upload accepts")
    expires_at: datetime = Field(description="the form can be used until then")


class StoredOutcome(BaseModel):
    """What the import stored of the events the report lists."""

    model_config = ConfigDict(frozen=True)

    events_derived: int = Field(
        ge=0, description="events derived from the archive (the report's events_total)"
    )
    duplicates: int = Field(ge=0, description="already stored (an earlier import of the same rows, say)")
    compacted: int = Field(
        ge=0,
        description="older repeats left out (per person, type and month the first and last are kept; "
        "see docs/linkedin-import.md)",
    )
    events_stored: int = Field(ge=0, description="events added to your history")


class ImportProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    message: str


class ImportView(BaseModel):
    """An import as its owner sees it."""

    model_config = ConfigDict(frozen=True)

    import_id: str
    status: ImportStatus = Field(
        description="awaiting_upload, importing, completed (the report may still say partial), failed, or "
        "expired (no upload arrived in time)"
    )
    created_at: datetime
    updated_at: datetime
    upload_expires_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    report: ImportReport | None = Field(
        default=None, description="what was read and derived (docs/linkedin-import.md); counts only"
    )
    stored: StoredOutcome | None = None
    error: ImportProblem | None = None


class StartedImport(ImportView):
    """The answer to POST /v1/users/{user_id}/imports: the import and how to upload the archive."""

    upload: UploadForm


_ERRORS = {
    "upload_missing": "the uploaded archive was not found (it may have expired); start a new import",
    "timed_out": "the import did not finish in time; start a new import",
    "internal_error": "the import failed unexpectedly; it has been logged; start a new import",
    "user_not_found": "the user no longer exists",
}


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one run of the import function did (for its logs and metrics; no personal data)."""

    result: Literal["completed", "failed", "ignored"]
    import_id: str | None = None
    events_stored: int = 0
    report_status: str | None = None


class ImportService:
    """The import use cases over the repositories and the upload store."""

    def __init__(
        self, assessments: AssessmentRepository, imports: ImportRepository, uploads: UploadStore
    ) -> None:
        self._assessments = assessments
        self._imports = imports
        self._uploads = uploads

    # -- the owner's side ------------------------------------------------------------------------------------

    def start(self, credential: Credential, user_id: str, *, now: datetime) -> StartedImport:
        require_path_user(self._assessments, credential, user_id)
        token_hash = authenticate(self._assessments, credential)
        import_id = new_import_id(now)
        expires = now + timedelta(seconds=UPLOAD_EXPIRES_SECONDS)
        record = ImportRecord(
            user_id=user_id,
            import_id=import_id,
            state="awaiting_upload",
            created_at=now,
            updated_at=now,
            upload_expires_at=expires,
            owner_token_hash=token_hash,
        )
        self._imports.create_import(record, expires_at=now + timedelta(days=REPORT_KEPT_DAYS))
        post = self._uploads.presign(
            upload_key(user_id, import_id),
            max_bytes=MAX_UPLOAD_BYTES,
            expires_in_seconds=UPLOAD_EXPIRES_SECONDS,
        )
        return StartedImport(
            **_view(record, now).model_dump(),
            upload=UploadForm(
                url=post.url, fields=post.fields, max_bytes=MAX_UPLOAD_BYTES, expires_at=expires
            ),
        )

    def status(self, credential: Credential, user_id: str, import_id: str, *, now: datetime) -> ImportView:
        require_path_user(self._assessments, credential, user_id)
        record = self._imports.get_import(user_id, import_id) if is_import_id(import_id) else None
        if record is None:
            authenticate(self._assessments, credential)
            raise ImportNotFound("no such import")
        check_owner(credential, record.owner_token_hash)
        return _view(record, now)

    # -- the import function's side --------------------------------------------------------------------------

    def run(self, key: str, *, now: datetime, limits: ImportLimits | None = None) -> RunOutcome:
        """Import the archive uploaded at ``key`` (the S3 notification's object key)."""
        found = parse_upload_key(key)
        if found is None:
            self._uploads.delete(key)  # nothing but imports' uploads belongs under the prefix
            return RunOutcome("ignored")
        user_id, import_id = found
        claimed = self._imports.claim_import(user_id, import_id, now=now, stale_before=now - RUN_STALE_AFTER)
        if claimed is None:
            record = self._imports.get_import(user_id, import_id)
            if record is not None and record.state == "importing":
                # Claimed by a run that has not finished: a copy of this event running now, or a run that
                # died or could not release its claim (the store throttled throughout). The upload stays:
                # a retry or a redrive from the failure queue imports it once the claim is stale.
                raise ImportStillRunning("the import is claimed by another run")
            # a repeated notification of a finished import, or an upload nobody asked for
            self._uploads.delete(key)
            return RunOutcome("ignored", import_id)
        try:
            return self._import(user_id, import_id, key, now=now, limits=limits or ImportLimits())
        except StoreUnavailable:
            # throttled or unreachable: the upload stays (the lifecycle rule removes it within a day if
            # no retry comes) and the import waits for the function's retry
            self._imports.release_import(user_id, import_id, now=now)
            raise
        except Exception as exc:  # never a crash loop: the import fails with a code, the upload goes
            _log.error("import failed", extra={"import_id": import_id, "error_type": type(exc).__qualname__})
            self._discard(key)
            self._finish_failed(user_id, import_id, now, "internal_error")
            return RunOutcome("failed", import_id)

    def _import(
        self, user_id: str, import_id: str, key: str, *, now: datetime, limits: ImportLimits
    ) -> RunOutcome:
        stored = load_scoring_inputs(self._assessments, user_id)
        if stored is None:
            self._uploads.delete(key)
            self._finish_failed(user_id, import_id, now, "user_not_found")
            return RunOutcome("failed", import_id)
        salt = self._imports.counterpart_salt(user_id, secrets.token_bytes(SALT_BYTES))
        try:
            archive = self._uploads.open(key)
        except UploadMissing:
            self._finish_failed(user_id, import_id, now, "upload_missing")
            return RunOutcome("failed", import_id)
        with archive:
            history = derive_history(
                archive, user_id=user_id, salt=salt, now=now, stored=stored.history, limits=limits
            )
        report = history.report
        if not report.finished or report.status == "failed":
            self._finish(user_id, import_id, now, report, outcome=None)
            self._uploads.delete(key)
            return RunOutcome("failed", import_id, report_status=report.status)
        if history.events:
            self._assessments.add_activity(
                user_id, history.events, source="import", now=now, import_id=import_id
            )
        # Deleted once the import is recorded: a retry after throttling anywhere before finds the upload
        # again, and what the first attempt stored counts as duplicates. (A delete that fails raises: the
        # retry finds the import finished and deletes the upload as a repeated notification.)
        outcome = history.outcome
        self._finish(user_id, import_id, now, report, outcome=outcome)
        self._uploads.delete(key)
        return RunOutcome(
            "completed", import_id, events_stored=outcome.events_stored, report_status=report.status
        )

    def _discard(self, key: str) -> None:
        """Delete an upload when something else already went wrong (the lifecycle rule is the backstop)."""
        try:
            self._uploads.delete(key)
        except StoreError as exc:
            _log.warning("upload not deleted", extra={"error_type": type(exc).__qualname__})

    def _finish(
        self,
        user_id: str,
        import_id: str,
        now: datetime,
        report: ImportReport,
        *,
        outcome: StoredOutcome | None,
    ) -> None:
        self._imports.finish_import(
            user_id,
            import_id,
            state="completed" if outcome is not None else "failed",
            now=now,
            report=report.model_dump(mode="json"),
            outcome=outcome.model_dump() if outcome is not None else None,
            error=None,
        )

    def _finish_failed(self, user_id: str, import_id: str, now: datetime, error: str) -> None:
        self._imports.finish_import(
            user_id, import_id, state="failed", now=now, report=None, outcome=None, error=error
        )


@dataclass(frozen=True)
class DerivedHistory:
    """What an import adds to a user's history: the events to store, the report, the counts."""

    events: list[ActivityEvent]
    report: ImportReport
    outcome: StoredOutcome


def derive_history(
    archive: BinaryIO,
    *,
    user_id: str,
    salt: bytes,
    now: datetime,
    stored: Iterable[ActivityEvent] = (),
    limits: ImportLimits | None = None,
) -> DerivedHistory:
    """Parse an export and keep what is new and worth keeping (pure: no AWS; the import function's work).

    Events are pseudonymised like every stored event, without the export's own event ids (rows are told
    apart by their content), deduplicated against ``stored`` and within the export, and compacted.
    """
    known = {identity(event) for event in stored}
    compactor = HistoryCompactor(now=now)
    duplicates = 0
    with parse_export(archive, salt=salt, now=now, limits=limits) as result:
        for batch in result.batches(_EVENTS_PER_READ):
            for event in pseudonymise(batch, user_id, keep_ids=False):
                event_key = identity(event)
                if event_key in known:
                    duplicates += 1
                    continue
                known.add(event_key)
                compactor.add(event)
        report = result.report
    kept = compactor.events()
    outcome = StoredOutcome(
        events_derived=report.events_total,
        duplicates=duplicates,
        compacted=compactor.dropped,
        events_stored=len(kept),
    )
    return DerivedHistory(events=kept, report=report, outcome=outcome)


def _view(record: ImportRecord, now: datetime) -> ImportView:
    status: ImportStatus = record.state
    error = record.error
    if record.state == "awaiting_upload" and now > record.upload_expires_at:
        status = "expired"
    elif (
        record.state == "importing"
        and record.started_at is not None
        and now - record.started_at > RUN_STALE_AFTER
    ):
        status, error = "failed", "timed_out"
    document: dict[str, Any] = {
        "import_id": record.import_id,
        "status": status,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "upload_expires_at": record.upload_expires_at,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "report": record.report,
        "stored": record.outcome,
        "error": {"code": error, "message": _ERRORS.get(error, error)} if error else None,
    }
    return ImportView.model_validate(document)


__all__ = [
    "MAX_UPLOAD_BYTES",
    "ImportNotFound",
    "ImportService",
    "ImportView",
    "RunOutcome",
    "StartedImport",
    "parse_upload_key",
    "upload_key",
]
