"""Fifty submissions at once, over loopback HTTP, to a local stack whose submit path has four warm
workers (separate processes: real parallelism, not threads over one in-process moto). What is stored is
counted in the stack's own DynamoDB afterwards.

- 50 parallel POSTs with one Idempotency-Key store one assessment and one user; every client ends up
  with that assessment and the same token (a request that finds the first still running is told 409
  with Retry-After, and retries as a client should).
- 50 parallel POSTs of one returning user with 50 keys store 50 assessments, and their ``previous``
  links form one chain: each write saw the one before it (the user item's condition), none overwrote
  another's answers.
- 50 first submissions with 50 keys store 50 users.

The local DynamoDB applies one request at a time, as DynamoDB applies each request atomically
(tools/local_dynamodb.py); the functions' reads and writes interleave freely between requests.
A scheduled re-assessment racing a submission is interleaved deterministically, both ways, in
tests/integration/test_faults.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.e2e.conftest import Http, LocalStackProcess, Response, new_key, submission

pytestmark = pytest.mark.e2e

PARALLEL = 50
SUBMIT_PATH = ("CreateAssessmentFunction", "AuthorizeRequestFunction")


@pytest.fixture(scope="module")
def busy_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    root = tmp_path_factory.mktemp("busy-stack")
    raised = [
        "UserSubmissionsPerHour=100000",
        "UserSubmissionsPerDay=1000000",
        "SourceSubmissionsPerHour=100000",
    ]
    args = [arg for value in raised for arg in ("--parameter", value)]
    args += [arg for function in SUBMIT_PATH for arg in ("--workers-for", f"{function}=4")]
    running = LocalStackProcess(
        data_dir=root / "data", log_path=root / "stack.log", extra_args=[*args, "--no-reassess"]
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def questionnaire(busy_stack: LocalStackProcess) -> dict[str, Any]:
    document: dict[str, Any] = busy_stack.http.get("/v1/questionnaire").json
    return document


def table_items(stack: LocalStackProcess, table: str = "ReadinessTable") -> list[dict[str, Any]]:
    """Every item of one of the stack's tables, read from its DynamoDB (a test may Scan)."""
    endpoint = (Path(stack.data_dir) / "dynamodb-endpoint").read_text().strip()
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def until_answered(send: Callable[[], Response], attempts: int = 30) -> Response:
    """A client that retries as the API asks: 409 in progress and 503 come with Retry-After."""
    for _ in range(attempts):
        response = send()
        if response.status not in (409, 503) or "retry-after" not in response.headers:
            return response
        if response.status == 409 and response.error["code"] != "idempotency_in_progress":
            return response
        time.sleep(float(response.headers["retry-after"]) / 10)  # a tenth: the test need not idle
    raise AssertionError(f"still {response.status} after {attempts} attempts: {response.raw[:200]!r}")


def at_once(http: Http, requests: list[dict[str, Any]]) -> tuple[list[Response], list[Response]]:
    """Fires every request at the same moment from its own thread; the first answers and the final ones."""
    first: list[Response] = []

    def client(request: dict[str, Any]) -> Response:
        def send() -> Response:
            return http.post("/v1/assessments", **request, timeout=60)

        response = send()
        first.append(response)
        return until_answered(send) if response.status in (409, 503) else response

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        final = list(pool.map(client, requests))
    return first, final


def assessments_by_user(stack: LocalStackProcess) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for item in table_items(stack):
        if item["PK"]["S"].startswith("USER#") and item["entity"]["S"] == "assessment":
            found.setdefault(item["PK"]["S"].removeprefix("USER#"), []).append(item)
    return found


def test_fifty_parallel_submissions_with_one_key_store_one_assessment_and_one_user(
    busy_stack: LocalStackProcess, questionnaire: dict[str, Any]
) -> None:
    before = assessments_by_user(busy_stack)
    key = new_key()
    body = submission(questionnaire, level=2)

    first, final = at_once(busy_stack.http, [{"body": body, "headers": {"Idempotency-Key": key}}] * PARALLEL)

    assert {response.status for response in final} == {201}, {r.status for r in final}
    assert len({response.json["assessment_id"] for response in final}) == 1
    assert len({response.json["user_token"] for response in final}) == 1  # the one user, shown to each
    assert sum(1 for r in first if r.status == 201 and "idempotent-replayed" not in r.headers) == 1
    after = assessments_by_user(busy_stack)
    new_users = set(after) - set(before)
    assert len(new_users) == 1
    (user_id,) = new_users
    assert len(after[user_id]) == 1
    assert final[0].json["user_id"] == user_id


def test_fifty_parallel_submissions_of_one_user_with_fifty_keys_store_fifty_in_one_chain(
    busy_stack: LocalStackProcess, questionnaire: dict[str, Any]
) -> None:
    http = busy_stack.http
    created = http.post("/v1/assessments", submission(questionnaire, level=1))
    assert created.status == 201
    user = created.json
    requests = [
        {
            "body": submission(questionnaire, level=index % 4),
            "token": user["user_token"],
            "headers": {"Idempotency-Key": new_key()},
        }
        for index in range(PARALLEL)
    ]

    _, final = at_once(http, requests)

    assert [response.status for response in final] == [201] * PARALLEL
    ids = {response.json["assessment_id"] for response in final}
    assert len(ids) == PARALLEL
    stored = assessments_by_user(busy_stack)[user["user_id"]]
    assert len(stored) == PARALLEL + 1
    # one chain: every assessment but the first is some other's previous, exactly once
    previous = [response.json["previous"]["assessment_id"] for response in final]
    assert len(set(previous)) == PARALLEL  # no two were scored from the same assessment
    (last,) = ids - set(previous)
    assert set(previous) == (ids - {last}) | {user["assessment_id"]}
    history = http.get(f"/v1/users/{user['user_id']}/assessments?limit=1", token=user["user_token"]).json
    user_item = next(
        item
        for item in table_items(busy_stack)
        if item["PK"]["S"] == f"USER#{user['user_id']}" and item["SK"]["S"] == "USER"
    )
    assert user_item["latest_id"]["S"] == last
    assert history["items"][0]["assessment_id"] in ids


def test_fifty_parallel_first_submissions_with_fifty_keys_store_fifty_users(
    busy_stack: LocalStackProcess, questionnaire: dict[str, Any]
) -> None:
    before = assessments_by_user(busy_stack)
    requests = [
        {"body": submission(questionnaire, level=2), "headers": {"Idempotency-Key": new_key()}}
        for _ in range(PARALLEL)
    ]

    _, final = at_once(busy_stack.http, requests)

    assert [response.status for response in final] == [201] * PARALLEL
    after = assessments_by_user(busy_stack)
    new_users = set(after) - set(before)
    assert new_users == {response.json["user_id"] for response in final}
    assert len(new_users) == PARALLEL
    assert all(len(after[user]) == 1 for user in new_users)
