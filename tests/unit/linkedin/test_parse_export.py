"""Parsing synthetic exports: every variant and quirk, the mapping, counterparts, owner, report, streaming."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from readiness.activity import ActivityEvent, ActivityType, CounterpartRole
from readiness.linkedin import FileReport, ImportLimits, ImportReport, collect_export, parse_export
from readiness.linkedin.counterparts import CounterpartDirectory
from readiness.submission import EARLIEST_ACTIVITY, activity_date_errors

from tests.fixtures_linkedin import (
    BASIC_NAMES,
    MESSAGE_HEADER,
    NOW,
    OWNER,
    SALT,
    ExportOptions,
    Person,
    zip_of,
)
from tests.unit.linkedin.harness import export, leaked, run

T = ActivityType

VARIANTS = {
    "complete": ExportOptions(),
    "basic": ExportOptions(variant="basic"),
    "no_notes_preamble": ExportOptions(notes_preamble=False),
    "older_without_url": ExportOptions(url_column=False),
    "bom": ExportOptions(bom=True),
    "all_quoted": ExportOptions(quote_all=True),
    "crlf": ExportOptions(crlf=True),
    "messy_headers_and_extra_columns": ExportOptions(messy_headers=True),
    "in_a_folder": ExportOptions(folder="Complete_LinkedInDataExport_03-01-2026"),
    "everything_at_once": ExportOptions(
        notes_preamble=False,
        url_column=False,
        bom=True,
        quote_all=True,
        crlf=True,
        messy_headers=True,
        folder="Basic_LinkedInDataExport_03-01-2026",
        variant="basic",
        seed=99,
    ),
}


def _id_of(person: Person, salt: bytes = SALT) -> str:
    return CounterpartDirectory(salt, max_entries=10).counterpart_id(f"in:{person.slug}")


def _file(report: ImportReport, name: str) -> FileReport:
    return next(file for file in report.files if file.file == name)


def _error_code(report: ImportReport, name: str) -> str | None:
    error = _file(report, name).error
    return error.code if error is not None else None


@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
def test_each_variant_gives_exactly_the_expected_events(options: ExportOptions) -> None:
    synthetic = export(options)
    events, report = run(synthetic.data)
    assert Counter(event.type for event in events) == synthetic.expected
    assert report.status == "ok"
    assert report.finished
    assert report.events_total == len(events)
    assert report.events_by_type == {kind.value: count for kind, count in sorted(synthetic.expected.items())}
    assert report.owner == "message_pattern"
    assert report.errors == []
    for file in report.files:
        assert file.rows_skipped == dict(synthetic.expected_skips.get(file.file, {})), file.file


@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
def test_no_name_email_url_or_text_comes_out(options: ExportOptions) -> None:
    synthetic = export(options)
    events, report = run(synthetic.data)
    assert len(synthetic.secrets) > 200
    assert leaked(synthetic.secrets, events, report) == []


def test_the_variant_is_detected_and_missing_files_named() -> None:
    _, complete = run(export().data)
    assert complete.variant == "complete"
    assert complete.files_missing == []
    assert set(complete.files_found) >= {
        "Connections.csv",
        "messages.csv",
        "Learning.csv",
        "Jobs/Job Applications.csv",
    }
    assert complete.other_members == 4  # Skills.csv, guide_messages.csv, Ad_Targeting.csv, an article
    _, basic = run(export(ExportOptions(variant="basic")).data)
    assert basic.variant == "basic"
    assert basic.files_found == list(BASIC_NAMES)
    assert basic.files_missing == []
    _, by_folder = run(export(VARIANTS["everything_at_once"]).data)
    assert by_folder.variant == "basic"


def test_a_partial_archive_imports_what_it_has_and_says_what_is_missing() -> None:
    synthetic = export(ExportOptions(omit=frozenset({"messages.csv", "Endorsement_Given_Info.csv"})))
    events, report = run(synthetic.data)
    assert report.status == "partial"
    assert report.files_missing == ["messages.csv", "Endorsement_Given_Info.csv"]
    assert report.owner == "not_needed"
    assert Counter(event.type for event in events) == synthetic.expected
    assert T.MESSAGE_SENT not in synthetic.expected
    assert events


def test_every_event_is_valid_dated_and_uniquely_identified() -> None:
    events, _ = run(export().data)
    for event in events:
        assert ActivityEvent.model_validate(event.model_dump(mode="json")) == event
        assert EARLIEST_ACTIVITY <= event.occurred_at <= NOW + timedelta(minutes=5)
        assert event.occurred_at.utcoffset() == timedelta(0)
    assert activity_date_errors(events, now=NOW) == []
    ids = [event.id for event in events]
    assert len(set(ids)) == len(ids)
    assert all(event_id is not None and event_id.startswith("li_") for event_id in ids)


def test_importing_twice_gives_the_same_events_and_another_salt_other_counterparts() -> None:
    data = export().data
    first, _ = run(data)
    again, _ = run(data)
    assert first == again
    other, _ = run(data, salt=b"another-users-salt-456789")
    counterparts = {event.counterpart for event in first if event.counterpart}
    others = {event.counterpart for event in other if event.counterpart}
    assert len(counterparts) == len(others) > 30
    assert counterparts.isdisjoint(others)
    assert {event.id for event in first}.isdisjoint({event.id for event in other})


def test_one_person_is_one_counterpart_across_connections_messages_endorsements_and_recommendations() -> None:
    synthetic = export()
    events, _ = run(synthetic.data)
    person = synthetic.people[5]  # connected, messaged, endorsed both ways, recommended (by name only)
    expected = _id_of(person)
    kinds = {event.type for event in events if event.counterpart == expected}
    assert kinds == {
        T.CONNECTION_MADE,
        T.MESSAGE_SENT,
        T.MESSAGE_RECEIVED,
        T.ENDORSEMENT_GIVEN,
        T.ENDORSEMENT_RECEIVED,
        T.RECOMMENDATION_GIVEN,
    }
    messaged = synthetic.people[3]
    kinds = {event.type for event in events if event.counterpart == _id_of(messaged)}
    assert kinds == {T.CONNECTION_MADE, T.MESSAGE_SENT, T.MESSAGE_RECEIVED}


def test_without_url_column_connections_are_matched_to_profiles_by_name() -> None:
    synthetic = export(ExportOptions(url_column=False))
    events, report = run(synthetic.data)
    connected = {event.counterpart for event in events if event.type is T.CONNECTION_MADE}
    # people seen with a profile URL elsewhere (messages, endorsements) get their profile's id
    for index in (0, 1, 3, 5, 8, 20):
        assert _id_of(synthetic.people[index]) in connected
    # the accented name in Connections matches the unaccented one in messages
    assert _id_of(synthetic.people[4]) in connected
    # two profiles share people[11]'s name: the connection keeps a name-based id, matching neither
    assert _id_of(synthetic.people[11]) not in connected
    assert _id_of(synthetic.people[41]) not in connected
    assert report.status == "ok"


def test_hidden_profiles_become_connections_without_counterpart() -> None:
    events, report = run(export().data)
    hidden = [e for e in events if e.type is T.CONNECTION_MADE and e.counterpart is None]
    assert len(hidden) == 2
    assert hidden[0].occurred_at == hidden[1].occurred_at
    assert hidden[0].id != hidden[1].id
    assert _file(report, "Connections.csv").notes == {
        "hidden_profile": 2,
        "role_hiring_manager": 1,
        "role_recruiter": 2,
    }


def test_roles_come_only_from_plain_titles_and_follow_the_person() -> None:
    synthetic = export()
    events, _ = run(synthetic.data)
    people = synthetic.people

    def roles_of(person: Person) -> set[CounterpartRole | None]:
        return {event.counterpart_role for event in events if event.counterpart == _id_of(person)}

    assert roles_of(people[0]) == {
        CounterpartRole.RECRUITER
    }  # "Technical Recruiter": connection and messages
    assert roles_of(people[1]) == {CounterpartRole.RECRUITER}
    assert roles_of(people[2]) == {CounterpartRole.HIRING_MANAGER}  # "Engineering Manager (hiring!)"
    assert roles_of(people[3]) == {None}  # "Director of Engineering" says nothing about hiring
    recruiter_messages = [
        e for e in events if e.type is T.MESSAGE_RECEIVED and e.counterpart == _id_of(people[0])
    ]
    assert recruiter_messages
    # a recommendation from someone whose job title there is "Senior Recruiter" (known by name only)
    received = [e for e in events if e.type is T.RECOMMENDATION_RECEIVED]
    assert {e.counterpart_role for e in received} == {CounterpartRole.RECRUITER, None}


def test_messages_sent_received_group_cap_and_noise() -> None:
    synthetic = export()
    events, report = run(synthetic.data)
    messages = _file(report, "messages.csv")
    assert messages.rows_skipped == {"draft": 1, "spam": 1, "sponsored": 3, "unparseable_date": 1}
    assert messages.notes["recipients_capped"] == 2
    assert messages.notes["counterpart_unknown"] == 1  # "LinkedIn Member"
    sent = [e for e in events if e.type is T.MESSAGE_SENT]
    group = [e for e in sent if e.counterpart in {_id_of(p) for p in synthetic.people[12:15]}]
    assert len(group) == 3
    assert len({e.occurred_at for e in group}) == 1
    # the owner is recognised as sender in INBOX as well as in SENT
    assert not any(e.counterpart == _id_of(OWNER) for e in events)


def test_the_owner_is_found_with_a_hint_by_name_or_url() -> None:
    data = export().data
    _, by_url = run(data, owner_hint=OWNER.url)
    _, by_name = run(data, owner_hint="quillon marshvor")
    assert by_url.owner == by_name.owner == "hint"
    events, wrong = run(data, owner_hint="Nobody Atall")
    assert wrong.owner == "message_pattern"
    assert [w.code for w in wrong.warnings] == ["owner_hint_not_found"]
    assert Counter(e.type for e in events) == export().expected


def _one_conversation(*, profile: bool, sent_folder: bool, connection: bool) -> bytes:
    """A single two-person conversation: both take part in every message, so counting ties."""
    other = Person("Ada", "Vorzin", "ada-vorzin-1")
    rows = [",".join(MESSAGE_HEADER)]
    for index, (sender, recipient) in enumerate(((other, OWNER), (OWNER, other), (other, OWNER))):
        folder = "SENT" if sent_folder and sender is OWNER else "INBOX"
        rows.append(
            f"c1,,{sender.full},{sender.url},{recipient.full},{recipient.url},"
            f"2025-06-0{index + 1} 10:00:00 UTC,,hello,{folder},,"
        )
    files: list[tuple[str, str]] = [("messages.csv", "\n".join(rows) + "\n")]
    if profile:
        files.append(("Profile.csv", f"First Name,Last Name\n{OWNER.first},{OWNER.last}\n"))
    if connection:
        files.append(
            (
                "Connections.csv",
                f"First Name,Last Name,URL,Connected On\nAda,Vorzin,{other.url},01 Jun 2025\n",
            )
        )
    return zip_of(files)


@pytest.mark.parametrize(
    ("profile", "sent_folder", "connection", "source"),
    [
        (True, False, False, "profile"),
        (False, True, False, "message_pattern"),
        (False, False, True, "message_pattern"),
    ],
)
def test_a_tie_is_broken_by_profile_sent_folder_or_connections(
    profile: bool, sent_folder: bool, connection: bool, source: str
) -> None:
    events, report = run(_one_conversation(profile=profile, sent_folder=sent_folder, connection=connection))
    assert report.owner == source
    assert Counter(e.type for e in events if e.type.value.startswith("message")) == {
        T.MESSAGE_RECEIVED: 2,
        T.MESSAGE_SENT: 1,
    }


def test_an_unresolvable_tie_fails_the_messages_file_and_asks_for_a_hint() -> None:
    data = _one_conversation(profile=False, sent_folder=False, connection=False)
    events, report = run(data)
    assert events == []
    assert report.owner == "not_found"
    assert [w.code for w in report.warnings] == ["owner_not_identified"]
    assert _file(report, "messages.csv").rows_skipped == {"owner_not_identified": 3}
    assert report.status == "failed"
    hinted, report = run(data, owner_hint="https://www.linkedin.com/in/" + OWNER.slug)
    assert report.owner == "hint"
    assert len(hinted) == 3


def test_endorsing_several_skills_at_once_is_one_event() -> None:
    _, report = run(export().data)
    given = _file(report, "Endorsement_Given_Info.csv")
    assert given.rows_read == 5
    assert given.rows_skipped == {"not_accepted": 1, "repeat_same_day": 1}
    assert given.events == {"endorsement_given": 3}


def test_learning_keeps_completed_courses_only() -> None:
    _, report = run(export().data)
    learning = _file(report, "Learning.csv")
    assert learning.events == {"skill_learned": 2}
    assert learning.rows_skipped == {"not_a_course": 1, "not_completed": 1}


def test_certifications_projects_and_split_job_applications() -> None:
    data = zip_of(
        [
            (
                "Certifications.csv",
                "Name,Url,Authority,Started On,Finished On\nCloud Practitioner,,Aws,Mar 2022,\n",
            ),
            (
                "Projects.csv",
                "Title,Description,Url,Started On,Finished On\nA garden planner,,,Oct 2019,Dec 2019\n",
            ),
            ("Jobs/Job Applications.csv", 'Application Date,Company Name\n"1/29/26, 2:37 PM",Vexmoor\n'),
            ("Jobs/Job Applications_1.csv", 'Application Date,Company Name\n"1/30/26, 9:01 AM",Quillworth\n'),
        ]
    )
    events, report = run(data)
    assert sorted((e.type.value, e.occurred_at.date().isoformat()) for e in events) == [
        ("certification_earned", "2022-03-01"),
        ("job_application", "2026-01-29"),
        ("job_application", "2026-01-30"),
        ("project_started", "2019-10-01"),
    ]
    assert report.variant == "unknown"
    assert report.files_missing == []


def test_a_file_with_rows_but_none_usable_is_an_error() -> None:
    data = zip_of(
        [
            ("Reactions.csv", "Date,Type,Link\nsoon,LIKE,x\nlater,LIKE,y\n"),
            ("Comments.csv", "Date,Link,Message\n2024-03-01 10:00:00,https://l/1,hello\n"),
        ]
    )
    events, report = run(data)
    assert len(events) == 1
    reactions = _file(report, "Reactions.csv")
    assert reactions.status == "failed"
    assert _error_code(report, "Reactions.csv") == "no_usable_rows"
    assert reactions.rows_skipped == {"unparseable_date": 2}
    assert report.status == "partial"


def test_a_header_only_file_is_empty_not_an_error() -> None:
    data = zip_of(
        [
            (
                "Recommendations_Given.csv",
                "First Name,Last Name,Company,Job Title,Text,Creation Date,Status\n",
            ),
            ("Comments.csv", "Date,Link,Message\n2024-03-01 10:00:00,https://l/1,hello\n"),
        ]
    )
    _, report = run(data)
    assert _file(report, "Recommendations_Given.csv").status == "empty"
    assert report.errors == []


def test_nothing_usable_at_all_fails_the_import() -> None:
    events, report = run(
        zip_of([("Reactions.csv", "Date,Type,Link\nsoon,LIKE,x\n"), ("Skills.csv", "Name\nGo\n")])
    )
    assert events == []
    assert report.status == "failed"
    assert [e.code for e in report.errors] == ["no_usable_rows"]


def test_a_file_without_its_header_is_an_error_and_the_rest_imports() -> None:
    data = zip_of(
        [
            ("Connections.csv", "Name,When\nAda,08 Feb 2026\n"),
            ("Comments.csv", "Date,Link,Message\n2024-03-01 10:00:00,https://l/1,hello\n"),
        ]
    )
    events, report = run(data)
    assert [e.type for e in events] == [T.COMMENT_MADE]
    assert _error_code(report, "Connections.csv") == "header_not_found"


def test_two_files_of_one_kind_are_refused_rather_than_guessed() -> None:
    csv_text = "Date,Link,Message\n2024-03-01 10:00:00,https://l/1,hello\n"
    events, report = run(zip_of([("Comments.csv", csv_text), ("old/Comments.csv", csv_text)]))
    assert events == []
    assert report.errors[0].code == "duplicate_file"


def test_numbered_activity_files_are_recognised() -> None:
    data = zip_of([("Shares_17529409.csv", "Date,ShareLink\n2024-03-01 10:00:00,https://l/1\n")])
    events, report = run(data)
    assert [e.type for e in events] == [T.KNOWLEDGE_SHARED]
    assert report.files_found == ["Shares.csv"]


def test_the_event_limit_stops_the_import_with_an_error() -> None:
    events, report = run(export().data, limits=ImportLimits(max_events=10))
    assert len(events) == 10
    assert "too_many_events" in [e.code for e in report.errors]
    assert report.finished
    assert report.status == "partial"


def test_the_group_message_cap_is_a_limit() -> None:
    _, report = run(export().data, limits=ImportLimits(max_recipients_per_message=1))
    assert _file(report, "messages.csv").notes["recipients_capped"] == 2 + 11


def test_streaming_interface_batches_once_and_reports_when_finished(tmp_path: Path) -> None:
    path = export().write(tmp_path / "export.zip")
    with parse_export(path, salt=SALT, now=NOW) as result:
        assert not result.report.finished
        assert result.report.events_total == 0
        batches = list(result.batches(25))
        with pytest.raises(RuntimeError):
            list(result.events())
        report = result.report
    assert report.finished
    assert all(len(batch) == 25 for batch in batches[:-1])
    assert 0 < len(batches[-1]) <= 25
    assert sum(len(batch) for batch in batches) == report.events_total == sum(export().expected.values())


def test_stopping_early_leaves_the_report_unfinished() -> None:
    with parse_export(io.BytesIO(export().data), salt=SALT, now=NOW) as result:
        events = result.events()
        first = next(events)
        events.close()
        assert first.type is T.CONNECTION_MADE
        assert not result.report.finished
        assert result.report.events_total == 1


def test_a_non_seekable_stream_is_read() -> None:
    class Unseekable(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            chunk = self._inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    events, report = collect_export(Unseekable(export().data), salt=SALT, now=NOW)  # type: ignore[arg-type]
    assert report.status == "ok"
    assert len(events) == sum(export().expected.values())


def test_the_report_is_json_and_round_trips() -> None:
    _, report = run(export().data)
    assert ImportReport.model_validate_json(report.model_dump_json()) == report
    assert report.date_range is not None
    assert report.date_range.first < report.date_range.last <= NOW.date()
    assert report.distinct_counterparts > 30


def test_guide_messages_with_the_messages_header_is_not_read_as_messages() -> None:
    rows = (
        ",".join(MESSAGE_HEADER)
        + "\nc1,,Ada Vorzin,https://www.linkedin.com/in/ada,Me,,2025-06-01 10:00:00 UTC,,hi,INBOX,,\n"
    )
    events, report = run(zip_of([("guide_messages.csv", rows), ("learning_role_play_messages.csv", rows)]))
    assert events == []
    assert report.files_found == []
    assert [e.code for e in report.errors] == ["no_export_files"]


def test_short_salt_and_naive_clock_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="salt"):
        run(export().data, salt=b"short")
    with pytest.raises(ValueError, match="aware"):
        collect_export(io.BytesIO(export().data), salt=SALT, now=NOW.replace(tzinfo=None))


def test_the_archive_is_only_read_never_written(tmp_path: Path) -> None:
    path = export().write(tmp_path / "export.zip")
    before = sorted(p.name for p in tmp_path.iterdir())
    run(path.read_bytes())
    collect_export(path, salt=SALT, now=NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
