"""Where inputs live: the user item and activity items, read in one Query; earlier users move over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from readiness.activity_log import encode_log, pseudonymise
from readiness.assessments import Assessment
from readiness.identity import issue_user_token, new_assessment_id
from readiness.scoring import score_assessment
from readiness.store.codec import FORMAT_ZLIB_DICTIONARY_V1, pack_json
from readiness.submission import parse_submission

from tests.integration.conftest import NOW, ApiClient, activity, all_items, some_activities, submission


def _legacy_user(dynamodb: Any, table: str) -> tuple[str, str, int]:
    """A user as issue 3 stored them: one assessment item whose inputs carry the whole activity log."""
    issued = issue_user_token()
    created = NOW - timedelta(hours=1)
    parsed = parse_submission(submission(activities=some_activities()), now=created)
    events = pseudonymise(parsed.activities, issued.user_id)
    result = score_assessment(parsed.model_copy(update={"activities": events}), as_of=created)
    assessment_id = new_assessment_id(created)
    body = Assessment.model_validate(
        {
            **result.model_dump(),
            "assessment_id": assessment_id,
            "user_id": issued.user_id,
            "created_at": created,
        }
    ).model_dump(mode="json")
    body.pop("trigger")  # not a field then
    inputs = {
        "questionnaire_version": "1",
        "answers": parsed.answers,
        "activities_submitted": len(events),
        "activity_log": encode_log(events),
    }
    dynamodb.put_item(
        TableName=table,
        Item={
            "PK": {"S": f"USER#{issued.user_id}"},
            "SK": {"S": f"ASSESSMENT#{assessment_id}"},
            "entity": {"S": "assessment"},
            "assessment_id": {"S": assessment_id},
            "user_id": {"S": issued.user_id},
            "created_at": {"S": created.isoformat()},
            "as_of": {"S": created.isoformat()},
            "score": {"N": str(result.score)},
            "band": {"S": result.band.value},
            "confidence": {"S": result.confidence.value},
            "model_version": {"S": result.model_version},
            "questionnaire_version": {"S": "1"},
            "owner_token_hash": {"S": issued.token_hash},
            "body": {"B": pack_json(body, fmt=FORMAT_ZLIB_DICTIONARY_V1)},
            "inputs": {"B": pack_json(inputs, fmt=FORMAT_ZLIB_DICTIONARY_V1)},
        },
    )
    return issued.user_id, issued.token, result.score


def _kinds(dynamodb: Any, table: str, user_id: str) -> list[str]:
    items = [item for item in all_items(dynamodb, table) if item["PK"]["S"] == f"USER#{user_id}"]
    return sorted(
        item["entity"]["S"] + (f":{item['source']['S']}" if "source" in item else "") for item in items
    )


def test_a_user_stored_before_activity_items_moves_over_once_and_keeps_their_history(
    api: ApiClient, dynamodb: Any, tables: dict[str, str]
) -> None:
    table = tables["ReadinessTable"]
    user_id, token, first_score = _legacy_user(dynamodb, table)

    second = api.post("/v1/assessments", body=submission(), token=token)

    assert second.status == 201, second.body
    assert second.body["evidence"]["activities_counted"] == len(some_activities())
    assert second.body["previous"]["score"] == first_score
    # and the user's request-limit counter (docs/data-model.md, never under USER: not a scoring input)
    kinds = ["activity:migrated", "assessment", "assessment", "limit_counter", "user"]
    assert _kinds(dynamodb, table, user_id) == kinds

    third = api.post(
        "/v1/assessments", body=submission(activities=[activity("help_given", 2, "c-new")]), token=token
    )

    assert third.body["evidence"]["activities_counted"] == len(some_activities()) + 1
    assert _kinds(dynamodb, table, user_id) == [
        "activity:assessment",
        "activity:migrated",
        "assessment",
        "assessment",
        "assessment",
        "limit_counter",
        "user",
    ]
    listing = api.get(f"/v1/users/{user_id}/assessments", token=token).body
    assert len(listing["items"]) == 3


def test_a_returning_users_inputs_are_one_query(api: ApiClient) -> None:
    first = api.post("/v1/assessments", body=submission(activities=some_activities())).body
    calls: list[str] = []
    api.on_dynamodb(
        "before-send.dynamodb", lambda request, **_: calls.append(request.headers["X-Amz-Target"].decode())
    )

    api.post("/v1/assessments", body=submission(), token=first["user_token"])

    # the caller's request-limit counter first; the inputs are one Query; the assessment, the user item
    # and new activity one transaction
    assert [call.split(".")[-1] for call in calls] == ["UpdateItem", "Query", "TransactWriteItems"]


def test_a_repeat_is_not_stored_again_but_new_events_are(
    api: ApiClient, dynamodb: Any, tables: dict[str, str]
) -> None:
    first = api.post("/v1/assessments", body=submission(activities=some_activities())).body
    token, user_id = first["user_token"], first["user_id"]

    again = api.post("/v1/assessments", body=submission(activities=some_activities()), token=token).body
    more = api.post(
        "/v1/assessments",
        body=submission(activities=[*some_activities(), activity("skill_learned", 1, id="e-new")]),
        token=token,
    ).body

    assert again["evidence"]["activities_counted"] == len(some_activities())
    assert more["evidence"]["activities_counted"] == len(some_activities()) + 1
    assert _kinds(dynamodb, tables["ReadinessTable"], user_id).count("activity:assessment") == 2
