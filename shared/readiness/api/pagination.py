"""Opaque page cursors and page sizes: what a client passes back to get the next page, checked on the
way in, and how the OpenAPI document describes them. History pages and a centre's roster both page
this way; only what a cursor may point after differs (an assessment id, a user id).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from readiness.api.errors import InvalidRequest
from readiness.errors import FieldError
from readiness.identity import is_assessment_id

CURSOR_VERSION = 1
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 200


def encode_cursor(after: str) -> str:
    """The cursor of the page that starts after ``after`` (an id of the last item shown)."""
    document = json.dumps({"v": CURSOR_VERSION, "after": after}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode("ascii").rstrip("=")


def decode_after(cursor: str, *, is_valid: Callable[[str], bool]) -> str:
    """The id a page starts after; InvalidRequest (field ``cursor``) for anything not ours.

    A cursor only positions a page inside what the authenticated caller may list (the partition
    comes from the caller, never from the cursor), so a forged one can skip or repeat the caller's
    own items, never reach anyone else's.
    """
    problem = InvalidRequest(
        [FieldError("cursor", "is not a cursor this API issued; start again without it")]
    )
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise problem
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise problem from None
    if (
        not isinstance(document, dict)
        or document.get("v") != CURSOR_VERSION
        or set(document) != {"v", "after"}
    ):
        raise problem
    after = document["after"]
    if not isinstance(after, str) or not is_valid(after):
        raise problem
    return after


def decode_cursor(cursor: str) -> str:
    """The assessment id a history page starts after."""
    return decode_after(cursor, is_valid=is_assessment_id)


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    message = f"must be a whole number from 1 to {MAX_LIMIT}"
    if not raw.isdigit() or len(raw) > 4:
        raise InvalidRequest([FieldError("limit", message)])
    limit = int(raw)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest([FieldError("limit", message)])
    return limit


def page_query(params: dict[str, str], *, is_valid: Callable[[str], bool]) -> tuple[int, str | None]:
    """``limit`` and ``cursor`` of a page request, every problem reported at once."""
    details: list[FieldError] = []
    limit, after = DEFAULT_LIMIT, None
    try:
        limit = parse_limit(params.get("limit"))
    except InvalidRequest as exc:
        details += exc.details
    cursor = params.get("cursor")
    if cursor is not None:
        try:
            after = decode_after(cursor, is_valid=is_valid)
        except InvalidRequest as exc:
            details += exc.details
    if details:
        raise InvalidRequest(details)
    return limit, after


def page_parameters(*, limit_description: str = "how many per page") -> list[dict[str, Any]]:
    """The OpenAPI query parameters of a paged route."""
    return [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": limit_description,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        {
            "name": "cursor",
            "in": "query",
            "required": False,
            "description": "`next_cursor` of the previous page (opaque)",
            "schema": {"type": "string", "maxLength": MAX_CURSOR_LENGTH},
        },
    ]
