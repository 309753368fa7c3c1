"""Cadence rules: due times, periods, shards and what counts as a readiness change."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from readiness.cadence import (
    DUE_SHARDS,
    ScheduleRequest,
    due_bucket,
    due_period,
    due_shard,
    first_due,
    next_due,
    readiness_change,
)
from readiness.scoring import score_assessment

from tests.builders import AS_OF, event, submission

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", [6, 181, "7", 7.5, None, True])
def test_cadence_out_of_range_or_not_an_integer_is_rejected(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        ScheduleRequest.model_validate({"cadence_days": value})
    assert caught.value.errors()[0]["loc"] == ("cadence_days",)


def test_cadence_bounds_are_accepted() -> None:
    assert ScheduleRequest.model_validate({"cadence_days": 7}).cadence_days == 7
    assert ScheduleRequest.model_validate({"cadence_days": 180}).cadence_days == 180


def test_first_due_is_one_cadence_later() -> None:
    assert first_due(T0, 30) == T0 + timedelta(days=30)


@given(st.integers(7, 180), st.floats(min_value=0, max_value=2000))
def test_next_due_is_after_now_and_a_whole_number_of_cadences_later(cadence: int, late_days: float) -> None:
    now = T0 + timedelta(days=late_days)
    due = next_due(T0, cadence, now)
    assert due > now
    steps = (due - T0) / timedelta(days=cadence)
    assert steps == int(steps) >= 1
    assert due - timedelta(days=cadence) <= now  # no more than one period ahead: missed periods collapse


def test_periods_and_buckets_sort_and_identify() -> None:
    assert due_period(T0) == "20260101T090000Z"
    assert due_bucket(T0) < due_bucket(T0 + timedelta(seconds=1))
    assert due_period(T0.astimezone(UTC)) == due_period(T0.replace(tzinfo=None))


def test_shards_are_stable_and_spread_evenly() -> None:
    counts = Counter(due_shard(f"user-{i}") for i in range(16_000))
    assert set(counts) == set(range(DUE_SHARDS))
    assert max(counts.values()) < 1.15 * 16_000 / DUE_SHARDS
    assert due_shard("u1") == due_shard("u1")


def test_a_change_is_a_band_move_or_five_points() -> None:
    history = [event("message_sent", 3 + 10 * i, f"p{i % 6}") for i in range(40)]
    history += [event("message_received", 4 + 10 * i, f"p{i % 6}") for i in range(40)]
    answered = submission(history).model_copy(update={"answered_at": AS_OF})
    now = score_assessment(answered, as_of=AS_OF)
    same = score_assessment(answered, as_of=AS_OF)
    later = score_assessment(answered, as_of=AS_OF + timedelta(days=240))  # a scheduled re-assessment
    assert readiness_change("u", "a", now, same) is None
    change = readiness_change("u", "a2", now, later)
    assert change is not None
    assert change.new_score < change.old_score
    assert change.top_moved_dimension is not None
    assert change.top_moved_delta < 0
    detail = change.as_detail()
    assert set(detail) == {
        "user_id",
        "assessment_id",
        "old_score",
        "new_score",
        "old_band",
        "new_band",
        "top_moved_dimension",
        "top_moved_delta",
    }
