"""Idempotency-Key: a retry returns the first response and stores nothing new; another body is a 409."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import ApiClient, activity, new_key, some_activities, submission


def test_a_retry_with_the_same_key_and_body_returns_the_same_response_and_stores_one_assessment(
    api: ApiClient, item_counts: Any, assessment_count: Any
) -> None:
    key = new_key()
    first = api.post(
        "/v1/assessments", body=submission(activities=some_activities()), headers={"Idempotency-Key": key}
    )
    retry = api.post(
        "/v1/assessments", body=submission(activities=some_activities()), headers={"Idempotency-Key": key}
    )

    assert first.status == retry.status == 201
    assert retry.body == first.body  # the token too: the retrying client may never have seen it
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["Location"] == first.headers["Location"]
    assert (assessment_count(), item_counts()["IdempotencyTable"]) == (1, 2)  # the record, the receipt


def test_the_same_submission_spelled_differently_is_the_same_payload(
    api: ApiClient, item_counts: Any, assessment_count: Any
) -> None:
    import json

    key = new_key()
    body = submission(activities=[activity("help_given", 3, "c1")])
    compact = json.dumps(body, separators=(",", ":"))
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)

    first = api.post("/v1/assessments", body=compact, headers={"Idempotency-Key": key})
    retry = api.post("/v1/assessments", body=reordered, headers={"Idempotency-Key": key})

    assert retry.status == 201
    assert retry.body == first.body
    assert assessment_count() == 1


def test_the_same_key_with_another_body_is_409_and_stores_nothing(api: ApiClient, item_counts: Any) -> None:
    key = new_key()
    first = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": key})
    before = item_counts()

    other = api.post(
        "/v1/assessments", body=submission(activities=some_activities()), headers={"Idempotency-Key": key}
    )

    assert first.status == 201
    assert other.status == 409
    assert other.error["code"] == "idempotency_key_reused"
    assert other.fields == ["headers.Idempotency-Key"]
    assert item_counts() == before


def test_keys_are_scoped_per_caller(api: ApiClient, item_counts: Any, assessment_count: Any) -> None:
    key = new_key()
    alice = api.post("/v1/assessments", body=submission()).body
    bob = api.post("/v1/assessments", body=submission()).body

    for_alice = api.post(
        "/v1/assessments", token=alice["user_token"], body=submission(), headers={"Idempotency-Key": key}
    )
    for_bob = api.post(
        "/v1/assessments",
        token=bob["user_token"],
        body=submission(activities=some_activities()),
        headers={"Idempotency-Key": key},
    )
    anonymous = api.post("/v1/assessments", body=submission(activities=[]), headers={"Idempotency-Key": key})

    assert (for_alice.status, for_bob.status, anonymous.status) == (201, 201, 201)
    assert for_alice.body["user_id"] == alice["user_id"]
    assert for_bob.body["user_id"] == bob["user_id"]
    assert anonymous.body["user_id"] not in {alice["user_id"], bob["user_id"]}
    assert assessment_count() == 5


def test_a_retry_of_a_returning_users_submission_is_replayed_with_previous(
    api: ApiClient, item_counts: Any, assessment_count: Any
) -> None:
    first = api.post("/v1/assessments", body=submission()).body
    key = new_key()
    second = api.post(
        "/v1/assessments", token=first["user_token"], body=submission(), headers={"Idempotency-Key": key}
    )
    retry = api.post(
        "/v1/assessments", token=first["user_token"], body=submission(), headers={"Idempotency-Key": key}
    )

    assert retry.body == second.body
    assert retry.body["previous"]["assessment_id"] == first["assessment_id"]
    assert assessment_count() == 2


def test_a_failed_request_leaves_the_key_free_for_a_corrected_retry(
    api: ApiClient, item_counts: Any, assessment_count: Any
) -> None:
    from readiness.identity import issue_user_token

    key = new_key()
    rejected = api.post(
        "/v1/assessments", token=issue_user_token().token, body=submission(), headers={"Idempotency-Key": key}
    )
    accepted = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": key})

    assert rejected.status == 401  # the authorizer refuses an unknown user's token
    assert accepted.status == 201
    assert "Idempotent-Replayed" not in accepted.headers
    assert (assessment_count(), item_counts()["IdempotencyTable"]) == (1, 2)  # the record, the receipt


def test_without_a_key_each_post_is_a_new_assessment(
    api: ApiClient, item_counts: Any, assessment_count: Any
) -> None:
    first = api.post("/v1/assessments", body=submission()).body
    second = api.post("/v1/assessments", body=submission()).body

    assert first["assessment_id"] != second["assessment_id"]
    assert (assessment_count(), item_counts()["IdempotencyTable"]) == (2, 0)


def test_a_retry_while_the_first_request_is_still_running_is_409_in_progress(
    api: ApiClient, monkeypatch: Any
) -> None:
    from readiness.api.errors import IdempotentRequestInProgress
    from readiness.api.idempotency import IdempotentCall, run_once

    api.get("/v1/openapi.json")
    api.post("/v1/assessments", body=submission())  # the create function's environment and tables
    call = IdempotentCall(key=new_key(), caller="anonymous", payload_digest="d" * 64)
    seen: list[str] = []

    def first_request() -> dict[str, Any]:
        # while this runs, its record is INPROGRESS: a concurrent retry must not run it again
        try:
            run_once(call, lambda: {"body": {}, "sealed_token": None}, api.context)
        except IdempotentRequestInProgress:
            seen.append("in progress")
        return {"body": {"assessment_id": "a_1"}, "sealed_token": None}

    outcome = run_once(call, first_request, api.context)

    assert seen == ["in progress"]
    assert outcome.response["body"] == {"assessment_id": "a_1"}
    assert not outcome.replayed
    assert run_once(call, first_request, api.context).replayed


def test_an_in_progress_retry_answers_409_with_retry_after(api: ApiClient, monkeypatch: Any) -> None:
    from readiness.api import submit
    from readiness.api.errors import IdempotentRequestInProgress

    def still_running(*_: Any, **__: Any) -> Any:
        raise IdempotentRequestInProgress("a request with this Idempotency-Key is still being processed")

    monkeypatch.setattr(submit, "run_once", still_running)

    response = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": new_key()})

    assert response.status == 409
    assert response.error["code"] == "idempotency_in_progress"
    assert response.headers["Retry-After"] == "1"
