"""Integration fixtures: moto `mock_aws`, tables created from template.yaml, and an HTTP-like client
that routes a request as API Gateway would (tools.sam_template), builds the event from the
real-format samples in events/, sets the function's own environment from the template, and
calls its `lambda_handler`."""

from __future__ import annotations

import base64
import copy
import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from moto import mock_aws
from readiness.api import runtime
from readiness.settings import ENVIRONMENT_NAMES

from tests.builders import answers
from tools.local_authorizer import GatewayAuth, with_authorizer_context
from tools.sam_template import DEFAULT_ROUTE, SamTemplate, create_tables, load_template, resolve_environment

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_SETTINGS_VARIABLES = {name for names in ENVIRONMENT_NAMES.values() for name in names} - {
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
}


@dataclass
class LambdaContext:
    function_name: str = "readiness-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:readiness-test"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 9_000


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: Any
    function_id: str
    raw: dict[str, Any] = field(repr=False)

    @property
    def error(self) -> dict[str, Any]:
        assert isinstance(self.body, dict), self.body
        assert set(self.body) == {"error"}, self.body
        error: dict[str, Any] = self.body["error"]
        return error

    @property
    def fields(self) -> list[str]:
        return [detail["field"] for detail in self.error["details"]]


class Clock:
    """The server clock the handlers read (readiness.api.runtime.now): a second passes per request."""

    def __init__(self, start: datetime = NOW) -> None:
        self.current = start

    def __call__(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


class ApiClient:
    def __init__(
        self, template: SamTemplate, table_names: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.template = template
        self.table_names = table_names
        self.monkeypatch = monkeypatch
        self.context = LambdaContext()
        # no authorizer cache here: each request is decided afresh (tests/infra checks the cache)
        self.gateway = GatewayAuth.from_template(template, {"AuthorizerCacheSeconds": "0"})
        self._environment: dict[str, str] | None = None
        self._hooks: list[tuple[str, Any]] = []
        # (client, hooks installed on it): strong references, so that an id is never reused
        self._hooked: list[tuple[Any, int]] = []
        # the hooks see the functions' calls only, not the authorizer's (a Lambda of its own on AWS)
        self._route_running = False

    def on_dynamodb(self, event_name: str, handler: Any) -> None:
        """Register a botocore event hook (e.g. before-send.dynamodb.Query) on the handlers' client.

        Registered first, so that it runs before moto answers: faults are injected the way the
        conventions say (event hooks, not the Stubber, which would bypass retries).
        """
        self._hooks.append((event_name, handler))

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | str | None = None,
    ) -> HttpResponse:
        match = self.template.match(method, path)
        assert match is not None, f"{method} {path} is routed nowhere"
        spec = self.template.functions[match.route.function_id]
        event = self._event(spec.module.split(".")[1], method, path, match.route, match.path_parameters)
        all_headers = {name.lower(): value for name, value in (headers or {}).items()}
        if token is not None:
            all_headers["authorization"] = f"Bearer {token}"
        event["headers"].update(all_headers)
        if query:
            raw_query = query if isinstance(query, str) else urlencode(query)
            event["rawQueryString"] = raw_query
            event["queryStringParameters"] = dict(
                part.split("=", 1) if "=" in part else (part, "") for part in raw_query.split("&")
            )
        if body is not None:
            if isinstance(body, bytes):
                event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
            else:
                event["body"] = body if isinstance(body, str) else json.dumps(body)
                event["isBase64Encoded"] = False
            event["headers"].setdefault("content-type", "application/json")
        # API Gateway runs the route's Lambda authorizer first, as template.yaml configures it
        outcome = self.gateway.check(method, match.route.path, event, self._authorize)
        if not outcome.allowed:
            assert outcome.status is not None
            return HttpResponse(
                status=outcome.status, headers={}, body=outcome.body, function_id="gateway", raw={}
            )
        with_authorizer_context(event, outcome.context)
        self._use_environment(resolve_environment(spec, self.table_names))
        self._install_hooks(spec.environment)
        module = importlib.import_module(spec.module)
        self._route_running = True
        try:
            raw = getattr(module, spec.handler_function)(event, self.context)
        finally:
            self._route_running = False
        text = raw.get("body") or ""
        headers = {str(k).lower(): str(v) for k, v in (raw.get("headers") or {}).items()}
        # an HTML page (the embedded form's) stays text; everything else the API answers is JSON
        html = headers.get("content-type", "").startswith("text/html")
        parsed = (text if html else json.loads(text)) if text else None
        return HttpResponse(
            status=raw["statusCode"],
            headers=raw.get("headers", {}),
            body=parsed,
            function_id=spec.logical_id,
            raw=raw,
        )

    def invoke(self, function_id: str, event: dict[str, Any]) -> Any:
        """Call a function that is not behind the API (an EventBridge or SQS target) with ``event``."""
        spec = self.template.functions[function_id]
        self._use_environment(resolve_environment(spec, self.table_names))
        self._install_hooks(spec.environment)
        module = importlib.import_module(spec.module)
        self._route_running = True
        try:
            return getattr(module, spec.handler_function)(event, self.context)
        finally:
            self._route_running = False

    def _authorize(self, function_id: str, event: dict[str, Any]) -> Any:
        """The Lambda authorizer, as API Gateway invokes it (the tests' hooks do not see its calls)."""
        spec = self.template.functions[function_id]
        self._use_environment(resolve_environment(spec, self.table_names))
        module = importlib.import_module(spec.module)
        return getattr(module, spec.handler_function)(event, self.context)

    def get(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.request("POST", path, **kwargs)

    def _event(
        self, name: str, method: str, path: str, route: Any, path_parameters: dict[str, str]
    ) -> dict[str, Any]:
        # Start from the function's real-format sample and keep only what is not request-specific.
        event: dict[str, Any] = copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text()))
        for key in ("authorization", "idempotency-key", "content-type", "content-length", "origin"):
            event["headers"].pop(key, None)
        for key in ("body", "pathParameters", "queryStringParameters"):
            event.pop(key, None)
        event["requestContext"].pop("authorizer", None)  # the authorizer (below) says who calls
        event["isBase64Encoded"] = False
        event["rawQueryString"] = ""
        stage = event["requestContext"]["stage"]
        raw_path = path if stage == "$default" else f"/{stage}{path}"
        route_key = DEFAULT_ROUTE if route.path == DEFAULT_ROUTE else f"{route.method} {route.path}"
        event.update(routeKey=route_key, rawPath=raw_path)
        event["requestContext"].update(routeKey=route_key)
        event["requestContext"]["http"].update(method=method, path=raw_path)
        if path_parameters:
            event["pathParameters"] = dict(path_parameters)
        return event

    def _install_hooks(self, environment: dict[str, Any]) -> None:
        if not self._hooks or "TABLE_NAME" not in environment:
            return
        client = runtime.dynamodb_client()
        installed = next((count for hooked, count in self._hooked if hooked is client), 0)
        for event_name, handler in self._hooks[installed:]:
            client.meta.events.register_first(event_name, self._gated(handler))
        self._hooked = [(c, n) for c, n in self._hooked if c is not client] + [(client, len(self._hooks))]

    def _gated(self, handler: Any) -> Any:
        def gated(**kwargs: Any) -> Any:
            return handler(**kwargs) if self._route_running else None

        return gated

    def _use_environment(self, environment: dict[str, str]) -> None:
        # Each function gets exactly its own environment from template.yaml (and fresh clients).
        if environment == self._environment:
            return
        for name in _SETTINGS_VARIABLES - set(environment):
            self.monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            self.monkeypatch.setenv(name, value)
        self._environment = environment
        runtime.reset()


@pytest.fixture(scope="session")
def template() -> SamTemplate:
    return load_template(REPO / "template.yaml")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DYNAMODB_ENDPOINT_URL", raising=False)
    runtime.reset()
    with mock_aws():
        yield
    runtime.reset()


@pytest.fixture
def dynamodb(aws: None) -> Any:
    """A client for the tests' own look at the tables (the handlers make their own)."""
    return boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def tables(dynamodb: Any, template: SamTemplate) -> dict[str, str]:
    return create_tables(dynamodb, template, name_for=lambda logical_id: f"test-{logical_id}")


@pytest.fixture
def buckets(aws: None, template: SamTemplate) -> dict[str, str]:
    """The template's S3 buckets under moto: logical id -> name."""
    from tools.sam_uploads import create_buckets

    s3 = boto3.client("s3", region_name="us-east-1")
    return create_buckets(s3, template, name_for=lambda logical_id: f"test-{logical_id.lower()}")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(runtime, "now", fake)
    return fake


@pytest.fixture
def api(
    template: SamTemplate,
    tables: dict[str, str],
    buckets: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    clock: Clock,
) -> ApiClient:
    return ApiClient(template, {**tables, **buckets}, monkeypatch)


def all_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every item of a table (a test may Scan; request paths never do)."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def item_counts(dynamodb: Any, tables: dict[str, str]) -> Any:
    def count() -> dict[str, int]:
        return {logical: len(all_items(dynamodb, name)) for logical, name in tables.items()}

    return count


@pytest.fixture
def assessment_count(dynamodb: Any, tables: dict[str, str]) -> Any:
    """How many assessments are stored (the table also holds user and activity items)."""

    def count() -> int:
        items = all_items(dynamodb, tables["ReadinessTable"])
        return sum(1 for item in items if item["entity"]["S"] == "assessment")

    return count


def submission(**overrides: Any) -> dict[str, Any]:
    """A valid submission body (every required question answered at middle level)."""
    body: dict[str, Any] = {"questionnaire_version": "1", "answers": answers("middle"), "activities": []}
    body.update(overrides)
    return body


def activity(
    kind: str, days_ago: float, counterpart: str | None = None, role: str | None = None, **extra: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {"type": kind, "occurred_at": (NOW - timedelta(days=days_ago)).isoformat()}
    if counterpart is not None:
        event["counterpart"] = counterpart
    if role is not None:
        event["counterpart_role"] = role
    event.update(extra)
    return event


def some_activities() -> list[dict[str, Any]]:
    return [
        activity("message_sent", 400, "c-ada", "peer", id="e1"),
        activity("message_received", 399, "c-ada", "peer", id="e2"),
        activity("help_given", 200, "c-grace", "peer", id="e3"),
        activity("introduction_made", 120, "c-grace", id="e4"),
        activity("recruiter_conversation", 60, "c-linus", "recruiter", id="e5"),
        activity("skill_learned", 30, id="e6"),
        activity("message_sent", 10, "c-barbara", "mentor", id="e7"),
        activity("message_received", 9, "c-barbara", "mentor", id="e8"),
    ]


def new_key() -> str:
    import uuid

    return str(uuid.uuid4())
