"""POST /v1/assessments: new users, returning users, activity history, and what is stored."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from readiness.store.codec import unpack_json

from tests.integration.conftest import ApiClient, activity, all_items, some_activities, submission

ASSESSMENT_KEYS = {
    "assessment_id",
    "user_id",
    "created_at",
    "as_of",
    "model_version",
    "questionnaire_version",
    "score",
    "band",
    "confidence",
    "evidence",
    "dimensions",
    "flags",
    "recommendations",
    "previous",
    "trigger",
}


def test_a_first_submission_creates_a_user_and_returns_the_token_once(
    api: ApiClient, item_counts: Any
) -> None:
    response = api.post("/v1/assessments", body=submission(activities=some_activities()))

    assert response.status == 201
    body = response.body
    assert set(body) == ASSESSMENT_KEYS | {"user_token"}
    assert re.fullmatch(r"a_[0-9a-z]{26}", body["assessment_id"])
    assert re.fullmatch(r"u_[0-9a-z]{26}", body["user_id"])
    assert body["user_token"].startswith(f"rdy1.{body['user_id']}.")
    assert isinstance(body["score"], int)
    assert 0 <= body["score"] <= 100
    assert body["band"] in {"early", "building", "ready", "strong"}
    assert body["confidence"] in {"low", "medium", "high"}
    assert [d["id"] for d in body["dimensions"]] == [
        "reach",
        "continuity",
        "generosity",
        "market",
        "growth",
        "lifelines",
        "visibility",
    ]
    for dimension in body["dimensions"]:
        assert {"id", "name", "score", "weight", "explanation"} <= set(dimension)
        assert sum(line["points"] for line in dimension["explanation"]) == dimension["score"]
    for recommendation in body["recommendations"]:
        assert {"id", "action", "dimension", "expected_gain"} <= set(recommendation)
    assert body["previous"] is None
    assert body["trigger"] == "submitted"
    assert body["created_at"].startswith("2026-11-01T12:00:01")
    assert body["evidence"]["activities_counted"] == len(some_activities())
    assert response.headers["Location"] == f"/dev/v1/assessments/{body['assessment_id']}"
    assert response.headers["Cache-Control"] == "no-store"
    # the assessment, the user item (token hash, latest assessment), one item of stored activity, and
    # the counter of first submissions from this address (docs/api.md#limits)
    assert item_counts() == {"ReadinessTable": 4, "IdempotencyTable": 0}


def test_only_the_hash_of_the_token_is_stored(api: ApiClient, dynamodb: Any, tables: dict[str, str]) -> None:
    body = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": "k" * 32}).body
    token = body["user_token"]
    secret = token.rsplit(".", 1)[1]

    for table in tables.values():
        for item in all_items(dynamodb, table):
            readable = repr(item) + "".join(
                repr(unpack_json(value["B"])) for value in item.values() if "B" in value
            )
            assert secret not in readable
    hashes = {
        item["entity"]["S"]: item["owner_token_hash"]["S"]
        for item in all_items(dynamodb, tables["ReadinessTable"])
        if "owner_token_hash" in item
    }
    assert hashes == dict.fromkeys(("assessment", "user"), hashlib.sha256(token.encode()).hexdigest())


def test_a_returning_user_gets_previous_with_the_delta_and_what_moved(api: ApiClient) -> None:
    first = api.post("/v1/assessments", body=submission()).body
    token = first["user_token"]

    second = api.post("/v1/assessments", token=token, body=submission(activities=some_activities()))

    assert second.status == 201
    body = second.body
    assert "user_token" not in body
    assert body["user_id"] == first["user_id"]
    previous = body["previous"]
    assert set(previous) == {"assessment_id", "score", "delta", "changes"}
    assert previous["assessment_id"] == first["assessment_id"]
    assert previous["score"] == first["score"]
    assert previous["delta"] == body["score"] - first["score"]
    changes = previous["changes"]
    assert changes["before"] == first["score"]
    assert changes["after"] == body["score"]
    assert {d["id"] for d in changes["dimensions"]} == {d["id"] for d in body["dimensions"]}
    assert isinstance(changes["summary"], str)
    assert changes["summary"]


def test_activity_sent_before_keeps_counting_and_a_repeat_counts_once(api: ApiClient) -> None:
    first = api.post("/v1/assessments", body=submission(activities=some_activities())).body
    token = first["user_token"]

    answers_only = api.post("/v1/assessments", token=token, body=submission()).body
    assert answers_only["evidence"]["activities_counted"] == len(some_activities())

    repeated = api.post("/v1/assessments", token=token, body=submission(activities=some_activities())).body
    assert repeated["evidence"]["activities_counted"] == len(some_activities())

    one_more = [activity("informational_interview", 5, "c-katherine", "hiring_manager")]
    extended = api.post("/v1/assessments", token=token, body=submission(activities=one_more)).body
    assert extended["evidence"]["activities_counted"] == len(some_activities()) + 1


def test_with_no_new_activity_a_later_assessment_is_not_higher(api: ApiClient, clock: Any) -> None:
    from datetime import timedelta

    first = api.post("/v1/assessments", body=submission(activities=some_activities())).body
    clock.current += timedelta(days=200)

    later = api.post("/v1/assessments", token=first["user_token"], body=submission()).body

    assert later["score"] <= first["score"]
    assert later["previous"]["delta"] <= 0


def test_a_returning_user_with_a_wrong_token_is_refused_and_nothing_is_written(
    api: ApiClient, item_counts: Any
) -> None:
    first = api.post("/v1/assessments", body=submission()).body
    forged = first["user_token"][:-4] + ("AAAA" if not first["user_token"].endswith("AAAA") else "BBBB")
    before = item_counts()

    response = api.post(
        "/v1/assessments", token=forged, body=submission(), headers={"Idempotency-Key": "x" * 20}
    )

    # the authorizer refused it; the function answers the refusal in the envelope, writing nothing
    assert (response.status, response.function_id) == (401, "CreateAssessmentFunction")
    assert response.fields == ["headers.Authorization"]
    assert item_counts() == before


def test_a_token_for_an_unknown_user_is_refused(api: ApiClient, item_counts: Any) -> None:
    from readiness.identity import issue_user_token

    response = api.post("/v1/assessments", token=issue_user_token().token, body=submission())

    assert response.status == 401
    assert item_counts() == {"ReadinessTable": 0, "IdempotencyTable": 0}


def test_a_malformed_authorization_header_is_refused(api: ApiClient, item_counts: Any) -> None:
    for header in ("Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "rdy1.u_x.y"):
        response = api.post("/v1/assessments", headers={"Authorization": header}, body=submission())
        assert (response.status, response.fields) == (401, ["headers.Authorization"]), header
    assert item_counts() == {"ReadinessTable": 0, "IdempotencyTable": 0}


def test_counterparts_and_client_ids_are_stored_only_as_digests(
    api: ApiClient, dynamodb: Any, tables: dict[str, str]
) -> None:
    events = [activity("help_given", 20, "jane.doe@example.com", "peer", id="my-diary-entry-42")]
    api.post("/v1/assessments", body=submission(activities=events))

    stored = "".join(
        repr(item) + "".join(repr(unpack_json(value["B"])) for value in item.values() if "B" in value)
        for item in all_items(dynamodb, tables["ReadinessTable"])
    )
    assert "jane.doe@example.com" not in stored
    assert "my-diary-entry-42" not in stored
    assert "help_given" in stored


def test_base64_encoded_bodies_are_read(api: ApiClient) -> None:
    import json

    response = api.post("/v1/assessments", body=json.dumps(submission()).encode())

    assert response.status == 201
