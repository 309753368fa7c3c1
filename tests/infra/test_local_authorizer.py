"""The local API Gateway authorizer emulation: routes, identity sources, 401/403, the cache, the context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tools.http_api_event import build_event
from tools.local_authorizer import GatewayAuth, with_authorizer_context
from tools.sam_template import load_template

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  CacheSeconds:
    Type: Number
    Default: 300
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Required
        Authorizers:
          Required:
            FunctionArn: !GetAtt AuthFunction.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              Headers: [Authorization]
              Context: [routeKey]
              ReauthorizeEvery: !Ref CacheSeconds
          Optional:
            FunctionArn: !GetAtt AuthFunction.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              ReauthorizeEvery: 0
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: functions/a/, Handler: app.lambda_handler}
  PrivateFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/b/
      Handler: app.lambda_handler
      Events:
        Private: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /private, Method: GET}}
  OpenFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/c/
      Handler: app.lambda_handler
      Events:
        Open:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /open, Method: GET, Auth: {Authorizer: Optional}}
        Public:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /public, Method: GET, Auth: {Authorizer: NONE}}
"""


class Authorizer:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, function_id: str, event: dict[str, Any]) -> dict[str, Any]:
        assert function_id == "AuthFunction"
        self.calls.append(event)
        allowed = event["headers"].get("authorization") != "Bearer bad"
        return (
            {"isAuthorized": allowed, "context": {"kind": "user", "user_id": "u1"}}
            if allowed
            else {"isAuthorized": False}
        )


@pytest.fixture
def gateway(tmp_path: Path) -> GatewayAuth:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    now = [1000.0]
    auth = GatewayAuth.from_template(load_template(path))
    auth.clock = lambda: now[0]
    auth.advance = lambda seconds: now.__setitem__(0, now[0] + seconds)  # type: ignore[attr-defined]
    return auth


def event(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return build_event("GET", path, route_key=f"GET {path}", headers=headers)


def test_routes_get_their_authorizer(gateway: GatewayAuth) -> None:
    assert gateway.authorizers["Required"].identity_sources == (
        "$request.header.Authorization",
        "$context.routeKey",
    )
    assert gateway.authorizers["Required"].ttl_seconds == 300
    assert gateway.authorizer_for("GET", "/private").name == "Required"  # type: ignore[union-attr]
    assert gateway.authorizer_for("GET", "/open").name == "Optional"  # type: ignore[union-attr]
    assert gateway.authorizer_for("GET", "/public") is None


def test_a_missing_identity_source_is_401_without_calling_the_authorizer(gateway: GatewayAuth) -> None:
    calls = Authorizer()
    outcome = gateway.check("GET", "/private", event("/private"), calls)
    assert (outcome.status, outcome.body) == (401, {"message": "Unauthorized"})
    assert calls.calls == []


def test_deny_is_403_and_allow_passes_the_context(gateway: GatewayAuth) -> None:
    calls = Authorizer()
    denied = gateway.check("GET", "/private", event("/private", {"Authorization": "Bearer bad"}), calls)
    assert (denied.status, denied.body) == (403, {"message": "Forbidden"})
    request = event("/private", {"Authorization": "Bearer good"})
    allowed = gateway.check("GET", "/private", request, calls)
    assert allowed.allowed
    sent = calls.calls[-1]
    assert sent["type"] == "REQUEST"
    assert sent["identitySource"] == ["Bearer good", "GET /private"]
    assert sent["routeArn"].endswith(":r3adin3ss1/dev/GET/private")
    with_authorizer_context(request, allowed.context)
    assert request["requestContext"]["authorizer"] == {"lambda": {"kind": "user", "user_id": "u1"}}


def test_answers_are_cached_by_identity_values_for_the_ttl(gateway: GatewayAuth) -> None:
    calls = Authorizer()
    request = event("/private", {"Authorization": "Bearer good"})
    assert not gateway.check("GET", "/private", request, calls).cached
    assert gateway.check("GET", "/private", request, calls).cached
    assert not gateway.check(
        "GET", "/private", event("/private", {"Authorization": "Bearer other"}), calls
    ).cached
    gateway.advance(301)  # type: ignore[attr-defined]
    assert not gateway.check("GET", "/private", request, calls).cached
    assert len(calls.calls) == 3


def test_the_optional_authorizer_runs_every_time_even_without_credentials(gateway: GatewayAuth) -> None:
    calls = Authorizer()
    for _ in range(2):
        assert gateway.check("GET", "/open", event("/open"), calls).allowed
    assert len(calls.calls) == 2
    assert calls.calls[0]["identitySource"] == []


def test_a_broken_authorizer_is_500(gateway: GatewayAuth) -> None:
    def broken(function_id: str, request: dict[str, Any]) -> Any:
        raise RuntimeError("boom")

    assert gateway.check("GET", "/open", event("/open"), broken).status == 500
    assert gateway.check("GET", "/open", event("/open"), lambda f, e: {"nope": 1}).status == 500
