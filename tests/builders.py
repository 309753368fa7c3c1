"""Test data: answers, events and hypothesis strategies built from the questionnaire itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from readiness.activity import ActivityEvent, ActivityType, CounterpartRole
from readiness.questionnaire import QuestionKind, get_questionnaire
from readiness.submission import Submission

AS_OF = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
QUESTIONNAIRE = get_questionnaire()
QUESTIONS = QUESTIONNAIRE.questions()


def answers(level: str = "middle", **overrides: Any) -> dict[str, Any]:
    """Answers to every question: 'low', 'middle' or 'high' agreement (reverse items answered to match)."""
    values: dict[str, Any] = {}
    for qid, question in QUESTIONS.items():
        if not question.required:
            continue
        if question.kind is QuestionKind.LIKERT:
            value = {"low": 1, "middle": 3, "high": 5}[level]
            values[qid] = 6 - value if question.reverse else value
        elif question.kind is QuestionKind.CHOICE:
            choices = [c.value for c in question.choices or []]
            values[qid] = {"low": choices[0], "middle": choices[len(choices) // 2], "high": choices[-1]}[
                level
            ]
        elif question.kind is QuestionKind.BOOLEAN:
            values[qid] = level == "high"
        else:
            values[qid] = {"low": 0, "middle": 3, "high": 12}[level]
    values.update(overrides)
    return values


def event(
    kind: str | ActivityType,
    days_ago: float,
    counterpart: str | None = None,
    role: str | None = None,
    as_of: datetime = AS_OF,
) -> ActivityEvent:
    return ActivityEvent(
        type=ActivityType(kind),
        occurred_at=as_of - timedelta(days=days_ago),
        counterpart=counterpart,
        counterpart_role=CounterpartRole(role) if role else None,
    )


def submission(
    events: list[ActivityEvent] | tuple[ActivityEvent, ...] = (), **answer_overrides: Any
) -> Submission:
    level = answer_overrides.pop("level", "middle")
    return Submission(
        questionnaire_version=QUESTIONNAIRE.version,
        answers=answers(level, **answer_overrides),
        activities=tuple(events),
    )


# hypothesis strategies --------------------------------------------------------------------------------


def _answer_strategy(qid: str) -> st.SearchStrategy[Any]:
    question = QUESTIONS[qid]
    if question.kind is QuestionKind.BOOLEAN:
        return st.booleans()
    if question.kind is QuestionKind.CHOICE:
        return st.sampled_from([c.value for c in question.choices or []])
    assert question.min is not None
    assert question.max is not None
    upper = question.max if question.kind is QuestionKind.LIKERT else min(question.max, 60)
    return st.integers(question.min, upper)


answer_sets = st.fixed_dictionaries(
    {qid: _answer_strategy(qid) for qid, q in QUESTIONS.items() if q.required}
)

counterparts = st.one_of(st.none(), st.sampled_from([f"person-{i}" for i in range(12)]))
roles = st.one_of(st.none(), st.sampled_from(list(CounterpartRole)))
ages_in_days = st.floats(min_value=0, max_value=1500, allow_nan=False, allow_infinity=False)


@st.composite
def events_strategy(
    draw: st.DrawFn, kinds: st.SearchStrategy[ActivityType] | None = None, as_of: datetime = AS_OF
) -> ActivityEvent:
    kind = draw(kinds if kinds is not None else st.sampled_from(list(ActivityType)))
    days = draw(ages_in_days)
    return ActivityEvent(
        type=kind,
        occurred_at=as_of - timedelta(days=days),
        counterpart=draw(counterparts),
        counterpart_role=draw(roles),
    )


event_lists = st.lists(events_strategy(), max_size=60)
