"""PUT, GET and DELETE /v1/users/{user_id}/schedule through their handlers, on tables from template.yaml."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from readiness.cadence import due_bucket, due_shard

from tests.integration.conftest import ApiClient, Clock, all_items, submission


def _user(api: ApiClient) -> tuple[str, str]:
    body = api.post("/v1/assessments", body=submission()).body
    return body["user_id"], body["user_token"]


def _path(user_id: str) -> str:
    return f"/v1/users/{user_id}/schedule"


def _due_index(dynamodb: Any, table: str, user_id: str) -> list[dict[str, Any]]:
    """The user's entries in the due index, read the way the dispatcher reads it (a Query per shard)."""
    response = dynamodb.query(
        TableName=table,
        IndexName="DueIndex",
        KeyConditionExpression="DUE_PK = :shard",
        ExpressionAttributeValues={":shard": {"S": f"DUE#{due_shard(user_id):02d}"}},
    )
    return [item for item in response["Items"] if item["user_id"]["S"] == user_id]


def test_opting_in_shows_the_next_due_time_and_puts_the_user_in_the_due_index(
    api: ApiClient, clock: Clock, dynamodb: Any, tables: dict[str, str]
) -> None:
    user_id, token = _user(api)

    created = api.request("PUT", _path(user_id), body={"cadence_days": 30}, token=token)

    assert created.status == 201
    set_at = datetime.fromisoformat(created.body["created_at"])
    assert created.body["user_id"] == user_id
    assert created.body["cadence_days"] == 30
    assert datetime.fromisoformat(created.body["next_due_at"]) == set_at + timedelta(days=30)
    assert created.body["last_due_at"] is None
    assert created.headers["Cache-Control"] == "no-store"
    shown = api.get(_path(user_id), token=token)
    assert shown.status == 200
    assert shown.body == created.body
    (entry,) = _due_index(dynamodb, tables["ReadinessTable"], user_id)
    assert entry["DUE_SK"]["S"] == f"{due_bucket(set_at + timedelta(days=30))}#{user_id}"
    assert "owner_token_hash" not in entry  # the index carries what dispatching needs, nothing more


def test_the_same_cadence_again_changes_nothing_and_a_new_one_keeps_the_period_start(
    api: ApiClient, clock: Clock
) -> None:
    user_id, token = _user(api)
    first = api.request("PUT", _path(user_id), body={"cadence_days": 30}, token=token).body
    set_at = datetime.fromisoformat(first["created_at"])

    again = api.request("PUT", _path(user_id), body={"cadence_days": 30}, token=token)
    assert again.status == 200
    assert again.body == first

    clock.current += timedelta(days=3)
    longer = api.request("PUT", _path(user_id), body={"cadence_days": 60}, token=token)
    assert longer.status == 200
    assert datetime.fromisoformat(longer.body["next_due_at"]) == set_at + timedelta(days=60)
    assert longer.body["created_at"] == first["created_at"]
    assert longer.body["updated_at"] > first["updated_at"]

    clock.current += timedelta(days=10)  # 13 days into the period: a 7-day period is already over
    shorter = api.request("PUT", _path(user_id), body={"cadence_days": 7}, token=token)
    assert datetime.fromisoformat(shorter.body["next_due_at"]) == datetime.fromisoformat(
        shorter.body["updated_at"]
    )


def test_opting_out_removes_the_schedule_and_its_due_index_entry(
    api: ApiClient, dynamodb: Any, tables: dict[str, str]
) -> None:
    user_id, token = _user(api)
    api.request("PUT", _path(user_id), body={"cadence_days": 14}, token=token)

    deleted = api.request("DELETE", _path(user_id), token=token)

    assert deleted.status == 204
    assert deleted.raw["body"] == ""
    assert api.get(_path(user_id), token=token).status == 404
    assert _due_index(dynamodb, tables["ReadinessTable"], user_id) == []
    assert api.request("DELETE", _path(user_id), token=token).status == 204  # opting out twice is fine
    kinds = {item["SK"]["S"].split("#")[0] for item in all_items(dynamodb, tables["ReadinessTable"])}
    # the assessments (and the user item, activity) stay; so does the first submission's limit counter
    assert kinds == {"ASSESSMENT", "USER", "LIMIT"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cadence_days": 6}, "cadence_days"),
        ({"cadence_days": 181}, "cadence_days"),
        ({"cadence_days": "30"}, "cadence_days"),
        ({"cadence_days": 7.5}, "cadence_days"),
        ({"cadence_days": True}, "cadence_days"),
        ({}, "cadence_days"),
        ({"cadence_days": 30, "timezone": "UTC"}, "timezone"),
        ([30], "body"),
    ],
)
def test_an_invalid_cadence_is_422_naming_the_field_and_writes_nothing(
    api: ApiClient, body: Any, field: str, item_counts: Any
) -> None:
    user_id, token = _user(api)
    before = item_counts()

    response = api.request("PUT", _path(user_id), body=body, token=token)

    assert response.status == 422
    assert response.error["code"] == "invalid_request"
    assert response.fields == [field]
    assert item_counts() == before


def test_a_body_that_is_not_json_is_400(api: ApiClient) -> None:
    user_id, token = _user(api)
    response = api.request("PUT", _path(user_id), body="{cadence_days: 30", token=token)
    assert response.status == 400
    assert response.error["code"] == "malformed_json"


def test_credentials_come_first_and_another_users_schedule_is_not_found(api: ApiClient) -> None:
    user_id, token = _user(api)
    other_id, other_token = _user(api)
    api.request("PUT", _path(other_id), body={"cadence_days": 30}, token=other_token)

    assert api.request("PUT", _path(user_id), body={"cadence_days": 3}).status == 401
    assert api.get(_path(user_id)).status == 401
    assert api.get(_path(user_id), token=token[:-1] + ("A" if token[-1] != "A" else "B")).status == 401
    for method in ("GET", "DELETE"):
        response = api.request(method, _path(other_id), token=token)
        assert response.status == 404, method
        assert response.error["code"] == "not_found"
    assert api.request("PUT", _path(other_id), body={"cadence_days": 7}, token=token).status == 404
    assert api.get(_path(other_id), token=other_token).body["cadence_days"] == 30  # untouched
    assert api.get(_path("not-a-user-id"), token=token).status == 404


def test_a_token_of_a_user_who_does_not_exist_is_refused(api: ApiClient) -> None:
    ghost = "u_" + "0" * 26
    token = f"rdy1.{ghost}." + "A" * 43
    # the authorizer refuses it; the function answers 401 before reading anything
    assert api.request("PUT", _path(ghost), body={"cadence_days": 30}, token=token).status == 401
    assert api.get(_path(ghost), token=token).status == 401
    assert api.request("DELETE", _path(ghost), token=token).status == 401


def test_each_route_costs_one_to_three_requests_and_never_scans(api: ApiClient) -> None:
    user_id, token = _user(api)
    calls: list[str] = []
    api.on_dynamodb(
        "before-send.dynamodb", lambda request, **_: calls.append(request.headers["X-Amz-Target"].decode())
    )

    def operations(method: str, body: Any = None) -> list[str]:
        calls.clear()
        api.request(method, _path(user_id), body=body, token=token)
        return [call.split(".")[-1] for call in calls]

    # a new schedule takes the owner's token hash from the user item (the second GetItem); later, the
    # schedule item itself proves the owner
    assert operations("PUT", {"cadence_days": 30}) == ["GetItem", "GetItem", "PutItem"]
    assert operations("PUT", {"cadence_days": 30}) == ["GetItem"]
    assert operations("PUT", {"cadence_days": 45}) == ["GetItem", "PutItem"]
    assert operations("GET") == ["GetItem"]
    assert operations("DELETE") == ["GetItem", "DeleteItem"]


def test_a_schedule_matches_its_openapi_schema(api: ApiClient) -> None:
    from jsonschema import Draft202012Validator

    document = api.get("/v1/openapi.json").body
    user_id, token = _user(api)
    body = api.request("PUT", _path(user_id), body={"cadence_days": 90}, token=token).body
    schema = {"$ref": "#/components/schemas/ScheduleDocument", "components": document["components"]}
    assert not list(Draft202012Validator(schema).iter_errors(body))
    operations = document["paths"]["/v1/users/{user_id}/schedule"]
    assert set(operations) == {"put", "get", "delete"}
    request = document["components"]["schemas"]["ScheduleRequest"]
    assert request["properties"]["cadence_days"]["minimum"] == 7
    assert request["properties"]["cadence_days"]["maximum"] == 180
