"""The bounds an import of a LinkedIn export works within: archive, members, fields, events."""

from __future__ import annotations

from dataclasses import dataclass, fields

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """Resource bounds for one import; the defaults fit a Lambda with 512 MB of memory.

    Sizes are checked twice: against what the zip's central directory declares before anything is
    decompressed, and against what is actually decompressed while a member is streamed.
    """

    # The upload policy enforces 50 MB; the parser refuses a larger archive on its own as well.
    max_archive_bytes: int = 50 * MB
    # A complete export has about 40 members; a directory listing a thousand is not an export.
    max_members: int = 1000
    max_central_directory_bytes: int = 4 * MB
    # Uncompressed bytes, per member and for the whole archive.
    max_member_bytes: int = 400 * MB
    max_total_bytes: int = 500 * MB
    # CSV text deflates about 3-10x; a zip bomb expands 100x to 1000x. Members smaller than the floor
    # are not ratio-checked (a tiny, very repetitive file is harmless).
    max_expansion_ratio: int = 100
    expansion_ratio_floor_bytes: int = 1 * MB
    # One CSV field, and one physical line, in characters (csv.field_size_limit is set to the former).
    max_field_chars: int = 1_000_000
    max_line_chars: int = 2_000_000
    # The header row is looked for among the first records (Connections.csv has a "Notes:" preamble).
    max_header_search_rows: int = 20
    # A group message the owner sends becomes one message_sent per recipient, up to this many.
    max_recipients_per_message: int = 10
    # People remembered while parsing (name -> profile resolution, roles, owner detection).
    max_identities: int = 250_000
    # Events produced by one import; beyond it the import stops with an error.
    max_events: int = 2_000_000

    def __post_init__(self) -> None:
        for field in fields(self):
            if getattr(self, field.name) <= 0:
                raise ValueError(f"ImportLimits.{field.name} must be positive")
