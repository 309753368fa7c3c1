"""Consent bodies and roster queries: every problem named with its field."""

from __future__ import annotations

import pytest
from readiness.api.centres import (
    decode_student_cursor,
    encode_student_cursor,
    parse_consent_choice,
    student_query,
)
from readiness.api.errors import InvalidRequest
from readiness.errors import InvalidSubmission

USER = "u_" + "0" * 26


def test_a_consent_choice() -> None:
    assert parse_consent_choice(b'{"share_results": true}').share_results is True
    assert parse_consent_choice(b'{"share_results": false}').share_results is False


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (b"{}", ["share_results"]),
        (b'{"share_results": "yes"}', ["share_results"]),
        (b'{"share_results": 1}', ["share_results"]),
        (b'{"share_results": true, "centre_id": "c_x"}', ["centre_id"]),
        (b"[]", ["body"]),
        (b"", ["body"]),
    ],
)
def test_bad_consent_bodies_name_their_field(body: bytes, fields: list[str]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_consent_choice(body)
    assert [d.field for d in caught.value.details] == fields


def test_malformed_json_is_malformed() -> None:
    with pytest.raises(InvalidSubmission) as caught:
        parse_consent_choice(b"{nope")
    assert caught.value.malformed


def test_roster_cursors_round_trip_and_forgeries_are_refused() -> None:
    assert decode_student_cursor(encode_student_cursor(USER)) == USER
    for forged in ("", "x" * 300, "bm9wZQ", encode_student_cursor("u_short")):
        with pytest.raises(InvalidRequest):
            decode_student_cursor(forged)


def test_student_query() -> None:
    assert student_query({}) == (20, None)
    assert student_query({"limit": "5", "cursor": encode_student_cursor(USER)}) == (5, USER)
    with pytest.raises(InvalidRequest) as caught:
        student_query({"limit": "0", "cursor": "zzz"})
    assert [d.field for d in caught.value.details] == ["limit", "cursor"]
