"""Shared helpers for the LinkedIn import tests: cached synthetic exports and a one-call import."""

from __future__ import annotations

import io
import json
from functools import cache

from readiness.activity import ActivityEvent
from readiness.linkedin import ImportLimits, ImportReport, collect_export

from tests.fixtures_linkedin import NOW, SALT, ExportOptions, SyntheticExport, build_export

DEFAULT = ExportOptions()


@cache
def export(options: ExportOptions = DEFAULT) -> SyntheticExport:
    """build_export, once per variant for the whole test run."""
    return build_export(options)


def run(
    data: bytes,
    *,
    salt: bytes = SALT,
    owner_hint: str | None = None,
    limits: ImportLimits | None = None,
) -> tuple[list[ActivityEvent], ImportReport]:
    return collect_export(io.BytesIO(data), salt=salt, now=NOW, owner_hint=owner_hint, limits=limits)


def leaked(secrets: list[str], events: list[ActivityEvent], report: ImportReport) -> list[str]:
    """Every secret found (case-insensitively) anywhere in the events' or the report's JSON."""
    blob = json.dumps([event.model_dump(mode="json") for event in events]) + report.model_dump_json()
    blob = blob.casefold()
    return [secret for secret in secrets if secret.casefold() in blob]
