"""The OpenAPI document's text patterns say exactly what the request readers accept (the fuzz test
generates valid input from them, so a pattern looser than the code is a failing fuzz run)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from readiness.activity import ActivityEvent
from readiness.errors import InvalidSubmission
from readiness.json_body import read_json_body
from readiness.openapi import NOT_BLANK_TEXT, PLAIN_TEXT, openapi_document

# every character of the Basic Multilingual Plane up to CJK punctuation, less the surrogates (no UTF-8
# text holds one): the C0 and C1 controls, the bidirectional controls and every kind of space are in it
CHARACTERS = [chr(code) for code in range(0x3100) if not 0xD800 <= code <= 0xDFFF]


def _read(text: str) -> bool:
    try:
        read_json_body(json.dumps({"counterpart": text}))
    except InvalidSubmission:
        return False
    return True


def test_plain_text_is_what_a_request_body_may_hold() -> None:
    disagree = [
        f"U+{ord(c):04X}" for c in CHARACTERS if _read(f"a{c}b") != bool(re.fullmatch(PLAIN_TEXT, f"a{c}b"))
    ]
    assert not disagree


def _event(counterpart: str) -> bool:
    try:
        ActivityEvent(
            type="message_sent", occurred_at=datetime(2024, 1, 1, tzinfo=UTC), counterpart=counterpart
        )
    except ValidationError:
        return False
    return True


def test_not_blank_text_is_what_an_activity_keeps_after_stripping() -> None:
    plain = [c for c in CHARACTERS if re.fullmatch(PLAIN_TEXT, c)]
    disagree = [
        f"U+{ord(c):04X}" for c in plain if _event(c * 2) != bool(re.fullmatch(NOT_BLANK_TEXT, c * 2))
    ]
    assert not disagree


@pytest.mark.parametrize("field", ["id", "counterpart"])
def test_the_document_gives_an_activitys_text_fields_the_not_blank_pattern(field: str) -> None:
    schema = openapi_document()["components"]["schemas"]["ActivityEvent"]["properties"][field]
    assert {"type": "string", "pattern": NOT_BLANK_TEXT}.items() <= schema["anyOf"][0].items()
