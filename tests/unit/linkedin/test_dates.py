"""Export dates: each file's own format to an aware UTC datetime; anything else is None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from readiness.linkedin.dates import parse_export_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08 Feb 2026", datetime(2026, 2, 8, tzinfo=UTC)),  # Connections.csv
        ("8 February 2026", datetime(2026, 2, 8, tzinfo=UTC)),
        ("2025-06-01 14:03:22 UTC", datetime(2025, 6, 1, 14, 3, 22, tzinfo=UTC)),  # messages.csv
        ("2025-06-01 14:03:22", datetime(2025, 6, 1, 14, 3, 22, tzinfo=UTC)),  # Shares.csv
        ("1/29/26, 2:37 PM", datetime(2026, 1, 29, 14, 37, tzinfo=UTC)),  # Invitations.csv
        ("1/29/26, 12:05 AM", datetime(2026, 1, 29, 0, 5, tzinfo=UTC)),
        ("1/29/26, 12:05 PM", datetime(2026, 1, 29, 12, 5, tzinfo=UTC)),
        ("01/29/2026", datetime(2026, 1, 29, tzinfo=UTC)),
        ("5/1/98", datetime(1998, 5, 1, tzinfo=UTC)),
        ("2024/05/17 09:12:44 UTC", datetime(2024, 5, 17, 9, 12, 44, tzinfo=UTC)),  # Endorsements
        ("2023-04-05 16:40 UTC", datetime(2023, 4, 5, 16, 40, tzinfo=UTC)),  # Learning.csv
        ("Mar 2022", datetime(2022, 3, 1, tzinfo=UTC)),  # Certifications.csv, Projects.csv
        ("Feb 8, 2026", datetime(2026, 2, 8, tzinfo=UTC)),
        ("2026-02-08", datetime(2026, 2, 8, tzinfo=UTC)),
        ("2026-02-08T09:30:00Z", datetime(2026, 2, 8, 9, 30, tzinfo=UTC)),
        ("2026-02-08T09:30:00.123+02:00", datetime(2026, 2, 8, 7, 30, tzinfo=UTC)),
        ("2026-02-08 09:30:00 -0500", datetime(2026, 2, 8, 14, 30, tzinfo=UTC)),
        ("  08 Feb 2026  ", datetime(2026, 2, 8, tzinfo=UTC)),
    ],
)
def test_each_export_format_is_read_as_utc(text: str, expected: datetime) -> None:
    parsed = parse_export_date(text)
    assert parsed == expected
    assert parsed is not None
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "30 Feb 2026",
        "13/40/26",
        "1/29/26, 13:05 PM",
        "2026-13-01",
        "08 Foo 2026",
        "2026-02-08 25:00:00 UTC",
        "2026-02-08T09:30:00+99:00",
        "1" * 100,
        "\x00\x01",
    ],
)
def test_anything_else_is_none(text: str) -> None:
    assert parse_export_date(text) is None


_FORMATS = (
    lambda m: m.strftime("%d %b %Y"),
    lambda m: m.strftime("%Y-%m-%d %H:%M:%S UTC"),
    lambda m: f"{m.month}/{m.day}/{m:%y}, {m.hour % 12 or 12}:{m:%M} {'PM' if m.hour >= 12 else 'AM'}",
    lambda m: m.strftime("%Y/%m/%d %H:%M:%S UTC"),
    lambda m: m.isoformat(),
)
# how much of the instant each format keeps (the fraction of a second of an ISO time is dropped)
_SECOND = timedelta(seconds=1)
_PRECISION = (timedelta(days=1), _SECOND, timedelta(minutes=1), _SECOND, _SECOND)


@given(
    moment=st.datetimes(datetime(1990, 1, 1), datetime(2069, 12, 31), timezones=st.just(UTC)),
    which=st.integers(0, len(_FORMATS) - 1),
)
def test_format_then_parse_keeps_the_instant_to_the_formats_precision(moment: datetime, which: int) -> None:
    parsed = parse_export_date(_FORMATS[which](moment))
    assert parsed is not None
    assert timedelta(0) <= moment - parsed < _PRECISION[which]


@given(st.text(max_size=60))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    parsed = parse_export_date(text)
    assert parsed is None or parsed.tzinfo is UTC
