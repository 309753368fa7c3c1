"""What moved my score: deltas per dimension and the signals behind them."""

from __future__ import annotations

from datetime import timedelta

from readiness.compare import what_moved
from readiness.scoring import score_assessment

from tests.builders import AS_OF, event, submission


def test_a_quiet_half_year_shows_continuity_falling_and_why() -> None:
    history = [event("message_sent", 3 + 12 * i, f"p{i % 8}") for i in range(40)]
    history += [event("message_received", 4 + 12 * i, f"p{i % 8}") for i in range(40)]
    before = score_assessment(submission(history, continuity_count=0), as_of=AS_OF)
    after = score_assessment(submission(history, continuity_count=0), as_of=AS_OF + timedelta(days=183))
    change = what_moved(before, after)
    assert change.delta == after.score - before.score < 0
    assert next(d.id for d in change.dimensions) in {"continuity", "reach", "lifelines"}
    continuity = next(d for d in change.dimensions if d.id == "continuity")
    assert continuity.delta < 0
    assert continuity.signals
    assert {s.signal for s in continuity.signals} <= {
        "month_coverage",
        "recent_outreach",
        "returning_contacts",
    }
    assert all(s.delta == s.after - s.before for s in continuity.signals)
    assert "dormant_network" in change.flags_added
    assert change.summary.startswith("Your score is down")


def test_dimensions_are_sorted_by_how_far_they_moved() -> None:
    before = score_assessment(submission(market_count=0), as_of=AS_OF)
    after = score_assessment(
        submission([event("recruiter_conversation", 2, "r1", "recruiter")], market_count=0), as_of=AS_OF
    )
    change = what_moved(before, after)
    deltas = [abs(d.delta) for d in change.dimensions]
    assert deltas == sorted(deltas, reverse=True)
    market = next(d for d in change.dimensions if d.id == "market")
    assert market.delta > 0
    assert "market_conversations" in {s.signal for s in market.signals}
    # a dimension can hold still while its lines trade points (a self-report replaced by recorded activity)
    assert all(d.signals == [] or d.delta == 0 or d.signals[0].delta != 0 for d in change.dimensions)


def test_no_change_says_so() -> None:
    result = score_assessment(submission(), as_of=AS_OF)
    change = what_moved(result, result)
    assert change.delta == 0
    assert change.summary == "Your score did not change."
    assert change.flags_added == change.flags_cleared == []
