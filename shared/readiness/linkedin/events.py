"""The second pass over an export: each file's rows turned into activity events, one at a time.

What each file gives (docs/linkedin-import.md has the full mapping and its reasons):

| file | event | counterpart |
| --- | --- | --- |
| Connections.csv | connection_made | the connection (none for a hidden profile) |
| Invitations.csv | invitation_sent / invitation_received (Direction) | invitee / inviter |
| messages.csv | message_sent (one per recipient, capped) / message_received | recipient / sender |
| Endorsement_Given_Info.csv / _Received_ | endorsement_given / _received (one a person a day) | the person |
| Recommendations_Given.csv / _Received_ | recommendation_given / recommendation_received | by name |
| Shares.csv, Comments.csv, Reactions.csv | knowledge_shared, comment_made, reaction_made | none |
| Learning.csv | skill_learned (completed courses and learning paths) | none |
| Certifications.csv, Projects.csv | certification_earned, project_started | none |
| Jobs/Job Applications.csv | job_application | none |
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

from readiness.activity import ActivityEvent, ActivityType, CounterpartRole
from readiness.linkedin.counterparts import CounterpartDirectory
from readiness.linkedin.dates import parse_export_date
from readiness.linkedin.files import FileKind
from readiness.linkedin.limits import ImportLimits
from readiness.linkedin.report import FileTally, Note, SkipReason
from readiness.linkedin.rows import (
    Columns,
    MessageColumns,
    Row,
    counted,
    message_skip,
    recipient_names,
    recipient_profiles,
)
from readiness.submission import CLOCK_SKEW, EARLIEST_ACTIVITY

T = ActivityType
Reader = Callable[[Iterator[Row], Columns, FileTally], Iterator[ActivityEvent]]

_WITHDRAWN = frozenset({"REJECTED", "REVOKED", "WITHDRAWN", "DELETED", "DECLINED"})
_COURSE_TYPES = frozenset({"", "course", "courses", "learning path", "learning_path", "path"})
_NOT_A_DATE = frozenset({"n/a", "na", "-", "none", "null"})
_ROLE_NOTES = {
    CounterpartRole.RECRUITER: Note.ROLE_RECRUITER.value,
    CounterpartRole.HIRING_MANAGER: Note.ROLE_HIRING_MANAGER.value,
}
# Types whose events never name a person: no "counterpart unknown" note for them.
_IMPERSONAL = frozenset(
    {
        T.CONNECTION_MADE,  # a connection without a counterpart is counted as a hidden profile instead
        T.KNOWLEDGE_SHARED,
        T.COMMENT_MADE,
        T.REACTION_MADE,
        T.SKILL_LEARNED,
        T.CERTIFICATION_EARNED,
        T.PROJECT_STARTED,
        T.JOB_APPLICATION,
    }
)
_ALL_FIELDS = set(ActivityEvent.model_fields)  # shared by every event built here (never mutated)


class EventLimitReached(Exception):
    """More events than ImportLimits.max_events."""


class EventDeriver:
    """Turns rows into events and keeps the totals the report shows (types, people, date range)."""

    def __init__(
        self, directory: CounterpartDirectory, *, now: datetime, owner: str | None, limits: ImportLimits
    ) -> None:
        self._directory = directory
        self._latest = now + CLOCK_SKEW
        self._owner = owner
        self._limits = limits
        self.total = 0
        self.by_type: Counter[str] = Counter()
        self.counterparts: set[str] = set()
        self.first: datetime | None = None
        self.last: datetime | None = None

    def reader(self, kind: FileKind) -> Reader:
        readers: dict[FileKind, Reader] = {
            FileKind.CONNECTIONS: self._connections,
            FileKind.INVITATIONS: self._invitations,
            FileKind.MESSAGES: self._messages,
            FileKind.ENDORSEMENTS_GIVEN: self._endorsements(T.ENDORSEMENT_GIVEN),
            FileKind.ENDORSEMENTS_RECEIVED: self._endorsements(T.ENDORSEMENT_RECEIVED),
            FileKind.RECOMMENDATIONS_GIVEN: self._recommendations(T.RECOMMENDATION_GIVEN),
            FileKind.RECOMMENDATIONS_RECEIVED: self._recommendations(T.RECOMMENDATION_RECEIVED),
            FileKind.SHARES: self._own_actions(T.KNOWLEDGE_SHARED, "link"),
            FileKind.COMMENTS: self._own_actions(T.COMMENT_MADE, "link"),
            FileKind.REACTIONS: self._own_actions(T.REACTION_MADE, "link"),
            FileKind.LEARNING: self._learning,
            FileKind.CERTIFICATIONS: self._own_actions(T.CERTIFICATION_EARNED, "name"),
            FileKind.PROJECTS: self._own_actions(T.PROJECT_STARTED, "title"),
            FileKind.JOB_APPLICATIONS: self._own_actions(T.JOB_APPLICATION, "job_url"),
        }
        return readers[kind]

    # -- shared steps ----------------------------------------------------------------------------------------

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

    def _person(self, url: str, name: str) -> str | None:
        """The key of the person a row names by profile URL and/or full name."""
        directory = self._directory
        return directory.canonical(directory.profile(url) if url else None, directory.name(name))

    def _event(
        self, kind: ActivityType, when: datetime, person: str | None, tally: FileTally, *id_parts: str
    ) -> ActivityEvent:
        if self.total >= self._limits.max_events:
            raise EventLimitReached
        directory = self._directory
        counterpart = directory.counterpart_id(person) if person is not None else None
        role = directory.role(person)
        # Every value is built here and already valid (a known type, an aware UTC time within range, a
        # 32-hex digest, a 35-character id): model_construct skips re-validating 200,000 of them.
        event = ActivityEvent.model_construct(
            _ALL_FIELDS,
            id=directory.event_id(kind.value, *id_parts),
            type=kind,
            occurred_at=when,
            counterpart=counterpart,
            counterpart_role=role,
        )
        self.total += 1
        self.by_type[kind.value] += 1
        tally.events[kind.value] += 1
        if counterpart is None:
            if kind not in _IMPERSONAL:
                tally.notes[Note.COUNTERPART_UNKNOWN.value] += 1
        elif len(self.counterparts) < self._limits.max_identities:
            self.counterparts.add(counterpart)
        if role is not None:
            tally.notes[_ROLE_NOTES[role]] += 1
        if self.first is None or when < self.first:
            self.first = when
        if self.last is None or when > self.last:
            self.last = when
        return event

    # -- the files -----------------------------------------------------------------------------------------

    def _connections(
        self, rows: Iterator[Row], columns: Columns, tally: FileTally
    ) -> Iterator[ActivityEvent]:
        first, last, url, date = (columns[c] for c in ("first_name", "last_name", "url", "date"))
        hidden_on: Counter[str] = Counter()
        for row in rows:
            if not counted(row, tally):
                continue
            when = self._when(row[date], tally)
            if when is None:
                continue
            person = self._person(row[url], f"{row[first]} {row[last]}")
            tally.rows_used += 1
            if person is None:
                tally.notes[Note.HIDDEN_PROFILE.value] += 1
                if row[date] in hidden_on or len(hidden_on) < self._limits.max_identities:
                    hidden_on[row[date]] += 1
                yield self._event(
                    T.CONNECTION_MADE, when, None, tally, row[date], f"hidden#{hidden_on[row[date]]}"
                )
            else:
                yield self._event(T.CONNECTION_MADE, when, person, tally, row[date], person)

    def _invitations(
        self, rows: Iterator[Row], columns: Columns, tally: FileTally
    ) -> Iterator[ActivityEvent]:
        direction_at, date = columns["direction"], columns["date"]
        outgoing = (T.INVITATION_SENT, columns["invitee_url"], columns["to"])
        incoming = (T.INVITATION_RECEIVED, columns["inviter_url"], columns["from"])
        for row in rows:
            if not counted(row, tally):
                continue
            direction = row[direction_at].strip().upper()
            if direction not in ("OUTGOING", "INCOMING"):
                tally.skip(SkipReason.UNKNOWN_DIRECTION)
                continue
            kind, url, name = outgoing if direction == "OUTGOING" else incoming
            when = self._when(row[date], tally)
            if when is None:
                continue
            person = self._person(row[url], row[name])
            tally.rows_used += 1
            yield self._event(kind, when, person, tally, row[date], person or "")

    def _messages(self, rows: Iterator[Row], columns: Columns, tally: FileTally) -> Iterator[ActivityEvent]:
        owner = self._owner
        directory = self._directory
        cap = self._limits.max_recipients_per_message
        at = MessageColumns.of(columns)
        for row in rows:
            if not counted(row, tally):
                continue
            reason = message_skip(row, at, directory)
            if reason is not None:
                tally.skip(reason)
                continue
            raw_date = row[at.date]
            when = self._when(raw_date, tally)
            if when is None:
                continue
            if owner is None:
                tally.skip(SkipReason.OWNER_NOT_IDENTIFIED)
                continue
            conversation = row[at.conversation]
            sender = self._person(row[at.sender_url], row[at.sender])
            if sender != owner:
                tally.rows_used += 1
                yield self._event(
                    T.MESSAGE_RECEIVED, when, sender, tally, conversation, raw_date, sender or ""
                )
                continue
            recipients = recipient_profiles(row, at, directory) or [
                directory.canonical(None, name) or name for name in recipient_names(row, at, directory)
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

    def _endorsements(self, kind: ActivityType) -> Reader:
        def read(rows: Iterator[Row], columns: Columns, tally: FileTally) -> Iterator[ActivityEvent]:
            first, last, url, date, status, skill = (
                columns[c] for c in ("first_name", "last_name", "url", "date", "status", "skill")
            )
            # Endorsing five skills of one person at one sitting is one act of recognition, not five.
            seen: set[tuple[str, str]] = set()
            for row in rows:
                if not counted(row, tally):
                    continue
                if row[status].strip().upper() in _WITHDRAWN:
                    tally.skip(SkipReason.NOT_ACCEPTED)
                    continue
                when = self._when(row[date], tally)
                if when is None:
                    continue
                person = self._person(row[url], f"{row[first]} {row[last]}")
                day = when.date().isoformat()
                if person is not None:
                    if (person, day) in seen:
                        tally.skip(SkipReason.REPEAT_SAME_DAY)
                        continue
                    if len(seen) < self._limits.max_identities:
                        seen.add((person, day))
                tally.rows_used += 1
                parts = (day, person) if person is not None else (row[date], row[skill])
                yield self._event(kind, when, person, tally, *parts)

        return read

    def _recommendations(self, kind: ActivityType) -> Reader:
        def read(rows: Iterator[Row], columns: Columns, tally: FileTally) -> Iterator[ActivityEvent]:
            first, last, date, status = (columns[c] for c in ("first_name", "last_name", "date", "status"))
            for row in rows:
                if not counted(row, tally):
                    continue
                if row[status].strip().upper() in _WITHDRAWN:
                    tally.skip(SkipReason.NOT_ACCEPTED)
                    continue
                when = self._when(row[date], tally)
                if when is None:
                    continue
                person = self._person("", f"{row[first]} {row[last]}")
                tally.rows_used += 1
                yield self._event(kind, when, person, tally, row[date], person or "")

        return read

    def _own_actions(self, kind: ActivityType, identity_column: str) -> Reader:
        """Files of the owner's own dated actions, with no other person: shares, reactions, applications."""

        def read(rows: Iterator[Row], columns: Columns, tally: FileTally) -> Iterator[ActivityEvent]:
            date, identity_at = columns["date"], columns[identity_column]
            # rows without a link or title are told apart by their order among rows of the same date
            unnamed: Counter[str] = Counter()
            for row in rows:
                if not counted(row, tally):
                    continue
                when = self._when(row[date], tally)
                if when is None:
                    continue
                identity = row[identity_at]
                if not identity and (row[date] in unnamed or len(unnamed) < self._limits.max_identities):
                    unnamed[row[date]] += 1
                    identity = f"#{unnamed[row[date]]}"
                tally.rows_used += 1
                yield self._event(kind, when, None, tally, row[date], identity)

        return read

    def _learning(self, rows: Iterator[Row], columns: Columns, tally: FileTally) -> Iterator[ActivityEvent]:
        title, content_type, completed = columns["title"], columns["type"], columns["completed"]
        for row in rows:
            if not counted(row, tally):
                continue
            if row[content_type].strip().casefold() not in _COURSE_TYPES:
                tally.skip(SkipReason.NOT_A_COURSE)
                continue
            raw_date = row[completed].strip()
            if not raw_date or raw_date.casefold() in _NOT_A_DATE:
                tally.skip(SkipReason.NOT_COMPLETED)
                continue
            when = self._when(raw_date, tally)
            if when is None:
                continue
            tally.rows_used += 1
            yield self._event(T.SKILL_LEARNED, when, None, tally, raw_date, row[title])
