"""Faults on the submit path, injected with botocore before-send hooks that moto honours (tools.moto_faults:
a throttled request is answered by the fault and not applied, as DynamoDB applies nothing it throttles).

What each test proves: botocore retries every throttled call with back-off (standard mode, 3 attempts);
when the attempts run out the answer is a 503 with Retry-After and nothing is half-written (no assessment
without its user item, activity, receipt or centre count; no idempotency record left that would block a
retry); the retry then stores the submission exactly once. A function that dies between storing the
assessment and completing its idempotency record (a Lambda timeout) is retried once its record's
in-progress time runs out: the re-run finds the receipt stored with the assessment and answers with it,
the new user's token included, instead of storing a second assessment or minting a second user.

The worker, dispatcher and import faults are in test_faults_pipelines.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from readiness.centres.service import CreatedCentre
from readiness.identity import hash_token

from tests.integration.conftest import (
    ApiClient,
    LambdaContext,
    all_items,
    new_key,
    some_activities,
    submission,
)
from tests.integration.test_centres_api import ORIGIN, join, make_centre
from tools.moto_faults import faulting, moto_skips_faulted_requests


class _Raw:
    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.payload


def dynamodb_error(code: str = "ThrottlingException", status: int = 400) -> AWSResponse:
    payload = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"})
    return AWSResponse(
        "https://dynamodb.us-east-1.amazonaws.com/",
        status,
        {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected"},
        _Raw(payload.encode()),
    )


def call_of(request: Any, tables: dict[str, str]) -> str:
    """``Operation@LogicalTable`` of a DynamoDB request (a transaction names the tables it writes)."""
    operation = request.headers["X-Amz-Target"].decode().split(".")[-1]
    body = json.loads(request.body)
    names = {body["TableName"]} if "TableName" in body else set(body.get("RequestItems", {}))
    for entry in body.get("TransactItems", []):
        names |= {action["TableName"] for action in entry.values()}
    logical = {name: logical for logical, name in tables.items()}
    return f"{operation}@{'+'.join(sorted(logical.get(name, name) for name in names))}"


@dataclass
class Throttle:
    """Answers every attempt of the listed calls (``Operation@Table``, or ``*``) with a throttling error
    while ``on``; ``nth``: also the calls at these positions (0-based, counted from ``seen`` cleared)."""

    tables: dict[str, str]
    calls: set[str] = field(default_factory=set)
    nth: set[int] = field(default_factory=set)
    on: bool = True
    seen: list[str] = field(default_factory=list)  # one entry per call, not per attempt
    throttled: list[str] = field(default_factory=list)  # one entry per attempt

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        call = call_of(request, self.tables)
        attempt = request.headers.get("amz-sdk-request", "attempt=1;")
        if (attempt.decode() if isinstance(attempt, bytes) else attempt).startswith("attempt=1;"):
            self.seen.append(call)
        position = len(self.seen) - 1
        if self.on and (call in self.calls or "*" in self.calls or position in self.nth):
            self.throttled.append(call)
            return dynamodb_error("ThrottlingException")
        return None


class LongInvocation(LambdaContext):
    """An invocation with an hour left: an INPROGRESS record outlives any test, and only
    expire_in_progress (the invocation's time running out) frees it, never the wall clock."""

    def get_remaining_time_in_millis(self) -> int:
        return 3_600_000


@pytest.fixture(autouse=True)
def long_invocations(api: ApiClient) -> None:
    api.context = LongInvocation()


@pytest.fixture
def backoff(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float]]:
    """botocore's back-off as deployed, its delays recorded (attempt number, seconds) and not slept."""
    from botocore.retries import standard

    delays: list[tuple[int, float]] = []
    computed = standard.ExponentialBackoff.delay_amount

    def record(self: Any, context: Any) -> float:
        delays.append((context.attempt_number, computed(self, context)))
        return 0.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", record)
    return delays


@pytest.fixture
def throttle(api: ApiClient, backoff: Any) -> Iterator[Throttle]:
    hook = Throttle(api.table_names)
    api.on_dynamodb("before-send.dynamodb", faulting(hook))
    with moto_skips_faulted_requests():
        yield hook


def snapshot(dynamodb: Any, api: ApiClient, user_id: str | None = None) -> dict[str, Any]:
    """What a submission may write: the user's partition, every centre item, the idempotency table."""
    # (rate-limit counters count requests, not what was stored: they are not looked at)
    readiness = [
        item
        for item in all_items(dynamodb, api.table_names["ReadinessTable"])
        if "limit" not in item.get("entity", {}).get("S", "")
    ]

    def key(item: dict[str, Any]) -> str:
        return f"{item['PK']['S']}|{item['SK']['S']}"

    return {
        "user": sorted(
            json.dumps(i, sort_keys=True, default=str) for i in readiness if i["PK"]["S"] == f"USER#{user_id}"
        ),
        "users": sorted({i["PK"]["S"] for i in readiness if i["PK"]["S"].startswith("USER#")}),
        "centres": sorted(
            key(i) + json.dumps(i, sort_keys=True, default=str)
            for i in readiness
            if i["PK"]["S"].startswith("CENTRE#")
        ),
        "idempotency": sorted(
            json.dumps(i, sort_keys=True, default=str)
            for i in all_items(dynamodb, api.table_names["IdempotencyTable"])
        ),
    }


def expire_in_progress(dynamodb: Any, api: ApiClient) -> int:
    """The dead invocation's time runs out: its INPROGRESS records' in-progress expiry is in the past.

    (Powertools sets it from the Lambda context's remaining time and compares it with the wall clock.)
    """
    table = api.table_names["IdempotencyTable"]
    expired = 0
    for item in all_items(dynamodb, table):
        if item.get("status", {}).get("S") == "INPROGRESS":
            dynamodb.update_item(
                TableName=table,
                Key={"id": item["id"]},
                UpdateExpression="SET in_progress_expiration = :past",
                ExpressionAttributeValues={":past": {"N": "1"}},
            )
            expired += 1
    return expired


def assessments_of(dynamodb: Any, api: ApiClient, user_id: str) -> list[str]:
    return sorted(
        item["assessment_id"]["S"]
        for item in all_items(dynamodb, api.table_names["ReadinessTable"])
        if item["PK"]["S"] == f"USER#{user_id}" and item["entity"]["S"] == "assessment"
    )


def counted(dynamodb: Any, api: ApiClient, centre: CreatedCentre) -> int:
    """How many students the centre's counter shards count."""
    total = 0
    for item in all_items(dynamodb, api.table_names["ReadinessTable"]):
        if item["PK"]["S"].startswith(f"CENTRE#{centre.centre.centre_id}#AGG#"):
            total += int(item.get("n", {}).get("N", "0"))  # readiness.centres.aggregates.STUDENTS
    return total


# ---------------------------------------------------------------- throttling, call by call


def test_each_call_of_a_submission_throttled_is_a_503_that_writes_nothing_and_the_retry_stores_once(
    api: ApiClient, dynamodb: Any, throttle: Throttle, backoff: list[tuple[int, float]]
) -> None:
    centre = make_centre(api)
    student = join(api, centre)  # a returning student of a centre: the longest submit path
    user_id, token = student["user_id"], student["user_token"]
    headers = {"X-Readiness-Key": centre.keys.publishable, "Origin": ORIGIN}

    # every DynamoDB call a keyed submission of this student makes, as it makes them
    throttle.seen.clear()
    probe = api.post(
        "/v1/assessments", token=token, body=submission(), headers={**headers, "Idempotency-Key": new_key()}
    )
    assert probe.status == 201, probe.body
    calls = list(dict.fromkeys(throttle.seen))
    assert {"PutItem@IdempotencyTable", "Query@ReadinessTable", "UpdateItem@IdempotencyTable"} <= set(calls)
    assert "TransactWriteItems@IdempotencyTable+ReadinessTable" in calls  # one write, receipt included

    stored = len(assessments_of(dynamodb, api, user_id))
    for call in calls:
        if call == "UpdateItem@IdempotencyTable":
            continue  # the assessment is stored by then: test_a_submission_that_dies_after_storing_...
        throttle.calls, throttle.throttled, backoff[:] = {call}, [], []
        before = snapshot(dynamodb, api, user_id)
        key = new_key()
        body = submission(activities=some_activities())

        refused = api.post(
            "/v1/assessments", token=token, body=body, headers={**headers, "Idempotency-Key": key}
        )

        assert refused.status == 503, (call, refused.body)
        assert refused.error["code"] == "service_unavailable"
        assert refused.headers["Retry-After"] == "1"
        assert throttle.throttled.count(call) == 3, call  # botocore's 3 attempts, with back-off between
        assert [attempt for attempt, _ in backoff][:2] == [1, 2]
        assert all(0 <= delay <= 2**attempt for attempt, delay in backoff)
        # nothing half-written: no assessment, user item, activity, receipt or centre count moved
        assert snapshot(dynamodb, api, user_id) == before, call

        throttle.calls = set()
        retried = api.post(
            "/v1/assessments", token=token, body=body, headers={**headers, "Idempotency-Key": key}
        )
        assert retried.status == 201, (call, retried.body)
        assert "Idempotent-Replayed" not in retried.headers
        stored += 1
        assert len(assessments_of(dynamodb, api, user_id)) == stored, call
    assert counted(dynamodb, api, centre) == 1  # one student, counted once however often assessed


def test_every_call_throttled_a_first_submission_is_a_503_with_nothing_stored_then_the_retry_stores_once(
    api: ApiClient, dynamodb: Any, throttle: Throttle
) -> None:
    key = new_key()
    throttle.calls = {"*"}
    before = snapshot(dynamodb, api)

    refused = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": key})

    assert refused.status == 503
    assert refused.headers["Retry-After"] == "1"
    assert snapshot(dynamodb, api) == before
    throttle.on = False
    created = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": key})
    assert created.status == 201
    assert snapshot(dynamodb, api)["users"] == [f"USER#{created.body['user_id']}"]


def test_a_throttled_write_whose_record_cannot_be_released_either_stores_once_when_the_key_frees(
    api: ApiClient, dynamodb: Any, throttle: Throttle
) -> None:
    """The write fails, and so does Powertools' delete of its INPROGRESS record: the retry is told to
    wait (409 in progress) until the record's in-progress time runs out, then stores once."""
    key = new_key()
    throttle.calls = {"TransactWriteItems@IdempotencyTable+ReadinessTable", "DeleteItem@IdempotencyTable"}

    refused = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": key})

    assert refused.status == 503
    assert "DeleteItem@IdempotencyTable" in throttle.throttled
    assert snapshot(dynamodb, api)["users"] == []
    throttle.on = False
    waiting = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": key})
    assert waiting.status == 409
    assert waiting.error["code"] == "idempotency_in_progress"
    assert waiting.headers["Retry-After"] == "1"
    assert expire_in_progress(dynamodb, api) == 1
    created = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": key})
    assert created.status == 201
    assert len(snapshot(dynamodb, api)["users"]) == 1


# ---------------------------------------------------------------- a function that dies half way


class SandboxKilled(BaseException):
    """Lambda ending an invocation at its timeout: nothing in the function gets to handle it."""


def _die_before_completing_the_record(api: ApiClient, tables: dict[str, str]) -> dict[str, int]:
    """Kills the invocation as it sends the UpdateItem that marks its idempotency record COMPLETED."""
    deaths = {"left": 1}

    def hook(request: Any, **_: Any) -> None:
        if deaths["left"] and call_of(request, tables) == "UpdateItem@IdempotencyTable":
            deaths["left"] -= 1
            raise SandboxKilled

    api.on_dynamodb("before-send.dynamodb", hook)
    return deaths


@pytest.mark.parametrize("returning", [False, True], ids=["first submission", "returning user"])
def test_a_submission_that_dies_after_storing_is_answered_from_what_it_stored_on_the_retry(
    api: ApiClient, dynamodb: Any, returning: bool
) -> None:
    token = None
    if returning:
        token = api.post("/v1/assessments", body=submission()).body["user_token"]
    key = new_key()
    body = submission(activities=some_activities())
    deaths = _die_before_completing_the_record(api, api.table_names)
    users_before = snapshot(dynamodb, api)["users"]

    with pytest.raises(SandboxKilled):
        api.post("/v1/assessments", token=token, body=body, headers={"Idempotency-Key": key})

    assert deaths["left"] == 0
    if token is not None:
        user_id = token.split(".")[1]
    else:
        (user,) = set(snapshot(dynamodb, api)["users"]) - set(users_before)
        user_id = user.removeprefix("USER#")
    stored_ids = assessments_of(dynamodb, api, user_id)
    first_id = stored_ids[-1]  # ids sort by creation time: the dead run's is the newest
    written = snapshot(dynamodb, api, user_id)
    # the client got nothing; its retry while the dead invocation still holds the key must wait
    waiting = api.post("/v1/assessments", token=token, body=body, headers={"Idempotency-Key": key})
    assert waiting.status == 409
    assert waiting.headers["Retry-After"] == "1"

    assert expire_in_progress(dynamodb, api) == 1
    retried = api.post("/v1/assessments", token=token, body=body, headers={"Idempotency-Key": key})

    assert retried.status == 201, retried.body
    assert retried.body["assessment_id"] == first_id
    assert retried.body["user_id"] == user_id
    after = snapshot(dynamodb, api, user_id)
    assert after["user"] == written["user"]  # nothing more stored for the user: no second assessment
    assert after["users"] == written["users"]  # and no second user
    if returning:
        assert "user_token" not in retried.body
    else:
        new_token = retried.body["user_token"]  # the token minted by the run that died, unsealed
        assert new_token.startswith(f"rdy1.{user_id}.")
        user_item = next(
            item
            for item in all_items(dynamodb, api.table_names["ReadinessTable"])
            if item["PK"]["S"] == f"USER#{user_id}" and item["SK"]["S"] == "USER"
        )
        assert user_item["owner_token_hash"]["S"] == hash_token(new_token)
        history = api.get(f"/v1/users/{user_id}/assessments", token=new_token)
        assert [item["assessment_id"] for item in history.body["items"]] == [first_id]
        # the receipt keeps the token sealed only: never in the clear anywhere
        assert new_token not in json.dumps(
            all_items(dynamodb, api.table_names["IdempotencyTable"]), default=str
        )
    replay = api.post("/v1/assessments", token=token, body=body, headers={"Idempotency-Key": key})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.body == retried.body


def test_a_rerun_with_another_body_under_a_stored_receipt_is_409_and_stores_nothing(
    api: ApiClient, dynamodb: Any
) -> None:
    key = new_key()
    _die_before_completing_the_record(api, api.table_names)
    with pytest.raises(SandboxKilled):
        api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": key})
    expire_in_progress(dynamodb, api)  # Powertools takes the expired record over, whatever the body
    before = snapshot(dynamodb, api)

    other = api.post(
        "/v1/assessments", body=submission(activities=some_activities()), headers={"Idempotency-Key": key}
    )

    assert other.status == 409
    assert other.error["code"] == "idempotency_key_reused"
    after = snapshot(dynamodb, api)
    assert (after["users"], after["centres"]) == (before["users"], before["centres"])


# ---------------------------------------------------------------- two writers of one user, interleaved


def _service_with_hook(tables: dict[str, str]) -> tuple[Any, Any]:
    """The create use case on its own DynamoDB client, and that client (to hook its requests)."""
    import boto3
    from readiness.assessments import AssessmentService
    from readiness.store.dynamodb import DynamoDBAssessmentRepository

    client = boto3.client("dynamodb", region_name="us-east-1")
    repository = DynamoDBAssessmentRepository(
        client, tables["ReadinessTable"], receipts_table=tables["IdempotencyTable"]
    )
    return AssessmentService(repository), client


def _before_first_write(client: Any, cut_in: Any) -> list[str]:
    """Runs ``cut_in()`` once, just before the client's first TransactWriteItems is sent (after its reads)."""
    ran: list[str] = []

    def hook(**_: Any) -> None:
        if not ran:
            ran.append("cut in")
            cut_in()

    client.meta.events.register_first("before-send.dynamodb.TransactWriteItems", hook)
    return ran


def _user_item(dynamodb: Any, tables: dict[str, str], user_id: str) -> dict[str, Any]:
    from readiness.store.codec import unpack_json

    item = dynamodb.get_item(
        TableName=tables["ReadinessTable"], Key={"PK": {"S": f"USER#{user_id}"}, "SK": {"S": "USER"}}
    )["Item"]
    latest: dict[str, Any] = unpack_json(item["latest"]["B"])
    return latest


def test_two_submissions_of_one_user_racing_are_both_kept_and_the_second_scores_from_the_first(
    dynamodb: Any, tables: dict[str, str]
) -> None:
    from readiness.identity import credential_from_token
    from readiness.submission import Submission

    from tests.builders import answers
    from tests.integration.conftest import NOW

    service, client = _service_with_hook(tables)
    first = service.create(
        Submission(questionnaire_version="1", answers=answers("low")), credential=None, now=NOW
    )
    assert first.user_token is not None
    credential = credential_from_token(first.user_token)
    other_service, _ = _service_with_hook(tables)
    cutting: dict[str, Any] = {}

    def other_writer() -> None:  # the same user, from another device, lands between A's read and write
        cutting["b"] = other_service.create(
            Submission(questionnaire_version="1", answers=answers("high")), credential=credential, now=NOW
        )

    ran = _before_first_write(client, other_writer)
    a = service.create(
        Submission(questionnaire_version="1", answers=answers("middle")), credential=credential, now=NOW
    )

    b = cutting["b"].assessment
    assert ran == ["cut in"]
    assert b.previous is not None
    assert b.previous.assessment_id == first.assessment.assessment_id
    # A's first write found the user item moved on: nothing of it was stored; scored again after B
    assert a.assessment.previous is not None
    assert a.assessment.previous.assessment_id == b.assessment_id
    stored = _user_item(dynamodb, tables, credential.user_id)
    assert stored["body"]["assessment_id"] == a.assessment.assessment_id
    assert stored["inputs"]["answers"] == answers("middle")  # the last writer's answers, not lost
    ids = [
        item["assessment_id"]["S"]
        for item in all_items(dynamodb, tables["ReadinessTable"])
        if item["PK"]["S"] == f"USER#{credential.user_id}" and item["entity"]["S"] == "assessment"
    ]
    assert sorted(ids) == sorted(
        {first.assessment.assessment_id, b.assessment_id, a.assessment.assessment_id}
    )


@pytest.mark.parametrize("first_writer", ["re-assessment", "submission"])
def test_a_re_assessment_and_a_submission_of_one_user_racing_lose_neither(
    dynamodb: Any, tables: dict[str, str], first_writer: str
) -> None:
    """The worker and the user's submission read the same inputs; whichever writes second finds the
    user item moved on. A submission scores again (its previous is the scheduled one); the worker's
    message fails and its retry finds the newer submission, which counts for the period."""
    from datetime import timedelta

    from readiness.identity import credential_from_token
    from readiness.reassessment.messages import ReassessmentMessage
    from readiness.reassessment.worker import ReassessmentService
    from readiness.store import StoreUnavailable
    from readiness.store.dynamodb import DynamoDBAssessmentRepository
    from readiness.submission import Submission

    from tests.builders import answers
    from tests.integration.conftest import NOW

    class Bus:
        def __init__(self) -> None:
            self.published: list[Any] = []

        def publish(self, change: Any) -> None:
            self.published.append(change)

    service, submit_client = _service_with_hook(tables)
    answered = NOW - timedelta(days=40)
    first = service.create(
        Submission(questionnaire_version="1", answers=answers("low")), credential=None, now=answered
    )
    assert first.user_token is not None
    credential = credential_from_token(first.user_token)
    import boto3

    worker_client = boto3.client("dynamodb", region_name="us-east-1")
    worker = ReassessmentService(DynamoDBAssessmentRepository(worker_client, tables["ReadinessTable"]), Bus())
    message = ReassessmentMessage(
        user_id=credential.user_id, due_at=NOW - timedelta(hours=1), cadence_days=30
    )
    new_answers = Submission(questionnaire_version="1", answers=answers("high"))
    outcomes: dict[str, Any] = {}

    def submit() -> None:
        outcomes["submission"] = service.create(new_answers, credential=credential, now=NOW)

    def reassess() -> None:
        outcomes["re-assessment"] = worker.reassess(message, now=NOW)

    if first_writer == "re-assessment":  # the submission read first; the worker writes before it does
        _before_first_write(submit_client, reassess)
        submit()
        assert outcomes["re-assessment"].kind == "reassessed"
        scheduled = outcomes["re-assessment"].assessment_id
        assert outcomes["submission"].assessment.previous.assessment_id == scheduled
    else:  # the worker read first; the submission writes before it does: the message fails
        _before_first_write(worker_client, submit)
        with pytest.raises(StoreUnavailable):
            reassess()
        retried = worker.reassess(message, now=NOW, delivery=2)  # SQS delivers it again
        assert retried.kind == "recently_assessed"
    stored = _user_item(dynamodb, tables, credential.user_id)
    assert stored["body"]["assessment_id"] == outcomes["submission"].assessment.assessment_id
    assert stored["inputs"]["answers"] == answers("high")  # the user's new answers are what counts next
    kept = {
        item["assessment_id"]["S"]
        for item in all_items(dynamodb, tables["ReadinessTable"])
        if item["PK"]["S"] == f"USER#{credential.user_id}" and item["entity"]["S"] == "assessment"
    }
    assert outcomes["submission"].assessment.assessment_id in kept
    assert len(kept) == (3 if first_writer == "re-assessment" else 2)
