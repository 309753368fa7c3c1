"""Hostile requests over real HTTP: each is a 4xx that names the field at fault, and writes nothing.

A catalogue, one row per request: wrong types, numbers no parser agrees on, deep nesting, unicode
edge cases, injection strings, repeated JSON names, oversized headers, wrong content types, bodies
and batches over the limits, dates out of range, path ids that are not ids. Around every request the
whole stack is read (every item of every table, every object of the uploads bucket): nothing may be
added, removed or changed. The one exception is the per-caller request-limit counters, which count
attempts, valid or not, by design (docs/api.md#limits).
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as default
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import REPO, Http, LocalStackProcess, Response, centre_command, valid_answers
from tools.local_dynamodb import dynamodb_client
from tools.local_http import BODY_IDLE_SECONDS
from tools.sam_template import load_template
from tools.sam_uploads import buckets, local_bucket_name

pytestmark = pytest.mark.e2e

# The request-limit counters count every attempt (that is their job); they are left out of the snapshot.
ATTEMPT_COUNTER_ENTITY = "limit_counter"
# Per-caller limits raised for this module: the catalogue is about validation, not throttling.
LIMIT_PARAMETERS = (
    "UserSubmissionsPerHour",
    "UserSubmissionsPerDay",
    "UserImportsPerDay",
    "CentreSubmissionsPerHour",
    "CentreWritesPerHour",
    "SourceSubmissionsPerHour",
)
OTHER_USER = "u_" + "7" * 26  # well formed, nobody's
SOME_CENTRE = "c_" + "8" * 26  # well formed, no such centre


# ---------------------------------------------------------------- the stack and what it holds


@dataclass
class World:
    stack: LocalStackProcess
    http: Http
    user_id: str
    token: str
    questionnaire: dict[str, Any]
    centre_secret_key: str = ""
    dynamodb: Any = None
    s3: Any = None
    bucket_names: tuple[str, ...] = ()

    def snapshot(self) -> dict[str, Any]:
        """A digest of every item of every table and every object of every bucket."""
        state: dict[str, Any] = {}
        for table in self.dynamodb.list_tables()["TableNames"]:
            items = []
            for page in self.dynamodb.get_paginator("scan").paginate(TableName=table):
                for item in page["Items"]:
                    if item.get("entity", {}).get("S") == ATTEMPT_COUNTER_ENTITY:
                        continue
                    items.append(json.dumps(item, sort_keys=True, default=bytes.hex))
            state[f"table {table}"] = sorted(hashlib.sha256(i.encode()).hexdigest() for i in items)
        for name in self.bucket_names:
            listing = self.s3.list_objects_v2(Bucket=name)
            state[f"bucket {name}"] = sorted(
                (entry["Key"], entry["ETag"], entry["Size"]) for entry in listing.get("Contents", [])
            )
        return state


def _s3_client(base_url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=base_url,  # the front serves the uploads bucket on its own origin
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # the local stack's dummy credentials
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("hostile")
    template = load_template(REPO / "template.yaml")
    raised = [f"{name}=10000" for name in LIMIT_PARAMETERS if name in template.parameters]
    stack = LocalStackProcess(
        data_dir=root / "data",
        log_path=root / "stack.log",
        extra_args=["--no-reassess", "--quiet", *(arg for p in raised for arg in ("--parameter", p))],
    )
    stack.start(fresh=True)
    try:
        http = stack.http
        questionnaire = http.get("/v1/questionnaire").json
        created = http.post(
            "/v1/assessments",
            {"questionnaire_version": questionnaire["version"], "answers": valid_answers(questionnaire)},
        )
        assert created.status == 201, created.raw
        centre = centre_command(
            stack, "create", "--name", "Hostile Careers", "--origin", "https://c.example", "--json"
        )
        endpoint = (stack.data_dir / "dynamodb-endpoint").read_text().strip()
        world = World(
            stack,
            http,
            created.json["user_id"],
            created.json["user_token"],
            questionnaire,
            centre_secret_key=centre["secret_key"],
            dynamodb=dynamodb_client(endpoint),
            s3=_s3_client(http.base_url),
            bucket_names=tuple(local_bucket_name(logical_id) for logical_id in buckets(template)),
        )
        assert world.bucket_names, "the uploads bucket is part of what must not change"
        assert len(world.snapshot()) >= 3  # two tables and the bucket
        yield world
    finally:
        stack.stop()


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Hostile:
    method: str
    path: str  # "{user}" is the test user's id
    body: bytes | Callable[[], bytes] | None = None  # a callable is read when the request is sent
    status: int = 422
    field: str = "body"  # a detail must name exactly this field (or a path inside it)
    headers: dict[str, str] = default(default_factory=dict)
    content_type: str | None = "application/json"
    as_centre: bool = False  # sent with the career centre's secret key instead of the user's token


def answers() -> dict[str, Any]:
    """Every question answered (the questionnaire is fixed by version 1)."""
    likert = {
        f"{d}_{i}": 3
        for d in ("reach", "continuity", "generosity", "growth", "visibility")
        for i in (1, 2, 3)
    }
    likert |= {f"lifelines_{i}": 3 for i in (1, 2, 3, 4)} | {"market_2": 3}
    counts = {f"{d}_count": 4 for d in ("reach", "continuity", "generosity", "market", "growth", "lifelines")}
    return {
        **likert,
        **counts,
        "visibility_count": 4,
        "continuity_1": "monthly",
        "market_1": "within_a_year",
        "market_3": True,
        "growth_3": False,
    }


def submission(**changes: Any) -> dict[str, Any]:
    return {"questionnaire_version": "1", "answers": answers(), "activities": [], **changes}


def with_answer(question: str, value: Any) -> bytes:
    return encode(submission(answers={**answers(), question: value}))


def with_event(**event: Any) -> bytes:
    return encode(submission(activities=[{"type": "help_given", "occurred_at": "2024-05-01", **event}]))


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


def replace_first(body: bytes, old: bytes, new: bytes) -> bytes:
    assert old in body
    return body.replace(old, new, 1)


def push(*events: Any, **extra: Any) -> bytes:
    return encode({"activities": list(events), **extra})


EVENT = {"type": "help_given", "occurred_at": "2024-05-01", "counterpart": "c-1"}


def ten_minutes_ahead() -> bytes:
    """Read when sent: the server allows 5 minutes of clock skew, so 10 minutes ahead is the future."""
    return with_event(occurred_at=(datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ"))


NESTED = b"[" * 20 + b"3" + b"]" * 20
DEEP = b"[" * 100_000 + b"]" * 100_000
ASSESS = "/v1/assessments"
ACTIVITIES = "/v1/users/{user}/activities"
SCHEDULE = "/v1/users/{user}/schedule"
CONSENT = "/v1/users/{user}/consents/" + SOME_CENTRE
HISTORY = "/v1/users/{user}/assessments"

CATALOGUE: dict[str, Hostile] = {
    # -- POST /v1/assessments: not JSON, or JSON no two parsers read alike
    "submit: not JSON": Hostile("POST", ASSESS, b"{answers: 1}", 400),
    "submit: empty body": Hostile("POST", ASSESS, b"", 400),
    "submit: overlong UTF-8 bytes": Hostile("POST", ASSESS, b'{"questionnaire_version": "\xc0\xb1"}', 400),
    "submit: invalid UTF-8 byte": Hostile("POST", ASSESS, b'{"questionnaire_version": "\xff"}', 400),
    "submit: byte order mark": Hostile("POST", ASSESS, b"\xef\xbb\xbf" + encode(submission()), 400),
    "submit: NaN": Hostile("POST", ASSESS, replace_first(with_answer("reach_1", 0), b": 0", b": NaN"), 400),
    "submit: integer of 5000 digits": Hostile(
        "POST", ASSESS, replace_first(with_answer("reach_count", 0), b": 0", b": " + b"9" * 5000), 400
    ),
    "submit: number beyond a double": Hostile(
        "POST", ASSESS, replace_first(with_answer("reach_1", 0), b": 0", b": 1e400"), 422, "answers.reach_1"
    ),
    "submit: duplicate top-level key": Hostile(
        "POST",
        ASSESS,
        b'{"questionnaire_version": "1", "questionnaire_version": "2", "answers": {}}',
        422,
        "questionnaire_version",
    ),
    "submit: duplicate answer key": Hostile(
        "POST",
        ASSESS,
        replace_first(with_answer("reach_1", 3), b'"reach_1": 3', b'"reach_1": 3, "reach_1": 5'),
        422,
        "answers.reach_1",
    ),
    "submit: nested 100,000 deep": Hostile("POST", ASSESS, b'{"answers": ' + DEEP + b"}", 422),
    "submit: nested 20 deep in an answer": Hostile(
        "POST",
        ASSESS,
        replace_first(with_answer("reach_1", 0), b": 0", b": " + NESTED),
        422,
        "answers.reach_1",
    ),
    "submit: lone surrogate": Hostile(
        "POST",
        ASSESS,
        replace_first(with_event(counterpart="x"), b'"x"', b'"\\ud800"'),
        422,
        "activities.0.counterpart",
    ),
    "submit: NUL in a counterpart": Hostile(
        "POST", ASSESS, with_event(counterpart="c-1\u0000admin"), 422, "activities.0.counterpart"
    ),
    "submit: RTL override in a question id": Hostile(
        "POST", ASSESS, with_answer("reach_1\u202e", 3), 422, "answers.reach_1\\u202e"
    ),
    # -- wrong types and shapes
    "submit: body is an array": Hostile("POST", ASSESS, b"[1, 2, 3]", 422),
    "submit: answers missing": Hostile(
        "POST", ASSESS, encode({"questionnaire_version": "1"}), 422, "answers"
    ),
    "submit: answers as JSON in a string": Hostile(
        "POST", ASSESS, encode(submission(answers=json.dumps(answers()))), 422, "answers"
    ),
    "submit: likert answer as a string": Hostile(
        "POST", ASSESS, with_answer("reach_1", "5"), 422, "answers.reach_1"
    ),
    "submit: likert answer true": Hostile(
        "POST", ASSESS, with_answer("reach_1", True), 422, "answers.reach_1"
    ),
    "submit: count answer 10**30": Hostile(
        "POST", ASSESS, with_answer("reach_count", 10**30), 422, "answers.reach_count"
    ),
    "submit: count answer negative": Hostile(
        "POST", ASSESS, with_answer("reach_count", -1), 422, "answers.reach_count"
    ),
    "submit: choice answer not a choice": Hostile(
        "POST",
        ASSESS,
        with_answer("continuity_1", "daily'; DROP TABLE users;--"),
        422,
        "answers.continuity_1",
    ),
    "submit: questionnaire_version a number": Hostile(
        "POST", ASSESS, encode(submission(questionnaire_version=1)), 422, "questionnaire_version"
    ),
    "submit: unknown top-level field": Hostile(
        "POST", ASSESS, encode(submission(is_admin=True)), 422, "is_admin"
    ),
    "submit: activities an object": Hostile(
        "POST", ASSESS, encode(submission(activities={"0": EVENT})), 422, "activities"
    ),
    # -- injection strings
    "submit: SQL in a question id": Hostile(
        "POST", ASSESS, with_answer("reach_1' OR '1'='1", 3), 422, "answers.reach_1' OR '1'='1"
    ),
    "submit: NoSQL operator as an answer": Hostile(
        "POST", ASSESS, with_answer("reach_1", {"$gt": ""}), 422, "answers.reach_1"
    ),
    "submit: DynamoDB expression as the version": Hostile(
        "POST",
        ASSESS,
        encode(submission(questionnaire_version="1 OR attribute_exists(PK)")),
        422,
        "questionnaire_version",
    ),
    "submit: DynamoDB placeholder as a question id": Hostile(
        "POST",
        ASSESS,
        with_answer(":v0) OR begins_with(PK, :u", 3),
        422,
        "answers.:v0) OR begins_with(PK, :u",
    ),
    # -- activities: types, roles and dates
    "submit: unknown activity type": Hostile(
        "POST", ASSESS, with_event(type="bribe_given"), 422, "activities.0.type"
    ),
    "submit: unknown counterpart role": Hostile(
        "POST", ASSESS, with_event(counterpart_role="ceo"), 422, "activities.0.counterpart_role"
    ),
    "submit: occurred_at before 1990": Hostile(
        "POST", ASSESS, with_event(occurred_at="1989-12-31"), 422, "activities.0.occurred_at"
    ),
    "submit: occurred_at 10 minutes ahead": Hostile(
        "POST", ASSESS, ten_minutes_ahead, 422, "activities.0.occurred_at"
    ),
    "submit: occurred_at in year 9999": Hostile(
        "POST", ASSESS, with_event(occurred_at="9999-12-31T23:59:59Z"), 422, "activities.0.occurred_at"
    ),
    "submit: occurred_at month 13": Hostile(
        "POST", ASSESS, with_event(occurred_at="2024-13-45"), 422, "activities.0.occurred_at"
    ),
    "submit: occurred_at a number": Hostile(
        "POST", ASSESS, with_event(occurred_at=99999999999999), 422, "activities.0.occurred_at"
    ),
    # -- sizes
    "submit: 5,001 activities": Hostile(
        "POST", ASSESS, encode(submission(activities=[EVENT] * 5001)), 413, "activities"
    ),
    "submit: body over 1 MB": Hostile(
        "POST", ASSESS, encode(submission(activities=[{**EVENT, "counterpart": "c" * 300}] * 4000)), 413
    ),
    # -- headers
    "submit: text/plain": Hostile(
        "POST", ASSESS, encode(submission()), 415, "headers.Content-Type", content_type="text/plain"
    ),
    "submit: form encoded": Hostile(
        "POST",
        ASSESS,
        b"answers=1",
        415,
        "headers.Content-Type",
        content_type="application/x-www-form-urlencoded",
    ),
    "submit: JSON in Latin-1": Hostile(
        "POST",
        ASSESS,
        encode(submission()),
        415,
        "headers.Content-Type",
        content_type="application/json; charset=iso-8859-1",
    ),
    "submit: Idempotency-Key too short": Hostile(
        "POST", ASSESS, encode(submission()), 422, "headers.Idempotency-Key", {"Idempotency-Key": "abc"}
    ),
    "submit: CRLF injection in Idempotency-Key": Hostile(
        "POST",
        ASSESS,
        encode(submission()),
        422,
        "headers.Idempotency-Key",
        {"Idempotency-Key": "0123456789abcdef%0d%0aSet-Cookie:%20injected=1"},
    ),
    "submit: oversized header": Hostile(
        "POST", ASSESS, encode(submission()), 431, "headers", {"X-Padding": "p" * 12_000}
    ),
    "submit: 150 headers": Hostile(
        "POST", ASSESS, encode(submission()), 431, "headers", {f"X-Header-{i}": "v" for i in range(150)}
    ),
    # -- POST /v1/users/{id}/activities
    "push: duplicate activities key": Hostile(
        "POST", ACTIVITIES, b'{"activities": [], "activities": [' + encode(EVENT) + b"]}", 422, "activities"
    ),
    "push: activities a string": Hostile("POST", ACTIVITIES, encode({"activities": "[]"}), 422, "activities"),
    "push: 1,001 events": Hostile("POST", ACTIVITIES, push(*[EVENT] * 1001), 413, "activities"),
    "push: unknown top-level field": Hostile(
        "POST", ACTIVITIES, push(EVENT, user_id=OTHER_USER), 422, "user_id"
    ),
    "push: NUL in an event id": Hostile(
        "POST", ACTIVITIES, push({**EVENT, "id": "crm-1\u0000"}), 422, "activities.0.id"
    ),
    "push: lone surrogate in a counterpart": Hostile(
        "POST",
        ACTIVITIES,
        replace_first(push({**EVENT, "counterpart": "x"}), b'"x"', b'"\\udfff"'),
        422,
        "activities.0.counterpart",
    ),
    "push: nested 100,000 deep": Hostile("POST", ACTIVITIES, b'{"activities": ' + DEEP + b"}", 422),
    "push: text/plain": Hostile(
        "POST", ACTIVITIES, push(EVENT), 415, "headers.Content-Type", content_type="text/plain"
    ),
    "push: user id with path traversal": Hostile(
        "POST", "/v1/users/..%2F..%2Fassessments/activities", push(EVENT), 404, "path"
    ),
    "push: user id with SQL": Hostile(
        "POST", "/v1/users/u_1'%20OR%20'1'%3D'1/activities", push(EVENT), 404, "user_id"
    ),
    "push: another user's id": Hostile(
        "POST", f"/v1/users/{OTHER_USER}/activities", push(EVENT), 404, "user_id"
    ),
    # -- POST /v1/users/{id}/imports
    "import: user id with NUL": Hostile("POST", "/v1/users/u_%00/imports", None, 404, "user_id"),
    "import: another user's id": Hostile("POST", f"/v1/users/{OTHER_USER}/imports", None, 404, "user_id"),
    "import status: import id with traversal": Hostile(
        "GET", "/v1/users/{user}/imports/..%2F..%2Fschedule", None, 404, "path"
    ),
    "import status: import id not an id": Hostile(
        "GET", "/v1/users/{user}/imports/i_%3Cscript%3E", None, 404, "import_id"
    ),
    # -- PUT /v1/users/{id}/schedule
    "schedule: cadence as a string": Hostile(
        "PUT", SCHEDULE, encode({"cadence_days": "30"}), 422, "cadence_days"
    ),
    "schedule: cadence 10**400": Hostile(
        "PUT", SCHEDULE, b'{"cadence_days": 1' + b"0" * 400 + b"}", 422, "cadence_days"
    ),
    "schedule: cadence 1e400": Hostile("PUT", SCHEDULE, b'{"cadence_days": 1e400}', 422, "cadence_days"),
    "schedule: duplicate cadence": Hostile(
        "PUT", SCHEDULE, b'{"cadence_days": 30, "cadence_days": 3}', 422, "cadence_days"
    ),
    "schedule: body an array": Hostile("PUT", SCHEDULE, b"[30]", 422),
    "schedule: unknown field": Hostile(
        "PUT", SCHEDULE, encode({"cadence_days": 30, "next_due_at": "2020-01-01"}), 422, "next_due_at"
    ),
    "schedule: not JSON": Hostile("PUT", SCHEDULE, b"cadence_days=30", 400),
    "schedule: form encoded": Hostile(
        "PUT",
        SCHEDULE,
        b"cadence_days=30",
        415,
        "headers.Content-Type",
        content_type="application/x-www-form-urlencoded",
    ),
    # -- PUT /v1/users/{id}/consents/{centre_id}
    "consent: share_results a string": Hostile(
        "PUT", CONSENT, encode({"share_results": "yes"}), 422, "share_results"
    ),
    "consent: share_results 1": Hostile("PUT", CONSENT, encode({"share_results": 1}), 422, "share_results"),
    "consent: duplicate share_results": Hostile(
        "PUT", CONSENT, b'{"share_results": false, "share_results": true}', 422, "share_results"
    ),
    "consent: centre id with traversal": Hostile(
        "PUT",
        "/v1/users/{user}/consents/..%2F..%2F..%2Fcentres%2Fme",
        encode({"share_results": True}),
        404,
        "path",
    ),
    "consent: centre id with DynamoDB syntax": Hostile(
        "PUT",
        "/v1/users/{user}/consents/c_1%20OR%20attribute_exists(PK)",
        encode({"share_results": True}),
        404,
        "centre_id",
    ),
    # -- GET with bad query parameters and path ids
    "history: limit 0": Hostile("GET", HISTORY + "?limit=0", None, 422, "limit"),
    "history: limit 101": Hostile("GET", HISTORY + "?limit=101", None, 422, "limit"),
    "history: limit 10**25": Hostile(
        "GET", HISTORY + "?limit=10000000000000000000000000", None, 422, "limit"
    ),
    "history: limit not a number": Hostile("GET", HISTORY + "?limit=1e3", None, 422, "limit"),
    "history: limit with NUL": Hostile("GET", HISTORY + "?limit=5%00", None, 422, "limit"),
    "history: limit twice": Hostile("GET", HISTORY + "?limit=1&limit=100", None, 422, "limit"),
    "history: cursor not base64": Hostile("GET", HISTORY + "?cursor=%00%ff%fe", None, 422, "cursor"),
    "history: forged cursor": Hostile(
        "GET", HISTORY + "?cursor=eyJ2IjoxLCJhZnRlciI6IkEjJyBPUiAxPTEifQ", None, 422, "cursor"
    ),
    "history: cursor of 5,000 characters": Hostile(
        "GET", HISTORY + "?cursor=" + "A" * 5000, None, 422, "cursor"
    ),
    # -- a career centre's routes (its secret key)
    "roster: limit 0": Hostile("GET", "/v1/centres/me/students?limit=0", None, 422, "limit", as_centre=True),
    "roster: forged cursor": Hostile(
        "GET",
        "/v1/centres/me/students?cursor=eyJ2IjoxLCJhZnRlciI6InVfJyBPUiAnMSc9JzEifQ",
        None,
        422,
        "cursor",
        as_centre=True,
    ),
    "centre push: not its student": Hostile(
        "POST", f"/v1/users/{OTHER_USER}/activities", push(EVENT), 404, "user_id", as_centre=True
    ),
    "centre schedule: user id not an id": Hostile(
        "PUT", "/v1/users/u_%3Bls/schedule", encode({"cadence_days": 30}), 404, "user_id", as_centre=True
    ),
    "questionnaire: version with SQL": Hostile(
        "GET", "/v1/questionnaire?version=1%27%20OR%20%271", None, 422, "version"
    ),
    "assessment: id with CRLF": Hostile(
        "GET", "/v1/assessments/a_1%0d%0aSet-Cookie:%20injected=1", None, 404, "assessment_id"
    ),
    "assessment: id with traversal": Hostile(
        "GET", "/v1/assessments/..%2F..%2Fopenapi.json", None, 404, "path"
    ),
    "assessment: id with a JSON document": Hostile(
        "GET", "/v1/assessments/%7B%22%24ne%22%3A%22%22%7D", None, 404, "assessment_id"
    ),
}


@pytest.mark.parametrize("case", CATALOGUE.values(), ids=CATALOGUE.keys())
def test_a_hostile_request_is_refused_with_the_field_named_and_writes_nothing(
    world: World, case: Hostile
) -> None:
    before = world.snapshot()
    body = case.body() if callable(case.body) else case.body
    headers = {"Content-Type": case.content_type} if body is not None and case.content_type else {}
    credential = world.centre_secret_key if case.as_centre else world.token
    headers |= {"Authorization": f"Bearer {credential}", **case.headers}

    response = world.http.request(
        case.method, case.path.replace("{user}", world.user_id), raw=body, headers=headers, timeout=30
    )

    assert response.status == case.status, response.raw[:500]
    error = response.error  # the envelope, checked for shape
    fields = [detail["field"] for detail in error["details"]]
    assert any(f == case.field or f.startswith(case.field + ".") for f in fields), (case.field, error)
    _no_header_injected(response)
    assert world.snapshot() == before
    assert "Traceback" not in world.stack.log()  # no function failed on the way to the refusal


def _no_header_injected(response: Response) -> None:
    assert "set-cookie" not in response.headers
    assert not any("injected" in value for value in response.headers.values())


def test_the_catalogue_covers_every_body_route_and_category() -> None:
    routes = {(case.method, case.path.split("?")[0]) for case in CATALOGUE.values()}
    for route in [
        ("POST", ASSESS),
        ("POST", ACTIVITIES),
        ("PUT", SCHEDULE),
        ("PUT", CONSENT),
        ("GET", HISTORY),
    ]:
        assert route in routes
    assert len(CATALOGUE) >= 40
    assert {case.status for case in CATALOGUE.values()} == {400, 404, 413, 415, 422, 431}


def test_the_same_body_is_accepted_once_its_repeated_name_is_gone(world: World) -> None:
    """The refusal is about the repeated name, not the answer: the body without it is scored."""
    body = with_answer("reach_1", 3)
    doubled = replace_first(body, b'"reach_1": 3', b'"reach_1": 3, "reach_1": 3')
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {world.token}"}

    before = world.snapshot()
    refused = world.http.request("POST", ASSESS, raw=doubled, headers=headers)
    accepted = world.http.request("POST", ASSESS, raw=body, headers=headers)

    assert refused.status == 422
    assert refused.error["details"] == [{"field": "answers.reach_1", "message": "is given more than once"}]
    assert accepted.status == 201, accepted.raw
    assert world.snapshot() != before  # the snapshot sees a write when there is one


def _raw_exchange(world: World, request: bytes, *, half_close: bool) -> tuple[int, dict[str, Any], float]:
    """Send bytes as they are (no client library fixes them up); the status, error body and seconds taken."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", world.stack.port), timeout=30) as connection:
        connection.sendall(request)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)["error"], time.monotonic() - started


@pytest.mark.parametrize("half_close", [False, True], ids=["client stalls", "client closes early"])
def test_a_body_shorter_than_its_content_length_is_refused_not_waited_for(
    world: World, half_close: bool
) -> None:
    before = world.snapshot()
    body = encode(submission())
    request = (
        f"POST /v1/assessments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {world.token}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body[: len(body) // 2]

    status, error, seconds = _raw_exchange(world, request, half_close=half_close)

    assert status == (400 if half_close else 408)
    assert [detail["field"] for detail in error["details"]] == ["body"]
    assert seconds < BODY_IDLE_SECONDS + 5  # answered, not held
    assert world.snapshot() == before
