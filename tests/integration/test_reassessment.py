"""Scheduled re-assessment under moto, end to end: the dispatcher and worker handlers, the queue with its
redrive policy and the bus, all as template.yaml defines them (tools.reassessment_sim).

The proofs the issue asks for: 10,000 due users re-assessed exactly once and the rest untouched;
duplicated messages and repeated dispatches create nothing extra; 5% of DynamoDB calls throttled and
nothing lost; a poison message in the dead-letter queue after maxReceiveCount; a partial batch
failure retries only the failed records.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from readiness.cadence import CHANGE_THRESHOLD, due_period, next_due
from readiness.reassessment.dispatch import DispatchIncomplete
from readiness.reassessment.messages import ReassessmentMessage
from readiness.reassessment.worker import scheduled_assessment_id

from tests.integration.conftest import EVENTS
from tools.reassessment_sim import ReassessmentSimulation, SeededUser

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DETAIL_KEYS = {
    "user_id",
    "assessment_id",
    "old_score",
    "new_score",
    "old_band",
    "new_band",
    "top_moved_dimension",
    "top_moved_delta",
    "trigger",
}


@pytest.fixture
def sim(aws: None) -> Iterator[ReassessmentSimulation]:
    simulation = ReassessmentSimulation(prefix="test-", parameters={"LogLevel": "WARNING"})
    with simulation.running():
        simulation.set_clock(NOW)
        yield simulation


def _error(code: str, status: int = 400) -> AWSResponse:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": code}).encode()

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield body

    return AWSResponse("https://dynamodb.us-east-1.amazonaws.com/", status, {}, Raw())


def _schedules(sim: ReassessmentSimulation) -> dict[str, dict[str, Any]]:
    return {item["user_id"]["S"]: item for item in sim.items(prefix="SCHEDULE")}


def _assert_reassessed_once(sim: ReassessmentSimulation, due: list[SeededUser], now: datetime = NOW) -> None:
    """Each due user has exactly one scheduled assessment, for the period that fell due, and their
    schedule has moved on to the next period (``now``: when it was dispatched)."""
    bodies = sim.scheduled_bodies()
    scheduled = sim.scheduled_assessments()
    assert set(scheduled) == {user.user_id for user in due}
    assert Counter(len(ids) for ids in scheduled.values()) == {1: len(due)}
    schedules = _schedules(sim)
    for user in due:
        schedule = schedules[user.user_id]
        following = next_due(user.due_at, user.cadence_days, now)
        assert datetime.fromisoformat(schedule["next_due_at"]["S"]) == following
        assert datetime.fromisoformat(schedule["last_due_at"]["S"]) == user.due_at
        (assessment_id,) = scheduled[user.user_id]
        message = ReassessmentMessage(
            user_id=user.user_id, due_at=user.due_at, cadence_days=user.cadence_days
        )
        assert assessment_id == scheduled_assessment_id(message)
        assert bodies[assessment_id]["previous"] is not None


def _assert_untouched(sim: ReassessmentSimulation, users: list[SeededUser]) -> None:
    schedules = _schedules(sim)
    scheduled = sim.scheduled_assessments()
    for user in users:
        assert user.user_id not in scheduled
        assert datetime.fromisoformat(schedules[user.user_id]["next_due_at"]["S"]) == user.due_at
        assert "last_due_at" not in schedules[user.user_id]


def test_the_sample_events_are_what_the_schedule_and_the_queue_send(sim: ReassessmentSimulation) -> None:
    assert json.loads((EVENTS / "dispatch_reassessments.json").read_text()) == sim.schedule.payload
    assert sim.dispatch()["listed"] == 0
    sample = json.loads((EVENTS / "reassess_users.json").read_text())
    assert sim.invoke_worker(sample) == {"batchItemFailures": []}  # an unknown user: nothing to re-score


@pytest.mark.slow
def test_ten_thousand_due_users_are_each_reassessed_exactly_once_and_no_one_else(
    sim: ReassessmentSimulation,
) -> None:
    due = sim.seed_users(10_000, now=NOW)
    not_yet = sim.seed_users(300, now=NOW, due=False)

    # one dispatch a minute: a run that reaches its time budget leaves the rest to the next one
    reports = [sim.dispatch()]
    while reports[-1]["stopped_early"]:
        reports.append(sim.dispatch())
    assert sum(report["queued"] for report in reports) == 10_000
    assert not any(report["skipped"] or report["unsent"] or report["failed_shards"] for report in reports)
    assert sim.dispatch()["listed"] == 0  # the next minute's dispatch: every period claimed already
    drained = sim.drain()

    assert (drained.received, drained.failed) == (10_000, 0)
    _assert_reassessed_once(sim, due)
    _assert_untouched(sim, not_yet)
    assert sim.queued() == 0
    assert sim.dead_letters() == []
    # every change worth telling (a band move or CHANGE_THRESHOLD points) was published once
    changed = {
        assessment_id
        for assessment_id, body in sim.scheduled_bodies().items()
        if body["previous"]["changes"]["band_before"] != body["band"]
        or abs(body["previous"]["delta"]) >= CHANGE_THRESHOLD
    }
    published = [event["detail"]["assessment_id"] for event in sim.published()]
    assert sorted(published) == sorted(changed)


def test_a_duplicated_message_and_a_repeated_dispatch_create_nothing_extra(
    sim: ReassessmentSimulation,
) -> None:
    from readiness.store.schedule_table import DynamoDBScheduleRepository

    due = sim.seed_users(30, now=NOW, answered_days_ago=300)
    schedules = DynamoDBScheduleRepository(sim.dynamodb, sim.tables["ReadinessTable"])
    listed_before = [entry for shard in range(16) for entry in schedules.due(shard, NOW)]
    assert sim.dispatch()["queued"] == 30
    # a dispatcher that listed the same entries (a second run, or a stale index) cannot claim them again
    assert [schedules.claim(entry, NOW + timedelta(days=30)) for entry in listed_before] == [False] * 30
    assert sim.dispatch()["queued"] == 0
    # and every message delivered twice (SQS is at-least-once)
    url = sim.queue_urls[sim.trigger.queue_id]
    received = []
    while batch := sim.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        received += batch
    for start in range(0, len(received), 10):
        chunk = received[start : start + 10]
        sim.sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(chunk)]
        )
        sim.sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(chunk)
            ],
        )
    assert sim.queued() == 60

    drained = sim.drain()

    assert (drained.received, drained.failed) == (60, 0)
    _assert_reassessed_once(sim, due)
    events = sim.published()
    assert events
    assert len(events) == len({event["detail"]["assessment_id"] for event in events})  # none twice


def test_with_five_percent_of_dynamodb_calls_throttled_everything_completes_and_nothing_is_lost(
    sim: ReassessmentSimulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.retries import standard

    # botocore retries exactly as deployed (standard mode, 3 attempts); only its back-off sleep is skipped
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    due = sim.seed_users(400, now=NOW)
    not_yet = sim.seed_users(100, now=NOW, due=False)
    chance = random.Random(5)
    calls: Counter[str] = Counter()
    throttled: Counter[str] = Counter()

    def throttle(request: Any, **_: Any) -> AWSResponse | None:
        operation = request.headers["X-Amz-Target"].decode().split(".")[-1]
        calls[operation] += 1
        if chance.random() < 0.05:
            throttled[operation] += 1
            return _error("ThrottlingException")
        return None

    sim.on_dynamodb("before-send.dynamodb", throttle)

    # EventBridge Scheduler retries a failed dispatch, and the next minute's dispatch runs anyway
    reports = []
    for _ in range(10):
        try:
            reports.append(sim.dispatch())
        except DispatchIncomplete:
            continue
        if reports[-1]["listed"] == 0:
            break
    drained = sim.drain()

    assert sum(throttled.values()) >= 40
    assert set(throttled) >= {"Query", "UpdateItem", "TransactWriteItems"}
    assert reports[-1]["listed"] == 0
    assert drained.failed == drained.received - len(due)  # a failed record was retried until it passed
    _assert_reassessed_once(sim, due)
    _assert_untouched(sim, not_yet)
    assert sim.dead_letters() == []
    assert sim.queued() == 0


def test_a_poison_message_ends_in_the_dead_letter_queue_after_max_receive_count(
    sim: ReassessmentSimulation,
) -> None:
    due = sim.seed_users(9, now=NOW)
    sim.dispatch()
    poison = json.dumps({"v": 1, "user_id": "u_" + "0" * 26, "due_at": "not a time", "cadence_days": 30})
    sim.sqs.send_message(QueueUrl=sim.queue_urls[sim.trigger.queue_id], MessageBody=poison)
    deliveries: Counter[str] = Counter()
    receive_counts: list[str] = []

    def worker(event: dict[str, Any]) -> Any:
        for record in event["Records"]:
            deliveries[record["body"]] += 1
            if record["body"] == poison:
                receive_counts.append(record["attributes"]["ApproximateReceiveCount"])
        return sim.invoke_worker(event)

    sim.event_source(invoke=worker).drain()

    max_receive_count = sim.queue_spec.max_receive_count
    assert max_receive_count == 5
    assert receive_counts == [str(n) for n in range(1, max_receive_count + 1)]
    assert [message["Body"] for message in sim.dead_letters()] == [poison]
    assert all(count == 1 for body, count in deliveries.items() if body != poison)
    _assert_reassessed_once(sim, due)
    assert sim.queued() == 0


def test_a_partial_batch_failure_retries_only_the_failed_records(sim: ReassessmentSimulation) -> None:
    due = sim.seed_users(10, now=NOW)
    victim = due[3].user_id
    failures = {"left": 1}

    def fail_once(request: Any, **_: Any) -> AWSResponse | None:
        if victim in request.body.decode() and failures["left"]:
            failures["left"] -= 1
            return _error("ValidationException")  # not retried by botocore: this record fails
        return None

    sim.on_dynamodb("before-send.dynamodb.TransactWriteItems", fail_once)
    sim.dispatch()
    batches: list[list[str]] = []
    answers: list[Any] = []

    def worker(event: dict[str, Any]) -> Any:
        batches.append([json.loads(record["body"])["user_id"] for record in event["Records"]])
        answers.append(sim.invoke_worker(event))
        return answers[-1]

    sim.event_source(invoke=worker).drain()

    assert sorted(batches[0]) == sorted(user.user_id for user in due)  # one batch of ten
    assert len(answers[0]["batchItemFailures"]) == 1
    assert batches[1:] == [[victim]]  # only the failed record came back
    assert answers[1] == {"batchItemFailures": []}
    _assert_reassessed_once(sim, due)


def test_readiness_changed_goes_to_the_bus_with_scores_and_bands_and_no_answers(
    sim: ReassessmentSimulation,
) -> None:
    due = sim.seed_users(20, now=NOW, answered_days_ago=400)
    sim.dispatch()
    sim.drain()

    events = sim.published()
    assert events, "a year without activity moves some scores"
    by_assessment = {a: u for u, ids in sim.scheduled_assessments().items() for a in ids}
    for event in events:
        assert event["source"] == "readiness"
        assert event["detail-type"] == "ReadinessChanged"
        detail = event["detail"]
        assert set(detail) == DETAIL_KEYS
        assert by_assessment[detail["assessment_id"]] == detail["user_id"]
        assert detail["old_band"] != detail["new_band"] or abs(detail["new_score"] - detail["old_score"]) >= 5
        assert detail["trigger"] == "scheduled"
        text = json.dumps(event)
        assert "answers" not in text
        assert "reach_1" not in text
        assert "contact-" not in text
    assert len(events) <= len(due)


def test_a_failed_publish_is_retried_from_the_stored_assessment(
    sim: ReassessmentSimulation,
) -> None:
    due = sim.seed_users(20, now=NOW, answered_days_ago=400)
    failures = {"left": 3}  # every attempt botocore makes for the first PutEvents

    def fail_once(request: Any, **_: Any) -> AWSResponse | None:
        if failures["left"]:
            failures["left"] -= 1
            return _error("InternalException", 500)
        return None

    sim.on_events("before-send.events.PutEvents", fail_once)
    sim.dispatch()
    drained = sim.drain()

    assert failures["left"] == 0
    assert drained.failed == 1
    _assert_reassessed_once(sim, due)
    events = sim.published()
    assert len(events) == len({e["detail"]["assessment_id"] for e in events})
    changed = [
        assessment_id
        for assessment_id, body in sim.scheduled_bodies().items()
        if body["previous"]["changes"]["band_before"] != body["band"] or abs(body["previous"]["delta"]) >= 5
    ]
    assert sorted(e["detail"]["assessment_id"] for e in events) == sorted(changed)


def test_a_user_who_submitted_since_the_period_fell_due_is_not_reassessed_again(
    sim: ReassessmentSimulation,
) -> None:
    from readiness.store.schedule_table import DynamoDBScheduleRepository

    stays, leaves, submits = sim.seed_users(3, now=NOW)
    sim.dispatch()
    schedules = DynamoDBScheduleRepository(sim.dynamodb, sim.tables["ReadinessTable"])
    schedules.delete(leaves.user_id)  # opted out after the dispatch: the message is queued already
    sim.submit_again(submits, at=NOW - timedelta(seconds=1))  # after the period fell due

    sim.drain()

    assert set(sim.scheduled_assessments()) == {stays.user_id, leaves.user_id}
    assert schedules.get(leaves.user_id) is None  # the opt-out stands: nothing more is dispatched
    assert sim.dispatch()["listed"] == 0


def test_a_dispatch_claims_the_period_and_a_message_the_queue_refused_is_due_again(
    sim: ReassessmentSimulation,
) -> None:
    (user,) = sim.seed_users(1, now=NOW)
    refusals = {"left": 3}  # every attempt botocore makes

    def refuse(request: Any, **_: Any) -> AWSResponse | None:
        if refusals["left"]:
            refusals["left"] -= 1
            return _error("ServiceUnavailable", 503)
        return None

    sim.on_sqs("before-send.sqs.SendMessageBatch", refuse)
    with pytest.raises(DispatchIncomplete):
        sim.dispatch()
    (schedule,) = _schedules(sim).values()
    assert datetime.fromisoformat(schedule["next_due_at"]["S"]) == user.due_at  # the claim was undone
    assert sim.queued() == 0

    assert sim.dispatch()["queued"] == 1  # the next minute
    (schedule,) = _schedules(sim).values()
    following = next_due(user.due_at, 30, NOW)
    assert schedule["due_period"]["S"] == due_period(following) != due_period(user.due_at)
    assert schedule["DUE_SK"]["S"] == f"{following.strftime('%Y-%m-%dT%H:%M:%SZ')}#{user.user_id}"
    sim.drain()
    _assert_reassessed_once(sim, [user])


def test_a_message_redriven_from_the_dead_letter_queue_after_a_fix_stores_its_period_once(
    sim: ReassessmentSimulation,
) -> None:
    due = sim.seed_users(5, now=NOW)
    broken = due[2].user_id
    fixed = {"yet": False}

    def outage(request: Any, **_: Any) -> AWSResponse | None:
        if fixed["yet"] or broken not in request.body.decode():
            return None
        return _error("ValidationException")

    sim.on_dynamodb("before-send.dynamodb.TransactWriteItems", outage)
    sim.dispatch()
    sim.drain()
    assert set(sim.scheduled_assessments()) == {u.user_id for u in due} - {broken}
    (dead,) = sim.dead_letters()

    fixed["yet"] = True
    # the redrive (docs/operations.md): the DLQ's messages back to the queue, as StartMessageMoveTask does
    sim.sqs.send_message(QueueUrl=sim.queue_urls[sim.trigger.queue_id], MessageBody=dead["Body"])
    sim.drain()

    _assert_reassessed_once(sim, due)
