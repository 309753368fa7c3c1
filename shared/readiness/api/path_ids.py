"""Path parameters against the shape of the ids this API issues: a malformed id names no resource.

Checked once, before any route runs, so that no id a client made up (a path traversal, an injection
string, a control character) reaches a key condition or a log line, and the 404 says which part of
the path was wrong (its shape only: whether an id exists is never said).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from readiness.centres.model import CENTRE_ID_PATTERN
from readiness.errors import FieldError
from readiness.identity import ASSESSMENT_ID_PATTERN, IMPORT_ID_PATTERN, USER_ID_PATTERN

_SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    "user_id": (re.compile(USER_ID_PATTERN), "is not a user id (u_ and 26 letters and digits)"),
    "assessment_id": (
        re.compile(ASSESSMENT_ID_PATTERN),
        "is not an assessment id (a_ and 26 letters and digits)",
    ),
    "import_id": (re.compile(IMPORT_ID_PATTERN), "is not an import id (i_ and 26 letters and digits)"),
    "centre_id": (re.compile(CENTRE_ID_PATTERN), "is not a centre id (c_ and 26 letters and digits)"),
}


def malformed_path_ids(parameters: Mapping[str, str]) -> list[FieldError]:
    """One problem per path parameter that cannot be an id this API issued."""
    problems = []
    for name, value in parameters.items():
        shape = _SHAPES.get(name)
        if shape is not None and shape[0].fullmatch(str(value)) is None:
            problems.append(FieldError(name, shape[1]))
    return problems
