"""Hostile and broken uploads: each a clear error in the report, never a crash, never a partial file."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from readiness.activity import ActivityEvent, ActivityType
from readiness.linkedin import ImportLimits, ImportReport, collect_export, parse_export

from tests.fixtures_linkedin import (
    NOW,
    SALT,
    ExportOptions,
    binary_garbage,
    build_export,
    bzip2_member,
    declared_size_lie,
    encrypted_member,
    long_line_csv,
    many_members,
    not_a_zip,
    oversized,
    truncated_zip,
    unsafe_paths,
    zip_bomb,
    zip_of,
)
from tests.unit.linkedin.harness import export, leaked, run

T = ActivityType


def _refused(data: bytes, code: str, limits: ImportLimits | None = None) -> ImportReport:
    events, report = run(data, limits=limits)
    assert events == []
    assert report.status == "failed"
    assert report.finished
    assert [error.code for error in report.errors] == [code]
    assert report.files == []
    assert report.errors[0].message
    return report


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (not_a_zip, "not_a_zip"),
        (truncated_zip, "not_a_zip"),
        (lambda: b"", "not_a_zip"),
        (lambda: b"PK\x05\x06" + b"\x00" * 10, "not_a_zip"),
        (zip_bomb, "zip_bomb"),
        (lambda: zip_bomb(8 * 1024 * 1024), "zip_bomb"),
        (unsafe_paths, "unsafe_member_path"),
        (lambda: unsafe_paths("/etc/Connections.csv"), "unsafe_member_path"),
        (lambda: unsafe_paths("C:/Users/Connections.csv"), "unsafe_member_path"),
        (lambda: unsafe_paths("export/../../Connections.csv"), "unsafe_member_path"),
        (lambda: unsafe_paths("..\\..\\Connections.csv"), "unsafe_member_path"),
        (lambda: many_members(1001), "too_many_members"),
    ],
    ids=[
        "not_a_zip",
        "truncated",
        "empty",
        "bare_end_record",
        "zip_bomb_64mb",
        "zip_bomb_8mb",
        "dotdot",
        "absolute",
        "drive_letter",
        "inner_dotdot",
        "backslash_dotdot",
        "too_many_members",
    ],
)
def test_hostile_archives_are_refused_whole(make: object, code: str) -> None:
    assert callable(make)
    _refused(make(), code)


def test_an_archive_over_the_upload_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = oversized(tmp_path / "sixty.zip")
    assert path.stat().st_size > 60 * 1024 * 1024
    events, report = collect_export(path, salt=SALT, now=NOW)
    assert events == []
    assert [error.code for error in report.errors] == ["archive_too_large"]
    with path.open("rb") as stream:
        events, report = collect_export(stream, salt=SALT, now=NOW)
    assert [error.code for error in report.errors] == ["archive_too_large"]


def test_size_limits_apply_to_declared_sizes() -> None:
    data = export().data
    _refused(data, "archive_too_large", ImportLimits(max_archive_bytes=1024))
    _refused(data, "member_too_large", ImportLimits(max_member_bytes=1024))
    _refused(data, "archive_expands_too_much", ImportLimits(max_total_bytes=16 * 1024))
    _refused(data, "too_many_members", ImportLimits(max_members=5))
    _refused(data, "directory_too_large", ImportLimits(max_central_directory_bytes=100))
    ratio = ImportLimits(max_expansion_ratio=2, expansion_ratio_floor_bytes=1024)
    _refused(data, "zip_bomb", ratio)


def test_the_member_count_is_checked_before_the_zip_library_reads_the_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_be_called(*args: object, **kwargs: object) -> None:
        raise AssertionError("the directory was parsed")

    data = many_members(50)
    monkeypatch.setattr(zipfile, "ZipFile", must_not_be_called)
    _refused(data, "too_many_members", ImportLimits(max_members=10))


def _with(name: str, data: bytes) -> bytes:
    return build_export(ExportOptions(replace_files=((name, data),))).data


@pytest.mark.parametrize(
    ("data", "file", "code"),
    [
        (lambda: _with("messages.csv", long_line_csv()), "messages.csv", "line_too_long"),
        (lambda: _with("messages.csv", long_line_csv(1_500_000)), "messages.csv", "field_too_large"),
        (lambda: _with("Reactions.csv", binary_garbage()), "Reactions.csv", "not_utf8_text"),
        (
            lambda: _with("Reactions.csv", b"Date,Type,Link\n2024-03-01,LIKE,\x00\x00\n"),
            "Reactions.csv",
            "binary_content",
        ),
        (lambda: _with("Connections.csv", b"\xff\xfeF\x00i\x00r\x00"), "Connections.csv", "not_utf8_text"),
        (declared_size_lie, "Reactions.csv", "corrupt_member"),
        (encrypted_member, "Comments.csv", "encrypted"),
        (bzip2_member, "Shares.csv", "unsupported_compression"),
    ],
    ids=[
        "10mb_line",
        "1.5mb_field",
        "binary_garbage",
        "nul_bytes",
        "utf16",
        "size_lie",
        "encrypted",
        "bzip2",
    ],
)
def test_a_broken_file_is_an_error_for_that_file_and_the_rest_imports(
    data: object, file: str, code: str
) -> None:
    assert callable(data)
    synthetic = export()
    events, report = run(data())
    broken = next(f for f in report.files if f.file == file)
    assert broken.status == "failed"
    assert broken.error is not None
    assert broken.error.code == code
    assert broken.events == {}
    assert report.status == "partial"
    assert [error.code for error in report.errors] == [code]
    # every other file imported in full; nothing at all from the broken one
    lost = {
        "messages.csv": {T.MESSAGE_SENT, T.MESSAGE_RECEIVED},
        "Reactions.csv": {T.REACTION_MADE},
        "Connections.csv": {T.CONNECTION_MADE},
        "Comments.csv": {T.COMMENT_MADE},
        "Shares.csv": {T.KNOWLEDGE_SHARED},
    }[file]
    expected = Counter({kind: count for kind, count in synthetic.expected.items() if kind not in lost})
    assert Counter(event.type for event in events) == expected
    assert leaked(synthetic.secrets, events, report) == []


def test_error_messages_carry_no_content_from_the_archive() -> None:
    secret = "Zarvokel Private Text 12345"
    data = _with("messages.csv", (long_line_csv(3_000_000).decode() + secret).encode())
    _, report = run(data)
    assert secret.casefold() not in report.model_dump_json().casefold()
    member = zip_of([(f"{secret}/Connections.csv", "not, a header\n"), (f"../{secret}.csv", "")])
    _, refused = run(member)
    assert secret.casefold() not in refused.model_dump_json().casefold()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(
        ["messages.csv", "Connections.csv", "Invitations.csv", "Reactions.csv", "Learning.csv"]
    ),
    content=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=2000).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.lists(st.lists(st.text(max_size=30), max_size=12), max_size=20).map(
            lambda rows: "\n".join(",".join(cells) for cells in rows).encode("utf-8", "surrogatepass")
        ),
    ),
)
def test_any_file_content_gives_valid_events_or_a_file_error_never_an_exception(
    name: str, content: bytes
) -> None:
    header = {
        "messages.csv": b"FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,FOLDER\n",
        "Connections.csv": b"First Name,Last Name,URL,Position,Connected On\n",
        "Invitations.csv": b"From,To,Sent At,Direction,inviterProfileUrl,inviteeProfileUrl\n",
        "Reactions.csv": b"Date,Type,Link\n",
        "Learning.csv": b"Content Title,Content Type,Content Completed At (if completed)\n",
    }[name]
    for data in (zip_of([(name, content)]), zip_of([(name, header + content)])):
        events, report = run(data)
        for event in events:
            assert ActivityEvent.model_validate(event.model_dump(mode="json")) == event
        assert report.finished
        assert report.events_total == len(events)
        assert ImportReport.model_validate_json(report.model_dump_json()) == report


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=4000))
def test_any_bytes_as_an_archive_are_refused_or_read_never_an_exception(data: bytes) -> None:
    events, report = run(data)
    assert report.finished
    assert report.status in {"ok", "partial", "failed"}
    assert len(events) == report.events_total


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_any_corruption_of_a_real_export_never_raises(data: st.DataObject) -> None:
    archive = bytearray(export(ExportOptions(variant="basic")).data)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(archive) - 1))
        archive[at] = data.draw(st.integers(0, 255))
    with parse_export(io.BytesIO(bytes(archive)), salt=SALT, now=NOW) as result:
        events = list(result)
        report = result.report
    assert report.finished
    assert report.events_total == len(events)


def test_a_zip64_directory_is_read_for_its_member_count() -> None:
    # more than 65,535 entries: the plain record says 0xFFFF, the count lives in the zip64 record
    data = many_members(70_000)
    _refused(data, "too_many_members")
    roomy = ImportLimits(max_central_directory_bytes=64 * 1024 * 1024)
    _refused(data, "too_many_members", replace(roomy, max_members=69_999))
    _refused(data, "no_export_files", replace(roomy, max_members=70_000))


def _commented(comment: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Comments.csv", "Date,Link,Message\n2024-03-01 10:00:00,https://l/1,hello\n")
        archive.comment = comment
    return buffer.getvalue()


def test_an_archive_comment_does_not_hide_the_directory() -> None:
    events, report = run(_commented(b"exported by a tool " * 100))
    assert [event.type for event in events] == [T.COMMENT_MADE]
    assert report.errors == []
    # a forged end-of-directory signature inside the comment: the zip library refuses it too
    _refused(_commented(b"PK\x05\x06 forged"), "not_a_zip")
