"""The export files this import reads: how each is recognised, and its columns by header name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class FileKind(StrEnum):
    PROFILE = "Profile.csv"
    CONNECTIONS = "Connections.csv"
    INVITATIONS = "Invitations.csv"
    MESSAGES = "messages.csv"
    ENDORSEMENTS_GIVEN = "Endorsement_Given_Info.csv"
    ENDORSEMENTS_RECEIVED = "Endorsement_Received_Info.csv"
    RECOMMENDATIONS_GIVEN = "Recommendations_Given.csv"
    RECOMMENDATIONS_RECEIVED = "Recommendations_Received.csv"
    SHARES = "Shares.csv"
    COMMENTS = "Comments.csv"
    REACTIONS = "Reactions.csv"
    LEARNING = "Learning.csv"
    CERTIFICATIONS = "Certifications.csv"
    PROJECTS = "Projects.csv"
    JOB_APPLICATIONS = "Jobs/Job Applications.csv"


def normalise_header(cell: str) -> str:
    """Header cells compare without case, byte-order marks or extra spaces."""
    return " ".join(cell.replace("\ufeff", "").split()).casefold()


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # what the parser calls it
    headers: tuple[str, ...]  # the header texts it goes by, in any case and spacing
    required: bool = False


@dataclass(frozen=True, slots=True)
class ExportFile:
    kind: FileKind
    pattern: re.Pattern[str]  # matched against the member's base name, case-insensitively
    columns: tuple[Column, ...]
    multipart: bool = False  # several members may hold parts of it (Job Applications_1.csv, ...)

    def required(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.required)


def _file(kind: FileKind, pattern: str, *columns: Column, multipart: bool = False) -> ExportFile:
    return ExportFile(kind, re.compile(pattern, re.IGNORECASE), columns, multipart)


def _col(name: str, *headers: str, required: bool = False) -> Column:
    return Column(name, tuple(normalise_header(header) for header in headers), required)


_FIRST = _col("first_name", "First Name")
_LAST = _col("last_name", "Last Name")

EXPORT_FILES: tuple[ExportFile, ...] = (
    _file(FileKind.PROFILE, r"profile\.csv", _col("first_name", "First Name", required=True), _LAST),
    _file(
        FileKind.CONNECTIONS,
        r"connections\.csv",
        _FIRST,
        _LAST,
        _col("url", "URL", "Profile URL"),
        _col("position", "Position"),
        _col("date", "Connected On", required=True),
    ),
    _file(
        FileKind.INVITATIONS,
        r"invitations\.csv",
        _col("from", "From"),
        _col("to", "To"),
        _col("date", "Sent At", required=True),
        _col("direction", "Direction", required=True),
        _col("inviter_url", "inviterProfileUrl", "Inviter Profile Url"),
        _col("invitee_url", "inviteeProfileUrl", "Invitee Profile Url"),
    ),
    _file(
        FileKind.MESSAGES,
        r"messages\.csv",
        _col("conversation", "CONVERSATION ID"),
        _col("title", "CONVERSATION TITLE"),
        _col("from", "FROM", required=True),
        _col("sender_url", "SENDER PROFILE URL"),
        _col("to", "TO"),
        _col("recipient_urls", "RECIPIENT PROFILE URLS"),
        _col("date", "DATE", required=True),
        _col("folder", "FOLDER"),
        _col("message_draft", "IS MESSAGE DRAFT"),
        _col("conversation_draft", "IS CONVERSATION DRAFT"),
    ),
    _file(
        FileKind.ENDORSEMENTS_GIVEN,
        r"endorsement_given_info\.csv",
        _col("date", "Endorsement Date", required=True),
        _col("skill", "Skill Name"),
        _col("first_name", "Endorsee First Name"),
        _col("last_name", "Endorsee Last Name"),
        _col("url", "Endorsee Public Url"),
        _col("status", "Endorsement Status"),
    ),
    _file(
        FileKind.ENDORSEMENTS_RECEIVED,
        r"endorsement_received_info\.csv",
        _col("date", "Endorsement Date", required=True),
        _col("skill", "Skill Name"),
        _col("first_name", "Endorser First Name"),
        _col("last_name", "Endorser Last Name"),
        _col("url", "Endorser Public Url"),
        _col("status", "Endorsement Status"),
    ),
    *(
        _file(
            kind,
            pattern,
            _FIRST,
            _LAST,
            _col("title", "Job Title"),
            _col("date", "Creation Date", required=True),
            _col("status", "Status"),
        )
        for kind, pattern in (
            (FileKind.RECOMMENDATIONS_GIVEN, r"recommendations_given\.csv"),
            (FileKind.RECOMMENDATIONS_RECEIVED, r"recommendations_received\.csv"),
        )
    ),
    _file(
        FileKind.SHARES,
        r"shares(?:_\d+)?\.csv",
        _col("date", "Date", required=True),
        _col("link", "ShareLink"),
    ),
    _file(
        FileKind.COMMENTS,
        r"comments(?:_\d+)?\.csv",
        _col("date", "Date", required=True),
        _col("link", "Link"),
    ),
    _file(
        FileKind.REACTIONS,
        r"reactions(?:_\d+)?\.csv",
        _col("date", "Date", required=True),
        _col("type", "Type"),
        _col("link", "Link"),
    ),
    _file(
        FileKind.LEARNING,
        r"learning\.csv",
        _col("title", "Content Title", required=True),
        _col("type", "Content Type"),
        _col("completed", "Content Completed At (if completed)", "Content Completed At", required=True),
    ),
    _file(
        FileKind.CERTIFICATIONS,
        r"certifications\.csv",
        _col("name", "Name", required=True),
        _col("date", "Started On", required=True),
    ),
    _file(
        FileKind.PROJECTS,
        r"projects\.csv",
        _col("title", "Title", required=True),
        _col("date", "Started On", required=True),
    ),
    _file(
        FileKind.JOB_APPLICATIONS,
        r"job[ _]applications(?:_\d+)?\.csv",
        _col("date", "Application Date", required=True),
        _col("job_url", "Job Url"),
        multipart=True,
    ),
)
FILES_BY_KIND = {spec.kind: spec for spec in EXPORT_FILES}

# What each variant is expected to contain (reported as missing when absent). The "basic" archive is
# the one LinkedIn sends first, within minutes; the "complete" one follows within a day. Learning,
# certifications, projects and job applications exist only for members who have such data.
BASIC_FILES = (FileKind.CONNECTIONS, FileKind.MESSAGES, FileKind.INVITATIONS)
COMPLETE_FILES = (
    *BASIC_FILES,
    FileKind.ENDORSEMENTS_GIVEN,
    FileKind.ENDORSEMENTS_RECEIVED,
    FileKind.RECOMMENDATIONS_GIVEN,
    FileKind.RECOMMENDATIONS_RECEIVED,
    FileKind.SHARES,
    FileKind.COMMENTS,
    FileKind.REACTIONS,
)
# Members only the complete archive has (read or not): their presence tells the two variants apart.
_COMPLETE_ONLY_NAMES = re.compile(
    r"(?:shares|comments|reactions|instantreposts|votes)(?:_\d+)?\.csv|endorsement_(?:given|received)_info\.csv"
    r"|recommendations_(?:given|received)\.csv|learning\.csv|ad_targeting\.csv|inferences_about_you\.csv"
    r"|rich_media\.csv|logins\.csv|searchqueries\.csv",
    re.IGNORECASE,
)
_VARIANT_FOLDER = re.compile(r"(?:^|/)(basic|complete)_linkedindataexport", re.IGNORECASE)


def recognise(base_name: str) -> ExportFile | None:
    for spec in EXPORT_FILES:
        if spec.pattern.fullmatch(base_name):
            return spec
    return None


def is_complete_only(base_name: str) -> bool:
    return _COMPLETE_ONLY_NAMES.fullmatch(base_name) is not None


def variant_from_path(path: str) -> str | None:
    """LinkedIn names the folder (and the zip) Basic_LinkedInDataExport_... or Complete_...."""
    match = _VARIANT_FOLDER.search(path)
    return match.group(1).lower() if match else None
