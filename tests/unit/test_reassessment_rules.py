"""Re-assessment rules and the dispatcher's bookkeeping, with fakes: no AWS, no clock."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from readiness.cadence import (
    next_due,
    readiness_change,
    readiness_change_of,
    rescheduled_due,
)
from readiness.compare import what_moved
from readiness.identity import derived_assessment_id, is_assessment_id, new_assessment_id
from readiness.reassessment.dispatch import DispatchReport, ReassessmentDispatcher
from readiness.reassessment.messages import InvalidMessage, ReassessmentMessage
from readiness.reassessment.ports import MessagingUnavailable
from readiness.reassessment.worker import scheduled_assessment_id
from readiness.scoring import score_assessment
from readiness.store.errors import StoreUnavailable
from readiness.store.schedules import DueSchedule

from tests.builders import AS_OF, event, submission

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
USER = "u_" + "1" * 26


def test_a_cadence_change_keeps_the_period_start_and_an_ended_period_falls_due_now() -> None:
    due = T0 + timedelta(days=30)  # a 30-day period that started at T0
    assert rescheduled_due(due, 30, 60, T0 + timedelta(days=3)) == T0 + timedelta(days=60)
    assert rescheduled_due(due, 30, 7, T0 + timedelta(days=3)) == T0 + timedelta(days=7)
    assert rescheduled_due(due, 30, 7, T0 + timedelta(days=9)) == T0 + timedelta(days=9)


def test_a_derived_id_is_a_well_formed_id_that_sorts_by_its_time_and_repeats_for_the_same_key() -> None:
    first = derived_assessment_id(T0, "scheduled/u/p1")
    assert is_assessment_id(first)
    assert derived_assessment_id(T0, "scheduled/u/p1") == first
    assert derived_assessment_id(T0, "scheduled/u/p2") != first
    assert (
        new_assessment_id(T0 - timedelta(milliseconds=1))
        < first
        < new_assessment_id(T0 + timedelta(seconds=1))
    )


def test_a_scheduled_assessment_id_is_one_per_user_and_period() -> None:
    message = ReassessmentMessage(user_id=USER, due_at=T0, cadence_days=30)
    again = ReassessmentMessage.from_json(message.to_json())
    other_period = ReassessmentMessage(user_id=USER, due_at=T0 + timedelta(days=30), cadence_days=30)
    assert scheduled_assessment_id(again) == scheduled_assessment_id(message)
    assert scheduled_assessment_id(other_period) != scheduled_assessment_id(message)


_GOOD = {"v": 1, "user_id": "u_" + "1" * 26, "due_at": "2026-01-01T09:00:00Z", "cadence_days": 30}


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "{}",
        json.dumps({**_GOOD, "v": 2}),
        json.dumps({**_GOOD, "user_id": "someone"}),
        json.dumps({**_GOOD, "due_at": "2026-01-01T09:00:00"}),  # no time zone
        json.dumps({**_GOOD, "cadence_days": 3}),
        json.dumps({**_GOOD, "answers": {"reach_1": 5}}),
    ],
)
def test_anything_but_a_reassessment_message_is_refused(body: str) -> None:
    assert ReassessmentMessage.from_json(json.dumps(_GOOD)).cadence_days == 30
    with pytest.raises(InvalidMessage):
        ReassessmentMessage.from_json(body)


@settings(deadline=None, max_examples=60)  # two scorings an example: slow on a busy machine
@given(st.integers(0, 400), st.integers(0, 400))
def test_the_change_read_back_from_a_stored_assessment_is_the_change_computed_live(
    answered_days: int, later_days: int
) -> None:
    history = [event("message_sent", 3 + 9 * i, f"p{i % 5}") for i in range(30)]
    history += [event("recruiter_conversation", 20 + 40 * i, f"r{i}", "recruiter") for i in range(5)]
    answered = submission(history).model_copy(update={"answered_at": AS_OF - timedelta(days=answered_days)})
    before = score_assessment(answered, as_of=AS_OF)
    after = score_assessment(answered, as_of=AS_OF + timedelta(days=later_days))
    assert readiness_change_of("u", "a", what_moved(before, after)) == readiness_change(
        "u", "a", before, after
    )


# ---------------------------------------------------------------- the dispatcher, with fakes


class FakeSchedules:
    def __init__(self, shards: dict[int, list[DueSchedule]], *, failing_shard: int | None = None) -> None:
        self.shards = shards
        self.failing_shard = failing_shard
        self.claimed: dict[str, datetime] = {}
        self.stale: set[str] = set()
        self.stuck: set[str] = set()  # an unclaim fails for these

    def due(self, shard: int, now: datetime) -> Iterator[DueSchedule]:
        for index, entry in enumerate(self.shards.get(shard, [])):
            if shard == self.failing_shard and index == 2:
                raise StoreUnavailable("DynamoDB query: ThrottlingException")
            yield entry

    def claim(self, entry: DueSchedule, next_due_at: datetime) -> bool:
        if entry.user_id in self.stale or entry.user_id in self.claimed:
            return False
        self.claimed[entry.user_id] = next_due_at
        return True

    def unclaim(self, entry: DueSchedule, next_due_at: datetime) -> bool:
        if entry.user_id in self.stuck:
            raise StoreUnavailable("DynamoDB update_item: ThrottlingException")
        return self.claimed.pop(entry.user_id) == next_due_at


class FakeQueue:
    def __init__(self, *, refuse: int = 0, unavailable: bool = False) -> None:
        self.sent: list[list[ReassessmentMessage]] = []
        self.refuse = refuse
        self.unavailable = unavailable

    def send(self, messages: Sequence[ReassessmentMessage]) -> list[int]:
        assert 1 <= len(messages) <= 10
        if self.unavailable:
            raise MessagingUnavailable("SQS SendMessageBatch: ServiceUnavailable")
        refused = list(range(min(self.refuse, len(messages))))
        self.sent.append([m for index, m in enumerate(messages) if index not in refused])
        return refused


def _entries(shard: int, count: int) -> list[DueSchedule]:
    return [
        DueSchedule(
            user_id=f"u_{shard:02d}{index:024d}",
            next_due_at=T0 - timedelta(minutes=index),
            cadence_days=30,
            index_key=f"x#{shard}-{index}",
        )
        for index in range(count)
    ]


def _dispatch(
    schedules: FakeSchedules, queue: FakeQueue, budget: float = 60, **options: object
) -> DispatchReport:
    dispatcher = ReassessmentDispatcher(schedules, queue, **options)  # type: ignore[arg-type]
    return dispatcher.dispatch(now=T0, budget_seconds=budget)


def test_every_shard_is_listed_and_each_due_user_queued_once_in_batches_of_ten() -> None:
    schedules = FakeSchedules({shard: _entries(shard, 13) for shard in range(16)})
    queue = FakeQueue()
    report = _dispatch(schedules, queue)

    assert (report.listed, report.queued, report.skipped, report.unsent) == (208, 208, 0, 0)
    sent = [message.user_id for batch in queue.sent for message in batch]
    assert sorted(sent) == sorted(schedules.claimed)
    assert len(sent) == len(set(sent)) == 208
    assert {len(batch) for batch in queue.sent} == {10, 3}
    assert not report.incomplete


def test_a_claim_moves_the_schedule_to_its_next_period_and_the_message_names_the_one_due() -> None:
    (entry,) = _entries(0, 1)
    schedules = FakeSchedules({0: [entry]})
    queue = FakeQueue()
    _dispatch(schedules, queue)
    assert schedules.claimed[entry.user_id] == next_due(entry.next_due_at, 30, T0) > T0
    ((message,),) = queue.sent
    assert (message.user_id, message.due_at, message.cadence_days) == (entry.user_id, entry.next_due_at, 30)
    assert _dispatch(schedules, FakeQueue()).queued == 0  # the next dispatch: claimed already


def test_an_entry_that_changed_since_it_was_listed_is_skipped() -> None:
    schedules = FakeSchedules({0: _entries(0, 5)})
    schedules.stale = {schedules.shards[0][1].user_id}
    report = _dispatch(schedules, FakeQueue())
    assert (report.listed, report.queued, report.skipped) == (5, 4, 1)


def test_a_failing_shard_is_reported_and_what_it_claimed_is_still_queued() -> None:
    schedules = FakeSchedules({3: _entries(3, 6), 4: _entries(4, 6)}, failing_shard=3)
    report = _dispatch(schedules, FakeQueue())
    assert report.failed_shards == [3]
    assert report.incomplete
    assert report.queued == 2 + 6  # the two claimed before the failure were not left behind


def test_a_message_the_queue_did_not_take_has_its_claim_undone() -> None:
    schedules = FakeSchedules({0: _entries(0, 10), 1: _entries(1, 4)})
    report = _dispatch(schedules, FakeQueue(refuse=1))
    assert (report.queued, report.unsent, report.lost) == (12, 2, 0)
    assert report.incomplete
    assert len(schedules.claimed) == 12  # the two refused are due again at the next dispatch
    down = FakeSchedules({0: _entries(0, 3)})
    down.stuck = {down.shards[0][0].user_id}
    report = _dispatch(down, FakeQueue(unavailable=True))
    assert (report.queued, report.unsent, report.lost) == (0, 3, 1)


def test_the_time_budget_stops_a_dispatch_and_leaves_the_rest_due() -> None:
    ticks = iter(range(1000))
    schedules = FakeSchedules({0: _entries(0, 50)})
    report = _dispatch(schedules, FakeQueue(), budget=20, shards=1, clock=lambda: float(next(ticks)))
    assert report.stopped_early
    assert 0 < report.queued < 50
    assert len(schedules.claimed) == report.queued
