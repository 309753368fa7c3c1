"""Opening an uploaded zip without trusting it, and streaming CSV rows out of its members.

Nothing is extracted to disk: members are read as streams. Before the zip library parses anything,
the end-of-central-directory record is read directly so that an archive declaring a million members
is refused before a million ZipInfo objects exist. Then every member is vetted: names (no absolute
paths, no ``..``), declared sizes (per member, in total, and the expansion ratio) and compression
method (only stored and deflate: deflate output is bounded per read, bzip2 and lzma output is not).
While a member is read, the bytes actually decompressed are counted against what it declared.
"""

from __future__ import annotations

import csv
import io
import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, BinaryIO

from readiness.linkedin.limits import ImportLimits

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

ArchiveSource = BinaryIO | str | os.PathLike[str]

_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_EOCD = b"PK\x06\x06"
_ZIP64_EOCD_SIZE = 56
_MAX_COMMENT = 0xFFFF
_READABLE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveRefused(Exception):
    """The upload is not an archive this import will read at all; nothing is derived from it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class MemberUnreadable(Exception):
    """One member cannot be read as a CSV export file; the rest of the archive still can."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Member:
    """A vetted archive member: its path inside the zip and its base name (used to recognise it)."""

    info: zipfile.ZipInfo
    path: str
    base_name: str


class SafeArchive:
    """A zip opened for streaming reads after its directory and every member have been vetted."""

    def __init__(self, source: ArchiveSource, limits: ImportLimits) -> None:
        self._limits = limits
        self._owned: IO[bytes] | None = None
        self._zip: zipfile.ZipFile | None = None
        try:
            self._file = self._open(source)
            size = _size_of(self._file)
            if size > limits.max_archive_bytes:
                raise ArchiveRefused(
                    "archive_too_large",
                    f"the archive is {size:,} bytes; at most {limits.max_archive_bytes:,} are accepted",
                )
            _check_directory(self._file, size, limits)
            try:
                self._zip = zipfile.ZipFile(self._file)
            except (
                zipfile.BadZipFile,
                zipfile.LargeZipFile,
                EOFError,
                OSError,
                ValueError,
                KeyError,
                struct.error,
            ):
                raise ArchiveRefused("not_a_zip", "the upload is not a readable zip archive") from None
            self.members = self._vet(self._zip.infolist())
        except BaseException:
            self.close()
            raise

    def _open(self, source: ArchiveSource) -> IO[bytes]:
        if isinstance(source, str | os.PathLike):
            try:
                self._owned = open(source, "rb")  # noqa: SIM115 - closed by close()
            except OSError:
                raise ArchiveRefused("archive_unreadable", "the archive file could not be opened") from None
            return self._owned
        if source.seekable():
            return source
        # A non-seekable stream (an S3 body, say) is copied to a spooled file, no more than the limit.
        spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by close()
        self._owned = spooled
        copied = 0
        while chunk := source.read(1024 * 1024):
            copied += len(chunk)
            if copied > self._limits.max_archive_bytes:
                raise ArchiveRefused(
                    "archive_too_large",
                    f"the archive is larger than {self._limits.max_archive_bytes:,} bytes",
                )
            spooled.write(chunk)
        spooled.seek(0)
        return spooled

    def _vet(self, infos: list[zipfile.ZipInfo]) -> list[Member]:
        limits = self._limits
        if len(infos) > limits.max_members:
            raise ArchiveRefused(
                "too_many_members", f"the archive has more than {limits.max_members:,} members"
            )
        members = []
        total = 0
        for info in infos:
            path = info.filename.replace("\\", "/")
            if _unsafe(path):
                raise ArchiveRefused(
                    "unsafe_member_path",
                    "the archive contains a member with an absolute path or '..' (not a LinkedIn export)",
                )
            if info.is_dir():
                continue
            total += info.file_size
            if info.file_size > limits.max_member_bytes:
                raise ArchiveRefused(
                    "member_too_large",
                    f"a member declares {info.file_size:,} bytes uncompressed; "
                    f"at most {limits.max_member_bytes:,} are accepted",
                )
            if total > limits.max_total_bytes:
                raise ArchiveRefused(
                    "archive_expands_too_much",
                    f"the archive expands to more than {limits.max_total_bytes:,} bytes",
                )
            if (
                info.file_size > limits.expansion_ratio_floor_bytes
                and info.file_size > max(info.compress_size, 1) * limits.max_expansion_ratio
            ):
                raise ArchiveRefused(
                    "zip_bomb",
                    f"a member expands more than {limits.max_expansion_ratio}x (a zip bomb, not an export)",
                )
            members.append(Member(info, path, path.rsplit("/", 1)[-1]))
        return members

    def rows(self, member: Member) -> Iterator[list[str]]:
        """The CSV records of one member, streamed; raises MemberUnreadable for anything unreadable."""
        if self._zip is None:
            raise ValueError("the archive is closed")
        info = member.info
        if info.flag_bits & 0x1:
            raise MemberUnreadable("encrypted", "the file is encrypted")
        if info.compress_type not in _READABLE_METHODS:
            raise MemberUnreadable(
                "unsupported_compression", "the file uses a compression method not accepted"
            )
        limits = self._limits
        csv.field_size_limit(limits.max_field_chars)  # process-wide; the default would be 128 KiB
        line = 0
        try:
            with self._zip.open(info) as raw:
                metered = _MeteredReader(raw, info.file_size)
                buffered = io.BufferedReader(metered, buffer_size=256 * 1024)
                text = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="strict", newline="")
                lines = _bounded_lines(text, limits.max_line_chars)
                reader = csv.reader(lines, strict=False)
                for record in reader:
                    line = reader.line_num
                    yield record
        except MemberUnreadable:
            raise
        except UnicodeDecodeError:
            raise MemberUnreadable(
                "not_utf8_text", f"the file is not UTF-8 text (near line {line + 1})"
            ) from None
        except csv.Error as exc:
            # the csv module raises one exception class for everything; its text is the only tell
            if "field limit" in str(exc):
                raise MemberUnreadable(
                    "field_too_large",
                    f"a field near line {line + 1} is longer than {limits.max_field_chars:,} characters",
                ) from None
            raise MemberUnreadable(
                "malformed_csv", f"the file is not valid CSV (near line {line + 1})"
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
            raise MemberUnreadable("corrupt_member", "the file is damaged inside the archive") from None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._owned is not None:
            self._owned.close()
            self._owned = None


def _unsafe(path: str) -> bool:
    return (
        path.startswith("/")
        or _DRIVE.match(path) is not None
        or "\x00" in path
        or any(part == ".." for part in path.split("/"))
    )


def _size_of(file: IO[bytes]) -> int:
    position = file.tell()
    size = file.seek(0, io.SEEK_END)
    file.seek(position)
    return size


def _check_directory(file: IO[bytes], size: int, limits: ImportLimits) -> None:
    """Read the end-of-central-directory record ourselves and refuse an oversized directory early."""
    not_a_zip = ArchiveRefused("not_a_zip", "the upload is not a zip archive")
    if size < _EOCD_SIZE:
        raise not_a_zip
    tail_size = min(size, _EOCD_SIZE + _MAX_COMMENT)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    file.seek(0)
    # like the zip library: the record at the very end (no comment), else the last signature found
    at = tail_size - _EOCD_SIZE if tail[-_EOCD_SIZE:][:4] == _EOCD else tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < _EOCD_SIZE:
        raise not_a_zip
    entries: int
    directory_size: int
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    locator_at = at - _ZIP64_LOCATOR_SIZE
    if locator_at >= 0 and tail[locator_at : locator_at + 4] == _ZIP64_LOCATOR:
        (record_offset,) = struct.unpack("<Q", tail[locator_at + 8 : locator_at + 16])
        if record_offset + _ZIP64_EOCD_SIZE > size:
            raise not_a_zip
        file.seek(record_offset)
        record = file.read(_ZIP64_EOCD_SIZE)
        file.seek(0)
        if record[:4] != _ZIP64_EOCD:
            raise not_a_zip
        entries, directory_size = struct.unpack("<QQ", record[32:48])
    if entries > limits.max_members:
        raise ArchiveRefused("too_many_members", f"the archive has more than {limits.max_members:,} members")
    if directory_size > limits.max_central_directory_bytes or directory_size > size:
        raise ArchiveRefused("directory_too_large", "the archive's directory is too large for an export")


class _MeteredReader(io.RawIOBase):
    """Counts the bytes a member actually decompresses to and stops at what it declared."""

    def __init__(self, raw: IO[bytes], declared: int) -> None:
        self._raw = raw
        self._left = declared

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        with memoryview(buffer) as view:
            data = self._raw.read(len(view))
            if len(data) > self._left:
                raise MemberUnreadable(
                    "size_mismatch", "the file decompresses to more than the archive declares"
                )
            self._left -= len(data)
            view[: len(data)] = data
        return len(data)


def _bounded_lines(text: io.TextIOWrapper, max_chars: int) -> Iterator[str]:
    """Physical lines of at most `max_chars` characters: a 10 MB line is an error, not 10 MB in memory."""
    readline = text.readline
    while line := readline(max_chars):
        if len(line) >= max_chars and line[-1] not in "\r\n":
            raise MemberUnreadable("line_too_long", f"a line is longer than {max_chars:,} characters")
        if "\x00" in line:
            raise MemberUnreadable("binary_content", "the file contains binary data, not CSV text")
        yield line
