"""Export and erasure over HTTP against the local stack: a user with a history spread over several
export pages takes all of it out, erases it, and their token then opens nothing; another user's
data is untouched."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from tests.e2e.conftest import Http, Response, new_key, submission

pytestmark = pytest.mark.e2e

EXPORT_FORMAT = "readiness-export/1"
PUSHES = 6  # of 1,000 events each: more than one export page holds (5,000 events)
REFUSED = (401, 403)  # the authorizer: no such token (401 from the function, 403 from its cache)


def served(send: Callable[[], Response], *, tries: int = 5) -> Response:
    """Send until the server stops saying "busy" (429/503), waiting what its Retry-After asks."""
    for _ in range(tries - 1):
        response = send()
        if response.status not in (429, 503):
            return response
        time.sleep(min(float(response.headers.get("retry-after", "1")), 5.0))
    return send()


def pushed_events(batch: int) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=1_000 * batch)
    return [
        {
            "type": "message_sent" if i % 2 else "help_given",
            "occurred_at": (start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "counterpart": f"Contact Person {i % 40}",
            "counterpart_role": "peer",
        }
        for i in range(1_000)
    ]


def export_pages(http: Http, user_id: str, token: str) -> list[Response]:
    pages: list[Response] = []
    cursor: str | None = None
    while True:
        query = f"?cursor={cursor}" if cursor else ""
        page = served(partial(http.get, f"/v1/users/{user_id}/export{query}", token=token))
        assert page.status == 200, page.raw[:300]
        pages.append(page)
        cursor = page.json["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "the export never ended"


def test_a_user_exports_every_page_then_erases_everything(http: Http, questionnaire: dict[str, Any]) -> None:
    typed = [
        {"type": "recommendation_given", "occurred_at": "2026-09-01", "counterpart": "Ada Lovelace"},
        {"type": "recruiter_conversation", "occurred_at": "2026-10-01", "counterpart_role": "recruiter"},
    ]
    first = served(
        lambda: http.post(
            "/v1/assessments",
            submission(questionnaire, 1, typed),
            headers={"Idempotency-Key": new_key()},
        )
    )
    assert first.status == 201, first.raw[:300]
    user_id, token = first.json["user_id"], first.json["user_token"]
    second = served(
        lambda: http.post(
            "/v1/assessments",
            submission(questionnaire, 2),
            token=token,
            headers={"Idempotency-Key": new_key()},
        )
    )
    assert second.status == 201, second.raw[:300]
    for batch in range(PUSHES):
        push = served(
            partial(
                http.post,
                f"/v1/users/{user_id}/activities",
                {"activities": pushed_events(batch)},
                token=token,
            )
        )
        assert push.status == 200, push.raw[:300]
        assert push.json["accepted"] == 1_000
    schedule = served(
        lambda: http.request("PUT", f"/v1/users/{user_id}/schedule", body={"cadence_days": 30}, token=token)
    )
    assert schedule.status == 201, schedule.raw[:300]
    bystander = served(
        lambda: http.post(
            "/v1/assessments", submission(questionnaire, 3), headers={"Idempotency-Key": new_key()}
        )
    )
    assert bystander.status == 201

    # ---------------------------------------------------------------- the export, page by page
    pages = export_pages(http, user_id, token)

    assert len(pages) >= 2
    for page in pages:
        assert set(page.json) == {"user_id", "format", "exported_at", "items", "next_cursor"}
        assert page.json["user_id"] == user_id
        assert page.json["format"] == EXPORT_FORMAT
        assert token.encode() not in page.raw  # credentials are never exported
        assert b"Ada Lovelace" not in page.raw  # counterparts are pseudonymised
        assert b"Contact Person" not in page.raw
    items = [item for page in pages for item in page.json["items"]]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_kind.setdefault(item["kind"], []).append(item)
    exported_ids = {item["assessment"]["assessment_id"] for item in by_kind["assessment"]}
    assert exported_ids == {first.json["assessment_id"], second.json["assessment_id"]}
    [user_item] = by_kind["user"]
    assert user_item["answers"] == submission(questionnaire, 2)["answers"]  # the latest answers
    events = [event for item in by_kind["activity"] for event in item["events"]]
    assert len(events) == PUSHES * 1_000 + len(typed)
    assert len({(event["type"], event["occurred_at"]) for event in events}) == len(events)  # no repeats
    assert len(by_kind["schedule"]) == 1

    # ---------------------------------------------------------------- the erasure
    erased = served(lambda: http.request("DELETE", f"/v1/users/{user_id}", token=token))

    assert erased.status == 200, erased.raw[:300]
    receipt = erased.json
    assert set(receipt) == {"user_id", "erased_at", "erased"}
    assert receipt["user_id"] == user_id
    counts = receipt["erased"]
    assert counts["assessment"] == 2
    assert counts["user"] == 1
    assert counts["schedule"] == 1
    assert counts["activity"] == len({item["batch_id"] for item in by_kind["activity"]})
    assert counts["idempotency_record"] == 2  # both submissions were keyed

    # ---------------------------------------------------------------- afterwards
    assert http.get(f"/v1/users/{user_id}/assessments", token=token).status in REFUSED
    assert http.get(f"/v1/users/{user_id}/export", token=token).status in (*REFUSED, 404)
    assert http.get(f"/v1/assessments/{first.json['assessment_id']}", token=token).status in (*REFUSED, 404)
    assert http.request("DELETE", f"/v1/users/{user_id}", token=token).status in (*REFUSED, 404)
    other = http.get(f"/v1/users/{bystander.json['user_id']}/assessments", token=bystander.json["user_token"])
    assert other.status == 200
    assert [item["assessment_id"] for item in other.json["items"]] == [bystander.json["assessment_id"]]


def test_someone_else_can_neither_export_nor_erase_a_user(http: Http, questionnaire: dict[str, Any]) -> None:
    owner = served(lambda: http.post("/v1/assessments", submission(questionnaire, 1)))
    intruder = served(lambda: http.post("/v1/assessments", submission(questionnaire, 2)))
    assert owner.status == intruder.status == 201
    user_id, wrong_token = owner.json["user_id"], intruder.json["user_token"]

    assert http.get(f"/v1/users/{user_id}/export", token=wrong_token).status in (*REFUSED, 404)
    assert http.request("DELETE", f"/v1/users/{user_id}", token=wrong_token).status in (*REFUSED, 404)
    assert http.request("DELETE", f"/v1/users/{user_id}").status == 401

    still = http.get(f"/v1/users/{user_id}/assessments", token=owner.json["user_token"])
    assert still.status == 200
    assert len(still.json["items"]) == 1
