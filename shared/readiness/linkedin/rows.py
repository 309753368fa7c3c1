"""Reading export rows by header name: the header search, padded rows, and the message row filters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from readiness.linkedin.counterparts import CounterpartDirectory, is_company_page
from readiness.linkedin.files import ExportFile, normalise_header
from readiness.linkedin.report import FileTally, SkipReason

Row = list[str]
Columns = dict[str, int]  # column name -> index in a padded row; MISSING for a column the file lacks
MISSING = -1  # every padded row ends with "", which index -1 reads

_TRUE = frozenset({"true", "yes", "y", "1"})
_SPAM_FOLDERS = ("SPAM", "JUNK")
_SPONSORED_FOLDERS = ("SPONSOR", "PROMOT", "ADVERT")
_DRAFT_FOLDERS = frozenset({"DRAFT", "DRAFTS"})
_PLAIN_FOLDERS = frozenset({"INBOX", "SENT", "ARCHIVE", "ARCHIVED"})
# LinkedIn's own senders (no profile URL): notifications and promotions, not people.
_SYSTEM_SENDERS = frozenset(
    {"linkedin", "linkedin premium", "linkedin talent solutions", "linkedin learning", "linkedin job alerts"}
)
_LIST_SEPARATOR = re.compile(r"[\s,;]+")


def find_header(rows: Iterator[Row], spec: ExportFile, search_rows: int) -> Columns | None:
    """Consume records up to and including the header (after any "Notes:" preamble); map its columns.

    Columns are found by header text (any case and spacing), never by position; the header is the
    first record holding every required column. None when no such record comes within `search_rows`.
    """
    for _ in range(search_rows):
        record = next(rows, None)
        if record is None:
            return None
        cells = [normalise_header(cell) for cell in record]
        columns: Columns = {}
        for column in spec.columns:
            columns[column.name] = next((cells.index(h) for h in column.headers if h in cells), MISSING)
        if all(columns[column.name] != MISSING for column in spec.required()):
            return columns
    return None


def padded(rows: Iterator[Row], columns: Columns) -> Iterator[Row]:
    """Rows long enough for every column index, each ending with the "" that missing columns read."""
    width = max(columns.values()) + 1
    for row in rows:
        if row:
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            row.append("")
        yield row


def counted(row: Row, tally: FileTally) -> bool:
    """Count a data row as read; False for a row with nothing in it (an empty line is not a row)."""
    if not row:
        return False
    tally.rows_read += 1
    if not any(cell.strip() for cell in row):
        tally.skip(SkipReason.BLANK)
        return False
    return True


class MessageColumns(NamedTuple):
    """The indexes of the messages.csv columns read (never SUBJECT or CONTENT)."""

    conversation: int
    title: int
    sender: int
    sender_url: int
    recipients: int
    recipient_urls: int
    date: int
    folder: int
    message_draft: int
    conversation_draft: int

    @classmethod
    def of(cls, columns: Columns) -> MessageColumns:
        return cls(
            columns["conversation"],
            columns["title"],
            columns["from"],
            columns["sender_url"],
            columns["to"],
            columns["recipient_urls"],
            columns["date"],
            columns["folder"],
            columns["message_draft"],
            columns["conversation_draft"],
        )


def message_skip(row: Row, at: MessageColumns, directory: CounterpartDirectory) -> SkipReason | None:
    """Drafts, spam, sponsored InMail and LinkedIn's own messages are not networking."""
    folder = row[at.folder].strip().upper()
    if (
        folder in _DRAFT_FOLDERS
        or row[at.message_draft].strip().casefold() in _TRUE
        or row[at.conversation_draft].strip().casefold() in _TRUE
    ):
        return SkipReason.DRAFT
    if folder and folder not in _PLAIN_FOLDERS:
        if any(marker in folder for marker in _SPAM_FOLDERS):
            return SkipReason.SPAM
        if any(marker in folder for marker in _SPONSORED_FOLDERS):
            return SkipReason.SPONSORED
    sender = row[at.sender].strip().casefold()
    if sender.startswith("sponsored") or row[at.title].strip().casefold().startswith("sponsored"):
        return SkipReason.SPONSORED
    url = row[at.sender_url]
    if url and is_company_page(directory.profile(url)):
        return SkipReason.SPONSORED
    if not url and sender in _SYSTEM_SENDERS:
        return SkipReason.SYSTEM_MESSAGE
    return None


def recipient_profiles(row: Row, at: MessageColumns, directory: CounterpartDirectory) -> list[str]:
    """Profile keys from RECIPIENT PROFILE URLS (several, separated by commas)."""
    text = row[at.recipient_urls]
    if not text:
        return []
    keys = (directory.profile(part) for part in _LIST_SEPARATOR.split(text) if part)
    return [key for key in keys if key is not None]


def recipient_names(row: Row, at: MessageColumns, directory: CounterpartDirectory) -> list[str]:
    """Name keys from TO (several names separated by commas)."""
    text = row[at.recipients]
    if not text:
        return []
    keys = (directory.name(part) for part in text.split(","))
    return [key for key in keys if key is not None]
