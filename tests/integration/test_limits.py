"""Per-caller request limits through the real handlers under moto: 429 with Retry-After, nothing
written, the next window admits again, a centre's limit across its shards, 503 when throttled."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from readiness.limits import Caller, LimitedAction, LimitPolicy, RateLimited, RequestLimiter
from readiness.store.limits import DynamoDBLimitCounters

from tests.integration.conftest import ApiClient, Clock, activity, all_items, new_key, submission
from tests.integration.test_centres_api import ORIGIN, make_centre, secret
from tools.sam_template import SamTemplate

LOW_LIMITS = {
    "UserSubmissionsPerHour": "3",
    "UserSubmissionsPerDay": "5",
    "UserImportsPerDay": "2",
    "CentreSubmissionsPerHour": "6",  # one item: a shard is allowed 50 or more
    "CentreWritesPerHour": "1",
    "SourceSubmissionsPerHour": "3",
}


@pytest.fixture
def limited(
    template: SamTemplate,
    tables: dict[str, str],
    buckets: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    clock: Clock,
) -> ApiClient:
    """The API deployed with low limits (parameter overrides, as `sam deploy` and the local stack use)."""
    functions = {
        logical_id: dataclasses.replace(spec, parameter_defaults={**spec.parameter_defaults, **LOW_LIMITS})
        for logical_id, spec in template.functions.items()
    }
    deployed = dataclasses.replace(
        template, functions=functions, parameters={**template.parameters, **LOW_LIMITS}
    )
    return ApiClient(deployed, {**tables, **buckets}, monkeypatch)


def everything(dynamodb: Any, api: ApiClient) -> dict[str, list[dict[str, Any]]]:
    return {
        name: all_items(dynamodb, table) for name, table in sorted(api.table_names.items()) if "Table" in name
    }


def counters(dynamodb: Any, api: ApiClient) -> list[dict[str, Any]]:
    items = all_items(dynamodb, api.table_names["ReadinessTable"])
    return [item for item in items if item.get("entity", {}).get("S") == "limit_counter"]


def window_end(now: datetime, hours: int = 1) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)


def assert_refused(response: Any, limit: str, *, before: datetime, after: datetime, ends: datetime) -> None:
    assert response.status == 429, response.body
    assert response.error["code"] == "rate_limited"
    assert response.fields == [f"limits.{limit}"]
    retry_after = int(response.headers["Retry-After"])
    assert (ends - after).total_seconds() <= retry_after <= (ends - before).total_seconds() + 1
    assert response.headers["Cache-Control"] == "no-store"


def test_a_users_submission_over_the_hour_is_429_until_the_hour_ends_and_writes_nothing(
    limited: ApiClient, clock: Clock, dynamodb: Any
) -> None:
    alice = limited.post("/v1/assessments", body=submission()).body
    token, user_id = alice["user_token"], alice["user_id"]
    for _ in range(3):
        assert limited.post("/v1/assessments", token=token, body=submission()).status == 201
    stored = everything(dynamodb, limited)

    before = clock.current
    refused = limited.post(
        "/v1/assessments", token=token, body=submission(), headers={"Idempotency-Key": new_key()}
    )
    assert_refused(
        refused, "user_submissions_per_hour", before=before, after=clock.current, ends=window_end(before)
    )
    pushed = limited.post(
        f"/v1/users/{user_id}/activities", token=token, body={"activities": [activity("help_given", 3)]}
    )
    assert pushed.status == 429  # pushes count with submissions
    assert everything(dynamodb, limited) == stored  # not the assessment, not an idempotency record

    # the next hour admits again, until the day's limit (5)
    clock.current = datetime(2026, 11, 1, 13, 0, 5, tzinfo=UTC)
    assert limited.post("/v1/assessments", token=token, body=submission()).status == 201
    assert limited.post(f"/v1/users/{user_id}/activities", token=token, body={"activities": []}).status == 200
    before = clock.current
    by_day = limited.post("/v1/assessments", token=token, body=submission())
    midnight = datetime(2026, 11, 2, tzinfo=UTC)
    assert_refused(by_day, "user_submissions_per_day", before=before, after=clock.current, ends=midnight)

    (counter,) = [item for item in counters(dynamodb, limited) if item["PK"]["S"] == f"USER#{user_id}"]
    assert counter["SK"]["S"] == "LIMIT#SUBMISSIONS#20261101T0000Z"  # not "USER...": not a scoring input
    assert counter["expires_at"]["N"] == str(int(midnight.timestamp()))
    assert {name: value["N"] for name, value in counter.items() if name[0] in "hd"} == {
        "hour12": "3",
        "hour13": "2",
        "day0": "5",
    }
    # a new day: admitted, and the history is whole
    clock.current = midnight + timedelta(minutes=1)
    again = limited.post("/v1/assessments", token=token, body=submission())
    assert again.status == 201
    assert again.body["previous"] is not None


def test_a_users_imports_are_limited_per_day(limited: ApiClient, clock: Clock, dynamodb: Any) -> None:
    alice = limited.post("/v1/assessments", body=submission()).body
    path = f"/v1/users/{alice['user_id']}/imports"
    for _ in range(2):
        assert limited.post(path, token=alice["user_token"]).status == 201
    stored = everything(dynamodb, limited)
    before = clock.current
    refused = limited.post(path, token=alice["user_token"])
    assert_refused(
        refused,
        "user_imports_per_day",
        before=before,
        after=clock.current,
        ends=datetime(2026, 11, 2, tzinfo=UTC),
    )
    assert everything(dynamodb, limited) == stored  # no import item, no upload form signed
    clock.current = datetime(2026, 11, 2, 0, 0, 1, tzinfo=UTC)
    assert limited.post(path, token=alice["user_token"]).status == 201


def test_first_submissions_are_limited_per_hashed_address_and_the_address_is_not_stored(
    limited: ApiClient, clock: Clock, dynamodb: Any
) -> None:
    for _ in range(3):
        assert limited.post("/v1/assessments", body=submission()).status == 201
    stored = everything(dynamodb, limited)
    before = clock.current
    refused = limited.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": new_key()})
    assert_refused(
        refused, "source_submissions_per_hour", before=before, after=clock.current, ends=window_end(before)
    )
    assert everything(dynamodb, limited) == stored

    (counter,) = counters(dynamodb, limited)
    assert counter["PK"]["S"].startswith("SOURCE#")
    assert len(counter["PK"]["S"]) == len("SOURCE#") + 6  # 24 bits of a salted hash
    assert "203.0.113" not in json.dumps(counter)  # the events' sourceIp
    assert int(counter["expires_at"]["N"]) == int(window_end(before).timestamp())
    # a returning user from the same address, and the next hour, are admitted
    clock.current = window_end(before) + timedelta(seconds=1)
    assert limited.post("/v1/assessments", body=submission()).status == 201


def test_a_centres_form_is_limited_for_all_its_students_together(
    limited: ApiClient, clock: Clock, dynamodb: Any
) -> None:
    centre = make_centre(limited)
    form = {"X-Readiness-Key": centre.keys.publishable, "Origin": ORIGIN}
    outcomes = [limited.post("/v1/assessments", body=submission(), headers=form) for _ in range(8)]

    assert [response.status for response in outcomes] == [201] * 6 + [429] * 2
    refusal = outcomes[6]
    assert refusal.fields == ["limits.centre_submissions_per_hour"]
    assert refusal.headers["Access-Control-Allow-Origin"] == ORIGIN  # the embedded form can read it
    (counter,) = counters(dynamodb, limited)  # 6 an hour is one item: no shard below 50
    assert counter["PK"]["S"] == f"CENTRE#{centre.centre.centre_id}#LIMIT#00"
    assert counter["hour0"]["N"] == "6"
    assert "u_" not in json.dumps(counter)  # no user id in a centre's counter
    stored = all_items(dynamodb, limited.table_names["ReadinessTable"])
    assert sum(1 for item in stored if item.get("entity", {}).get("S") == "assessment") == 6


def test_a_centres_limit_holds_across_its_shards_in_the_table(dynamodb: Any, tables: dict[str, str]) -> None:
    """400 an hour over 8 shards of 50 (the smallest share), in the table: never more, refusals late."""
    counted = DynamoDBLimitCounters(dynamodb, tables["ReadinessTable"])
    policy = LimitPolicy.of(centre_submissions_per_hour=400, centre_shards=8)
    limiter = RequestLimiter(counted, policy, choose=random.Random(5).randrange)
    now = datetime(2026, 11, 1, 12, 30, tzinfo=UTC)
    admitted, first_refusal, waits = 0, None, set()
    for _ in range(800):
        try:
            limiter.admit(LimitedAction.SUBMISSION, Caller(centre_id="c_busy"), now=now)
            admitted += 1
        except RateLimited as refused:
            first_refusal = admitted if first_refusal is None else first_refusal
            waits.add(refused.retry_after_seconds)
    assert waits == {1800}
    assert admitted == 400
    assert first_refusal is not None
    assert first_refusal >= 0.75 * 400  # the precision docs/api.md#limits states for 50 a shard
    shards = {
        item["PK"]["S"]: int(item["hour0"]["N"]) for item in all_items(dynamodb, tables["ReadinessTable"])
    }
    assert shards == {f"CENTRE#c_busy#LIMIT#{shard:02d}": 50 for shard in range(8)}


def test_a_centres_secret_key_writes_are_limited_and_not_charged_to_the_student(
    limited: ApiClient, clock: Clock
) -> None:
    from tests.integration.test_centres_api import join

    centre = make_centre(limited)
    student = join(limited, centre, share=True)
    pushes = f"/v1/users/{student['user_id']}/activities"
    body = {"activities": [activity("help_given", 2)]}
    assert limited.post(pushes, body=body, headers=secret(centre)).status == 200
    refused = limited.post(pushes, body=body, headers=secret(centre))
    assert refused.status == 429
    assert refused.fields == ["limits.centre_writes_per_hour"]
    schedule = limited.request(
        "PUT", f"/v1/users/{student['user_id']}/schedule", body={"cadence_days": 30}, headers=secret(centre)
    )
    assert schedule.status == 429
    # the student's own quota is untouched, and a user's own schedule is not limited
    assert limited.post(pushes, body=body, token=student["user_token"]).status == 200
    own = limited.request(
        "PUT",
        f"/v1/users/{student['user_id']}/schedule",
        body={"cadence_days": 30},
        token=student["user_token"],
    )
    assert own.status == 201


class Raw:
    """A botocore raw response body (what a before-send hook answers with)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


def test_a_throttled_counter_is_a_503_with_retry_after_never_a_free_pass(
    api: ApiClient, dynamodb: Any
) -> None:
    from botocore.awsrequest import AWSResponse

    from tools.moto_faults import faulting, moto_skips_faulted_requests

    alice = api.post("/v1/assessments", body=submission()).body
    stored = everything(dynamodb, api)
    attempts = []

    def throttle(request: Any, **_: Any) -> Any:
        if b"LIMIT#" not in (request.body or b""):
            return None
        attempts.append(1)
        raw = json.dumps({"__type": "ThrottlingException", "message": "Rate of requests exceeds the allowed"})
        return AWSResponse(request.url, 400, {}, Raw(raw.encode()))

    api.on_dynamodb("before-send.dynamodb.UpdateItem", faulting(throttle))
    with moto_skips_faulted_requests():
        returning = api.post(
            "/v1/assessments",
            token=alice["user_token"],
            body=submission(),
            headers={"Idempotency-Key": new_key()},
        )
        first = api.post("/v1/assessments", body=submission())

    for response in (returning, first):
        assert response.status == 503, response.body
        assert response.error["code"] == "service_unavailable"
        assert response.headers["Retry-After"] == "1"
    assert len(attempts) == 6  # botocore's 3 attempts each, then the refusal
    assert everything(dynamodb, api) == stored


def test_a_returning_student_through_the_form_counts_for_both_in_one_request(
    limited: ApiClient, clock: Clock, dynamodb: Any
) -> None:
    centre = make_centre(limited)
    form = {"X-Readiness-Key": centre.keys.publishable, "Origin": ORIGIN}
    student = limited.post("/v1/assessments", body=submission(), headers=form).body  # centre: 1
    calls: list[str] = []
    limited.on_dynamodb("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
    for _ in range(3):  # the user's hourly limit is 3
        calls.clear()
        again = limited.post("/v1/assessments", body=submission(), headers=form, token=student["user_token"])
        assert again.status == 201, again.body
        assert calls[0] == "TransactWriteItems"  # both counters, one request, before anything else
    centre_pk = f"CENTRE#{centre.centre.centre_id}#LIMIT#00"

    def centre_count() -> int:
        (item,) = [item for item in counters(dynamodb, limited) if item["PK"]["S"] == centre_pk]
        return int(item["hour0"]["N"])

    assert centre_count() == 4
    stored = everything(dynamodb, limited)
    calls.clear()
    refused = limited.post("/v1/assessments", body=submission(), headers=form, token=student["user_token"])
    assert refused.status == 429
    assert refused.fields == ["limits.user_submissions_per_hour"]  # the one that is full
    assert calls == ["TransactWriteItems"]  # cancelled: nothing else done
    assert everything(dynamodb, limited) == stored  # the centre's count did not move either
    assert centre_count() == 4


def test_a_counter_transaction_cancelled_by_throttling_is_a_503(limited: ApiClient, dynamodb: Any) -> None:
    from botocore.awsrequest import AWSResponse

    from tools.moto_faults import faulting, moto_skips_faulted_requests

    centre = make_centre(limited)
    form = {"X-Readiness-Key": centre.keys.publishable, "Origin": ORIGIN}
    student = limited.post("/v1/assessments", body=submission(), headers=form).body
    stored = everything(dynamodb, limited)

    def cancel(request: Any, **_: Any) -> Any:
        if b"LIMIT#" not in (request.body or b""):
            return None
        reasons = [{"Code": "None"}, {"Code": "ThrottlingError", "Message": "Throughput exceeds the limit"}]
        raw = json.dumps(
            {"__type": "TransactionCanceledException", "message": "cancelled", "CancellationReasons": reasons}
        )
        return AWSResponse(request.url, 400, {}, Raw(raw.encode()))

    limited.on_dynamodb("before-send.dynamodb.TransactWriteItems", faulting(cancel))
    with moto_skips_faulted_requests():
        response = limited.post(
            "/v1/assessments", body=submission(), headers=form, token=student["user_token"]
        )
    assert response.status == 503, response.body
    assert response.headers["Retry-After"] == "1"
    assert everything(dynamodb, limited) == stored
