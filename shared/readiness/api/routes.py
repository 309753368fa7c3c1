"""The public routes of API v1, written once (Powertools syntax: <name> is a path parameter)."""

from __future__ import annotations

import re

QUESTIONNAIRE = "/v1/questionnaire"
ASSESSMENTS = "/v1/assessments"
ASSESSMENT = "/v1/assessments/<assessment_id>"
USER_ASSESSMENTS = "/v1/users/<user_id>/assessments"
OPENAPI = "/v1/openapi.json"
SCHEDULE = "/v1/users/<user_id>/schedule"
USER_ACTIVITIES = "/v1/users/<user_id>/activities"
USER_IMPORTS = "/v1/users/<user_id>/imports"
USER_IMPORT = "/v1/users/<user_id>/imports/<import_id>"
CONSENT = "/v1/users/<user_id>/consents/<centre_id>"
CENTRE_SUMMARY = "/v1/centres/me/summary"
CENTRE_STUDENTS = "/v1/centres/me/students"
CENTRE_EMBED = "/v1/centres/<centre_id>/embed"  # the embedded form, framed by its origins only
USER = "/v1/users/<user_id>"
USER_EXPORT = "/v1/users/<user_id>/export"

PUBLIC_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", QUESTIONNAIRE),
    ("POST", ASSESSMENTS),
    ("GET", ASSESSMENT),
    ("GET", USER_ASSESSMENTS),
    ("GET", OPENAPI),
    ("PUT", SCHEDULE),
    ("GET", SCHEDULE),
    ("DELETE", SCHEDULE),
    ("POST", USER_ACTIVITIES),
    ("POST", USER_IMPORTS),
    ("GET", USER_IMPORT),
    ("GET", CONSENT),
    ("PUT", CONSENT),
    ("GET", CENTRE_SUMMARY),
    ("GET", CENTRE_STUDENTS),
    ("GET", CENTRE_EMBED),
    ("GET", USER_EXPORT),
    ("DELETE", USER),
)


def as_template_path(path: str) -> str:
    """``/v1/assessments/<assessment_id>`` as API Gateway and OpenAPI write it: ``{assessment_id}``."""
    return re.sub(r"<(\w+)>", r"{\1}", path)


def _pattern(path: str) -> re.Pattern[str]:
    # re.escape leaves <, > and word characters alone, so the parameters survive it
    return re.compile(re.sub(r"<\w+>", "[^/]+", re.escape(path)))


_PATTERNS = [(method, _pattern(path)) for method, path in PUBLIC_ROUTES]


def allowed_methods(path: str) -> list[str]:
    """The methods the API serves on a concrete path (empty: no such resource)."""
    return sorted({method for method, pattern in _PATTERNS if pattern.fullmatch(path)})
