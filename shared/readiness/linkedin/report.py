"""The import report: what was read from an export and what was kept, with no personal data in it.

Every string in a report is one of ours (file names as LinkedIn spells them, reason codes, messages
written here); nothing is copied from the archive: no member paths, cell values or parser messages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

REPORT_VERSION = 1

ImportStatus = Literal["ok", "partial", "failed"]
FileStatus = Literal["imported", "empty", "failed"]
Variant = Literal["basic", "complete", "unknown"]
OwnerSource = Literal["hint", "message_pattern", "profile", "not_needed", "not_found"]


class SkipReason(StrEnum):
    """Why a data row produced no event (the report counts them per file)."""

    BLANK = "blank_row"
    MISSING_DATE = "missing_date"
    UNPARSEABLE_DATE = "unparseable_date"
    DATE_BEFORE_1990 = "date_before_1990"
    DATE_IN_FUTURE = "date_in_future"
    SPONSORED = "sponsored"
    SPAM = "spam"
    SYSTEM_MESSAGE = "system_message"
    DRAFT = "draft"
    MESSAGE_TO_SELF = "message_to_self"
    OWNER_NOT_IDENTIFIED = "owner_not_identified"
    UNKNOWN_DIRECTION = "unknown_direction"
    NOT_ACCEPTED = "not_accepted"
    NOT_COMPLETED = "not_completed"
    NOT_A_COURSE = "not_a_course"
    REPEAT_SAME_DAY = "repeat_same_day"
    EVENT_LIMIT = "event_limit_reached"


class Note(StrEnum):
    """Things worth knowing about rows that did produce events."""

    HIDDEN_PROFILE = "hidden_profile"  # a connection with only a date: an event without counterpart
    COUNTERPART_UNKNOWN = "counterpart_unknown"  # an event whose other person could not be identified
    RECIPIENTS_CAPPED = "recipients_capped"  # group-message recipients beyond the per-message cap
    ROLE_RECRUITER = "role_recruiter"
    ROLE_HIRING_MANAGER = "role_hiring_manager"
    OWNER_NAME_READ = "owner_name_read"  # Profile.csv: the owner's name, used only to recognise them


class ImportIssue(BaseModel):
    """One problem: a stable code, a sentence for people, and the file it concerns (if any)."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    file: str | None = None


class FileReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    status: FileStatus
    rows_read: int
    rows_used: int
    rows_skipped: dict[str, int]
    events: dict[str, int]
    notes: dict[str, int]
    error: ImportIssue | None = None


class DateRange(BaseModel):
    model_config = ConfigDict(frozen=True)

    first: date
    last: date


class ImportReport(BaseModel):
    """What one import read and derived. JSON-serialisable; safe to store and to show to the user."""

    model_config = ConfigDict(frozen=True)

    report_version: int = REPORT_VERSION
    status: ImportStatus
    finished: bool  # False while events are still being produced
    variant: Variant
    files_found: list[str]
    files_missing: list[str]
    other_members: int  # archive members that are not files this import reads
    owner: OwnerSource
    files: list[FileReport]
    events_total: int
    events_by_type: dict[str, int]
    distinct_counterparts: int
    date_range: DateRange | None
    errors: list[ImportIssue]
    warnings: list[ImportIssue]


@dataclass(slots=True)
class FileTally:
    """The running counts for one file while it is read."""

    file: str
    rows_read: int = 0
    rows_used: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    error: ImportIssue | None = None
    done: bool = False

    def skip(self, reason: SkipReason) -> None:
        self.skipped[reason.value] += 1

    @property
    def status(self) -> FileStatus:
        if self.error is not None:
            return "failed"
        return "empty" if self.rows_read == 0 else "imported"

    def freeze(self) -> FileReport:
        return FileReport(
            file=self.file,
            status=self.status,
            rows_read=self.rows_read,
            rows_used=self.rows_used,
            rows_skipped=dict(sorted(self.skipped.items())),
            events=dict(sorted(self.events.items())),
            notes=dict(sorted(self.notes.items())),
            error=self.error,
        )
