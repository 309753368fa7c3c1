"""A LinkedIn "Get a copy of your data" export turned into activity events, streamed, keeping no text.

Two passes over the archive, both streaming:

1. the survey (survey.py) reads every recognised file once: it checks that the file is readable CSV,
   learns which names go with which profile URLs (for files that carry only names) and the roles job
   titles reveal, and finds the owner of the messages (the person in every conversation). A file that
   fails here produces no events at all;
2. the event pass (events.py) reads the files again and yields events one at a time.

A 200,000-message messages.csv is therefore never held in memory, and an archive refused for what it is
(not a zip, a zip bomb, unsafe paths, too large) yields no events whatsoever.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import datetime
from types import TracebackType

from readiness.activity import ActivityEvent
from readiness.linkedin.archive import ArchiveRefused, ArchiveSource, Member, MemberUnreadable, SafeArchive
from readiness.linkedin.counterparts import CounterpartDirectory
from readiness.linkedin.events import EventDeriver, EventLimitReached
from readiness.linkedin.files import (
    BASIC_FILES,
    COMPLETE_FILES,
    ExportFile,
    FileKind,
    is_complete_only,
    recognise,
    variant_from_path,
)
from readiness.linkedin.limits import ImportLimits
from readiness.linkedin.report import (
    DateRange,
    FileTally,
    ImportIssue,
    ImportReport,
    ImportStatus,
    OwnerSource,
    SkipReason,
    Variant,
)
from readiness.linkedin.rows import Columns, find_header, padded
from readiness.linkedin.survey import Survey

# Names and profiles first, messages (whose owner detection needs them) after.
_SURVEY_ORDER = (
    FileKind.PROFILE,
    FileKind.CONNECTIONS,
    FileKind.INVITATIONS,
    FileKind.ENDORSEMENTS_GIVEN,
    FileKind.ENDORSEMENTS_RECEIVED,
    FileKind.RECOMMENDATIONS_GIVEN,
    FileKind.RECOMMENDATIONS_RECEIVED,
    FileKind.MESSAGES,
    FileKind.SHARES,
    FileKind.COMMENTS,
    FileKind.REACTIONS,
    FileKind.LEARNING,
    FileKind.CERTIFICATIONS,
    FileKind.PROJECTS,
    FileKind.JOB_APPLICATIONS,
)
_EVENT_ORDER = tuple(kind for kind in _SURVEY_ORDER if kind is not FileKind.PROFILE)


def parse_export(
    archive: ArchiveSource,
    *,
    salt: bytes,
    now: datetime,
    owner_hint: str | None = None,
    limits: ImportLimits | None = None,
) -> ImportResult:
    """Open and survey a LinkedIn export; iterate the result for its events, then read its report.

    `archive` is a path or a binary file object (a non-seekable stream is spooled, up to the archive
    limit). `salt` is the user's secret counterpart salt (at least 16 bytes): the same salt gives the
    same counterpart and event ids across imports. `now` is the server's clock (dates later than now + 5
    minutes are skipped). `owner_hint` (the owner's profile URL or full name) settles whose messages are
    whose when the messages alone cannot. An archive refused outright gives a result with no events and
    a report whose status is "failed"; this function raises only for a short salt or a naive `now`.
    """
    return ImportResult(archive, salt=salt, now=now, owner_hint=owner_hint, limits=limits or ImportLimits())


def collect_export(
    archive: ArchiveSource,
    *,
    salt: bytes,
    now: datetime,
    owner_hint: str | None = None,
    limits: ImportLimits | None = None,
) -> tuple[list[ActivityEvent], ImportReport]:
    """Every event in a list, and the final report: for small exports, tests and tools."""
    with parse_export(archive, salt=salt, now=now, owner_hint=owner_hint, limits=limits) as result:
        events = list(result)
        return events, result.report


class _Source:
    """One recognised export file: its archive members, the header each was read with, its tally."""

    __slots__ = ("columns", "members", "spec", "tally")

    def __init__(self, spec: ExportFile) -> None:
        self.spec = spec
        self.members: list[Member] = []
        self.columns: list[Columns] = []
        self.tally = FileTally(spec.kind.value)

    @property
    def failed(self) -> bool:
        return self.tally.error is not None

    def fail(self, code: str, message: str) -> None:
        self.tally.error = ImportIssue(code=code, message=message, file=self.spec.kind.value)


class ImportResult:
    """One import of one export: iterate it once for the events; `report` says what was read and kept.

    Use it as a context manager (or call close()) so that the archive is closed even when the events
    are not all read. `report` can be read at any time and is final once `report.finished` is true; a
    consumer that stops iterating early leaves it unfinished. Events come out file by file (connections,
    invitations, messages, endorsements, recommendations, shares, comments, reactions, learning,
    certifications, projects, job applications), each file in its own row order.
    """

    def __init__(
        self,
        source: ArchiveSource,
        *,
        salt: bytes,
        now: datetime,
        owner_hint: str | None,
        limits: ImportLimits,
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self._limits = limits
        self._directory = CounterpartDirectory(salt, max_entries=limits.max_identities)
        self._errors: list[ImportIssue] = []
        self._warnings: list[ImportIssue] = []
        self._sources: dict[FileKind, _Source] = {}
        self._other_members = 0
        self._variant: Variant = "unknown"
        self._owner_source: OwnerSource = "not_needed"
        self._started = False
        self._finished = False
        self._archive: SafeArchive | None = None
        owner = None
        try:
            self._archive = SafeArchive(source, limits)
        except ArchiveRefused as refusal:
            self._errors.append(ImportIssue(code=refusal.code, message=refusal.message))
        else:
            self._recognise(self._archive.members)
            owner = self._survey(self._archive, owner_hint)
        self._deriver = EventDeriver(self._directory, now=now, owner=owner, limits=limits)
        if self._archive is None or all(source.failed for source in self._sources.values()):
            self._finish()
            self.close()

    # -- public --------------------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[ActivityEvent]:
        return self.events()

    def events(self) -> Generator[ActivityEvent, None, None]:
        """The derived events, one at a time; can be iterated once."""
        if self._started:
            raise RuntimeError("the events of an import can be read only once")
        self._started = True
        return self._event_pass()

    def batches(self, size: int) -> Iterator[list[ActivityEvent]]:
        """The events in lists of at most `size` (for batched writes)."""
        if size <= 0:
            raise ValueError("size must be positive")
        batch: list[ActivityEvent] = []
        for event in self.events():
            batch.append(event)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    @property
    def refused(self) -> bool:
        """True when the archive itself was refused: there are no events and there will be none."""
        return self._archive is None and not self._sources

    @property
    def report(self) -> ImportReport:
        deriver = self._deriver
        found = [kind.value for kind in _SURVEY_ORDER if kind in self._sources]
        expected = COMPLETE_FILES if self._variant == "complete" else BASIC_FILES
        missing = [] if self._variant == "unknown" else [k.value for k in expected if k not in self._sources]
        files = [self._sources[kind].tally.freeze() for kind in _SURVEY_ORDER if kind in self._sources]
        file_errors = [file.error for file in files if file.error is not None]
        date_range = None
        if deriver.first is not None and deriver.last is not None:
            date_range = DateRange(first=deriver.first.date(), last=deriver.last.date())
        return ImportReport(
            status=self._status(missing, file_errors),
            finished=self._finished,
            variant=self._variant,
            files_found=found,
            files_missing=missing,
            other_members=self._other_members,
            owner=self._owner_source,
            files=files,
            events_total=deriver.total,
            events_by_type=dict(sorted(deriver.by_type.items())),
            distinct_counterparts=len(deriver.counterparts),
            date_range=date_range,
            errors=[*self._errors, *file_errors],
            warnings=list(self._warnings),
        )

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()

    def __enter__(self) -> ImportResult:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- what is in the archive ----------------------------------------------------------------------------

    def _status(self, missing: list[str], file_errors: list[ImportIssue]) -> ImportStatus:
        if self._archive is None or (self._finished and self._deriver.total == 0):
            return "failed"
        if file_errors or missing or self._errors:
            return "partial"
        return "ok"

    def _recognise(self, members: list[Member]) -> None:
        folder_variant = None
        complete_marker = False
        for member in members:
            folder_variant = folder_variant or variant_from_path(member.path)
            complete_marker = complete_marker or is_complete_only(member.base_name)
            spec = recognise(member.base_name)
            if spec is None:
                self._other_members += 1
                continue
            self._sources.setdefault(spec.kind, _Source(spec)).members.append(member)
        for source in self._sources.values():
            source.members.sort(key=lambda member: member.path)
            if len(source.members) > 1 and not source.spec.multipart:
                source.fail(
                    "duplicate_file",
                    f"the archive holds {len(source.members)} files named like {source.spec.kind.value}; "
                    "none was read (which one is the export is not clear)",
                )
        if folder_variant == "basic":
            self._variant = "basic"
        elif folder_variant == "complete" or complete_marker:
            self._variant = "complete"
        elif any(kind in self._sources for kind in BASIC_FILES):
            self._variant = "basic"
        if not self._sources:
            self._errors.append(
                ImportIssue(
                    code="no_export_files", message="the archive holds none of the LinkedIn files read"
                )
            )

    # -- pass 1 --------------------------------------------------------------------------------------------

    def _survey(self, archive: SafeArchive, owner_hint: str | None) -> str | None:
        survey = Survey(self._directory, max_identities=self._limits.max_identities)
        for kind in _SURVEY_ORDER:
            source = self._sources.get(kind)
            if source is None or source.failed:
                continue
            for member in source.members:
                try:
                    rows = archive.rows(member)
                    columns = find_header(rows, source.spec, self._limits.max_header_search_rows)
                    if columns is None:
                        required = ", ".join(column.headers[0] for column in source.spec.required())
                        source.fail(
                            "header_not_found", f"no header row with the columns {required} was found"
                        )
                        break
                    source.columns.append(columns)
                    survey.read(kind, padded(rows, columns), columns, source.tally)
                except MemberUnreadable as unreadable:
                    source.fail(unreadable.code, unreadable.message)
                    break
        self._directory.settle()
        owner = None
        messages = self._sources.get(FileKind.MESSAGES)
        if messages is not None and not messages.failed:
            owner, self._owner_source, warnings = survey.owner(owner_hint)
            self._warnings += warnings
        if self._directory.full:
            self._warnings.append(
                ImportIssue(
                    code="identity_table_full",
                    message=f"more than {self._limits.max_identities:,} distinct people: "
                    "some names could not be matched to profiles",
                )
            )
        return owner

    # -- pass 2 --------------------------------------------------------------------------------------------

    def _event_pass(self) -> Generator[ActivityEvent, None, None]:
        archive = self._archive
        completed = False
        try:
            if archive is None or self._finished:
                completed = True
                return
            for kind in _EVENT_ORDER:
                source = self._sources.get(kind)
                if source is None or source.failed:
                    continue
                read = self._deriver.reader(kind)
                tally = source.tally
                for member, columns in zip(source.members, source.columns, strict=True):
                    try:
                        rows = archive.rows(member)
                        if find_header(rows, source.spec, self._limits.max_header_search_rows) != columns:
                            raise MemberUnreadable("changed", "the file changed between the two passes")
                        yield from read(padded(rows, columns), columns, tally)
                    except MemberUnreadable as unreadable:
                        # the survey read this member without trouble: the archive changed under us
                        source.fail(unreadable.code, unreadable.message)
                        break
                    except EventLimitReached:
                        tally.skip(SkipReason.EVENT_LIMIT)
                        self._errors.append(
                            ImportIssue(
                                code="too_many_events",
                                message=f"the import stopped after {self._limits.max_events:,} events",
                                file=kind.value,
                            )
                        )
                        completed = True
                        return
                self._check_usable(source)
            completed = True
        finally:
            if completed:
                self._finish()
            self.close()

    def _check_usable(self, source: _Source) -> None:
        """A file with rows but not one usable is an error, never a silent success."""
        tally = source.tally
        if tally.error is None and tally.rows_read > 0 and not tally.events:
            source.fail(
                "no_usable_rows", f"none of the {tally.rows_read:,} rows could be used (see rows_skipped)"
            )

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        file_failed = any(source.failed for source in self._sources.values())
        if self._deriver.total == 0 and not self._errors and not file_failed:
            self._errors.append(
                ImportIssue(code="no_usable_data", message="no activity could be derived from the archive")
            )


__all__ = ["FileTally", "ImportResult", "collect_export", "parse_export"]
