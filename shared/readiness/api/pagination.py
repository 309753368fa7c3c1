"""Opaque history cursors: what a client passes back to get the next page, checked on the way in."""

from __future__ import annotations

import base64
import binascii
import json

from readiness.api.errors import InvalidRequest
from readiness.errors import FieldError
from readiness.identity import is_assessment_id

CURSOR_VERSION = 1
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def encode_cursor(after_assessment_id: str) -> str:
    document = json.dumps({"v": CURSOR_VERSION, "after": after_assessment_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The assessment id a page starts after; InvalidRequest (field ``cursor``) for anything not ours."""
    problem = InvalidRequest(
        [FieldError("cursor", "is not a cursor this API issued; start again without it")]
    )
    # The cursor only positions a page inside the caller's own history (the partition comes from the
    # authenticated path), so a forged one can skip or repeat the caller's items, never reach others'.
    if not cursor or len(cursor) > 200:
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
    if not isinstance(after, str) or not is_assessment_id(after):
        raise problem
    return after


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
