"""DynamoDB requests and capacity units per API call, counted with botocore event hooks under moto.

Run: `python -m bench.requests_per_call` (or `make bench`). Each operation goes through its real
handler (events built as API Gateway sends them, tables created from template.yaml). Hooks on the
handlers' own DynamoDB client record every call. moto does not report consumed capacity
faithfully, so units are computed from item sizes the way DynamoDB bills them:

- item size: the UTF-8 length of every attribute name plus its value (strings in UTF-8, binary in
  bytes, numbers ~1 byte per 2 digits + 1);
- a write: 1 WCU per started KB of the larger of the item before and after (PutItem, UpdateItem,
  DeleteItem; each item of a BatchWriteItem on its own, twice that in a transaction), and a failed
  conditional write is billed for the item it found (minimum 1);
- a read: 1 RCU per started 4 KB, strongly consistent (every read here is); a Query is billed for
  all the items it reads, summed, whatever the projection.

Targets (issue 3): a new assessment <= 4 requests and <= 10 WCU including idempotency (it was 6 while
the assessment's items went in a BatchWriteItem; issue 8 made them one transaction, all or nothing,
with the retry receipt of a keyed submission: twice the units per item, one item more); an idempotent
replay 1 request; a get 1 GetItem; a history page 1 Query; no Scan anywhere. Issue 5: pushing activity
is 1 Query + 1 write, and stored activity is read in the same Query as the user item. Issue 8: every
limited call (submissions, pushes, imports) makes exactly one more request, its caller's counter (a
conditional UpdateItem), first; a refused call makes only that one; so a returning user's assessment
with a key is 5 requests and a replay 2. Exits 1 if one is missed.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
READ_OPERATIONS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}


@dataclass
class Call:
    operation: str
    table: str
    wcu: int = 0
    rcu: int = 0
    item_bytes: int = 0
    moto_capacity: float | None = None
    failed: str | None = None
    item_sizes: list[int] = field(default_factory=list)  # each item of a batch or transaction
    limit_counter: bool = False  # a request-limit counter (readiness.limits)


@dataclass
class Measure:
    calls: list[Call] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.calls)

    def total(self, unit: str) -> int:
        return sum(getattr(call, unit) for call in self.calls)

    def summary(self) -> str:
        return " + ".join(
            f"{c.operation}{'*' if c.limit_counter else ''}"
            f"({c.table.removeprefix('bench-')}{', ' + c.failed if c.failed else ''})"
            for c in self.calls
        )


def attribute_size(value: dict[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode("utf-8"))
    if kind == "B":
        return len(content)
    if kind == "N":
        digits = len(content.lstrip("-").replace(".", "").strip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "BS", "NS"):
        return sum(attribute_size({kind[0]: element}) for element in content)
    if kind == "L":
        return 3 + sum(1 + attribute_size(element) for element in content)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + attribute_size(element) for name, element in content.items())
    raise ValueError(kind)


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + attribute_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def read_units(size: int) -> int:
    return max(1, math.ceil(size / 4096))


class Recorder:
    """Hooks on the handlers' DynamoDB client; a second, unhooked client looks at items around each call."""

    def __init__(self, observer: Any, key_names: dict[str, list[str]]) -> None:
        self.observer = observer
        self.key_names = key_names
        self.measure = Measure()
        self._before: dict[int, int] = {}

    def install(self, client: Any) -> None:
        client.meta.events.register("provide-client-params.dynamodb.*", self._ask_for_capacity)
        client.meta.events.register("before-call.dynamodb.*", self._before_call)
        client.meta.events.register("after-call.dynamodb.*", self._after_call)

    def _ask_for_capacity(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        context["bench_params"] = dict(params)  # the API parameters, for the hooks that follow

    def _key(self, params: dict[str, Any]) -> dict[str, Any] | None:
        if "Key" in params:
            return dict(params["Key"])
        if "Item" in params:
            return {name: params["Item"][name] for name in self.key_names[params["TableName"]]}
        return None

    def _current(self, table: str, key: dict[str, Any] | None) -> dict[str, Any] | None:
        if key is None:
            return None
        item: dict[str, Any] | None = self.observer.get_item(
            TableName=table, Key=key, ConsistentRead=True
        ).get("Item")
        return item

    def _batch_keys(self, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """(table, key) of every item a BatchWriteItem or TransactWriteItems writes."""
        keys = []
        if "RequestItems" in params:
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    put = request.get("PutRequest")
                    if put is not None:
                        keys.append((table, {k: put["Item"][k] for k in self.key_names[table]}))
                    else:
                        keys.append((table, dict(request["DeleteRequest"]["Key"])))
        for action in params.get("TransactItems", []):
            ((_, write),) = action.items()
            key = write.get("Key") or {k: write["Item"][k] for k in self.key_names[write["TableName"]]}
            keys.append((write["TableName"], dict(key)))
        return keys

    def _before_call(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        params = context["bench_params"]
        if model.name in ("BatchWriteItem", "TransactWriteItems"):
            context["bench_before_items"] = [
                item_size(self._current(table, key)) for table, key in self._batch_keys(params)
            ]
        elif model.name not in READ_OPERATIONS:
            context["bench_before"] = item_size(self._current(params["TableName"], self._key(params)))

    def _after_call(
        self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        params = context.get("bench_params") or {}
        table = params.get("TableName") or next(iter(params.get("RequestItems") or {"?": None}))
        if "TransactItems" in params:
            table = next(iter(params["TransactItems"][0].values()))["TableName"]
        call = Call(operation=model.name, table=table, limit_counter=_is_limit_counter(params))
        error = parsed.get("Error", {}).get("Code")
        if error:
            call.failed = error.removesuffix("Exception")
        capacity = parsed.get("ConsumedCapacity")
        if isinstance(capacity, dict):
            call.moto_capacity = float(capacity.get("CapacityUnits", 0))
        before = int(context.get("bench_before", 0))
        if model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            after = item_size(self._current(table, self._key(params)))
            call.item_bytes = max(before, after)
            call.wcu = write_units(call.item_bytes)
        elif model.name in ("BatchWriteItem", "TransactWriteItems"):
            # each item is billed on its own (a transaction twice), by the larger of before and after
            factor = 2 if model.name == "TransactWriteItems" else 1
            befores = context.get("bench_before_items", [])
            for (item_table, key), before_size in zip(self._batch_keys(params), befores, strict=True):
                size = max(before_size, item_size(self._current(item_table, key)))
                call.item_bytes += size
                call.item_sizes.append(size)
                call.wcu += factor * write_units(size)
        elif model.name == "GetItem":
            call.item_bytes = item_size(parsed.get("Item"))
            call.rcu = read_units(call.item_bytes)
        elif model.name == "Query":
            call.item_bytes = self._query_bytes(params)
            call.rcu = read_units(call.item_bytes)
        self.measure.calls.append(call)

    def _query_bytes(self, params: dict[str, Any]) -> int:
        # the same query without the projection: what DynamoDB reads (and bills) for it
        full = {
            k: v for k, v in params.items() if k not in ("ProjectionExpression", "ReturnConsumedCapacity")
        }
        if "ProjectionExpression" in params:
            full.pop("ExpressionAttributeNames", None)
        items = self.observer.query(**full).get("Items", [])
        return sum(item_size(item) for item in items)

    def take(self) -> Measure:
        measure, self.measure = self.measure, Measure()
        return measure


def _is_limit_counter(params: dict[str, Any]) -> bool:
    """A request-limit counter's UpdateItem (or a transaction of them): keys as readiness.store.limits."""
    updates = [params] + [action.get("Update", {}) for action in params.get("TransactItems", [])]
    for update in updates:
        key = update.get("Key") or {}
        pk, sk = key.get("PK", {}).get("S", ""), key.get("SK", {}).get("S", "")
        if sk.startswith("LIMIT#") or pk.startswith("SOURCE#") or "#LIMIT#" in pk:
            return True
    return False


class Context:
    function_name = "readiness-bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:readiness-bench"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 9_000


def main() -> int:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "LOG_LEVEL": "ERROR",  # quiet
    }.items():
        os.environ[name] = value
    import boto3
    from moto import mock_aws
    from readiness.api import runtime

    from tools.http_api_event import event_for_request
    from tools.sam_template import create_tables, load_template, resolve_environment
    from tools.sam_uploads import create_buckets

    template = load_template(REPO / "template.yaml")
    sample = json.loads((REPO / "events" / "create_assessment.json").read_text())
    body = sample["body"]

    with mock_aws():
        observer = boto3.client("dynamodb", region_name="us-east-1")
        tables = create_tables(observer, template, name_for=lambda logical: f"bench-{logical}")
        buckets = create_buckets(
            boto3.client("s3", region_name="us-east-1"),
            template,
            name_for=lambda logical: f"bench-{logical.lower()}",
        )
        key_names = {
            tables[logical]: [k["AttributeName"] for k in kwargs["KeySchema"]]
            for logical, kwargs in template.tables.items()
        }
        recorder = Recorder(observer, key_names)
        instrumented: set[int] = set()
        clock = [NOW]

        def tick() -> datetime:
            clock[0] += timedelta(seconds=1)
            return clock[0]

        runtime.now = tick  # the handlers' clock: deterministic ids and as-of times

        def call(
            method: str,
            path: str,
            *,
            headers: dict[str, str] | None = None,
            body: str | None = None,
            query: dict[str, str] | None = None,
        ) -> tuple[int, dict[str, Any]]:
            routed = event_for_request(template, method, path, headers=headers, body=body, query=query)
            assert routed is not None
            function_id, event = routed
            # what the API's Lambda authorizer hands the function (its own reads are not counted here:
            # it is a Lambda of its own, and API Gateway caches its answer; docs/centres.md)
            principal = authorizer.authorize(
                event["routeKey"], PresentedCredentials.from_headers(event["headers"]), now=clock[0]
            )
            event["requestContext"]["authorizer"] = {"lambda": principal.as_context()}
            spec = template.functions[function_id]
            environment = resolve_environment(spec, {**tables, **buckets}, {"LogLevel": "ERROR"})
            if any(os.environ.get(k) != v for k, v in environment.items()):
                os.environ.update(environment)
                runtime.reset()
            client = runtime.dynamodb_client()
            if id(client) not in instrumented:
                recorder.install(client)
                instrumented.add(id(client))
            handler: Callable[..., dict[str, Any]] = importlib.import_module(spec.module).lambda_handler
            with contextlib.redirect_stdout(io.StringIO()):  # the functions' logs and metrics
                response = handler(event, Context())
            return response["statusCode"], json.loads(response["body"])

        from readiness.access.resolve import PresentedCredentials, PrincipalResolver
        from readiness.centres.dynamodb import DynamoDBCentreStore
        from readiness.store.dynamodb import DynamoDBAssessmentRepository

        readiness_table = tables["ReadinessTable"]
        users = DynamoDBAssessmentRepository(observer, readiness_table)
        authorizer = PrincipalResolver(users, DynamoDBCentreStore(observer, readiness_table))
        results: list[tuple[str, Measure, str]] = []

        def measure(label: str, expect: int, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
            recorder.take()
            status, document = call(method, path, **kwargs)
            assert status == expect, (label, status, document)
            results.append((label, recorder.take(), ""))
            return document

        key = "bench-0000-0000-0000-000000000001"
        created = measure(
            "new assessment: new user, with Idempotency-Key",
            201,
            "POST",
            "/v1/assessments",
            headers={"Idempotency-Key": key, "content-type": "application/json"},
            body=body,
        )
        measure(
            "idempotent replay of it",
            201,
            "POST",
            "/v1/assessments",
            headers={"Idempotency-Key": key, "content-type": "application/json"},
            body=body,
        )
        token = created["user_token"]
        auth = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
        measure(
            "new assessment: returning user, with Idempotency-Key",
            201,
            "POST",
            "/v1/assessments",
            headers={**auth, "Idempotency-Key": "bench-0000-0000-0000-000000000002"},
            body=body,
        )
        measure(
            "new assessment: returning user, no key", 201, "POST", "/v1/assessments", headers=auth, body=body
        )
        measure("get an assessment", 200, "GET", f"/v1/assessments/{created['assessment_id']}", headers=auth)
        for _ in range(25):
            call("POST", "/v1/assessments", headers=auth, body=body)
        page = measure(
            "history page 1 (limit 20)",
            200,
            "GET",
            f"/v1/users/{created['user_id']}/assessments",
            headers=auth,
        )
        measure(
            "history page 2",
            200,
            "GET",
            f"/v1/users/{created['user_id']}/assessments",
            headers=auth,
            query={"cursor": page["next_cursor"]},
        )
        heavy = json.loads(body)
        heavy["activities"] = [
            {
                "type": "message_sent",
                "occurred_at": (NOW - timedelta(days=1 + i % 700)).isoformat(),
                "counterpart": f"person-{i % 400}",
                "id": f"event-{i}",
            }
            for i in range(5000)
        ]
        pushed = {
            "activities": [
                {
                    "type": "message_sent",
                    "occurred_at": (NOW - timedelta(days=1 + i % 700)).isoformat(),
                    "counterpart": f"person-{i % 300}",
                    "id": f"crm-{i}",
                }
                for i in range(1000)
            ]
        }
        measure(
            "push 1,000 activities (POST .../activities)",
            200,
            "POST",
            f"/v1/users/{created['user_id']}/activities",
            headers=auth,
            body=json.dumps(pushed),
        )
        measure(
            "push the same 1,000 again (all duplicates)",
            200,
            "POST",
            f"/v1/users/{created['user_id']}/activities",
            headers=auth,
            body=json.dumps(pushed),
        )
        measure(
            "new assessment: returning user with 1,000 pushed",
            201,
            "POST",
            "/v1/assessments",
            headers=auth,
            body=body,
        )
        # that was the user's 30th submission or push this hour (the default limit)
        measure(
            "refused: over the user's hourly limit (429)",
            429,
            "POST",
            "/v1/assessments",
            headers={**auth, "Idempotency-Key": "bench-0000-0000-0000-000000000004"},
            body=body,
        )
        started = measure(
            "start an import (POST .../imports)",
            201,
            "POST",
            f"/v1/users/{created['user_id']}/imports",
            headers=auth,
        )
        measure(
            "read an import (GET .../imports/{id})",
            200,
            "GET",
            f"/v1/users/{created['user_id']}/imports/{started['import_id']}",
            headers=auth,
        )
        measure(
            "for scale: a new user's 5,000-activity submission",
            201,
            "POST",
            "/v1/assessments",
            headers={
                "Idempotency-Key": "bench-0000-0000-0000-000000000003",
                "content-type": "application/json",
            },
            body=json.dumps(heavy),
        )

        # career centres (issue 7): a student joins through the centre's form, shares, comes back
        from readiness.centres.model import CentreSettings
        from readiness.centres.service import CentreAdmin

        origin = "https://careers.example.edu"
        centre = CentreAdmin(DynamoDBCentreStore(observer, readiness_table)).create(
            CentreSettings.parse(name="Bench Careers", origins=[origin]), now=NOW
        )
        by_form = {
            "X-Readiness-Key": centre.keys.publishable,
            "Origin": origin,
            "content-type": "application/json",
        }
        student = measure(
            "centre: new assessment through its form (joins)",
            201,
            "POST",
            "/v1/assessments",
            headers=by_form,
            body=body,
        )
        student_auth = {
            "Authorization": f"Bearer {student['user_token']}",
            "content-type": "application/json",
        }
        measure(
            "centre: the student shares results (PUT consent)",
            200,
            "PUT",
            f"/v1/users/{student['user_id']}/consents/{centre.centre.centre_id}",
            headers=student_auth,
            body='{"share_results": true}',
        )
        measure(
            "centre: the student's next assessment (shares)",
            201,
            "POST",
            "/v1/assessments",
            headers=student_auth,
            body=body,
        )
        secret = {"Authorization": f"Bearer {centre.keys.secret}"}
        measure("centre: cohort summary (secret key)", 200, "GET", "/v1/centres/me/summary", headers=secret)
        measure("centre: students page (secret key)", 200, "GET", "/v1/centres/me/students", headers=secret)

    print(__doc__.split("\n\n")[0])
    print()
    header = f"{'operation':<55} {'requests':>8} {'WCU':>4} {'RCU':>4}  calls"
    print(header)
    print("-" * len(header))
    for label, m, _ in results:
        print(f"{label:<55} {m.requests:>8} {m.total('wcu'):>4} {m.total('rcu'):>4}  {m.summary()}")
    print("\n(* a request-limit counter: one conditional UpdateItem per limited call, first)")
    print()
    print("item sizes (bytes) behind the write units:")
    for label, m, _ in results[:4]:
        sizes = ", ".join(
            f"{c.operation} {c.table.removeprefix('bench-')} "
            + (" + ".join(f"{size} B" for size in c.item_sizes) if c.item_sizes else f"{c.item_bytes} B")
            for c in m.calls
            if c.wcu
        )
        print(f"  {label}: {sizes}")
    new_user = results[0][1]
    moto = [c.moto_capacity for c in new_user.calls if c.moto_capacity is not None]
    print(
        f"\nmoto reports ConsumedCapacity for {len(moto)} of the new user's {new_user.requests} calls "
        f"({', '.join(f'{u:g}' for u in moto) or 'none'}); it does not size writes by the KB as DynamoDB "
        "bills them, so the units above are computed from the item sizes instead."
    )

    by_label = {label: m for label, m, _ in results}
    all_calls = [c for _, m, _ in results for c in m.calls]
    limited = {
        "new assessment: new user, with Idempotency-Key",
        "idempotent replay of it",
        "new assessment: returning user, with Idempotency-Key",
        "new assessment: returning user, no key",
        "push 1,000 activities (POST .../activities)",
        "push the same 1,000 again (all duplicates)",
        "new assessment: returning user with 1,000 pushed",
        "refused: over the user's hourly limit (429)",
        "start an import (POST .../imports)",
        "for scale: a new user's 5,000-activity submission",
        "centre: new assessment through its form (joins)",
        "centre: the student's next assessment (shares)",
    }
    checks = [
        (
            "new user's assessment: <= 4 requests",
            by_label["new assessment: new user, with Idempotency-Key"].requests <= 4,
        ),
        (
            "new user's assessment: <= 10 WCU (one transaction, receipt included; and its counter)",
            sum(
                c.wcu
                for c in by_label["new assessment: new user, with Idempotency-Key"].calls
                if not c.limit_counter
            )
            <= 10,
        ),
        (
            "returning user's assessment: <= 5 requests (4, and its counter)",
            by_label["new assessment: returning user, with Idempotency-Key"].requests <= 5,
        ),
        (
            "returning user's assessment: <= 10 WCU (one transaction, receipt included; and its counter)",
            sum(
                c.wcu
                for c in by_label["new assessment: returning user, with Idempotency-Key"].calls
                if not c.limit_counter
            )
            <= 10,
        ),
        (
            "idempotent replay: 2 requests (its counter, the conditional PutItem)",
            by_label["idempotent replay of it"].requests == 2,
        ),
        ("get: 1 GetItem", [c.operation for c in by_label["get an assessment"].calls] == ["GetItem"]),
        (
            "history page: 1 Query",
            [c.operation for c in by_label["history page 1 (limit 20)"].calls] == ["Query"],
        ),
        ("history page 2: 1 Query", [c.operation for c in by_label["history page 2"].calls] == ["Query"]),
        (
            "push 1,000 activities: 1 Query + 1 write (and its counter)",
            [
                c.operation
                for c in by_label["push 1,000 activities (POST .../activities)"].calls
                if not c.limit_counter
            ]
            == ["Query", "PutItem"],
        ),
        (
            "pushed activity is read with the user item: still 1 Query for a new assessment",
            [
                c.operation
                for c in by_label["new assessment: returning user with 1,000 pushed"].calls
                if not c.limit_counter
            ]
            == ["Query", "TransactWriteItems"],
        ),
        ("no Scan anywhere", not any(c.operation == "Scan" for c in all_calls)),
        (
            "every limited call: exactly one counter request, first",
            all(
                [c.limit_counter for c in by_label[label].calls].count(True) == 1
                and by_label[label].calls[0].limit_counter
                for label in limited
            ),
        ),
        (
            "other calls: no counter",
            not any(c.limit_counter for label, m, _ in results if label not in limited for c in m.calls),
        ),
        (
            "a refused call: only its counter (a failed condition), nothing written",
            [(c.operation, c.failed) for c in by_label["refused: over the user's hourly limit (429)"].calls]
            == [("UpdateItem", "ConditionalCheckFailed")],
        ),
    ]
    print("\ntargets:")
    for name, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
