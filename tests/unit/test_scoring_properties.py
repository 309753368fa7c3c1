"""Properties the scoring model promises (PRODUCT.md), checked over generated people and histories."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from readiness.activity import GIVE_TYPES, ActivityEvent, ActivityType
from readiness.result import AssessmentResult, Confidence
from readiness.scoring import DIMENSION_WEIGHTS, score_assessment
from readiness.submission import Submission

from tests.builders import AS_OF, QUESTIONNAIRE, answer_sets, event, event_lists, events_strategy, submission

PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _score(
    answers: dict[str, Any], events: list[ActivityEvent], as_of: Any = AS_OF, answered_at: Any = AS_OF
) -> AssessmentResult:
    return score_assessment(
        Submission(
            questionnaire_version=QUESTIONNAIRE.version,
            answers=answers,
            activities=tuple(events),
            answered_at=answered_at,
        ),
        as_of=as_of,
    )


def _dimension(result: AssessmentResult, dimension: str) -> int:
    return next(d.score for d in result.dimensions if d.id == dimension)


@PROPERTY_SETTINGS
@given(answer_sets, event_lists)
def test_scores_are_bounded_and_explained_line_by_line(
    answers: dict[str, Any], events: list[ActivityEvent]
) -> None:
    result = _score(answers, events)
    assert 0 <= result.score <= 100
    assert [d.id for d in result.dimensions] == list(DIMENSION_WEIGHTS)
    for dimension in result.dimensions:
        assert 0 <= dimension.score <= 100
        assert sum(line.points for line in dimension.explanation) == dimension.score, dimension.id
        assert all(line.points >= 0 for line in dimension.explanation)
    hundredths = sum(round(d.weight * 100) * d.score for d in result.dimensions)
    assert result.score == (hundredths + 50) // 100  # the weighted mean, half up, without float ties
    gains = [r.expected_gain for r in result.recommendations]
    assert gains == sorted(gains, reverse=True)
    assert all(gain > 0 for gain in gains)


@PROPERTY_SETTINGS
@given(answer_sets, event_lists)
def test_scoring_is_deterministic(answers: dict[str, Any], events: list[ActivityEvent]) -> None:
    first = _score(answers, events).model_dump(mode="json")
    assert _score(answers, list(events)).model_dump(mode="json") == first
    assert _score(answers, list(reversed(events))).model_dump(mode="json") == first  # order does not matter


@PROPERTY_SETTINGS
@given(answer_sets, event_lists, events_strategy(kinds=st.sampled_from(sorted(GIVE_TYPES))))
def test_adding_a_give_never_lowers_generosity(
    answers: dict[str, Any], events: list[ActivityEvent], give: ActivityEvent
) -> None:
    before = _dimension(_score(answers, events), "generosity")
    after = _dimension(_score(answers, [*events, give]), "generosity")
    assert after >= before


@PROPERTY_SETTINGS
@given(answer_sets, event_lists, st.integers(min_value=-20 * 365 * 86400, max_value=5 * 365 * 86400))
def test_shifting_every_event_and_as_of_together_changes_nothing(
    answers: dict[str, Any], events: list[ActivityEvent], shift_seconds: int
) -> None:
    shift = timedelta(seconds=shift_seconds, microseconds=shift_seconds % 997)
    moved = [e.model_copy(update={"occurred_at": e.occurred_at + shift}) for e in events]
    original = _score(answers, events).model_dump(mode="json", exclude={"as_of"})
    shifted = _score(answers, moved, AS_OF + shift, AS_OF + shift).model_dump(mode="json", exclude={"as_of"})
    assert shifted == original


@PROPERTY_SETTINGS
@given(answer_sets, event_lists, st.floats(min_value=1, max_value=3 * 365))
def test_with_no_new_activity_a_later_score_is_not_higher(
    answers: dict[str, Any], events: list[ActivityEvent], later_days: float
) -> None:
    now = _score(answers, events)
    later = _score(answers, events, AS_OF + timedelta(days=later_days))
    assert later.score <= now.score
    for before, after in zip(now.dimensions, later.dimensions, strict=True):
        assert after.score <= before.score, before.id


def test_six_months_of_silence_lowers_an_active_network() -> None:
    history = [event("message_sent", 5 + 20 * i, f"p{i % 9}") for i in range(30)]
    history += [event("message_received", 6 + 20 * i, f"p{i % 9}") for i in range(30)]
    now = _score(submission().answers, history)
    later = _score(submission().answers, history, AS_OF + timedelta(days=182))
    assert later.score < now.score
    assert _dimension(later, "continuity") < _dimension(now, "continuity")


def test_the_same_actions_spread_over_18_months_beat_a_burst_in_the_last_month() -> None:
    spread = [event("message_sent", 15 + i * 30.4, f"p{i}") for i in range(18)]
    burst = [event("message_sent", 1 + i * 1.5, f"p{i}") for i in range(18)]
    spread_continuity = _dimension(_score(submission().answers, spread), "continuity")
    burst_continuity = _dimension(_score(submission().answers, burst), "continuity")
    assert spread_continuity > burst_continuity


@PROPERTY_SETTINGS
@given(answer_sets)
def test_questionnaire_only_confidence_is_below_a_year_of_activity(answers: dict[str, Any]) -> None:
    year = [
        event(kind, day, f"p{day % 23}")
        for day in range(3, 400, 5)
        for kind in ("message_sent", "message_received")
    ]
    alone = _score(answers, [])
    with_history = _score(answers, year)
    order = [Confidence.LOW, Confidence.MEDIUM, Confidence.HIGH]
    assert alone.confidence is Confidence.LOW
    assert with_history.confidence is Confidence.HIGH
    assert order.index(alone.confidence) < order.index(with_history.confidence)


def test_volume_to_one_person_is_worth_little_more_than_a_few_contacts() -> None:
    spam = [event("message_sent", 1 + i * 0.01, "same-person") for i in range(500)]
    distinct = [event("message_sent", 1 + i * 0.01, f"person-{i}") for i in range(10)]
    answers = submission().answers
    assert _dimension(_score(answers, distinct), "reach") > _dimension(_score(answers, spam), "reach")


def test_reactions_weigh_little() -> None:
    answers = submission(visibility_count=0).answers  # no self-report to mask recorded behaviour
    reactions = [event("reaction_made", 1 + i, None) for i in range(300)]
    shares = [event("knowledge_shared", 1 + i * 20, None) for i in range(6)]
    none = _score(answers, [event("message_sent", 400, "x")])
    assert _dimension(
        _score(answers, [*reactions, event("message_sent", 400, "x")]), "visibility"
    ) < _dimension(_score(answers, [*shares, event("message_sent", 400, "x")]), "visibility")
    assert (
        _dimension(_score(answers, [*reactions, event("message_sent", 400, "x")]), "visibility")
        - _dimension(none, "visibility")
        <= 3
    )


def test_events_after_as_of_are_not_counted() -> None:
    answers = submission().answers
    past = [event("help_given", 10, "a")]
    future = [event("help_given", -3, "b")]
    result = _score(answers, past + future)
    assert result.evidence.activities_counted == 1
    assert result.evidence.activities_ignored == 1
    assert result.model_dump(exclude={"evidence"}) == _score(answers, past).model_dump(exclude={"evidence"})


def test_job_applications_do_not_raise_readiness() -> None:
    answers = submission().answers
    base = [event("message_sent", 30, "a")]
    applications = [event(ActivityType.JOB_APPLICATION, 1 + i, f"co-{i}") for i in range(40)]
    assert _score(answers, base + applications).score == _score(answers, base).score
