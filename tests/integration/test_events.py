"""The sample events in events/ are real-format HTTP API v2 events that the handlers answer as they are."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from readiness.api import runtime

from tests.integration.conftest import EVENTS, ApiClient, LambdaContext
from tools.sam_template import DEFAULT_ROUTE, SamTemplate, resolve_environment

EXPECTED_STATUS = {
    "get_questionnaire": 200,
    "create_assessment": 201,
    "get_assessment": 401,  # a well-formed token of a user who does not exist here
    "list_assessments": 401,
    "get_openapi": 200,
    "route_not_found": 404,
    "put_schedule": 401,
    "get_schedule": 401,
    "delete_schedule": 401,
    "ingest_activities": 401,
    "create_import": 401,
    "get_import": 401,
    "get_centre_summary": 404,  # a centre that does not exist here
    "get_centre_embed": 404,  # a centre that does not exist here: no form, and framed by no one
    "list_centre_students": 200,  # no one shares with it: an empty page
    "get_consent": 404,
    "set_consent": 404,
    "export_user_data": 401,  # a well-formed token of a user who does not exist here
    "erase_user": 401,
}
# not behind the API: EventBridge Scheduler's input and an SQS event (tests/integration/test_reassessment.py)
BACKGROUND_EVENTS = {"dispatch_reassessments", "reassess_users", "import_linkedin", "authorize_request"}


def test_there_is_one_event_per_function(template: SamTemplate) -> None:
    names = {path.stem for path in EVENTS.glob("*.json")}
    assert names == {spec.module.split(".")[1] for spec in template.functions.values()}
    assert names == set(EXPECTED_STATUS) | BACKGROUND_EVENTS


@pytest.mark.parametrize("name", sorted(EXPECTED_STATUS))
def test_each_event_has_the_http_api_v2_shape_of_its_route(template: SamTemplate, name: str) -> None:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    route_keys = {
        DEFAULT_ROUTE if r.path == DEFAULT_ROUTE else f"{r.method} {r.path}": r.function_id
        for r in template.routes
    }

    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"]
    function_id = route_keys[event["routeKey"]]
    assert template.functions[function_id].module == f"functions.{name}.app"
    stage = event["requestContext"]["stage"]
    assert stage == template.stage
    assert event["rawPath"] == event["requestContext"]["http"]["path"]
    assert event["rawPath"].startswith(f"/{stage}/")
    match = template.match(event["requestContext"]["http"]["method"], event["rawPath"][len(stage) + 1 :])
    assert match is not None
    assert match.route.function_id == function_id
    assert event.get("pathParameters", {}) == match.path_parameters
    assert all(header == header.lower() for header in event["headers"])
    assert isinstance(event["isBase64Encoded"], bool)


@pytest.mark.parametrize("name", sorted(EXPECTED_STATUS))
def test_each_handler_answers_its_sample_event(
    api: ApiClient,
    template: SamTemplate,
    tables: dict[str, str],
    buckets: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    spec = next(s for s in template.functions.values() if s.module == f"functions.{name}.app")
    for variable, value in resolve_environment(spec, {**tables, **buckets}).items():
        monkeypatch.setenv(variable, value)
    runtime.reset()
    event = json.loads((EVENTS / f"{name}.json").read_text())

    response = importlib.import_module(spec.module).lambda_handler(event, LambdaContext())

    assert response["statusCode"] == EXPECTED_STATUS[name]
    body = json.loads(response["body"])
    if response["statusCode"] >= 400:
        assert set(body) == {"error"}
    assert response["headers"]["X-Correlation-Id"] == event["requestContext"]["requestId"]
