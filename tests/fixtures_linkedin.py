"""Synthetic LinkedIn data exports (invented people, fixed seeds) in every variant, and hostile archives.

`build_export(ExportOptions(...))` returns the zip bytes together with the events the parser must
derive from them and every personal string they contain (names, e-mails, URLs, message text,
subjects), so that tests can check both the counts and that none of those strings comes out.
`big_export(path, connections=..., messages=...)` streams a large export to disk for the benchmark.
"""

from __future__ import annotations

import csv
import io
import random
import struct
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from readiness.activity import ActivityType

T = ActivityType
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SALT = b"fixture-salt-0123456789abcdef"

# Syllables chosen so that every name has letters outside a-f: a name can never hide inside a hex digest.
_SYLLABLES = (
    "vor", "mel", "tra", "zin", "kel", "dor", "rhu", "nus", "shi", "bex", "lon", "quar", "pim", "sol",
    "gar", "thy", "wen", "oxo", "ril", "dra", "yul", "mir", "tov", "kaz",
)  # fmt: skip
_WORDS = (
    "roadmap", "coffee", "intro", "portfolio", "kubernetes", "hiring", "referral", "meetup", "thanks",
    "question", "project", "feedback", "conference", "python", "contract", "salary", "team", "launch",
    "interview", "mentoring", "article", "workshop", "budget", "migration", "design", "review",
)  # fmt: skip
_TITLES = (
    "Software Engineer", "Product Designer", "Director of Product", "Data Analyst", "Head of Platform",
    "Engineering Manager", "Consultant", "VP Sales", "Founder", "Staff Engineer", "Teacher",
)  # fmt: skip
_RECRUITER_TITLES = ("Technical Recruiter", "Talent Acquisition Partner", "Senior Recruiter")
_HIRING_TITLE = "Engineering Manager (hiring!)"
_COMPANIES = ("Vexmoor Labs", "Quillworth", "Tarnby Systems", "Oxhollow Health", "Brindlemark")

Variant = Literal["basic", "complete"]


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    slug: str
    position: str = "Software Engineer"
    company: str = "Vexmoor Labs"

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def url(self) -> str:
        return f"https://www.linkedin.com/in/{self.slug}"

    @property
    def bare_url(self) -> str:  # endorsements write it without a scheme
        return f"www.linkedin.com/in/{self.slug}"

    @property
    def email(self) -> str:
        return f"{self.slug}@mailvex.example"

    def personal(self) -> list[str]:
        return [self.first, self.last, self.full, self.slug, self.email, self.url]


def invented_name(rng: random.Random) -> tuple[str, str]:
    first = "".join(rng.choice(_SYLLABLES) for _ in range(2)).capitalize()
    last = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()
    return first, last


def invented_people(count: int, seed: int) -> list[Person]:
    rng = random.Random(seed)
    people = []
    for index in range(count):
        first, last = invented_name(rng)
        position = rng.choice(_TITLES)
        people.append(
            Person(first, last, f"{first}-{last}-{index:x}".lower(), position, rng.choice(_COMPANIES))
        )
    return people


OWNER = Person("Quillon", "Marshvor", "quillon-marshvor-7q2", "Staff Engineer", "Tarnby Systems")


@dataclass(frozen=True)
class ExportOptions:
    """One variant of an export: which files, and the quirks of their text."""

    variant: Variant = "complete"
    notes_preamble: bool = True  # Connections.csv starts with "Notes:" and a paragraph
    url_column: bool = True  # older exports have no URL column in Connections.csv
    bom: bool = False  # every CSV starts with a UTF-8 byte-order mark
    quote_all: bool = False  # every field quoted, headers included
    crlf: bool = False  # CRLF line ends
    messy_headers: bool = False  # header case and spacing changed, columns reordered, unknown columns added
    folder: str | None = None  # e.g. "Complete_LinkedInDataExport_03-01-2026"; None: files at the root
    omit: frozenset[str] = frozenset()  # file names (as in FILE_NAMES) to leave out
    replace_files: tuple[tuple[str, bytes], ...] = ()  # file name -> raw bytes instead of the generated CSV
    seed: int = 7


@dataclass
class SyntheticExport:
    data: bytes
    expected: Counter[ActivityType]
    secrets: list[str]
    people: list[Person]
    owner: Person = OWNER
    expected_skips: dict[str, Counter[str]] = field(default_factory=dict)

    def write(self, path: Path) -> Path:
        path.write_bytes(self.data)
        return path


class _Csv:
    """One generated file: header, rows (by column name) and the events and skips they should give."""

    def __init__(self, name: str, header: Sequence[str]) -> None:
        self.name = name
        self.header = list(header)
        self.rows: list[dict[str, str]] = []
        self.preamble = ""

    def add(self, **values: str) -> None:
        self.rows.append(values)


def _render(file: _Csv, options: ExportOptions, rng: random.Random) -> bytes:
    header = list(file.header)
    labels = {column: column for column in header}
    if options.messy_headers:
        rng.shuffle(header)
        header.insert(rng.randrange(len(header) + 1), "Unrelated Extra")
        for index, column in enumerate(header):
            spaced = column.replace(" ", "  ")
            labels[column] = f"  {spaced.upper() if index % 2 else spaced.lower()} "
    text = io.StringIO()
    writer = csv.writer(
        text,
        quoting=csv.QUOTE_ALL if options.quote_all else csv.QUOTE_MINIMAL,
        lineterminator="\r\n" if options.crlf else "\n",
    )
    if file.preamble:
        text.write(file.preamble.replace("\n", "\r\n" if options.crlf else "\n"))
    writer.writerow([labels.get(column, column) for column in header])
    for row in file.rows:
        writer.writerow(
            [row.get(column, "extra" if column == "Unrelated Extra" else "") for column in header]
        )
    body = text.getvalue()
    return (("\ufeff" if options.bom else "") + body).encode("utf-8")


FILE_NAMES = (
    "Profile.csv",
    "Connections.csv",
    "Invitations.csv",
    "messages.csv",
    "Endorsement_Given_Info.csv",
    "Endorsement_Received_Info.csv",
    "Recommendations_Given.csv",
    "Recommendations_Received.csv",
    "Shares.csv",
    "Comments.csv",
    "Reactions.csv",
    "Learning.csv",
    "Jobs/Job Applications.csv",
)
BASIC_NAMES = ("Profile.csv", "Connections.csv", "Invitations.csv", "messages.csv")
MESSAGE_HEADER = (
    "CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
    "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS", "IS MESSAGE DRAFT",
)  # fmt: skip
CONNECTIONS_PREAMBLE = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing. '
    'You will only see email addresses for connections who have allowed their connections to see them."\n'
    "\n"
)


def _connected_on(moment: datetime) -> str:
    return moment.strftime("%d %b %Y")  # 08 Feb 2026


def _utc_seconds(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")  # 2025-06-01 14:03:22 UTC


def _us(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return (
        f"{moment.month}/{moment.day}/{moment:%y}, {hour}:{moment:%M} {'PM' if moment.hour >= 12 else 'AM'}"
    )


def _slashed(moment: datetime) -> str:
    return moment.strftime("%Y/%m/%d %H:%M:%S UTC")  # 2024/05/17 09:12:44 UTC


def build_export(options: ExportOptions | None = None) -> SyntheticExport:
    """A small export (about a hundred rows) exercising every file, quirk and skip reason."""
    options = options or ExportOptions()
    rng = random.Random(options.seed)
    people = invented_people(48, options.seed)
    # Roles the parser may infer from Connections' Position; two share a name with different profiles.
    people[0] = replace(people[0], position=_RECRUITER_TITLES[0])
    people[1] = replace(people[1], position=_RECRUITER_TITLES[1])
    people[2] = replace(people[2], position=_HIRING_TITLE)
    people[3] = replace(people[3], position="Director of Engineering")
    people[4] = Person("Renée", "Dávila-Orr", "renee-davila-orr-4", "Data Analyst", "Quillworth")
    # a stranger who has the same name as a connection, with another profile
    people[41] = Person(people[11].first, people[11].last, "namesake-of-eleven-29", "Teacher", "Brindlemark")
    connections, strangers = people[:40], people[40:]
    expected: Counter[ActivityType] = Counter()
    skips: dict[str, Counter[str]] = {}
    secrets = [*OWNER.personal(), *(value for person in people for value in person.personal())]
    secrets += [*_COMPANIES, "Renee Davila Orr"]
    base = NOW - timedelta(days=5)

    def when(days: float) -> datetime:
        return (base - timedelta(days=days)).replace(microsecond=0)

    def text(words: int) -> str:
        sentence = " ".join(rng.choice(_WORDS) for _ in range(words))
        phrase = f"Secret note {rng.randrange(10**9):09d}: {sentence}"
        secrets.append(phrase)
        return phrase

    files: dict[str, _Csv] = {}

    profile = files["Profile.csv"] = _Csv("Profile.csv", ("First Name", "Last Name", "Headline", "Summary"))
    profile.add(
        **{"First Name": OWNER.first, "Last Name": OWNER.last, "Headline": text(4), "Summary": text(9)}
    )

    header = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    if not options.url_column:
        header.remove("URL")
    conn = files["Connections.csv"] = _Csv("Connections.csv", header)
    if options.notes_preamble:
        conn.preamble = CONNECTIONS_PREAMBLE
    for index, person in enumerate(connections):
        conn.add(
            **{
                "First Name": person.first,
                "Last Name": person.last,
                "URL": person.url,
                "Email Address": person.email if index % 3 == 0 else "",
                "Company": person.company,
                "Position": person.position,
                "Connected On": _connected_on(when(30 * index + 3)),
            }
        )
        expected[T.CONNECTION_MADE] += 1
    for days in (400, 400):  # hidden profiles: only a date, twice on the same day
        conn.add(**{"Connected On": _connected_on(when(days))})
        expected[T.CONNECTION_MADE] += 1
    conn.add(**{"First Name": "Odd", "Last Name": "Datevor", "Connected On": "sometime in spring"})
    conn.add(**{"First Name": "Early", "Last Name": "Birdzin", "Connected On": "01 Jan 1985"})
    conn.add(**{"First Name": "Future", "Last Name": "Guestrhu", "Connected On": "01 Jan 2031"})
    secrets += ["Datevor", "Birdzin", "Guestrhu"]
    skips["Connections.csv"] = Counter(unparseable_date=1, date_before_1990=1, date_in_future=1)

    inv = files["Invitations.csv"] = _Csv(
        "Invitations.csv",
        ("From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"),
    )
    for index, person in enumerate(strangers[:3]):
        inv.add(
            **{
                "From": OWNER.full,
                "To": person.full,
                "Sent At": _us(when(2 + index)),
                "Message": text(6),
                "Direction": "OUTGOING",
                "inviterProfileUrl": OWNER.url,
                "inviteeProfileUrl": person.url,
            }
        )
        expected[T.INVITATION_SENT] += 1
    for index, person in enumerate(strangers[3:5]):
        inv.add(
            **{
                "From": person.full,
                "To": OWNER.full,
                "Sent At": _us(when(8 + index)),
                "Message": "",
                "Direction": "INCOMING",
                "inviterProfileUrl": person.url,
                "inviteeProfileUrl": OWNER.url,
            }
        )
        expected[T.INVITATION_RECEIVED] += 1
    inv.add(**{"From": strangers[5].full, "To": OWNER.full, "Sent At": _us(when(9)), "Direction": "SIDEWAYS"})
    skips["Invitations.csv"] = Counter(unknown_direction=1)

    msg = files["messages.csv"] = _Csv("messages.csv", MESSAGE_HEADER)
    display = {people[4].slug: "Renee Davila Orr"}  # messages spell the name without accents
    msg_skips: Counter[str] = Counter()

    def message(
        conversation: str,
        sender: Person,
        recipients: Sequence[Person],
        moment: datetime,
        folder: str = "INBOX",
        title: str = "",
        draft: str = "",
        sender_url: str | None = None,
    ) -> None:
        subject = text(3) if rng.random() < 0.3 else ""
        content = text(rng.randrange(4, 20))
        if rng.random() < 0.3:
            content += "\n\n" + text(5) + ', with "quotes", commas'
        msg.add(
            **{
                "CONVERSATION ID": conversation,
                "CONVERSATION TITLE": title,
                "FROM": sender.full,
                "SENDER PROFILE URL": sender.url if sender_url is None else sender_url,
                "TO": ",".join(display.get(person.slug, person.full) for person in recipients),
                "RECIPIENT PROFILE URLS": ",".join(person.url for person in recipients),
                "DATE": _utc_seconds(moment),
                "SUBJECT": subject,
                "CONTENT": content,
                "FOLDER": folder,
                "ATTACHMENTS": "",
                "IS MESSAGE DRAFT": draft,
            }
        )

    # Two-way conversations with twelve connections; the owner's messages sit in INBOX as well as SENT.
    for index, person in enumerate(connections[:12]):
        conversation = f"2-{index:04d}-conv"
        for turn in range(4):
            moment = when(60 * index + 3 * turn + 1)
            if turn % 2 == 0:
                message(conversation, person, [OWNER], moment)
                expected[T.MESSAGE_RECEIVED] += 1
            else:
                message(conversation, OWNER, [person], moment, folder="INBOX" if index % 2 else "SENT")
                expected[T.MESSAGE_SENT] += 1
    # A message with an accent-free spelling of a name that Connections spells with accents.
    message("2-renee", OWNER, [people[4]], when(33))
    expected[T.MESSAGE_SENT] += 1
    # A group message the owner sends to three people: one event per recipient.
    message("group-3", OWNER, connections[12:15], when(20), title="Book club")
    expected[T.MESSAGE_SENT] += 3
    # A group of twelve: capped at ten recipient events.
    message("group-12", OWNER, connections[15:27], when(21), title="Alumni")
    expected[T.MESSAGE_SENT] += 10
    message("group-12", connections[15], [OWNER, *connections[16:27]], when(20.5), title="Alumni")
    expected[T.MESSAGE_RECEIVED] += 1
    # Noise: sponsored InMail (by folder, by sender, by company page), spam, a draft.
    company = Person("Sponsored", "Conversation", "x")
    message("ad-1", company, [OWNER], when(4), folder="SPONSORED", sender_url="")
    message("ad-2", company, [OWNER], when(5), sender_url="")
    message(
        "ad-3", connections[30], [OWNER], when(6), sender_url="https://www.linkedin.com/company/vexmoor-labs/"
    )
    message("spam-1", strangers[6], [OWNER], when(7), folder="SPAM")
    message("draft-1", OWNER, [connections[31]], when(8), draft="Yes")
    msg_skips.update(sponsored=3, spam=1, draft=1)
    message("bad-date", connections[32], [OWNER], when(9))
    msg.rows[-1]["DATE"] = "yesterday-ish"
    msg_skips.update(unparseable_date=1)
    # A member who left LinkedIn: no URL, placeholder name -> an event without counterpart.
    message("gone-1", Person("LinkedIn", "Member", "x"), [OWNER], when(10), sender_url="")
    expected[T.MESSAGE_RECEIVED] += 1
    skips["messages.csv"] = msg_skips

    end_given = files["Endorsement_Given_Info.csv"] = _Csv(
        "Endorsement_Given_Info.csv",
        (
            "Endorsement Date",
            "Skill Name",
            "Endorsee First Name",
            "Endorsee Last Name",
            "Endorsee Public Url",
            "Endorsement Status",
        ),
    )
    for index, (person, skill, status) in enumerate(
        (
            (connections[5], "Python", "ACCEPTED"),
            (connections[5], "Kubernetes", "ACCEPTED"),  # same person, same day: one act
            (connections[6], "Go", "ACCEPTED"),
            (connections[7], "SQL", "REJECTED"),
            (connections[8], "Rust", ""),
        )
    ):
        moment = when(100 + (0 if index < 2 else index))
        end_given.add(
            **{
                "Endorsement Date": _slashed(moment + timedelta(seconds=index)),
                "Skill Name": skill,
                "Endorsee First Name": person.first,
                "Endorsee Last Name": person.last,
                "Endorsee Public Url": person.bare_url,
                "Endorsement Status": status,
            }
        )
    expected[T.ENDORSEMENT_GIVEN] += 3
    skips["Endorsement_Given_Info.csv"] = Counter(repeat_same_day=1, not_accepted=1)

    end_received = files["Endorsement_Received_Info.csv"] = _Csv(
        "Endorsement_Received_Info.csv",
        (
            "Endorsement Date",
            "Skill Name",
            "Endorser First Name",
            "Endorser Last Name",
            "Endorser Public Url",
            "Endorsement Status",
        ),
    )
    for index, person in enumerate(connections[5:9]):
        end_received.add(
            **{
                "Endorsement Date": _slashed(when(200 + index)),
                "Skill Name": "Leadership",
                "Endorser First Name": person.first,
                "Endorser Last Name": person.last,
                "Endorser Public Url": person.bare_url,
                "Endorsement Status": "ACCEPTED",
            }
        )
        expected[T.ENDORSEMENT_RECEIVED] += 1

    rec_header = ("First Name", "Last Name", "Company", "Job Title", "Text", "Creation Date", "Status")
    rec_given = files["Recommendations_Given.csv"] = _Csv("Recommendations_Given.csv", rec_header)
    rec_received = files["Recommendations_Received.csv"] = _Csv("Recommendations_Received.csv", rec_header)
    for target, person, days in (
        (rec_given, connections[5], 300),
        (rec_given, connections[9], 310),
        (rec_received, connections[10], 320),
        (rec_received, strangers[7], 330),
    ):
        title = _RECRUITER_TITLES[2] if person is strangers[7] else person.position
        target.add(
            **{
                "First Name": person.first,
                "Last Name": person.last,
                "Company": person.company,
                "Job Title": title,
                "Text": text(25),
                "Creation Date": _us(when(days)),
                "Status": "VISIBLE",
            }
        )
    expected[T.RECOMMENDATION_GIVEN] += 2
    expected[T.RECOMMENDATION_RECEIVED] += 2

    shares = files["Shares.csv"] = _Csv(
        "Shares.csv", ("Date", "ShareLink", "ShareCommentary", "SharedUrl", "MediaUrl", "Visibility")
    )
    for index in range(3):
        shares.add(
            Date=when(15 + index).strftime("%Y-%m-%d %H:%M:%S"),
            ShareLink=f"https://www.linkedin.com/feed/update/urn:li:share:{7100 + index}",
            ShareCommentary=text(12) + "\n" + text(4),
            Visibility="MEMBER_NETWORK",
        )
        expected[T.KNOWLEDGE_SHARED] += 1
    comments = files["Comments.csv"] = _Csv("Comments.csv", ("Date", "Link", "Message"))
    for index in range(3):
        comments.add(
            Date=when(25 + index).strftime("%Y-%m-%d %H:%M:%S"),
            Link=f"https://www.linkedin.com/feed/update/urn:li:activity:{8100 + index}",
            Message=text(8),
        )
        expected[T.COMMENT_MADE] += 1
    reactions = files["Reactions.csv"] = _Csv("Reactions.csv", ("Date", "Type", "Link"))
    for index in range(5):
        reactions.add(
            Date=when(35 + index).strftime("%Y-%m-%d %H:%M:%S"),
            Type=("LIKE", "PRAISE", "EMPATHY")[index % 3],
            Link=f"https://www.linkedin.com/feed/update/urn:li:activity:{9100 + index}",
        )
        expected[T.REACTION_MADE] += 1

    learning = files["Learning.csv"] = _Csv(
        "Learning.csv",
        (
            "Content Title",
            "Content Description",
            "Content Type",
            "Content Last Watched Date (if viewed)",
            "Content Completed At (if completed)",
            "Content Saved",
            "Notes taken on videos (if taken)",
            "",
        ),
    )
    for title, kind, completed in (
        ("Python Essential Training", "COURSE", when(500).strftime("%Y-%m-%d %H:%M UTC")),
        ("Negotiation Foundations", "COURSE", when(520).strftime("%Y-%m-%d %H:%M UTC")),
        ("Learning Kubernetes", "COURSE", "N/A"),
        ("A three-minute tip", "VIDEO", when(530).strftime("%Y-%m-%d %H:%M UTC")),
    ):
        learning.add(
            **{
                "Content Title": title,
                "Content Type": kind,
                "Content Last Watched Date (if viewed)": when(540).strftime("%Y-%m-%d %H:%M UTC"),
                "Content Completed At (if completed)": completed,
                "Content Saved": "false",
                "Notes taken on videos (if taken)": "N/A",
            }
        )
    expected[T.SKILL_LEARNED] += 2
    skips["Learning.csv"] = Counter(not_completed=1, not_a_course=1)

    jobs = files["Jobs/Job Applications.csv"] = _Csv(
        "Jobs/Job Applications.csv",
        (
            "Application Date",
            "Contact Email",
            "Contact Phone Number",
            "Company Name",
            "Job Title",
            "Job Url",
            "Resume Name",
            "Question And Answers",
        ),
    )
    for index in range(2):
        jobs.add(
            **{
                "Application Date": _us(when(40 + index)),
                "Contact Email": OWNER.email,
                "Contact Phone Number": "+44 7700 900123",
                "Company Name": _COMPANIES[index],
                "Job Title": "Staff Engineer",
                "Job Url": f"http://www.linkedin.com/jobs/view/{400000 + index}",
                "Resume Name": "Quillon-Marshvor-CV.pdf",
                "Question And Answers": text(6),
            }
        )
        expected[T.JOB_APPLICATION] += 1
    secrets += ["+44 7700 900123", "Quillon-Marshvor-CV.pdf"]

    names = FILE_NAMES if options.variant == "complete" else BASIC_NAMES
    kept = [name for name in names if name not in options.omit]
    replaced = dict(options.replace_files)
    prefix = f"{options.folder}/" if options.folder else ""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in kept:
            data = replaced.get(name)
            if data is None:
                data = _render(files[name], options, rng)
            archive.writestr(prefix + name, data)
        # Files the parser does not read (one shares messages.csv's header and must not be mistaken for it).
        archive.writestr(prefix + "Skills.csv", "Name\nPython\nNegotiation\n")
        archive.writestr(prefix + "guide_messages.csv", ",".join(MESSAGE_HEADER) + "\n")
        if options.variant == "complete":
            archive.writestr(prefix + "Ad_Targeting.csv", "Member Age,Job Titles\n25 to 34,Engineer\n")
            archive.writestr(prefix + "Articles/Articles/a-post.html", "<html><title>A post</title></html>")
    for name in FILE_NAMES:
        if name not in kept or name in replaced or name not in names:
            for kind in _EVENTS_OF.get(name, ()):
                expected.pop(kind, None)
            skips.pop(name, None)
    return SyntheticExport(buffer.getvalue(), expected, secrets, people, OWNER, skips)


_EVENTS_OF: dict[str, tuple[ActivityType, ...]] = {
    "Connections.csv": (T.CONNECTION_MADE,),
    "Invitations.csv": (T.INVITATION_SENT, T.INVITATION_RECEIVED),
    "messages.csv": (T.MESSAGE_SENT, T.MESSAGE_RECEIVED),
    "Endorsement_Given_Info.csv": (T.ENDORSEMENT_GIVEN,),
    "Endorsement_Received_Info.csv": (T.ENDORSEMENT_RECEIVED,),
    "Recommendations_Given.csv": (T.RECOMMENDATION_GIVEN,),
    "Recommendations_Received.csv": (T.RECOMMENDATION_RECEIVED,),
    "Shares.csv": (T.KNOWLEDGE_SHARED,),
    "Comments.csv": (T.COMMENT_MADE,),
    "Reactions.csv": (T.REACTION_MADE,),
    "Learning.csv": (T.SKILL_LEARNED,),
    "Jobs/Job Applications.csv": (T.JOB_APPLICATION,),
}


def zip_of(files: Iterable[tuple[str, str | bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


# -- hostile archives ----------------------------------------------------------------------------


def not_a_zip() -> bytes:
    return b"%PDF-1.7\n" + bytes(random.Random(1).randrange(256) for _ in range(4096))


def truncated_zip() -> bytes:
    data = build_export().data
    return data[: len(data) // 2]


def zip_bomb(expanded_bytes: int = 64 * 1024 * 1024) -> bytes:
    """One "messages.csv" of a few tens of kilobytes that expands about a thousandfold."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("messages.csv", "w") as member,
    ):
        chunk = b"0" * (1024 * 1024)
        for _ in range(expanded_bytes // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()


def declared_size_lie() -> bytes:
    """A valid export whose Reactions.csv declares fewer bytes than it decompresses to."""
    data = bytearray(build_export().data)
    name = b"Reactions.csv"
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", data, at + size_offset, 40)
            start = at + 4
    return bytes(data)


def unsafe_paths(name: str = "../../etc/Connections.csv") -> bytes:
    export = build_export(ExportOptions(variant="basic"))
    with zipfile.ZipFile(io.BytesIO(export.data)) as source:
        files = [(info.filename, source.read(info)) for info in source.infolist()]
    return zip_of([*files, (name, b"First Name,Last Name,Connected On\nEvil,Vorzin,08 Feb 2026\n")])


def many_members(count: int) -> bytes:
    return zip_of((f"notes/{index}.txt", b"") for index in range(count))


def oversized(path: Path, size: int = 60 * 1024 * 1024) -> Path:
    """A real export padded with a stored (incompressible) member to `size` bytes on disk."""
    export = build_export()
    with zipfile.ZipFile(io.BytesIO(export.data)) as source:
        files = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
        with archive.open(zipfile.ZipInfo("Rich_Media/padding.bin"), "w") as member:
            rng = random.Random(3)
            written = 0
            while written < size:
                block = rng.randbytes(1024 * 1024)
                member.write(block)
                written += len(block)
    return path


def long_line_csv(line_bytes: int = 10 * 1024 * 1024, *, compressible: bool = False) -> bytes:
    """A messages.csv whose second record is one line of `line_bytes` characters.

    The long CONTENT is random letters, so that the archive is not refused as a zip bomb first (a
    compressible one is: a 10 MB run of one letter deflates a thousandfold).
    """
    header = ",".join(MESSAGE_HEADER) + "\n"
    first = f"c1,,{OWNER.full},{OWNER.url},Ada Vorzin,https://www.linkedin.com/in/ada-vorzin,"
    first += "2025-06-01 14:03:22 UTC,,hello,INBOX,,\n"
    rng = random.Random(5)
    letters = "x" * line_bytes if compressible else "".join(rng.choices("abcdefghij klmnop", k=line_bytes))
    long = f"c2,,Ada Vorzin,https://www.linkedin.com/in/ada-vorzin,{OWNER.full},{OWNER.url},"
    long += "2025-06-02 14:03:22 UTC,," + letters + ",INBOX,,\n"
    return (header + first + long).encode()


def binary_garbage(size: int = 64 * 1024) -> bytes:
    return random.Random(11).randbytes(size)


def encrypted_member(name: bytes = b"Comments.csv") -> bytes:
    """An export whose Comments.csv is flagged as encrypted (general-purpose flag bit 0)."""
    data = bytearray(build_export().data)
    for signature, name_offset, flag_offset in ((b"PK\x03\x04", 30, 6), (b"PK\x01\x02", 46, 8)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            if data[at + name_offset : at + name_offset + len(name)] == name:
                data[at + flag_offset] |= 0x1
            start = at + 4
    return bytes(data)


def bzip2_member() -> bytes:
    export = build_export()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(export.data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename == "Shares.csv" else zipfile.ZIP_DEFLATED
            target.writestr(info.filename, source.read(info), compress_type=method)
    return buffer.getvalue()


# -- the benchmark's export ----------------------------------------------------------------------


def big_export(path: Path, *, connections: int = 30_000, messages: int = 200_000, seed: int = 1) -> Path:
    """Stream a large complete export to `path`: `connections` people, `messages` messages.

    Messages come in conversations of a few dozen turns between the owner and one connection (one in
    twenty a small group); about 1% are sponsored or spam. Written member by member through
    ZipFile.open(..., "w"), so the generator itself holds no more than a row in memory.
    """
    rng = random.Random(seed)
    people = invented_people(connections, seed)
    # a few thousand invented words: text that deflates about as well as real messages do (3-4x)
    vocabulary = ["".join(rng.choices(_SYLLABLES, k=rng.randrange(1, 4))) for _ in range(4000)]
    vocabulary += [word.capitalize() + "," for word in vocabulary[:500]] + list(_WORDS)
    start = NOW - timedelta(days=6 * 365)
    span = int((NOW - start).total_seconds()) - 3600
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        _stream_csv(archive, "Profile.csv", ("First Name", "Last Name"), [(OWNER.first, OWNER.last)])

        def connection_rows() -> Iterable[Sequence[str]]:
            for person in people:
                moment = start + timedelta(seconds=rng.randrange(span))
                yield (person.first, person.last, person.url, "", person.company, person.position,
                       _connected_on(moment))  # fmt: skip

        _stream_csv(
            archive,
            "Connections.csv",
            ("First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"),
            connection_rows(),
            preamble=CONNECTIONS_PREAMBLE,
        )

        def message_rows() -> Iterable[Sequence[str]]:
            written = 0
            conversation = 0
            while written < messages:
                conversation += 1
                group = rng.random() < 0.05
                others = rng.sample(people, 4) if group else [rng.choice(people)]
                moment = start + timedelta(seconds=rng.randrange(span))
                for _ in range(min(rng.randrange(4, 40), messages - written)):
                    moment = min(moment + timedelta(minutes=rng.randrange(1, 4000)), NOW - timedelta(hours=1))
                    roll = rng.random()
                    folder = "SPAM" if roll < 0.005 else "SPONSORED" if roll < 0.01 else "INBOX"
                    if rng.random() < 0.45:
                        sender, recipients = OWNER, others
                    else:
                        sender = rng.choice(others)
                        recipients = [OWNER, *(person for person in others if person is not sender)]
                    content = " ".join(rng.choices(vocabulary, k=rng.randrange(3, 45)))
                    yield (
                        f"2-{conversation:08x}",
                        "Team" if group else "",
                        sender.full,
                        sender.url,
                        ",".join(person.full for person in recipients),
                        ",".join(person.url for person in recipients),
                        _utc_seconds(moment),
                        "",
                        content,
                        folder,
                        "",
                        "",
                    )
                    written += 1

        _stream_csv(archive, "messages.csv", MESSAGE_HEADER, message_rows(), quote_all=True)

        def invitation_rows() -> Iterable[Sequence[str]]:
            for person in rng.sample(people, min(len(people), 400)):
                outgoing = rng.random() < 0.5
                moment = NOW - timedelta(days=rng.randrange(1, 180))
                yield (
                    OWNER.full if outgoing else person.full,
                    person.full if outgoing else OWNER.full,
                    _us(moment),
                    "",
                    "OUTGOING" if outgoing else "INCOMING",
                    OWNER.url if outgoing else person.url,
                    person.url if outgoing else OWNER.url,
                )

        _stream_csv(
            archive,
            "Invitations.csv",
            ("From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"),
            invitation_rows(),
        )

        def own_rows(count: int, columns: int) -> Iterable[Sequence[str]]:
            for index in range(count):
                moment = start + timedelta(seconds=rng.randrange(span))
                link = f"https://www.linkedin.com/feed/update/urn:li:activity:{index}"
                yield (moment.strftime("%Y-%m-%d %H:%M:%S"), link, *(["LIKE"] * (columns - 2)))

        _stream_csv(archive, "Reactions.csv", ("Date", "Link", "Type"), own_rows(5000, 3))
        _stream_csv(archive, "Comments.csv", ("Date", "Link", "Message"), own_rows(1000, 3))
        _stream_csv(archive, "Shares.csv", ("Date", "ShareLink", "ShareCommentary"), own_rows(300, 3))
        endorsement = ("Endorsement Date", "Skill Name", "{} First Name", "{} Last Name", "{} Public Url")
        for name, role in (
            ("Endorsement_Given_Info.csv", "Endorsee"),
            ("Endorsement_Received_Info.csv", "Endorser"),
        ):
            _stream_csv(
                archive,
                name,
                [column.format(role) for column in endorsement],
                (
                    (
                        _slashed(start + timedelta(seconds=rng.randrange(span))),
                        "Python",
                        p.first,
                        p.last,
                        p.bare_url,
                    )
                    for p in rng.sample(people, min(len(people), 500))
                ),
            )
        recommendation = (
            "First Name",
            "Last Name",
            "Company",
            "Job Title",
            "Text",
            "Creation Date",
            "Status",
        )
        for name in ("Recommendations_Given.csv", "Recommendations_Received.csv"):
            _stream_csv(
                archive,
                name,
                recommendation,
                (
                    (
                        p.first,
                        p.last,
                        p.company,
                        p.position,
                        "",
                        _us(NOW - timedelta(days=rng.randrange(1, 2000))),
                        "",
                    )
                    for p in rng.sample(people, min(len(people), 20))
                ),
            )
    return path


def _stream_csv(
    archive: zipfile.ZipFile,
    name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    preamble: str = "",
    quote_all: bool = False,
) -> None:
    with (
        archive.open(name, "w", force_zip64=True) as member,
        io.TextIOWrapper(member, encoding="utf-8", newline="") as text,
    ):
        text.write(preamble)
        writer = csv.writer(
            text, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\n"
        )
        writer.writerow(header)
        writer.writerows(rows)
