"""Scenario tests: personas a career counsellor would recognise, and the flags and ordering they expect."""

from __future__ import annotations

from typing import Any

import pytest
from readiness.activity import ActivityEvent
from readiness.result import AssessmentResult, Band, Confidence
from readiness.scoring import score_assessment

from tests.builders import AS_OF, event, submission


def steady_giver() -> tuple[list[ActivityEvent], dict[str, Any]]:
    """Three years of keeping in touch with ~15 people, helping, introducing, learning, meeting recruiters."""
    events = []
    for month in range(36):
        day = 3 + month * 30.4
        for i in range(4):
            person = f"peer-{(month * 4 + i) % 15}"
            events += [
                event("message_sent", day + i, person, "peer"),
                event("message_received", day + i + 1, person),
            ]
        if month % 2 == 0:
            events.append(event("help_given", day + 5, f"peer-{month % 15}"))
        if month % 4 == 0:
            events.append(event("introduction_made", day + 6, f"peer-{(month + 3) % 15}"))
            events.append(event("knowledge_shared", day + 7))
        if month % 6 == 0:
            events.append(event("recruiter_conversation", day + 8, f"rec-{month}", "recruiter"))
            events.append(event("skill_learned", day + 9))
        if month % 9 == 0:
            events.append(event("recommendation_given", day + 10, f"peer-{(month + 5) % 15}"))
    events += [event("message_sent", 10 + 90 * k, "mentor-1", "mentor") for k in range(12)]
    events += [event("message_received", 11 + 90 * k, "mentor-1", "mentor") for k in range(12)]
    events.append(event("hiring_manager_conversation", 40, "hm-1", "hiring_manager"))
    events.append(event("project_started", 100))
    return events, {"level": "high"}


def dormant_then_burst_asker() -> tuple[list[ActivityEvent], dict[str, Any]]:
    """Active three years ago, silent for two years, now a burst of invitations and asks: no gives."""
    events = [event("message_sent", 900 + 7 * i, f"old-{i % 6}") for i in range(25)]
    events += [event("message_received", 901 + 7 * i, f"old-{i % 6}") for i in range(25)]
    for i in range(75):  # 25 outbound actions a month over the last three months
        who = f"new-{i}"
        kind = ("invitation_sent", "message_sent", "referral_asked")[i % 3]
        events.append(event(kind, 1 + i * 1.2, who))
    events += [event("help_asked", 2 + i * 3, f"old-{i % 6}") for i in range(8)]
    events += [event("job_application", 1 + i, f"co-{i}") for i in range(20)]
    return events, {"level": "middle", "generosity_count": 1, "continuity_count": 10}


def quiet_but_well_connected() -> tuple[list[ActivityEvent], dict[str, Any]]:
    """Few people, but four years of two-way contact with each, a mentor, help both ways; no recruiters."""
    events = []
    for person in range(8):
        for k in range(16):
            day = 20 + person * 3 + k * 91
            events += [
                event("message_sent", day, f"friend-{person}", "peer"),
                event("message_received", day + 1, f"friend-{person}"),
            ]
        events.append(event("help_given", 50 + person * 40, f"friend-{person}"))
        events.append(event("recommendation_received", 300 + person * 30, f"friend-{person}"))
    events += [event("message_sent", 30 + 60 * k, "mentor", "mentor") for k in range(20)]
    events += [event("message_received", 31 + 60 * k, "mentor", "mentor") for k in range(20)]
    return events, {"level": "middle", "market_count": 0, "market_1": "never", "lifelines_count": 5}


def recruiter_savvy_newcomer() -> tuple[list[ActivityEvent], dict[str, Any]]:
    """Five months in the field, talks to recruiters and hiring managers a lot, few relationships yet."""
    events = []
    for i in range(10):
        events.append(event("recruiter_conversation", 5 + i * 14, f"rec-{i}", "recruiter"))
        events.append(event("hiring_manager_conversation", 8 + i * 14, f"hm-{i}", "hiring_manager"))
        events.append(event("informational_interview", 10 + i * 14, f"info-{i}", "peer"))
        events.append(event("connection_made", 11 + i * 14, f"rec-{i}"))
    events += [event("event_attended", 20 + 30 * i) for i in range(4)]
    events += [event("skill_learned", 30 + 40 * i) for i in range(3)]
    return events, {
        "level": "middle",
        "lifelines_count": 0,
        "market_1": "within_3_months",
        "market_2": 4,
        "market_3": True,
    }


def _assess(persona: tuple[list[ActivityEvent], dict[str, Any]]) -> AssessmentResult:
    events, overrides = persona
    return score_assessment(submission(events, **overrides), as_of=AS_OF)


def _flags(result: AssessmentResult) -> set[str]:
    return {flag.id for flag in result.flags}


def _dim(result: AssessmentResult, dimension: str) -> int:
    return next(d.score for d in result.dimensions if d.id == dimension)


def test_steady_giver_is_strong_with_nothing_to_flag() -> None:
    result = _assess(steady_giver())
    assert result.band in {Band.READY, Band.STRONG}
    assert result.confidence is Confidence.HIGH
    assert not _flags(result) & {"johnny_come_lately", "taker", "dormant_network", "market_blind"}
    assert _dim(result, "generosity") >= 70
    assert _dim(result, "continuity") >= 70


def test_dormant_then_burst_asker_is_coached_on_both_patterns() -> None:
    result = _assess(dormant_then_burst_asker())
    flags = {flag.id: flag for flag in result.flags}
    assert {"johnny_come_lately", "taker"} <= set(flags)
    johnny = flags["johnny_come_lately"]
    assert any("months in a row" in line for line in johnny.evidence)
    assert any("a month over the last 3 months" in line for line in johnny.evidence)
    assert johnny.title == "Reconnect before you reach out for help"  # coaching, not a verdict
    assert any("asks" in line for line in flags["taker"].evidence)
    # the top recommendations fix what the flags point at
    assert {r.dimension for r in result.recommendations[:3]} & {"generosity", "continuity", "lifelines"}


def test_quiet_but_well_connected_has_lifelines_but_is_market_blind() -> None:
    result = _assess(quiet_but_well_connected())
    assert "market_blind" in _flags(result)
    assert "dormant_network" not in _flags(result)
    assert _dim(result, "lifelines") >= 70
    assert _dim(result, "lifelines") > _dim(result, "market")
    assert result.recommendations[0].dimension == "market" or any(
        r.id in {"talk_to_a_recruiter", "talk_to_a_hiring_manager"} for r in result.recommendations[:2]
    )


def test_recruiter_savvy_newcomer_knows_the_market_but_has_few_lifelines() -> None:
    result = _assess(recruiter_savvy_newcomer())
    assert "market_blind" not in _flags(result)
    assert _dim(result, "market") >= 75
    assert _dim(result, "market") > _dim(result, "lifelines")
    assert result.confidence is Confidence.MEDIUM


def test_counsellor_ordering_of_personas() -> None:
    giver = _assess(steady_giver())
    asker = _assess(dormant_then_burst_asker())
    quiet = _assess(quiet_but_well_connected())
    newcomer = _assess(recruiter_savvy_newcomer())
    assert giver.score > quiet.score > asker.score
    assert giver.score > newcomer.score
    assert _dim(giver, "generosity") > _dim(asker, "generosity")
    assert _dim(giver, "continuity") > _dim(asker, "continuity")
    assert _dim(newcomer, "market") > _dim(quiet, "market")
    assert _dim(quiet, "lifelines") > _dim(newcomer, "lifelines")


def test_a_quiet_network_is_flagged_with_the_date_of_last_contact() -> None:
    events = [event("message_sent", 200 + i * 10, f"p{i}") for i in range(12)]
    result = score_assessment(submission(events), as_of=AS_OF)
    flag = next(f for f in result.flags if f.id == "dormant_network")
    assert "200 days ago" in flag.evidence[0]


def test_questionnaire_only_people_can_still_be_scored_and_flagged() -> None:
    optimist = score_assessment(submission(level="high"), as_of=AS_OF)
    pessimist = score_assessment(submission(level="low"), as_of=AS_OF)
    assert optimist.score > pessimist.score
    assert optimist.confidence is pessimist.confidence is Confidence.LOW
    assert {"dormant_network", "market_blind"} <= _flags(pessimist)
    assert not _flags(optimist) & {"dormant_network", "market_blind", "say_do_gap"}
    assert all(d.behaviour_score is None for d in optimist.dimensions)
    # questionnaire-only people still get actions, ranked by simulated gain
    assert optimist.recommendations
    assert pessimist.recommendations[0].expected_gain >= pessimist.recommendations[-1].expected_gain


@pytest.mark.parametrize("direction", ["over", "under"])
def test_say_do_gap_in_both_directions(direction: str) -> None:
    year = [event("message_sent", 5 + 7 * i, f"p{i % 10}") for i in range(80)]
    year += [event("message_received", 6 + 7 * i, f"p{i % 10}") for i in range(80)]
    if direction == "over":
        overrides: dict[str, Any] = {"generosity_count": 25, "visibility_count": 20}
        events = year
    else:
        overrides = {"generosity_count": 0, "visibility_count": 0}
        events = (
            year
            + [event("help_given", 3 + i * 6, f"h{i}") for i in range(12)]
            + [event("introduction_made", 4 + i * 20, f"i{i}") for i in range(10)]
        )
    result = score_assessment(submission(events, **overrides), as_of=AS_OF)
    flag = next(f for f in result.flags if f.id == "say_do_gap")
    if direction == "over":
        assert flag.title.startswith("What you do may not match")
        assert any("you reported 25" in line for line in flag.evidence)
    else:
        assert flag.title == "You may be underselling yourself"


def test_calibration_no_johnny_flag_for_ordinary_variation() -> None:
    """False positives a counsellor would object to: a summer break, a busy quarter, a newcomer."""
    summer_break = [event("message_sent", d, f"p{d % 7}") for d in range(2, 1000, 9) if not 400 <= d < 520]
    busy_quarter = [event("message_sent", d, f"p{d % 7}") for d in range(2, 1000, 9)]
    busy_quarter += [event("message_sent", 2 + d * 0.5, f"q{d}") for d in range(120)]  # triple pace lately
    newcomer = [event("invitation_sent", 1 + d * 0.3, f"n{d}") for d in range(200)]  # joined 2 months ago
    for events in (summer_break, busy_quarter, newcomer):
        result = score_assessment(submission(events), as_of=AS_OF)
        assert "johnny_come_lately" not in _flags(result)


def test_calibration_taker_needs_repeated_asks_not_one() -> None:
    one_ask = [event("help_asked", 10, "a"), event("message_sent", 30, "b")]
    asks_after_giving = [event("help_given", 200 + i, f"p{i}") for i in range(4)]
    asks_after_giving += [event("help_asked", 20 + i, f"p{i}") for i in range(4)]
    for events in (one_ask, asks_after_giving):
        assert "taker" not in _flags(score_assessment(submission(events), as_of=AS_OF))


def test_typed_in_counts_without_people_do_not_contradict_relationship_answers() -> None:
    """The web form's monthly counts carry no counterparts: they cannot tell people apart."""
    typed = [event("message_sent", 3 + 30.4 * m + d, None) for m in range(12) for d in range(5)]
    result = score_assessment(submission(typed, level="high", reach_count=4), as_of=AS_OF)
    assert result.confidence is not Confidence.LOW
    say_do = [f for f in result.flags if f.id == "say_do_gap"]
    assert not any(
        "lifelines" in line or "people outside work" in line for f in say_do for line in f.evidence
    )


def test_say_do_gap_in_both_directions_at_once_says_so() -> None:
    year = [event("message_sent", 5 + 7 * i, f"p{i % 10}") for i in range(80)]
    year += [event("message_received", 6 + 7 * i, f"p{i % 10}") for i in range(80)]
    events = year + [event("introduction_made", 4 + i * 20, f"i{i}") for i in range(10)]
    result = score_assessment(submission(events, visibility_count=0, growth_count=30), as_of=AS_OF)
    flag = next(f for f in result.flags if f.id == "say_do_gap")
    assert flag.title == "Your answers and your activity tell different stories"
    assert any("you reported 30" in line for line in flag.evidence)
    assert any("introductions you made" in line for line in flag.evidence)
