"""readiness.json_body: a body with one meaning is read as json.loads reads it; any other is refused,
naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from readiness.errors import InvalidSubmission
from readiness.json_body import MAX_DEPTH, read_json_body


def refusal(body: bytes | str) -> InvalidSubmission:
    with pytest.raises(InvalidSubmission) as raised:
        read_json_body(body)
    return raised.value


def fields(body: bytes | str) -> list[str]:
    return [detail.field for detail in refusal(body).details]


# text a request may hold: no control, bidirectional-control or surrogate code points
plain_text = st.text(
    st.characters(
        exclude_categories=["Cs", "Cc"],
        exclude_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    max_size=12,
)
documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | plain_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(plain_text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(documents)
def test_a_document_with_one_meaning_reads_as_json_loads_reads_it(document: Any) -> None:
    text = json.dumps(document, ensure_ascii=False)

    assert read_json_body(text.encode()) == json.loads(text)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"a": 1, "a": 2}', "a"),
        ('{"answers": {"reach_1": 3, "reach_1": 5}}', "answers.reach_1"),
        ('{"activities": [{}, {"id": "x", "id": "y"}]}', "activities.1.id"),
        ('{"counterpart": "\\ud800"}', "counterpart"),
        ('{"counterpart": "a\\udc00b"}', "counterpart"),
        ('{"id": "crm\\u0000"}', "id"),
        ('{"id": "tab\\there"}', "id"),
        ('{"id": "\\u202egnp.exe"}', "id"),
        ('{"x": [1, 2, 1e400]}', "x.2"),
        ('{"x": -1e400}', "x"),
    ],
)
def test_text_and_names_with_more_than_one_meaning_are_a_422_naming_the_field(body: str, field: str) -> None:
    problem = refusal(body)

    assert not problem.malformed
    assert [detail.field for detail in problem.details] == [field]


def test_a_name_with_a_control_character_is_named_escaped() -> None:
    assert fields('{"answers": {"reach_1\\u0000": 3}}') == ["answers.reach_1\\u0000"]


def test_a_valid_surrogate_pair_is_one_character_and_allowed() -> None:
    assert read_json_body('{"counterpart": "\\ud83d\\ude00"}') == {"counterpart": "\U0001f600"}


def test_nesting_is_limited_and_the_place_named() -> None:
    within = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    beyond = '{"answers": {"reach_1": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}}"

    assert read_json_body(within) is not None
    assert fields(beyond)[0].startswith("answers.reach_1")
    assert fields("[" * 100_000 + "]" * 100_000) == ["body"]  # past the parser's own recursion limit


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b'{"a": NaN}',
        b'{"a": -Infinity}',
        b"\xef\xbb\xbf{}",
        b'{"a": "\xc0\xb1"}',
        b'{"a": "\xff"}',
        b'{"a": ' + b"9" * 5000 + b"}",
    ],
    ids=["empty", "not JSON", "NaN", "-Infinity", "BOM", "overlong UTF-8", "invalid byte", "5000 digits"],
)
def test_what_is_not_json_is_malformed(body: bytes) -> None:
    problem = refusal(body)

    assert problem.malformed
    assert [detail.field for detail in problem.details] == ["body"]


def test_every_problem_is_reported_at_once() -> None:
    body = '{"a": 1, "a": 2, "b": "\\u0000", "c": [1e400]}'

    assert sorted(fields(body)) == ["a", "b", "c.0"]
