"""The questionnaire: coverage of the seven dimensions, stable ids, and answer validation."""

from __future__ import annotations

from typing import Any

import pytest
from readiness.questionnaire import QuestionKind, get_questionnaire, questionnaire_document, validate_answers
from readiness.scoring import DIMENSION_NAMES

from tests.builders import answers

QUESTIONNAIRE = get_questionnaire()


def test_has_24_to_36_items_covering_every_dimension_with_a_count_item() -> None:
    questions = list(QUESTIONNAIRE.questions().values())
    assert 24 <= len(questions) <= 36
    assert len({q.id for q in questions}) == len(questions)
    for dimension in DIMENSION_NAMES:
        mine = [q for q in questions if q.dimension == dimension]
        assert len([q for q in mine if q.kind is not QuestionKind.COUNT]) >= 3, dimension
        assert len([q for q in mine if q.kind is QuestionKind.COUNT]) == 1, dimension
    assert {q.kind for q in questions} == set(QuestionKind)


def test_answerable_in_under_eight_minutes() -> None:
    words = sum(len(q.text.split()) for q in QUESTIONNAIRE.questions().values())
    # reading at 200 words a minute plus ten seconds to answer each item
    minutes = words / 200 + len(QUESTIONNAIRE.questions()) * 10 / 60
    assert minutes < 8
    assert QUESTIONNAIRE.estimated_minutes < 8


def test_public_document_hides_scoring_internals() -> None:
    document = questionnaire_document()
    assert document["version"] == QUESTIONNAIRE.version
    flat = [q for s in document["sections"] for q in s["questions"]]
    assert all("reverse" not in q for q in flat)
    assert all("points" not in c for q in flat for c in q.get("choices", []))
    likert = next(q for q in flat if q["kind"] == "likert")
    assert (likert["min"], likert["max"], likert["required"]) == (1, 5, True)


def test_complete_answers_validate() -> None:
    clean, errors = validate_answers(QUESTIONNAIRE, answers("middle"))
    assert errors == []
    assert clean == answers("middle")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"nonsense": 3}, "answers.nonsense", "unknown question id"),
        ({"reach_1": 6}, "answers.reach_1", "from 1 to 5"),
        ({"reach_1": 0}, "answers.reach_1", "from 1 to 5"),
        ({"reach_1": "4"}, "answers.reach_1", "whole number"),
        ({"reach_1": True}, "answers.reach_1", "whole number"),
        ({"reach_1": 2.5}, "answers.reach_1", "whole number"),
        ({"reach_count": -1}, "answers.reach_count", "from 0 to"),
        ({"reach_count": 10**9}, "answers.reach_count", "from 0 to"),
        ({"market_3": "yes"}, "answers.market_3", "true or false"),
        ({"market_1": "sometimes"}, "answers.market_1", "must be one of"),
        ({"market_1": None}, "answers.market_1", "required"),
    ],
)
def test_bad_answers_name_the_field(change: dict[str, Any], field: str, message: str) -> None:
    _, errors = validate_answers(QUESTIONNAIRE, answers("middle", **change))
    assert [e.field for e in errors] == [field]
    assert message in errors[0].message


def test_missing_required_answers_are_each_named_and_optional_ones_are_not() -> None:
    partial = answers("middle")
    del partial["reach_2"], partial["growth_count"]
    _, errors = validate_answers(QUESTIONNAIRE, partial)
    assert sorted(e.field for e in errors) == ["answers.growth_count", "answers.reach_2"]
    clean, errors = validate_answers(QUESTIONNAIRE, answers("middle", context_status="student"))
    assert errors == []
    assert clean["context_status"] == "student"


def test_a_whole_float_is_read_as_the_integer() -> None:
    clean, errors = validate_answers(QUESTIONNAIRE, answers("middle", reach_1=4.0))
    assert errors == []
    assert clean["reach_1"] == 4
    assert isinstance(clean["reach_1"], int)


def test_answers_must_be_an_object() -> None:
    _, errors = validate_answers(QUESTIONNAIRE, ["reach_1", 3])
    assert [e.field for e in errors] == ["answers"]
