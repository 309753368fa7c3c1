"""Dates as LinkedIn exports write them, each file in its own format, read as aware UTC datetimes.

Formats seen in real exports (one per file, but a file is not trusted to keep to one):
- ``08 Feb 2026``                 Connections.csv (Connected On)
- ``2025-06-01 14:03:22 UTC``     messages.csv (DATE); Shares, Comments, Reactions without "UTC"
- ``1/29/26, 2:37 PM``            Invitations.csv (Sent At), Recommendations, Jobs/Job Applications.csv
- ``2024/05/17 09:12:44 UTC``     Endorsement_*_Info.csv (Endorsement Date)
- ``2023-04-05 16:40 UTC``        Learning.csv
- ``Mar 2022``                    Certifications.csv, Projects.csv (Started On): the first of the month
- ISO 8601 (``2026-02-08``, ``2026-02-08T09:30:00Z``, ``+02:00`` offsets)

Times without a zone are taken as UTC (LinkedIn does not say; the error is at most a day's edge).
The slash format is the US month/day/year, as LinkedIn writes it whatever the member's locale.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ZONE = r"\s*(?P<zone>UTC|GMT|Z|[+-]\d{2}:?\d{2})?"
_TIME = r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,9})?)?)?"
# 2025-06-01 14:03:22 UTC, 2024/05/17 09:12:44 UTC, 2026-02-08T09:30:00+02:00, 2026-02-08
_YEAR_FIRST = re.compile(r"(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})" + _TIME + _ZONE)
# 08 Feb 2026, 8 February 2026
_DAY_MONTH_YEAR = re.compile(
    r"(?P<day>\d{1,2})[ -](?P<mon>[A-Za-z]{3,9})\.?[ -](?P<year>\d{4})" + _TIME + _ZONE
)
# 1/29/26, 2:37 PM  and  01/29/2026  and  1/29/26 14:37
_US = re.compile(
    r"(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4}|\d{2})"
    r"(?:,?\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    + _ZONE
)
# Feb 8, 2026 (9:30 AM)
_MONTH_DAY_YEAR = re.compile(
    r"(?P<mon>[A-Za-z]{3,9})\.? (?P<day>\d{1,2}),? (?P<year>\d{4})"
    r"(?:,?\s+(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?)?"
    + _ZONE
)
# Mar 2022 (month precision: profile sections)
_MONTH_YEAR = re.compile(r"(?P<mon>[A-Za-z]{3,9})\.? (?P<year>\d{4})")
_PATTERNS = (_YEAR_FIRST, _DAY_MONTH_YEAR, _US, _MONTH_DAY_YEAR, _MONTH_YEAR)
_TWO_DIGIT_PIVOT = 70  # "1/29/26" is 2026, "5/1/98" is 1998


def parse_export_date(text: str) -> datetime | None:
    """The instant `text` names, as an aware UTC datetime; None when it is not a date in a known format."""
    value = text.strip()
    if not value or len(value) > 40:
        return None
    for pattern in _PATTERNS:
        match = pattern.fullmatch(value)
        if match is not None:
            return _build(match)
    return None


def _build(match: re.Match[str]) -> datetime | None:
    parts = match.groupdict()
    year = int(parts["year"])
    if len(parts["year"]) == 2:
        year += 2000 if year < _TWO_DIGIT_PIVOT else 1900
    if parts.get("month") is not None:
        month = int(parts["month"])
    else:
        found = _MONTHS.get(parts["mon"].lower())
        if found is None:
            return None
        month = found
    day = int(parts["day"]) if parts.get("day") is not None else 1
    hour = int(parts["hour"]) if parts.get("hour") is not None else 0
    minute = int(parts["minute"]) if parts.get("minute") is not None else 0
    second = int(parts["second"]) if parts.get("second") is not None else 0
    ampm = parts.get("ampm")
    if ampm is not None:
        if not 1 <= hour <= 12:
            return None
        pm = ampm[0] in "Pp"
        hour = (hour % 12) + (12 if pm else 0)
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=_zone(parts.get("zone")))
    except ValueError:
        return None
    return moment.astimezone(UTC)


def _zone(text: str | None) -> timezone:
    if text is None or text in ("UTC", "GMT", "Z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
