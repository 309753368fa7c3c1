"""A LinkedIn "Get a copy of your data" export turned into activity events, streamed, keeping no text.

Two passes over the archive, both streaming:

1. the survey reads every recognised file once to check that it is readable CSV, to learn which
   names go with which profile URLs (for files that carry only names), the roles job titles reveal,
   and who the owner of the messages is (the person in every conversation); a file that fails here
   produces no events at all;
2. the event pass reads the files again and yields events one at a time.

So a 200,000-message messages.csv is never held in memory, and an archive refused for what it is (not
a zip, a zip bomb, unsafe paths, too large) yields no events whatsoever.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from types import TracebackType

from readiness.activity import ActivityEvent, ActivityType, CounterpartRole
from readiness.linkedin.archive import ArchiveRefused, ArchiveSource, Member, MemberUnreadable, SafeArchive
from readiness.linkedin.counterparts import (
    CounterpartDirectory,
    identity_key,
    infer_role,
    is_company_page,
    name_key,
)
from readiness.linkedin.dates import parse_export_date
from readiness.linkedin.files import (
    BASIC_FILES,
    COMPLETE_FILES,
    ExportFile,
    FileKind,
    is_complete_only,
    normalise_header,
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
    Note,
    OwnerSource,
    SkipReason,
    Variant,
)
from readiness.submission import CLOCK_SKEW, EARLIEST_ACTIVITY

T = ActivityType
Row = list[str]
Columns = dict[str, int]

# The order files are surveyed in: names and profiles first, messages (owner detection) after them.
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
_EVENT_ORDER = _SURVEY_ORDER[1:]

_TRUE = frozenset({"true", "yes", "y", "1"})
_SPAM_FOLDERS = ("SPAM", "JUNK")
_SPONSORED_FOLDERS = ("SPONSOR", "PROMOT", "ADVERT")
_DRAFT_FOLDERS = frozenset({"DRAFT", "DRAFTS"})
_SYSTEM_SENDERS = frozenset(
    {"linkedin", "linkedin premium", "linkedin talent solutions", "linkedin learning", "linkedin job alerts"}
)
_WITHDRAWN = frozenset({"REJECTED", "REVOKED", "WITHDRAWN", "DELETED", "DECLINED"})
_COURSE_TYPES = frozenset({"", "course", "courses", "learning path", "learning_path", "path"})
_NOT_A_DATE = frozenset({"n/a", "na", "-", "none", "null"})
_LIST_SEPARATOR = re.compile(r"[\s,;]+")
_ROLE_NOTES = {
    CounterpartRole.RECRUITER: Note.ROLE_RECRUITER,
    CounterpartRole.HIRING_MANAGER: Note.ROLE_HIRING_MANAGER,
}


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
    same counterpart ids across imports. `now` is the server's clock (dates later than now + 5 minutes
    are skipped). `owner_hint` (the owner's profile URL or full name) settles whose messages are whose
    when the messages alone cannot. An archive refused outright gives a result with no events and a
    report whose status is "failed"; this function raises only for a bad salt or a naive `now`.
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
    """One recognised export file: its archive members, the header it was found with, its tally."""

    __slots__ = ("columns", "members", "spec", "tally")

    def __init__(self, spec: ExportFile) -> None:
        self.spec = spec
        self.members: list[Member] = []
        self.columns: list[Columns] = []
        self.tally = FileTally(spec.kind.value)

    @property
    def failed(self) -> bool:
        return self.tally.error is not None


class ImportResult:
    """One import of one export: iterate it once for the events; `report` says what was read and kept.

    Use it as a context manager (or call close()) so that the archive is closed even when the events
    are not all read. `report` can be read at any time; it is final once `report.finished` is true.
    Events come out file by file (connections, invitations, messages, endorsements, recommendations,
    shares, comments, reactions, learning, certifications, projects, job applications), each file in
    its own row order.
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
        self._latest = now + CLOCK_SKEW
        self._owner_hint = owner_hint
        self._errors: list[ImportIssue] = []
        self._warnings: list[ImportIssue] = []
        self._sources: dict[FileKind, _Source] = {}
        self._other_members = 0
        self._variant: Variant = "unknown"
        self._owner: str | None = None
        self._owner_source: OwnerSource = "not_needed"
        self._profile_name: str | None = None
        self._started = False
        self._finished = False
        self._events_total = 0
        self._events_by_type: Counter[str] = Counter()
        self._counterparts: set[str] = set()
        self._counterparts_overflow = False
        self._first: datetime | None = None
        self._last: datetime | None = None
        self._archive: SafeArchive | None = None
        try:
            self._archive = SafeArchive(source, limits)
        except ArchiveRefused as refusal:
            self._errors.append(ImportIssue(code=refusal.code, message=refusal.message))
            self._finished = True
            return
        self._recognise(self._archive.members)
        self._survey(self._archive)
        if not any(not source.failed for source in self._sources.values()):
            self._finish()

    # -- public --------------------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[ActivityEvent]:
        return self.events()

    def events(self) -> Iterator[ActivityEvent]:
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
        """True when the archive itself was refused: there are no events and never will be."""
        return self._archive is None and bool(self._errors)

    @property
    def report(self) -> ImportReport:
        found = [kind.value for kind in _SURVEY_ORDER if kind in self._sources]
        expected = COMPLETE_FILES if self._variant == "complete" else BASIC_FILES
        missing = (
            [kind.value for kind in expected if kind not in self._sources]
            if self._variant != "unknown"
            else []
        )
        files = [self._sources[kind].tally.freeze() for kind in _SURVEY_ORDER if kind in self._sources]
        file_errors = [report.error for report in files if report.error is not None]
        date_range = None
        if self._first is not None and self._last is not None:
            date_range = DateRange(first=self._first.date(), last=self._last.date())
        return ImportReport(
            status=self._status(missing, file_errors),
            finished=self._finished,
            variant=self._variant,
            files_found=found,
            files_missing=missing,
            other_members=self._other_members,
            owner=self._owner_source,
            files=files,
            events_total=self._events_total,
            events_by_type=dict(sorted(self._events_by_type.items())),
            distinct_counterparts=len(self._counterparts),
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
        if self._archive is None or (self._finished and self._events_total == 0):
            return "failed"
        if file_errors or missing or self._errors:
            return "partial"
        return "ok"

    def _recognise(self, members: list[Member]) -> None:
        variant_hint = None
        complete_marker = False
        for member in members:
            variant_hint = variant_hint or variant_from_path(member.path)
            complete_marker = complete_marker or is_complete_only(member.base_name)
            spec = recognise(member.base_name)
            if spec is None:
                self._other_members += 1
                continue
            source = self._sources.get(spec.kind)
            if source is None:
                source = self._sources[spec.kind] = _Source(spec)
            source.members.append(member)
        for source in self._sources.values():
            if len(source.members) > 1 and not source.spec.multipart:
                source.tally.error = ImportIssue(
                    code="duplicate_file",
                    message=f"the archive holds {len(source.members)} files named like "
                    f"{source.spec.kind.value}; none was read (which one is the export is not clear)",
                    file=source.spec.kind.value,
                )
            source.members.sort(key=lambda member: member.path)
        if variant_hint in ("basic", "complete"):
            self._variant = "basic" if variant_hint == "basic" else "complete"
        elif complete_marker:
            self._variant = "complete"
        elif any(kind in self._sources for kind in BASIC_FILES):
            self._variant = "basic"
        if not self._sources:
            self._errors.append(
                ImportIssue(
                    code="no_export_files", message="the archive holds none of the LinkedIn export files read"
                )
            )

    # -- pass 1: the survey ----------------------------------------------------------------------------------

    def _survey(self, archive: SafeArchive) -> None:
        participants: Counter[str] = Counter()
        senders_in_sent: Counter[str] = Counter()
        connections: set[str] = set()
        for kind in _SURVEY_ORDER:
            source = self._sources.get(kind)
            if source is None or source.failed:
                continue
            for member in source.members:
                try:
                    rows = archive.rows(member)
                    columns = self._header(rows, source)
                    if columns is None:
                        break
                    source.columns.append(columns)
                    if kind is FileKind.MESSAGES:
                        self._survey_messages(rows, columns, participants, senders_in_sent)
                    elif kind is FileKind.PROFILE:
                        self._survey_profile(rows, columns, source.tally)
                    else:
                        self._survey_people(kind, rows, columns, connections)
                except MemberUnreadable as unreadable:
                    source.tally.error = ImportIssue(
                        code=unreadable.code, message=unreadable.message, file=kind.value
                    )
                    break
        self._directory.settle()
        if FileKind.MESSAGES in self._sources and not self._sources[FileKind.MESSAGES].failed:
            self._identify_owner(participants, senders_in_sent, connections)
        if self._directory.full:
            self._warnings.append(
                ImportIssue(
                    code="identity_table_full",
                    message=f"more than {self._limits.max_identities:,} distinct people: "
                    "some names could not be matched to profiles",
                )
            )

    def _header(self, rows: Iterator[Row], source: _Source) -> Columns | None:
        """Find the header among the first records (after a "Notes:" preamble) and map columns to indexes."""
        spec = source.spec
        for _ in range(self._limits.max_header_search_rows):
            record = next(rows, None)
            if record is None:
                break
            cells = [normalise_header(cell) for cell in record]
            columns: Columns = {}
            for column in spec.columns:
                for header in column.headers:
                    if header in cells:
                        columns[column.name] = cells.index(header)
                        break
            if all(column.name in columns for column in spec.required()):
                return columns
        names = ", ".join(header for column in spec.required() for header in column.headers[:1])
        source.tally.error = ImportIssue(
            code="header_not_found",
            message=f"no header row with the expected columns ({names}) was found",
            file=spec.kind.value,
        )
        return None

    def _survey_profile(self, rows: Iterator[Row], columns: Columns, tally: FileTally) -> None:
        for row in rows:
            if not row:
                continue
            tally.rows_read += 1
            if self._profile_name is None:
                self._profile_name = name_key(
                    _cell(row, columns, "first_name"), _cell(row, columns, "last_name")
                )
                if self._profile_name is not None:
                    tally.rows_used += 1
                    tally.notes[Note.OWNER_NAME_READ.value] += 1

    def _survey_people(
        self, kind: FileKind, rows: Iterator[Row], columns: Columns, connections: set[str]
    ) -> None:
        """Learn name/profile pairs and roles; for files without people, just read them through."""
        directory = self._directory
        if kind is FileKind.CONNECTIONS or kind in (
            FileKind.ENDORSEMENTS_GIVEN,
            FileKind.ENDORSEMENTS_RECEIVED,
        ):
            limit = self._limits.max_identities
            for row in rows:
                url = _cell(row, columns, "url")
                profile = directory.profile(url) if url else None
                name = name_key(_cell(row, columns, "first_name"), _cell(row, columns, "last_name"))
                directory.learn(profile, name)
                if kind is FileKind.CONNECTIONS:
                    key = profile or name
                    directory.set_role(key, infer_role(_cell(row, columns, "position")))
                    if key is not None and len(connections) < limit:
                        connections.add(key)
        elif kind is FileKind.INVITATIONS:
            for row in rows:
                for url_column, name_column in (("inviter_url", "from"), ("invitee_url", "to")):
                    url = _cell(row, columns, url_column)
                    if url:
                        directory.learn(directory.profile(url), name_key(_cell(row, columns, name_column)))
        elif kind in (FileKind.RECOMMENDATIONS_GIVEN, FileKind.RECOMMENDATIONS_RECEIVED):
            for row in rows:
                name = name_key(_cell(row, columns, "first_name"), _cell(row, columns, "last_name"))
                directory.set_role(name, infer_role(_cell(row, columns, "title")))
        else:
            for _ in rows:
                pass

    def _survey_messages(
        self, rows: Iterator[Row], columns: Columns, participants: Counter[str], senders_in_sent: Counter[str]
    ) -> None:
        """Count how many messages each person takes part in (the owner is in all of them)."""
        directory = self._directory
        limit = self._limits.max_identities
        for row in rows:
            if not row or self._message_skip(row, columns) is not None:
                continue
            url = _cell(row, columns, "sender_url")
            profile = directory.profile(url) if url else None
            name = name_key(_cell(row, columns, "from"))
            directory.learn(profile, name)
            sender = profile or name
            recipient_profiles = self._recipient_profiles(row, columns)
            recipient_names = _names(_cell(row, columns, "to"))
            if len(recipient_profiles) == len(recipient_names):
                for recipient_profile, recipient_name in zip(
                    recipient_profiles, recipient_names, strict=True
                ):
                    directory.learn(recipient_profile, recipient_name)
            people = set(recipient_profiles or recipient_names)
            if sender is not None:
                people.add(sender)
            for person in people:
                if person in participants or len(participants) < limit:
                    participants[person] += 1
            if sender is not None and _cell(row, columns, "folder").strip().upper() == "SENT":
                senders_in_sent[sender] += 1

    def _identify_owner(
        self, participants: Counter[str], senders_in_sent: Counter[str], connections: set[str]
    ) -> None:
        directory = self._directory

        def canonical(key: str) -> str:
            if key.startswith("name:"):
                return directory.canonical(None, key) or key
            return key

        counts: Counter[str] = Counter()
        for key, count in participants.items():
            counts[canonical(key)] += count
        if not counts:
            self._owner_source = "not_found"
            return
        if self._owner_hint:
            hinted = identity_key(self._owner_hint)
            hinted = canonical(hinted) if hinted is not None else None
            if hinted is not None and hinted in counts:
                self._owner, self._owner_source = hinted, "hint"
                return
            self._warnings.append(
                ImportIssue(
                    code="owner_hint_not_found",
                    message="the owner hint matches nobody in messages.csv; the owner was inferred instead",
                    file=FileKind.MESSAGES.value,
                )
            )
        top = max(counts.values())
        candidates = [key for key, count in counts.items() if count == top]
        if len(candidates) == 1:
            self._owner, self._owner_source = candidates[0], "message_pattern"
            return
        # A tie (a single conversation, say): the profile's own name, then who sends from SENT, then
        # who is not among the connections (nobody is their own connection).
        profile = canonical(self._profile_name) if self._profile_name is not None else None
        if profile in candidates:
            self._owner, self._owner_source = profile, "profile"
            return
        sent = {canonical(key): count for key, count in senders_in_sent.items()}
        in_sent = [key for key in candidates if sent.get(key)]
        if len(in_sent) == 1:
            self._owner, self._owner_source = in_sent[0], "message_pattern"
            return
        known = {canonical(key) for key in connections}
        strangers = [key for key in candidates if key not in known]
        if len(strangers) == 1:
            self._owner, self._owner_source = strangers[0], "message_pattern"
            return
        self._owner_source = "not_found"
        self._warnings.append(
            ImportIssue(
                code="owner_not_identified",
                message="who sent which message could not be told apart; "
                "pass the owner's profile URL or name as a hint to import messages",
                file=FileKind.MESSAGES.value,
            )
        )

    # -- pass 2: the events ----------------------------------------------------------------------------------

    def _event_pass(self) -> Iterator[ActivityEvent]:
        archive = self._archive
        completed = False
        try:
            if archive is None or self._finished:
                completed = True
                return
            handlers: dict[
                FileKind, Callable[[Iterator[Row], Columns, FileTally], Iterator[ActivityEvent]]
            ] = {
                FileKind.CONNECTIONS: self._connections,
                FileKind.INVITATIONS: self._invitations,
                FileKind.MESSAGES: self._messages,
                FileKind.ENDORSEMENTS_GIVEN: self._endorsements(T.ENDORSEMENT_GIVEN),
                FileKind.ENDORSEMENTS_RECEIVED: self._endorsements(T.ENDORSEMENT_RECEIVED),
                FileKind.RECOMMENDATIONS_GIVEN: self._recommendations(T.RECOMMENDATION_GIVEN),
                FileKind.RECOMMENDATIONS_RECEIVED: self._recommendations(T.RECOMMENDATION_RECEIVED),
                FileKind.SHARES: self._dated(T.KNOWLEDGE_SHARED, "date", "link"),
                FileKind.COMMENTS: self._dated(T.COMMENT_MADE, "date", "link"),
                FileKind.REACTIONS: self._dated(T.REACTION_MADE, "date", "link"),
                FileKind.LEARNING: self._learning,
                FileKind.CERTIFICATIONS: self._dated(T.CERTIFICATION_EARNED, "date", "name"),
                FileKind.PROJECTS: self._dated(T.PROJECT_STARTED, "date", "title"),
                FileKind.JOB_APPLICATIONS: self._dated(T.JOB_APPLICATION, "date", "job_url"),
            }
            for kind in _EVENT_ORDER:
                source = self._sources.get(kind)
                if source is None or source.failed:
                    continue
                tally = source.tally
                for member, columns in zip(source.members, source.columns, strict=True):
                    try:
                        rows = archive.rows(member)
                        _skip_to_header(rows, columns, source.spec, self._limits.max_header_search_rows)
                        yield from handlers[kind](rows, columns, tally)
                    except MemberUnreadable as unreadable:
                        # the survey read this member without trouble: the archive changed under us
                        tally.error = ImportIssue(
                            code=unreadable.code, message=unreadable.message, file=kind.value
                        )
                        break
                    except _EventLimitReached:
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
                if tally.error is None and tally.rows_read > 0 and not tally.events:
                    tally.error = ImportIssue(
                        code="no_usable_rows",
                        message=f"none of the {tally.rows_read:,} rows could be used (see rows_skipped)",
                        file=kind.value,
                    )
            completed = True
        finally:
            # a consumer that stops early leaves the report unfinished (finished stays False)
            if completed:
                self._finish()
            self.close()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self._events_total == 0 and not self._errors:
            self._errors.append(
                ImportIssue(code="no_usable_data", message="no activity could be derived from the archive")
            )

    def _when(self, text: str, tally: FileTally) -> datetime | None:
        """The row's date, or None with the reason counted."""
        if not text or text.strip().casefold() in _NOT_A_DATE:
            tally.skip(SkipReason.MISSING_DATE)
            return None
        moment = parse_export_date(text)
        if moment is None:
            tally.skip(SkipReason.UNPARSEABLE_DATE)
        elif moment < EARLIEST_ACTIVITY:
            tally.skip(SkipReason.DATE_BEFORE_1990)
        elif moment > self._latest:
            tally.skip(SkipReason.DATE_IN_FUTURE)
        else:
            return moment
        return None

    def _event(
        self, kind: ActivityType, when: datetime, person: str | None, tally: FileTally, *id_parts: str
    ) -> ActivityEvent:
        if self._events_total >= self._limits.max_events:
            raise _EventLimitReached
        directory = self._directory
        counterpart = directory.counterpart_id(person) if person is not None else None
        role = directory.role(person)
        # Every value is built here and already valid (a known type, an aware UTC time within range, a
        # 32-hex digest, a 35-character id): model_construct skips re-validating 200,000 of them.
        event = ActivityEvent.model_construct(
            id=directory.event_id(kind.value, *id_parts),
            type=kind,
            occurred_at=when,
            counterpart=counterpart,
            counterpart_role=role,
        )
        self._events_total += 1
        self._events_by_type[kind.value] += 1
        tally.events[kind.value] += 1
        if counterpart is None:
            if kind not in _UNPERSONAL:  # (a connection without one is counted as a hidden profile)
                tally.notes[Note.COUNTERPART_UNKNOWN.value] += 1
        elif not self._counterparts_overflow:
            self._counterparts.add(counterpart)
            self._counterparts_overflow = len(self._counterparts) >= self._limits.max_identities
        if role is not None:
            tally.notes[_ROLE_NOTES[role].value] += 1
        if self._first is None or when < self._first:
            self._first = when
        if self._last is None or when > self._last:
            self._last = when
        return event

    def _person(self, url: str, name: str | None) -> str | None:
        directory = self._directory
        return directory.canonical(directory.profile(url) if url else None, name)

    def _connections(
        self, rows: Iterator[Row], columns: Columns, tally: FileTally
    ) -> Iterator[ActivityEvent]:
        hidden_on: Counter[str] = Counter()
        for row in rows:
            if not _counted(row, tally):
                continue
            raw_date = _cell(row, columns, "date")
            when = self._when(raw_date, tally)
            if when is None:
                continue
            person = self._person(
                _cell(row, columns, "url"),
                name_key(_cell(row, columns, "first_name"), _cell(row, columns, "last_name")),
            )
            tally.rows_used += 1
            if person is None:
                tally.notes[Note.HIDDEN_PROFILE.value] += 1
                hidden_on[raw_date] += 1
                yield self._event(
                    T.CONNECTION_MADE, when, None, tally, raw_date, f"hidden#{hidden_on[raw_date]}"
                )
            else:
                yield self._event(T.CONNECTION_MADE, when, person, tally, raw_date, person)

    def _invitations(
        self, rows: Iterator[Row], columns: Columns, tally: FileTally
    ) -> Iterator[ActivityEvent]:
        for row in rows:
            if not _counted(row, tally):
                continue
            direction = _cell(row, columns, "direction").strip().upper()
            if direction == "OUTGOING":
                kind, url, name = T.INVITATION_SENT, "invitee_url", "to"
            elif direction == "INCOMING":
                kind, url, name = T.INVITATION_RECEIVED, "inviter_url", "from"
            else:
                tally.skip(SkipReason.UNKNOWN_DIRECTION)
                continue
            raw_date = _cell(row, columns, "date")
            when = self._when(raw_date, tally)
            if when is None:
                continue
            person = self._person(_cell(row, columns, url), name_key(_cell(row, columns, name)))
            tally.rows_used += 1
            yield self._event(kind, when, person, tally, raw_date, person or "")

    def _message_skip(self, row: Row, columns: Columns) -> SkipReason | None:
        """Drafts, spam, sponsored InMail and LinkedIn's own messages are not networking."""
        folder = _cell(row, columns, "folder").strip().upper()
        if (
            folder in _DRAFT_FOLDERS
            or _cell(row, columns, "message_draft").strip().casefold() in _TRUE
            or _cell(row, columns, "conversation_draft").strip().casefold() in _TRUE
        ):
            return SkipReason.DRAFT
        if any(marker in folder for marker in _SPAM_FOLDERS):
            return SkipReason.SPAM
        if any(marker in folder for marker in _SPONSORED_FOLDERS):
            return SkipReason.SPONSORED
        sender = _cell(row, columns, "from").strip().casefold()
        if sender.startswith("sponsored") or _cell(row, columns, "title").strip().casefold().startswith(
            "sponsored"
        ):
            return SkipReason.SPONSORED
        url = _cell(row, columns, "sender_url")
        if url and is_company_page(self._directory.profile(url)):
            return SkipReason.SPONSORED
        if sender in _SYSTEM_SENDERS and not url:
            return SkipReason.SYSTEM_MESSAGE
        return None

    def _recipient_profiles(self, row: Row, columns: Columns) -> list[str]:
        text = _cell(row, columns, "recipient_urls")
        if not text:
            return []
        profile = self._directory.profile
        keys = [profile(part) for part in _LIST_SEPARATOR.split(text) if part]
        return [key for key in keys if key is not None]

    def _messages(self, rows: Iterator[Row], columns: Columns, tally: FileTally) -> Iterator[ActivityEvent]:
        owner = self._owner
        directory = self._directory
        cap = self._limits.max_recipients_per_message
        for row in rows:
            if not _counted(row, tally):
                continue
            reason = self._message_skip(row, columns)
            if reason is not None:
                tally.skip(reason)
                continue
            raw_date = _cell(row, columns, "date")
            when = self._when(raw_date, tally)
            if when is None:
                continue
            if owner is None:
                tally.skip(SkipReason.OWNER_NOT_IDENTIFIED)
                continue
            conversation = _cell(row, columns, "conversation")
            sender = self._person(_cell(row, columns, "sender_url"), name_key(_cell(row, columns, "from")))
            if sender != owner:
                tally.rows_used += 1
                yield self._event(
                    T.MESSAGE_RECEIVED, when, sender, tally, conversation, raw_date, sender or ""
                )
                continue
            recipients = self._recipient_profiles(row, columns) or [
                directory.canonical(None, name) or name for name in _names(_cell(row, columns, "to"))
            ]
            others = list(dict.fromkeys(key for key in recipients if key != owner))
            if not others:
                if recipients:
                    tally.skip(SkipReason.MESSAGE_TO_SELF)
                    continue
                tally.rows_used += 1
                yield self._event(T.MESSAGE_SENT, when, None, tally, conversation, raw_date, owner)
                continue
            if len(others) > cap:
                tally.notes[Note.RECIPIENTS_CAPPED.value] += len(others) - cap
            tally.rows_used += 1
            for person in others[:cap]:
                yield self._event(T.MESSAGE_SENT, when, person, tally, conversation, raw_date, owner, person)

    def _endorsements(
        self, kind: ActivityType
    ) -> Callable[[Iterator[Row], Columns, FileTally], Iterator[ActivityEvent]]:
        def read(rows: Iterator[Row], columns: Columns, tally: FileTally) -> Iterator[ActivityEvent]:
            # Endorsing five skills of one person at one sitting is one act of recognition, not five.
            seen: set[tuple[str, str]] = set()
            for row in rows:
                if not _counted(row, tally):
                    continue
                if _cell(row, columns, "status").strip().upper() in _WITHDRAWN:
                    tally.skip(SkipReason.NOT_ACCEPTED)
                    continue
                raw_date = _cell(row, columns, "date")
                when = self._when(raw_date, tally)
                if when is None:
                    continue
                person = self._person(
                    _cell(row, columns, "url"),
                    name_key(_cell(row, columns, "first_name"), _cell(row, columns, "last_name")),
                )
                day = when.date().isoformat()
                if person is not None:
                    if (person, day) in seen:
                        tally.skip(SkipReason.REPEAT_SAME_DAY)
                        continue
                    if len(seen) < self._limits.max_identities:
                        seen.add((person, day))
                tally.rows_used += 1
                parts = (day, person) if person is not None else (raw_date, _cell(row, columns, "skill"))
                yield self._event(kind, when, person, tally, *parts)

        return read

    def _recommendations(
        self, kind: ActivityType
    ) -> Callable[[Iterator[Row], Columns, FileTally], Iterator[ActivityEvent]]:
        def read(rows: Iterator[Row], columns: Columns, tally: FileTally) -> Iterator[ActivityEvent]:
            for row in rows:
                if not _counted(row, tally):
                    continue
                if _cell(row, columns, "status").strip().upper() in _WITHDRAWN:
                    tally.skip(SkipReason.NOT_ACCEPTED)
                    continue
                raw_date = _cell(row, columns, "date")
                when = self._when(raw_date, tally)
                if when is None:
                    continue
                name = name_key(_cell(row, columns, "first_name"), _cell(row, columns, "last_name"))
                person = self._directory.canonical(None, name)
                tally.rows_used += 1
                yield self._event(kind, when, person, tally, raw_date, person or "")

        return read

    def _dated(
        self, kind: ActivityType, date_column: str, identity_column: str
    ) -> Callable[[Iterator[Row], Columns, FileTally], Iterator[ActivityEvent]]:
        """Files of the owner's own dated actions (no other person): shares, reactions, applications..."""

        def read(rows: Iterator[Row], columns: Columns, tally: FileTally) -> Iterator[ActivityEvent]:
            repeats: Counter[tuple[str, str]] = Counter()
            for row in rows:
                if not _counted(row, tally):
                    continue
                raw_date = _cell(row, columns, date_column)
                when = self._when(raw_date, tally)
                if when is None:
                    continue
                identity = (raw_date, _cell(row, columns, identity_column))
                repeats[identity] += 1
                tally.rows_used += 1
                yield self._event(kind, when, None, tally, *identity, str(repeats[identity]))

        return read

    def _learning(self, rows: Iterator[Row], columns: Columns, tally: FileTally) -> Iterator[ActivityEvent]:
        for row in rows:
            if not _counted(row, tally):
                continue
            if _cell(row, columns, "type").strip().casefold() not in _COURSE_TYPES:
                tally.skip(SkipReason.NOT_A_COURSE)
                continue
            raw_date = _cell(row, columns, "completed")
            if not raw_date.strip() or raw_date.strip().casefold() in _NOT_A_DATE:
                tally.skip(SkipReason.NOT_COMPLETED)
                continue
            when = self._when(raw_date, tally)
            if when is None:
                continue
            tally.rows_used += 1
            yield self._event(T.SKILL_LEARNED, when, None, tally, raw_date, _cell(row, columns, "title"))


_UNPERSONAL = frozenset(
    {
        T.CONNECTION_MADE,
        T.KNOWLEDGE_SHARED,
        T.COMMENT_MADE,
        T.REACTION_MADE,
        T.SKILL_LEARNED,
        T.CERTIFICATION_EARNED,
        T.PROJECT_STARTED,
        T.JOB_APPLICATION,
    }
)


class _EventLimitReached(Exception):
    pass


def _cell(row: Row, columns: Columns, name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(row):
        return ""
    return row[index]


def _counted(row: Row, tally: FileTally) -> bool:
    """Count a data row as read; False for rows with nothing in them (blank lines are not rows)."""
    if not row:
        return False
    tally.rows_read += 1
    if not any(cell.strip() for cell in row):
        tally.skip(SkipReason.BLANK)
        return False
    return True


def _names(text: str) -> list[str]:
    """Recipient names as keys (TO lists several names separated by commas)."""
    keys = (name_key(part) for part in text.split(","))
    return [key for key in keys if key is not None]


def _skip_to_header(rows: Iterator[Row], columns: Columns, spec: ExportFile, search_rows: int) -> None:
    """Advance past the preamble and header found in the survey (the same rows, read again)."""
    required = spec.required()
    for _ in range(search_rows):
        record = next(rows, None)
        if record is None:
            return
        cells = [normalise_header(cell) for cell in record]
        if all(
            columns[column.name] < len(cells) and cells[columns[column.name]] in column.headers
            for column in required
        ):
            return
