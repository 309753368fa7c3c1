"""Public documents, unknown routes and methods, CORS, and storage faults: always the error envelope."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError
from openapi_spec_validator import validate
from readiness.questionnaire import questionnaire_document

from tests.integration.conftest import EVENTS, ApiClient, all_items, new_key, submission


class _Body:
    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def stream(self, **_: Any) -> Any:
        yield self.payload


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def dynamodb_error(code: str, status: int = 400) -> AWSResponse:
    payload = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"})
    return AWSResponse(
        "https://dynamodb.us-east-1.amazonaws.com/",
        status,
        {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected"},
        _Body(payload.encode()),
    )


def test_the_questionnaire_is_public_and_cacheable(api: ApiClient) -> None:
    response = api.get("/v1/questionnaire", headers={"Origin": "https://careers.example.edu"})

    assert response.status == 200
    assert response.body == questionnaire_document()
    assert response.body["sections"]
    assert response.headers["Cache-Control"].startswith("public")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Correlation-Id"]


def test_the_openapi_document_is_served_and_valid(api: ApiClient) -> None:
    response = api.get("/v1/openapi.json")

    assert response.status == 200
    validate(response.body)
    # every route of the template is documented, and nothing else (the template is the source)
    assert set(response.body["paths"]) == {
        route.path for route in api.template.routes if route.path != "$default"
    }


def test_responses_match_their_openapi_schemas(api: ApiClient) -> None:
    from jsonschema import Draft202012Validator

    document = api.get("/v1/openapi.json").body

    def check(schema_name: str, instance: Any) -> None:
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(instance), key=str)
        assert not errors, [error.message for error in errors[:5]]

    first = api.post("/v1/assessments", body=submission()).body
    second = api.post("/v1/assessments", token=first["user_token"], body=submission()).body
    listing = api.get(f"/v1/users/{first['user_id']}/assessments", token=first["user_token"]).body
    check("NewAssessment", first)
    check("NewAssessment", second)
    check("Assessment", api.get(f"/v1/assessments/{second['assessment_id']}", token=first["user_token"]).body)
    check("AssessmentList", listing)
    check("Questionnaire", api.get("/v1/questionnaire").body)
    check("ErrorEnvelope", api.get("/v1/nothing-here").body)


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/v1/nothing-here", 404, None),
        ("GET", "/", 404, None),
        ("GET", "/v2/questionnaire", 404, None),
        ("GET", "/v1/assessments", 405, "POST, OPTIONS"),
        ("DELETE", "/v1/assessments/a_01k4bwz8e9f0g1h2j3k4m5n6p7", 405, "GET, OPTIONS"),
        ("POST", "/v1/questionnaire", 405, "GET, OPTIONS"),
        ("PUT", "/v1/users/u_00000000000000000000000000/assessments", 405, "GET, OPTIONS"),
    ],
)
def test_unknown_routes_and_methods_answer_in_the_envelope(
    api: ApiClient, method: str, path: str, status: int, allow: str | None
) -> None:
    response = api.request(method, path)

    assert response.function_id == "RouteNotFoundFunction"
    assert response.status == status
    assert response.error["code"] == ("not_found" if status == 404 else "method_not_allowed")
    # a 404 names the path as what is wrong; a 405 says which methods the path has instead
    assert response.error["details"] == (
        [{"field": "path", "message": "matches no route of this API"}] if status == 404 else []
    )
    assert response.headers.get("Allow") == allow


def test_a_function_given_another_routes_event_answers_404_in_the_envelope(api: ApiClient) -> None:
    import functions.get_questionnaire.app as questionnaire

    event = load_event("route_not_found")
    raw = questionnaire.lambda_handler(event, api.context)

    assert raw["statusCode"] == 404
    assert json.loads(raw["body"])["error"]["code"] == "not_found"


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_a_preflight_request_is_answered_with_cors_headers(api: ApiClient) -> None:
    import functions.create_assessment.app as create

    event = load_event("create_assessment")
    event["requestContext"]["http"]["method"] = "OPTIONS"
    event["headers"]["access-control-request-method"] = "POST"
    event.pop("body")
    api.request("GET", "/v1/openapi.json")  # any request: sets up the environment
    raw = create.lambda_handler(event, api.context)

    assert raw["statusCode"] == 204
    # a route that takes a centre's publishable key: the origin is echoed (never *), the actual
    # request is checked against the centre's origins by the authorizer
    assert raw["headers"]["Access-Control-Allow-Origin"] == event["headers"]["origin"]
    assert raw["headers"]["Vary"] == "Origin"
    assert "Idempotency-Key" in raw["headers"]["Access-Control-Allow-Headers"]


def test_throttling_is_retried_then_answered_503_with_retry_after(api: ApiClient, item_counts: Any) -> None:
    attempts: list[str] = []

    def throttle(request: Any, **_: Any) -> AWSResponse:
        attempts.append(str(request.headers.get("amz-sdk-request")))
        return dynamodb_error("ProvisionedThroughputExceededException")

    first = api.post("/v1/assessments", body=submission()).body
    api.on_dynamodb("before-send.dynamodb.Query", throttle)

    response = api.get(f"/v1/users/{first['user_id']}/assessments", token=first["user_token"])

    assert response.status == 503
    assert response.error["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "1"
    assert len(attempts) == 3  # botocore's standard retries ran before giving up (3 attempts in all)


def test_an_unreachable_store_during_a_keyed_write_is_503_and_leaves_nothing_behind(
    api: ApiClient, item_counts: Any, dynamodb: Any, tables: dict[str, str]
) -> None:
    attempts: list[int] = []

    def unreachable(request: Any, **_: Any) -> None:
        # Raise rather than answer: moto's own hook would otherwise still apply the write.
        attempts.append(1)
        raise ConnectTimeoutError(endpoint_url=request.url)

    # a new assessment is one transaction: the assessment, the user item, the activity and the receipt
    api.on_dynamodb("before-send.dynamodb.TransactWriteItems", unreachable)

    response = api.post("/v1/assessments", body=submission(), headers={"Idempotency-Key": new_key()})

    assert response.status == 503
    assert response.headers["Retry-After"] == "1"
    assert len(attempts) == 3
    # the idempotency record written before the failure was removed: a retry will run again
    assert item_counts()["IdempotencyTable"] == 0
    users = [
        item for item in all_items(dynamodb, tables["ReadinessTable"]) if item["PK"]["S"].startswith("USER")
    ]
    assert users == []


def test_an_unexpected_failure_is_500_without_internals(api: ApiClient) -> None:
    def explode(**_: Any) -> None:
        raise RuntimeError("internal detail: /var/task/secret.py line 7")

    first = api.post("/v1/assessments", body=submission()).body
    api.on_dynamodb("before-send.dynamodb.GetItem", explode)

    response = api.get(f"/v1/assessments/{first['assessment_id']}", token=first["user_token"])

    assert response.status == 500
    assert response.error == {
        "code": "internal_error",
        "message": "An unexpected error occurred; it has been logged.",
        "details": [],
    }
    assert "secret.py" not in json.dumps(response.raw)
    assert response.headers["X-Correlation-Id"]


def test_a_broken_deployment_is_500_in_the_envelope(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from readiness.api import runtime

    api.get("/v1/openapi.json")
    api.request("GET", "/v1/users/u_00000000000000000000000000/assessments", token="x")  # sets the env
    monkeypatch.delenv("TABLE_NAME")
    runtime.reset()
    import functions.list_assessments.app as listing

    event = load_event("list_assessments")
    raw = listing.lambda_handler(event, api.context)

    assert raw["statusCode"] == 500
    assert json.loads(raw["body"])["error"]["code"] == "internal_error"


def test_an_earlier_questionnaire_version_can_be_asked_for(api: ApiClient) -> None:
    current = api.get("/v1/questionnaire").body

    assert api.get("/v1/questionnaire", query={"version": current["version"]}).body == current
    unknown = api.get("/v1/questionnaire", query={"version": "0"})
    assert unknown.status == 422
    assert unknown.fields == ["version"]


def test_without_the_x_ray_sdk_a_function_serves_untraced(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from readiness.api import observability

    def no_sdk() -> Any:
        raise ImportError("No module named 'aws_xray_sdk'")

    monkeypatch.setattr(observability, "tracer", no_sdk)
    calls: list[str] = []

    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(event["routeKey"])
        return {"statusCode": 200}

    warnings: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("readiness.tracing").addHandler(handler)
    wrapped = observability.traced(lambda_handler)
    try:
        first = wrapped(load_event("get_openapi"), api.context)
        second = wrapped(load_event("get_openapi"), api.context)
    finally:
        logging.getLogger("readiness.tracing").removeHandler(handler)

    assert first["statusCode"] == second["statusCode"] == 200
    assert calls == ["GET /v1/openapi.json"] * 2
    assert warnings == ["tracing disabled: the X-Ray SDK cannot be imported"]  # once, not per request
