"""The first pass over an export: who is who (names, profiles, roles) and who owns the messages.

Nothing here produces events. It reads the people-bearing files so that the event pass can give one
person one counterpart id across files, tag recruiters, and tell sent messages from received ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from readiness.linkedin.counterparts import CounterpartDirectory, identity_key, infer_role
from readiness.linkedin.files import FileKind
from readiness.linkedin.report import FileTally, ImportIssue, Note, OwnerSource
from readiness.linkedin.rows import (
    MISSING,
    Columns,
    MessageColumns,
    Row,
    message_skip,
    recipient_names,
    recipient_profiles,
)

_PEOPLE_WITH_PROFILES = (FileKind.CONNECTIONS, FileKind.ENDORSEMENTS_GIVEN, FileKind.ENDORSEMENTS_RECEIVED)
_RECOMMENDATIONS = (FileKind.RECOMMENDATIONS_GIVEN, FileKind.RECOMMENDATIONS_RECEIVED)


class Survey:
    """What the first pass learns; `read` takes each file's rows (after its header) in turn."""

    def __init__(self, directory: CounterpartDirectory, *, max_identities: int) -> None:
        self.directory = directory
        self._limit = max_identities
        self._participants: Counter[str] = Counter()  # person key -> messages they take part in
        self._senders_in_sent: Counter[str] = Counter()
        self._connections: set[str] = set()
        self._profile_name: str | None = None

    def read(self, kind: FileKind, rows: Iterator[Row], columns: Columns, tally: FileTally) -> None:
        if kind is FileKind.MESSAGES:
            self._messages(rows, columns)
        elif kind is FileKind.PROFILE:
            self._profile(rows, columns, tally)
        elif kind in _PEOPLE_WITH_PROFILES:
            self._people(kind, rows, columns)
        elif kind is FileKind.INVITATIONS:
            self._invitations(rows, columns)
        elif kind in _RECOMMENDATIONS:
            self._recommendations(rows, columns)
        else:
            for _ in rows:  # read through: a file that is not valid CSV fails here, before any event
                pass

    def _profile(self, rows: Iterator[Row], columns: Columns, tally: FileTally) -> None:
        first, last = columns["first_name"], columns["last_name"]
        for row in rows:
            if not row:
                continue
            tally.rows_read += 1
            if self._profile_name is None:
                self._profile_name = self.directory.name(f"{row[first]} {row[last]}")
                if self._profile_name is not None:
                    tally.rows_used += 1
                    tally.notes[Note.OWNER_NAME_READ.value] += 1

    def _people(self, kind: FileKind, rows: Iterator[Row], columns: Columns) -> None:
        directory = self.directory
        # Connections and both endorsement files: a name and a profile URL (a position in Connections only)
        first, last, url_at, position = (
            columns.get(name, MISSING) for name in ("first_name", "last_name", "url", "position")
        )
        for row in rows:
            if not row:
                continue
            url = row[url_at]
            profile = directory.profile(url) if url else None
            name = directory.name(f"{row[first]} {row[last]}")
            directory.learn(profile, name)
            if kind is FileKind.CONNECTIONS:
                key = profile or name
                directory.set_role(key, infer_role(row[position]))
                if key is not None and len(self._connections) < self._limit:
                    self._connections.add(key)

    def _invitations(self, rows: Iterator[Row], columns: Columns) -> None:
        directory = self.directory
        pairs = ((columns["inviter_url"], columns["from"]), (columns["invitee_url"], columns["to"]))
        for row in rows:
            if not row:
                continue
            for url_at, name_at in pairs:
                if row[url_at]:
                    directory.learn(directory.profile(row[url_at]), directory.name(row[name_at]))

    def _recommendations(self, rows: Iterator[Row], columns: Columns) -> None:
        # Recommendations carry a name and a job title, no URL: the role is keyed by name until settle().
        first, last, title = columns["first_name"], columns["last_name"], columns["title"]
        for row in rows:
            if row:
                self.directory.set_role(
                    self.directory.name(f"{row[first]} {row[last]}"), infer_role(row[title])
                )

    def _messages(self, rows: Iterator[Row], columns: Columns) -> None:
        """Count the messages each person takes part in (the owner takes part in all of them)."""
        directory = self.directory
        participants = self._participants
        at = MessageColumns.of(columns)
        for row in rows:
            if not row or message_skip(row, at, directory) is not None:
                continue
            url = row[at.sender_url]
            profile = directory.profile(url) if url else None
            name = directory.name(row[at.sender])
            directory.learn(profile, name)
            sender = profile or name
            profiles = recipient_profiles(row, at, directory)
            names = recipient_names(row, at, directory)
            if len(profiles) == len(names):
                for recipient_profile, recipient_name in zip(profiles, names, strict=True):
                    directory.learn(recipient_profile, recipient_name)
            people = set(profiles or names)
            if sender is not None:
                people.add(sender)
                if row[at.folder].strip().upper() == "SENT":
                    self._senders_in_sent[sender] += 1
            for person in people:
                if person in participants or len(participants) < self._limit:
                    participants[person] += 1

    def owner(self, hint: str | None) -> tuple[str | None, OwnerSource, list[ImportIssue]]:
        """The owner's key in messages.csv, how it was found, and warnings. Call after settle()."""
        canonical = self._canonical
        counts: Counter[str] = Counter()
        for key, count in self._participants.items():
            counts[canonical(key)] += count
        if not counts:
            return None, "not_found", []
        warnings = []
        if hint:
            hinted = identity_key(hint)
            if hinted is not None and canonical(hinted) in counts:
                return canonical(hinted), "hint", []
            warnings.append(
                ImportIssue(
                    code="owner_hint_not_found",
                    message="the owner hint matches nobody in messages.csv; the owner was inferred instead",
                    file=FileKind.MESSAGES.value,
                )
            )
        top = max(counts.values())
        candidates = [key for key, count in counts.items() if count == top]
        if len(candidates) == 1:
            return candidates[0], "message_pattern", warnings
        # A tie (one conversation, say): the profile's own name, then the one sender filed in SENT, then
        # the one person who is not among the connections (nobody is their own connection).
        if self._profile_name is not None and canonical(self._profile_name) in candidates:
            return canonical(self._profile_name), "profile", warnings
        in_sent = {canonical(key) for key, count in self._senders_in_sent.items() if count}
        sent = [key for key in candidates if key in in_sent]
        if len(sent) == 1:
            return sent[0], "message_pattern", warnings
        connected = {canonical(key) for key in self._connections}
        strangers = [key for key in candidates if key not in connected]
        if len(strangers) == 1:
            return strangers[0], "message_pattern", warnings
        warnings.append(
            ImportIssue(
                code="owner_not_identified",
                message="who sent which message could not be told apart; "
                "pass the owner's profile URL or name as a hint to import messages",
                file=FileKind.MESSAGES.value,
            )
        )
        return None, "not_found", warnings

    def _canonical(self, key: str) -> str:
        if key.startswith("name:"):
            return self.directory.canonical(None, key) or key
        return key
