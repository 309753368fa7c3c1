"""LinkedIn data-export import: a streaming, privacy-keeping parser of "Get a copy of your data" archives.

    with parse_export(upload, salt=user_salt, now=clock()) as result:
        for batch in result.batches(500):
            store(batch)                      # ActivityEvents: types, dates, salted counterpart ids
        report = result.report                # ImportReport: what was read, skipped and kept

Pure domain code: no AWS, no network, no clock (``now`` is passed in). See docs/linkedin-import.md.
"""

from readiness.linkedin.counterparts import infer_role
from readiness.linkedin.dates import parse_export_date
from readiness.linkedin.limits import ImportLimits
from readiness.linkedin.parser import ImportResult, collect_export, parse_export
from readiness.linkedin.report import (
    DateRange,
    FileReport,
    ImportIssue,
    ImportReport,
    Note,
    SkipReason,
)

__all__ = [
    "DateRange",
    "FileReport",
    "ImportIssue",
    "ImportLimits",
    "ImportReport",
    "ImportResult",
    "Note",
    "SkipReason",
    "collect_export",
    "infer_role",
    "parse_export",
    "parse_export_date",
]
