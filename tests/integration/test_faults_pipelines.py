"""Faults in the pipelines behind the API, injected with before-send hooks moto honours (tools.moto_faults).

- The LinkedIn import: each DynamoDB call of a run throttled in turn (all of botocore's attempts). The run
  raises (Lambda retries the event) and leaves the upload; the retry imports it exactly once, and the
  import is recorded as completed, never as failed for an upload the first attempt deleted.
- The re-assessment worker and dispatcher: each DynamoDB call throttled in turn; the message (or the
  dispatch) fails, the retry stores each due user's assessment exactly once. (5% of all calls
  throttled at random over 400 users: test_reassessment.py.)
- The dispatcher's SendMessageBatch with some entries failed (SQS answers per entry): those are sent
  again once, and what is still unsent is due again at the next dispatch. (The whole batch refused:
  test_reassessment.py's test_a_dispatch_claims_the_period_and_a_message_the_queue_refused_is_due_again.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from readiness.reassessment.dispatch import DispatchIncomplete
from readiness.store import StoreUnavailable

from tests.fixtures_linkedin import ExportOptions, build_export
from tests.integration.conftest import ApiClient, Clock
from tests.integration.test_faults import Throttle, backoff, call_of  # noqa: F401 - fixtures
from tests.integration.test_imports import (
    _activity_items,
    _imports,
    _notify,
    _objects,
    _start,
    _upload,
    _user,
)
from tools.moto_faults import faulting, moto_skips_faulted_requests
from tools.reassessment_sim import ReassessmentSimulation

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def throttle(api: ApiClient, backoff: Any) -> Iterator[Throttle]:  # noqa: F811 - the fixture
    hook = Throttle(api.table_names, on=False)
    api.on_dynamodb("before-send.dynamodb", faulting(hook))
    with moto_skips_faulted_requests():
        yield hook


# ---------------------------------------------------------------- the LinkedIn import


def test_each_call_of_an_import_throttled_leaves_it_for_the_retry_which_imports_it_once(
    api: ApiClient, clock: Clock, dynamodb: Any, buckets: dict[str, str], throttle: Throttle
) -> None:
    export = build_export(ExportOptions(variant="basic")).data  # the same calls as a complete one

    def uploaded() -> tuple[str, str, str, str]:
        user_id, token = _user(api)
        started = _start(api, user_id, token)
        _, key = _upload(started["upload"], export, clock)
        return user_id, token, f"{_imports(user_id)}/{started['import_id']}", key

    # the calls of one clean run, in order
    user_id, token, path, key = uploaded()
    throttle.seen.clear()
    assert _notify(api, buckets["UploadsBucket"], key)["result"] == "completed"
    calls = list(throttle.seen)
    clean = _activity_items(dynamodb, api.table_names, user_id)
    clean_events = sum(int(item["events"]["N"]) for item in clean)
    assert clean_events > 0
    assert calls[0] == "UpdateItem@ReadinessTable"  # the claim

    throttle.on = True
    for position, call in enumerate(calls):
        user_id, token, path, key = uploaded()
        throttle.seen.clear()
        throttle.nth = {position}

        with pytest.raises(StoreUnavailable):  # Lambda retries the event
            _notify(api, buckets["UploadsBucket"], key)

        assert throttle.throttled[-3:] == [call] * 3, (position, call)
        status = api.get(path, token=token).body
        assert status["status"] == "awaiting_upload", (position, call, status)
        assert key in _objects(buckets["UploadsBucket"]), (position, call)

        throttle.nth = set()
        assert _notify(api, buckets["UploadsBucket"], key)["result"] == "completed", (position, call)
        assert api.get(path, token=token).body["status"] == "completed", (position, call)
        assert key not in _objects(buckets["UploadsBucket"])
        stored = _activity_items(dynamodb, api.table_names, user_id)
        # stored once: what the first attempt stored counts as duplicates on the retry
        assert sum(int(item["events"]["N"]) for item in stored) == clean_events, (position, call)


def test_an_import_whose_release_is_throttled_too_is_not_lost(
    api: ApiClient, clock: Clock, dynamodb: Any, buckets: dict[str, str], throttle: Throttle
) -> None:
    """Everything after the claim throttled, the release of the claim included: the import stays claimed.
    The retry must not take the upload for a repeated notification and delete it: it fails again and
    the event goes to the failure queue; once the claim is stale, redriving it imports the export once."""
    user_id, token = _user(api)
    started = _start(api, user_id, token)
    bucket, key = _upload(started["upload"], build_export(ExportOptions(variant="complete")).data, clock)
    path = f"{_imports(user_id)}/{started['import_id']}"
    throttle.on = True
    throttle.seen.clear()
    throttle.nth = set(range(1, 50))

    with pytest.raises(StoreUnavailable):
        _notify(api, bucket, key)
    throttle.on = False
    with pytest.raises(StoreUnavailable):  # Lambda's retry a minute later: still claimed, upload kept
        _notify(api, bucket, key)
    assert _objects(buckets["UploadsBucket"]) == [key]
    assert api.get(path, token=token).body["status"] == "importing"

    from readiness.imports import RUN_STALE_AFTER

    clock.current += RUN_STALE_AFTER  # the redrive from the failure queue, once the claim is stale
    assert _notify(api, bucket, key)["result"] == "completed"
    assert api.get(path, token=token).body["status"] == "completed"
    assert _objects(buckets["UploadsBucket"]) == []
    assert len(_activity_items(dynamodb, api.table_names, user_id)) == 1


# ---------------------------------------------------------------- the re-assessment worker and dispatcher


@pytest.fixture
def sim(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReassessmentSimulation]:
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    simulation = ReassessmentSimulation(prefix="test-", parameters={"LogLevel": "WARNING"})
    with simulation.running():
        simulation.set_clock(NOW)
        yield simulation


class NthCall:
    """Throttles every attempt of the calls at the given positions (counted per call, not per attempt)."""

    def __init__(self, tables: dict[str, str]) -> None:
        self.tables = tables
        self.seen: list[str] = []
        self.nth: set[int] = set()
        self.throttled: list[str] = []

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        from tests.integration.test_faults import dynamodb_error

        call = call_of(request, self.tables)
        attempt = request.headers.get("amz-sdk-request", "attempt=1;")
        if (attempt.decode() if isinstance(attempt, bytes) else attempt).startswith("attempt=1;"):
            self.seen.append(call)
        if len(self.seen) - 1 in self.nth:
            self.throttled.append(call)
            return dynamodb_error("ThrottlingException")
        return None


def _reassessed_once(sim: ReassessmentSimulation, user_ids: set[str]) -> None:
    scheduled = sim.scheduled_assessments()
    assert {user for user in scheduled if user in user_ids} == user_ids
    assert all(len(scheduled[user]) == 1 for user in user_ids)


def test_each_call_of_the_worker_throttled_fails_only_its_message_whose_retry_stores_once(
    sim: ReassessmentSimulation,
) -> None:
    hook = NthCall(sim.tables)
    sim.on_dynamodb("before-send.dynamodb", hook)

    # the worker's calls for one due user, in order (the worker handles a batch's records one by one)
    (probe,) = sim.seed_users(1, now=NOW)
    sim.dispatch()
    hook.seen.clear()
    sim.drain()
    calls = list(hook.seen)
    _reassessed_once(sim, {probe.user_id})
    assert calls == ["Query@ReadinessTable", "TransactWriteItems@ReadinessTable"]

    for position, call in enumerate(calls):
        (user,) = sim.seed_users(1, now=NOW)
        sim.dispatch()
        hook.seen.clear()
        hook.throttled.clear()
        hook.nth = {position}

        drained = sim.drain()

        assert hook.throttled == [call] * 3, (position, call)
        assert (drained.received, drained.failed) == (2, 1), (position, call)  # failed once, then stored
        _reassessed_once(sim, {user.user_id})
        assert sim.dead_letters() == []
        assert sim.queued() == 0


@pytest.mark.parametrize("call", ["Query@ReadinessTable", "UpdateItem@ReadinessTable"])
def test_the_dispatchers_calls_throttled_fail_the_dispatch_and_the_next_one_queues_each_user_once(
    sim: ReassessmentSimulation, call: str
) -> None:
    """Every attempt of every call of one kind throttled: the due-index Queries (16 shards, in parallel)
    or the claims (conditional UpdateItems). Nothing is queued that was not claimed."""
    from tests.integration.test_faults import Throttle

    hook = Throttle(sim.tables, calls={call})
    sim.on_dynamodb("before-send.dynamodb", hook)
    users = sim.seed_users(5, now=NOW)

    with pytest.raises(DispatchIncomplete):
        sim.dispatch()

    assert len(hook.throttled) >= 3
    assert sim.queued() == 0
    hook.on = False
    assert sim.dispatch()["queued"] == 5  # the next minute's dispatch
    sim.drain()
    _reassessed_once(sim, {user.user_id for user in users})
    assert sim.dispatch()["listed"] == 0


def test_entries_the_queue_fails_are_sent_again_and_what_stays_unsent_is_due_at_the_next_dispatch(
    sim: ReassessmentSimulation,
) -> None:
    import threading

    users = sim.seed_users(10, now=NOW)
    once, twice = users[0].user_id, users[1].user_id  # refused once; refused on the second try as well
    refusals = {once: 0, twice: 0}
    lock = threading.Lock()  # the dispatcher's shards send from their own threads

    def refused_now(entry: dict[str, str]) -> bool:
        user_id = json.loads(entry["MessageBody"])["user_id"]
        if user_id not in refusals or (refusals[user_id] and user_id == once):
            return False
        refusals[user_id] += 1
        return True

    def partly(request: Any, **_: Any) -> AWSResponse | None:
        body = json.loads(request.body)
        with lock:
            refused = [entry for entry in body["Entries"] if refused_now(entry)]
        if not refused:
            return None
        # SQS answers per entry: the others are queued, the refused ones are Failed
        accepted = [entry for entry in body["Entries"] if entry not in refused]
        sent = sim.sqs.send_message_batch(QueueUrl=body["QueueUrl"], Entries=accepted) if accepted else {}
        answer = {
            "Successful": sent.get("Successful", []),
            "Failed": [
                {"Id": entry["Id"], "SenderFault": False, "Code": "InternalError", "Message": "injected"}
                for entry in refused
            ],
        }

        class Raw:
            def stream(self, **_: Any) -> Iterator[bytes]:
                yield json.dumps(answer).encode()

        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.0"}, Raw())

    sim.on_sqs("before-send.sqs.SendMessageBatch", partly)

    with pytest.raises(DispatchIncomplete):  # an error for the alarm; what was queued stays queued
        sim.dispatch()

    assert refusals == {once: 1, twice: 2}  # each refused entry was sent once more
    assert sim.queued() == 9
    refusals.clear()
    assert sim.dispatch()["queued"] == 1  # the unsent user's claim was undone: due at the next dispatch
    sim.drain()
    _reassessed_once(sim, {user.user_id for user in users})
