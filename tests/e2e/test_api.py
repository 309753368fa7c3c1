"""The API end to end: real HTTP to the local stack, real functions, the embedded DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Http, LocalStackProcess, new_key, submission

pytestmark = pytest.mark.e2e

BANDS = {"early", "building", "ready", "strong"}
DIMENSIONS = {"reach", "continuity", "generosity", "market", "growth", "lifelines", "visibility"}


def recent_activity(count: int = 30) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    kinds = ["message_sent", "message_received", "help_given", "introduction_made", "recruiter_conversation"]
    return [
        {
            "type": kinds[i % len(kinds)],
            "occurred_at": (now - timedelta(days=3 + 11 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "counterpart": f"person-{i % 9}",
        }
        for i in range(count)
    ]


def create(
    http: Http, body: dict[str, Any], *, token: str | None = None, key: str | None = None
) -> dict[str, Any]:
    response = http.post("/v1/assessments", body, token=token, headers={"Idempotency-Key": key or new_key()})
    assert response.status == 201, response.raw
    created: dict[str, Any] = response.json
    return created


def test_the_questionnaire_is_served_as_json(http: Http) -> None:
    response = http.get("/v1/questionnaire")

    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json
    assert document["version"]
    assert {q["kind"] for s in document["sections"] for q in s["questions"]} <= {
        "likert",
        "count",
        "choice",
        "boolean",
    }
    assert response.headers.get("apigw-requestid")


def test_a_submission_is_scored_stored_and_listed(http: Http, questionnaire: dict[str, Any]) -> None:
    first = create(http, submission(questionnaire, level=1, activities=recent_activity()))

    assert 0 <= first["score"] <= 100
    assert first["band"] in BANDS
    assert first["confidence"] in {"low", "medium", "high"}
    assert {d["id"] for d in first["dimensions"]} == DIMENSIONS
    for dimension in first["dimensions"]:
        assert sum(line["points"] for line in dimension["explanation"]) == dimension["score"]
    assert first["recommendations"]
    assert first["evidence"]["activities_counted"] == 30
    user_id, token = first["user_id"], first["user_token"]

    fetched = http.get(f"/v1/assessments/{first['assessment_id']}", token=token)
    assert fetched.status == 200
    assert fetched.json["score"] == first["score"]
    assert "user_token" not in fetched.json

    second = create(http, submission(questionnaire, level=3, activities=recent_activity(60)), token=token)
    assert second["user_id"] == user_id
    assert "user_token" not in second
    assert second["previous"]["assessment_id"] == first["assessment_id"]
    assert second["previous"]["delta"] == second["score"] - first["score"]
    changes = second["previous"]["changes"]
    assert (changes["before"], changes["after"]) == (first["score"], second["score"])

    history = http.get(f"/v1/users/{user_id}/assessments", token=token)
    assert history.status == 200
    assert [item["assessment_id"] for item in history.json["items"]] == [
        second["assessment_id"],
        first["assessment_id"],
    ]

    page_one = http.get(f"/v1/users/{user_id}/assessments?limit=1", token=token).json
    assert [i["assessment_id"] for i in page_one["items"]] == [second["assessment_id"]]
    assert page_one["next_cursor"]
    page_two = http.get(
        f"/v1/users/{user_id}/assessments?limit=1&cursor={page_one['next_cursor']}", token=token
    ).json
    assert [i["assessment_id"] for i in page_two["items"]] == [first["assessment_id"]]


def test_a_retry_with_the_same_idempotency_key_records_one_assessment(
    http: Http, questionnaire: dict[str, Any]
) -> None:
    body = submission(questionnaire, level=2)
    key = new_key()

    first = http.post("/v1/assessments", body, headers={"Idempotency-Key": key})
    again = http.post("/v1/assessments", body, headers={"Idempotency-Key": key})

    assert first.status == again.status == 201
    assert again.json["assessment_id"] == first.json["assessment_id"]
    user_id, token = first.json["user_id"], first.json["user_token"]
    items = http.get(f"/v1/users/{user_id}/assessments", token=token).json["items"]
    assert [i["assessment_id"] for i in items] == [first.json["assessment_id"]]

    changed = http.post(
        "/v1/assessments", submission(questionnaire, level=4), headers={"Idempotency-Key": key}
    )
    assert changed.status == 409
    assert changed.error["code"]


def test_invalid_answers_and_activity_come_back_in_the_error_envelope(
    http: Http, questionnaire: dict[str, Any]
) -> None:
    body = submission(questionnaire)
    count_question = next(
        q for s in questionnaire["sections"] for q in s["questions"] if q["kind"] == "count"
    )
    body["answers"][count_question["id"]] = count_question["max"] + 1
    body["activities"] = [{"type": "help_given", "occurred_at": "2100-01-01T00:00:00Z"}]

    response = http.post("/v1/assessments", body, headers={"Idempotency-Key": new_key()})

    assert response.status == 422
    fields = {detail["field"]: detail["message"] for detail in response.error["details"]}
    assert f"answers.{count_question['id']}" in fields
    assert "activities.0.occurred_at" in fields


@pytest.mark.parametrize(
    ("method", "path", "raw", "status"),
    [
        ("POST", "/v1/assessments", b"{not json", 400),
        ("GET", "/v1/no-such-route", None, 404),
        ("POST", "/v1/assessments", b'{"padding": "' + b"x" * (1024 * 1024 + 10) + b'"}', 413),
    ],
)
def test_every_error_has_the_envelope(
    http: Http, method: str, path: str, raw: bytes | None, status: int
) -> None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": new_key()}

    response = http.request(method, path, raw=raw, headers=headers)

    assert response.status == status
    assert response.error["code"]
    assert response.headers["content-type"].startswith("application/json")


def test_credentials_are_checked_before_any_route_runs(http: Http) -> None:
    """No Authorization header on a route that needs one: API Gateway's own 401 (its identity source
    is missing, so the authorizer is not even called). A bad credential: the authorizer passes the
    refusal on and the function answers 401 in the envelope, readable by a browser (CORS)."""
    missing = http.get("/v1/assessments/a_01k4bwz8e9f0g1h2j3k4m5n6p7")
    refused = http.get(
        "/v1/assessments/a_01k4bwz8e9f0g1h2j3k4m5n6p7",
        token="rdy1.u_nope.x",
        headers={"Origin": "https://anyone.example"},
    )

    assert (missing.status, missing.json) == (401, {"message": "Unauthorized"})
    assert refused.status == 401
    assert refused.error["details"] == [
        {"field": "headers.Authorization", "message": "is not a valid credential"}
    ]
    assert refused.headers["access-control-allow-origin"] == "*"


def test_an_assessment_is_not_shown_to_someone_else(http: Http, questionnaire: dict[str, Any]) -> None:
    mine = create(http, submission(questionnaire))
    theirs = create(http, submission(questionnaire))

    response = http.get(f"/v1/assessments/{mine['assessment_id']}", token=theirs["user_token"])
    listing = http.get(f"/v1/users/{mine['user_id']}/assessments", token=theirs["user_token"])

    assert response.status == 404
    assert listing.status in (403, 404)
    assert response.error["code"]


def test_data_survives_a_restart_and_fresh_starts_empty(own_stack: LocalStackProcess) -> None:
    own_stack.start()
    questionnaire = own_stack.http.get("/v1/questionnaire").json
    created = create(own_stack.http, submission(questionnaire, activities=recent_activity(5)))

    assert own_stack.stop() == 0  # Ctrl-C: a clean stop, which saves the data
    own_stack.start()

    fetched = own_stack.http.get(f"/v1/assessments/{created['assessment_id']}", token=created["user_token"])
    assert fetched.status == 200
    assert fetched.json == {k: v for k, v in created.items() if k != "user_token"}

    assert own_stack.stop() == 0
    own_stack.start(fresh=True)
    gone = own_stack.http.get(f"/v1/assessments/{created['assessment_id']}", token=created["user_token"])
    assert gone.status == 401  # the authorizer no longer knows the token


def test_an_acknowledged_write_survives_a_crash(own_stack: LocalStackProcess) -> None:
    own_stack.start()
    questionnaire = own_stack.http.get("/v1/questionnaire").json
    first = create(own_stack.http, submission(questionnaire))
    assert own_stack.stop() == 0  # one snapshot on disk ...
    own_stack.start()
    second = create(own_stack.http, submission(questionnaire, level=2), token=first["user_token"])

    assert own_stack.process is not None
    own_stack.process.kill()  # ... then a crash right after the 201: no chance to save on the way out
    own_stack.process.wait()
    own_stack.start()

    assert "writes replayed after a crash" in own_stack.log()
    history = own_stack.http.get(f"/v1/users/{first['user_id']}/assessments", token=first["user_token"])
    assert [i["assessment_id"] for i in history.json["items"]] == [
        second["assessment_id"],
        first["assessment_id"],
    ]
    assert own_stack.stop() == 0
    own_stack.start()  # and the replayed writes were folded into the snapshot
    again = own_stack.http.get(f"/v1/assessments/{second['assessment_id']}", token=first["user_token"])
    assert again.status == 200
