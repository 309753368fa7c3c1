"""POST /v1/users/{user_id}/activities under moto: each event stored once, every event accounted for."""

from __future__ import annotations

import json
from typing import Any

from readiness.store.codec import unpack_json

from tests.integration.conftest import ApiClient, activity, all_items, submission


def _user(api: ApiClient, **overrides: Any) -> tuple[str, str]:
    body = api.post("/v1/assessments", body=submission(**overrides)).body
    return body["user_id"], body["user_token"]


def _path(user_id: str) -> str:
    return f"/v1/users/{user_id}/activities"


def _activity_items(dynamodb: Any, tables: dict[str, str], user_id: str) -> list[dict[str, Any]]:
    return [
        item
        for item in all_items(dynamodb, tables["ReadinessTable"])
        if item["PK"]["S"] == f"USER#{user_id}" and item["entity"]["S"] == "activity"
    ]


def test_each_event_is_accepted_a_duplicate_or_rejected_with_its_reasons(
    api: ApiClient, dynamodb: Any, tables: dict[str, str]
) -> None:
    user_id, token = _user(api)
    batch = [
        activity("help_given", 30, "c-grace", "peer", id="crm-1"),
        activity("message_sent", 20, "c-ada", id="crm-2"),
        activity("help_given", 30, "c-grace", "peer", id="crm-1"),  # repeated within the batch
        activity("coffee_drunk", 10, "c-ada"),  # not a type
        activity("skill_learned", -3),  # three days in the future
        activity("skill_learned", 12),  # no id: identified by its content
        {"type": "message_received", "occurred_at": "2026-10-01", "mood": "good"},  # unknown field
    ]

    response = api.post(_path(user_id), body={"activities": batch}, token=token)

    assert response.status == 200, response.body
    body = response.body
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (3, 1, 3)
    assert body["history_events"] == 3
    reasons = {rejection["index"]: rejection["errors"] for rejection in body["rejections"]}
    assert set(reasons) == {3, 4, 6}
    assert [error["field"] for error in reasons[3]] == ["activities.3.type"]
    assert reasons[4] == [{"field": "activities.4.occurred_at", "message": "must not be in the future"}]
    assert [error["field"] for error in reasons[6]] == ["activities.6.mood"]
    assert len(_activity_items(dynamodb, tables, user_id)) == 1

    again = api.post(_path(user_id), body={"activities": batch}, token=token).body

    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 4, 3)
    assert again["history_events"] == 3
    assert len(_activity_items(dynamodb, tables, user_id)) == 1  # nothing new: nothing written


def test_an_id_is_stored_once_however_often_and_however_differently_it_is_sent(api: ApiClient) -> None:
    user_id, token = _user(api)
    first = api.post(_path(user_id), body={"activities": [activity("help_given", 5, id="e-1")]}, token=token)
    resent = api.post(
        _path(user_id), body={"activities": [activity("message_sent", 9, id="e-1")]}, token=token
    )

    assert first.body["accepted"] == 1
    assert (resent.body["accepted"], resent.body["duplicates"]) == (0, 1)


def test_events_sent_with_an_assessment_are_already_stored(api: ApiClient) -> None:
    events = [activity("help_given", 30, "c-grace", id="crm-1"), activity("skill_learned", 12)]
    user_id, token = _user(api, activities=events)

    response = api.post(_path(user_id), body={"activities": events}, token=token).body

    assert (response["accepted"], response["duplicates"], response["history_events"]) == (0, 2, 2)


def test_up_to_1000_events_a_call_and_413_beyond_writing_nothing(
    api: ApiClient, dynamodb: Any, tables: dict[str, str], item_counts: Any
) -> None:
    user_id, token = _user(api)
    batch = [activity("message_sent", 1 + i % 700, f"person-{i % 300}", id=f"e-{i}") for i in range(1001)]
    before = item_counts()

    too_many = api.post(_path(user_id), body={"activities": batch}, token=token)

    assert too_many.status == 413
    assert too_many.error["code"] == "payload_too_large"
    assert too_many.fields == ["activities"]
    assert item_counts() == before

    full = api.post(_path(user_id), body={"activities": batch[:1000]}, token=token)

    assert full.status == 200
    assert (full.body["accepted"], full.body["duplicates"], full.body["rejected"]) == (1000, 0, 0)
    assert len(_activity_items(dynamodb, tables, user_id)) == 1


def test_a_malformed_batch_is_named_and_writes_nothing(api: ApiClient, item_counts: Any) -> None:
    user_id, token = _user(api)
    before = item_counts()
    cases: list[tuple[Any, int, list[str]]] = [
        ("{not json", 400, ["body"]),
        ([activity("help_given", 3)], 422, ["body"]),
        ({}, 422, ["activities"]),
        ({"activities": {"type": "help_given"}}, 422, ["activities"]),
        ({"activities": [], "extra": 1}, 422, ["extra"]),
    ]
    for body, status, fields in cases:
        response = api.post(
            _path(user_id), body=body if isinstance(body, str) else json.dumps(body), token=token
        )
        assert response.status == status, (body, response.body)
        assert response.fields == fields, body
    assert item_counts() == before


def test_only_the_owner_may_push_activity(api: ApiClient, item_counts: Any) -> None:
    from readiness.identity import issue_user_token

    user_id, token = _user(api)
    other_id, other_token = _user(api)
    batch = {"activities": [activity("help_given", 3)]}
    before = item_counts()

    assert api.post(_path(user_id), body=batch).status == 401
    assert api.post(_path(user_id), body=batch, token=other_token).status == 404  # someone else's: not found
    assert (
        api.post(_path(user_id), body=batch, token=token[:-2] + "xx").status == 401
    )  # the authorizer refuses
    stranger = issue_user_token()
    assert api.post(_path(stranger.user_id), body=batch, token=stranger.token).status == 401
    assert api.post(_path(other_id), body=batch, token=token).status == 404
    assert item_counts() == before


def test_counterparts_and_ids_are_stored_only_as_digests(
    api: ApiClient, dynamodb: Any, tables: dict[str, str]
) -> None:
    user_id, token = _user(api)
    api.post(
        _path(user_id),
        body={"activities": [activity("help_given", 3, "jane.doe@example.com", id="diary-entry-42")]},
        token=token,
    )

    (item,) = _activity_items(dynamodb, tables, user_id)
    stored = repr(item) + repr(unpack_json(item["data"]["B"]))
    assert "jane.doe@example.com" not in stored
    assert "diary-entry-42" not in stored
    assert "help_given" in stored


def test_stored_activity_counts_in_every_later_assessment(api: ApiClient) -> None:
    user_id, token = _user(api)
    control = api.post("/v1/assessments", body=submission()).body  # the same answers, no activity
    pushed = [
        activity("message_sent", 400 - 30 * month, f"peer-{month % 5}", "peer", id=f"m-{month}")
        for month in range(13)
    ] + [
        activity("recruiter_conversation", 40, "rec-1", "recruiter", id="r-1"),
        activity("help_given", 60, "peer-2", "peer", id="h-1"),
    ]
    assert api.post(_path(user_id), body={"activities": pushed}, token=token).body["accepted"] == len(pushed)

    later = api.post("/v1/assessments", body=submission(), token=token).body
    after_that = api.post("/v1/assessments", body=submission(), token=token).body

    assert later["evidence"]["activities_counted"] == len(pushed)
    assert after_that["evidence"]["activities_counted"] == len(pushed)
    assert later["score"] > control["score"]
    assert later["previous"]["score"] == control["score"]  # the first assessment had no activity either
    market = {d["id"]: d for d in later["dimensions"]}["market"]
    assert market["behaviour_score"] is not None
