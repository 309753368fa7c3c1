"""Export and erasure under moto: everything stored about a person comes out, then nothing is left.

A user is given every kind of data the service keeps (assessments, keyed retries, activity with
named counterparts, an import with its upload, a schedule, a career centre membership with
consent, across months so the centre's month counters hold them); the tables and the bucket are
read whole (tests may Scan) before and after.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from readiness.api.idempotency import IdempotentCall
from readiness.centres.aggregates import add_shards
from readiness.centres.service import CreatedCentre
from readiness.store.user_data import kind_of

from tests.fixtures_linkedin import ExportOptions, build_export
from tests.integration.conftest import ApiClient, Clock, activity, all_items, new_key, submission
from tests.integration.test_centres_api import ORIGIN, join, make_centre
from tests.integration.test_imports import _notify, _objects, _start, _upload


def _everything(dynamodb: Any, api: ApiClient) -> dict[str, list[dict[str, Any]]]:
    return {
        "table": all_items(dynamodb, api.table_names["ReadinessTable"]),
        "idempotency": all_items(dynamodb, api.table_names["IdempotencyTable"]),
    }


def _keys(items: list[dict[str, Any]]) -> set[tuple[str, ...]]:
    return {
        tuple(str(value["S"]) for name, value in sorted(item.items()) if name in ("PK", "SK", "id"))
        for item in items
    }


def _counters(items: list[dict[str, Any]], centre_id: str) -> dict[str, int]:
    shards = [
        {name: int(value["N"]) for name, value in item.items() if "N" in value}
        for item in items
        if item["PK"]["S"].startswith(f"CENTRE#{centre_id}#AGG#")
    ]
    return {name: value for name, value in add_shards(shards).items() if value}


def _full_user(api: ApiClient, clock: Clock, centre: CreatedCentre) -> dict[str, Any]:
    """A student of ``centre`` with every kind of data, over three months; returns their ids and token."""
    student = join(api, centre, share=True)
    user_id, token = student["user_id"], student["user_token"]
    events = [
        activity("message_sent", 30, "ada.lovelace@example.com", "peer", id="canary-1"),
        activity("help_given", 20, "Grace Hopper", "mentor"),
        activity("recruiter_conversation", 10, "Linus Recruiter", "recruiter"),
    ]
    clock.current += timedelta(days=35)
    keyed = api.post(
        "/v1/assessments",
        body=submission(activities=events),
        token=token,
        headers={"Idempotency-Key": new_key(), "X-Readiness-Key": centre.keys.publishable, "Origin": ORIGIN},
    )
    assert keyed.status == 201, keyed.body
    clock.current += timedelta(days=35)
    second = api.post(
        "/v1/assessments", body=submission(), token=token, headers={"Idempotency-Key": new_key()}
    )
    assert second.status == 201, second.body
    pushed = api.post(
        f"/v1/users/{user_id}/activities",
        token=token,
        body={"activities": [activity("comment_made", 2, "Barbara Liskov"), activity("skill_learned", 1)]},
    )
    assert pushed.status == 200, pushed.body
    assert (
        api.request("PUT", f"/v1/users/{user_id}/schedule", token=token, body={"cadence_days": 30}).status
        == 201
    )
    archive = build_export(ExportOptions(variant="complete")).data
    started = _start(api, user_id, token)
    bucket, key = _upload(started["upload"], archive, clock)
    _notify(api, bucket, key, len(archive))
    pending = _start(api, user_id, token)  # an import still waiting for its upload
    bucket, pending_key = _upload(pending["upload"], archive, clock)  # uploaded, not yet imported
    return {"user_id": user_id, "token": token, "bucket": bucket, "pending_key": pending_key}


def _export(api: ApiClient, user_id: str, token: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _page in range(100):
        response = api.get(
            f"/v1/users/{user_id}/export", token=token, query={"cursor": cursor} if cursor else None
        )
        assert response.status == 200, response.body
        assert response.body["user_id"] == user_id
        assert response.body["format"] == "readiness-export/1"
        items += response.body["items"]
        cursor = response.body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the export never ended")


@pytest.fixture
def centre(api: ApiClient) -> CreatedCentre:
    return make_centre(api, k=2)


def test_the_export_holds_every_stored_item_of_the_user_and_no_credential(
    api: ApiClient, clock: Clock, dynamodb: Any, centre: CreatedCentre
) -> None:
    user = _full_user(api, clock, centre)
    stored = [
        item
        for item in all_items(dynamodb, api.table_names["ReadinessTable"])
        if item["PK"]["S"] == f"USER#{user['user_id']}"
    ]

    items = _export(api, user["user_id"], user["token"])

    kinds = Counter(item["kind"] for item in items)
    stored_kinds = Counter(kind_of(item["SK"]["S"]) for item in stored)
    assert kinds == stored_kinds  # one export item per stored item, of the same kind
    assert kinds["assessment"] == 3
    assert kinds["import"] == 2
    assert kinds["schedule"] == 1
    user_item = next(item for item in items if item["kind"] == "user")
    assert user_item["answers"] == submission()["answers"]
    exported_events = sum(len(item["events"]) for item in items if item["kind"] == "activity")
    assert exported_events == sum(item["events_total"] for item in items if item["kind"] == "activity")
    assert exported_events == sum(int(item["events"]["N"]) for item in stored if "events" in item)
    membership = next(item for item in items if item["kind"] == "centre_membership")
    assert membership["centre_id"] == centre.centre.centre_id
    assert membership["consent"] is True
    text = json.dumps(items)
    hashes = [item["owner_token_hash"]["S"] for item in stored if "owner_token_hash" in item]
    for secret in [user["token"], *hashes, "ada.lovelace", "Grace Hopper", "Barbara Liskov"]:
        assert secret not in text
    assert next(item for item in items if item["kind"] == "counterpart_salt") == {
        "kind": "counterpart_salt",
        "withheld": "a secret key your contacts are pseudonymised with",
    }


def test_an_export_pages_through_a_large_history_without_losing_or_repeating_an_event(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from readiness import privacy

    monkeypatch.setattr(privacy, "MAX_EVENTS_PER_PAGE", 7)
    monkeypatch.setattr(privacy, "MAX_ITEMS_PER_PAGE", 3)
    created = api.post("/v1/assessments", body=submission()).body
    user_id, token = created["user_id"], created["user_token"]
    sent = 0
    for batch in range(4):
        events = [
            activity("message_sent", day + batch * 0.01, f"c-{day}", id=f"b{batch}-{day}")
            for day in range(1, 6 + batch)
        ]
        assert (
            api.post(f"/v1/users/{user_id}/activities", token=token, body={"activities": events}).status
            == 200
        )
        sent += len(events)

    items = _export(api, user_id, token)

    slices = [item for item in items if item["kind"] == "activity"]
    assert sum(len(item["events"]) for item in slices) == sent
    seen = [
        (item["batch_id"], item["first_event"] + offset)
        for item in slices
        for offset in range(len(item["events"]))
    ]
    assert len(seen) == len(set(seen))
    assert max(len(item["events"]) for item in slices) <= 7
    assert Counter(item["kind"] for item in items)["assessment"] == 1


def test_a_forged_or_foreign_export_request_gets_nothing(api: ApiClient) -> None:
    owner = api.post("/v1/assessments", body=submission()).body
    other = api.post("/v1/assessments", body=submission()).body
    path = f"/v1/users/{owner['user_id']}/export"

    assert api.get(path, token=other["user_token"]).status == 404
    assert api.get(path).status == 401
    forged = api.get(path, token=owner["user_token"], query={"cursor": "eyJ2IjoxfQ"})
    assert forged.status == 422
    assert forged.fields == ["cursor"]


def test_erasure_leaves_nothing_of_the_user_and_takes_their_share_out_of_the_centre(
    api: ApiClient, clock: Clock, dynamodb: Any, centre: CreatedCentre
) -> None:
    join(api, centre, share=True)  # another student, who stays
    other = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": new_key()}).body
    before = _everything(dynamodb, api)
    counters_before = _counters(before["table"], centre.centre.centre_id)
    user = _full_user(api, clock, centre)
    during = _everything(dynamodb, api)
    assert _counters(during["table"], centre.centre.centre_id) != counters_before
    assert any(key.startswith(f"uploads/{user['user_id']}/") for key in _objects(user["bucket"]))

    response = api.request("DELETE", f"/v1/users/{user['user_id']}", token=user["token"])

    assert response.status == 200, response.body
    erased = response.body["erased"]
    assert erased["assessment"] == 3
    assert erased["centre_membership"] == 1
    assert erased["user"] == 1
    assert erased["idempotency_record"] == 2
    assert erased["import"] == 2
    assert erased["schedule"] == 1
    after = _everything(dynamodb, api)
    # not one item of theirs, anywhere: keys, and any attribute naming them
    assert _keys(after["idempotency"]) == _keys(before["idempotency"])
    # (a centre's counter shards and rate-limit windows change, and name no one: checked below)
    centre_counters = ("#AGG#", "#LIMIT#")
    unchanged = {key for key in _keys(after["table"]) if not any(c in key[0] for c in centre_counters)}
    assert unchanged == {
        key for key in _keys(before["table"]) if not any(c in key[0] for c in centre_counters)
    }
    assert user["user_id"] not in json.dumps(after, default=str)
    # the centre counts as if they had never been its student (every month, every counter)
    assert _counters(after["table"], centre.centre.centre_id) == counters_before
    assert not any(key.startswith(f"uploads/{user['user_id']}/") for key in _objects(user["bucket"]))
    # their token is dead; the other user is untouched
    assert api.get(f"/v1/users/{user['user_id']}/assessments", token=user["token"]).status in (401, 403)
    assert api.get(f"/v1/users/{other['user_id']}/assessments", token=other["user_token"]).status == 200


def test_an_erasure_cut_short_by_throttling_is_finished_by_the_retry_and_counts_come_out_once(
    api: ApiClient, clock: Clock, dynamodb: Any, centre: CreatedCentre
) -> None:
    from tools.moto_faults import faulting, moto_skips_faulted_requests

    counters_before = _counters(
        all_items(dynamodb, api.table_names["ReadinessTable"]), centre.centre.centre_id
    )
    user = _full_user(api, clock, centre)
    failing = {"on": True}

    def throttle(request: Any, **_: Any) -> Any:
        # the centre's share is already taken back when the deletes start: throttle every one of those
        body = json.loads(request.body or b"{}")
        if failing["on"] and "RequestItems" in body:
            from botocore.awsrequest import AWSResponse

            raw = json.dumps({"__type": "ProvisionedThroughputExceededException", "message": "slow down"})
            return AWSResponse(request.url, 400, {}, _Raw(raw.encode()))
        return None

    api.on_dynamodb("before-send.dynamodb.BatchWriteItem", faulting(throttle))
    with moto_skips_faulted_requests():
        cut_short = api.request("DELETE", f"/v1/users/{user['user_id']}", token=user["token"])
        assert cut_short.status == 503
        assert cut_short.headers["Retry-After"] == "1"
        failing["on"] = False
        retried = api.request("DELETE", f"/v1/users/{user['user_id']}", token=user["token"])

    assert retried.status == 200, retried.body
    after = all_items(dynamodb, api.table_names["ReadinessTable"])
    assert not [item for item in after if item["PK"]["S"] == f"USER#{user['user_id']}"]
    assert _counters(after, centre.centre.centre_id) == counters_before


def test_the_idempotency_record_named_on_an_assessment_is_the_record_powertools_wrote(
    api: ApiClient, dynamodb: Any
) -> None:
    key = new_key()
    created = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": key})
    assert created.status == 201
    stored = next(
        item
        for item in all_items(dynamodb, api.table_names["ReadinessTable"])
        if item.get("assessment_id", {}).get("S") == created.body["assessment_id"]
    )
    records = {item["id"]["S"] for item in all_items(dynamodb, api.table_names["IdempotencyTable"])}
    assert stored["idempotency_record"]["S"] in records
    call = IdempotentCall(key=key, caller="anonymous@-", payload_digest="unused")
    assert call.record_id == stored["idempotency_record"]["S"]


def test_only_the_user_may_erase_themself(api: ApiClient, centre: CreatedCentre) -> None:
    owner = join(api, centre, share=True)
    other = api.post("/v1/assessments", body=submission()).body
    path = f"/v1/users/{owner['user_id']}"

    assert api.request("DELETE", path, token=other["user_token"]).status == 404
    assert api.request("DELETE", path).status == 401
    assert (
        api.request("DELETE", path, headers={"Authorization": f"Bearer {centre.keys.secret}"}).status == 403
    )
    assert api.get(f"/v1/users/{owner['user_id']}/assessments", token=owner["user_token"]).status == 200


class _Raw:
    """A raw HTTP body botocore can read (what urllib3 would hand it)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data

    def read(self, *_: Any) -> bytes:
        return self._data
