"""Every route declares who may call it: ROUTE_POLICY and template.yaml agree, both ways.

The authorizer each route runs (none, CredentialOptional or CredentialRequired) is the one the
policy table names; the authorizers are Lambda REQUEST authorizers with payload 2.0 and simple
responses; the one for routes that need a credential is cached with Authorization and the route key
as its identity sources, the optional one is not cached. API keys are not used.
"""

from __future__ import annotations

from typing import Any

from readiness.access.policy import ROUTE_POLICY, AuthorizerName

from tests.infra.conftest import resources_of_type
from tools.local_authorizer import NONE, GatewayAuth
from tools.sam_template import DEFAULT_ROUTE, SamTemplate


def route_key(method: str, path: str) -> str:
    return DEFAULT_ROUTE if path == DEFAULT_ROUTE else f"{method} {path}"


def test_the_policy_table_and_the_template_name_the_same_routes(template: SamTemplate) -> None:
    routes = {route_key(r.method, r.path) for r in template.routes}
    assert routes == set(ROUTE_POLICY)


def test_each_route_runs_the_authorizer_its_policy_names(template: SamTemplate) -> None:
    gateway = GatewayAuth.from_template(template)
    for route in template.routes:
        access = ROUTE_POLICY[route_key(route.method, route.path)]
        spec = gateway.authorizer_for(route.method, route.path)
        name = spec.name if spec else NONE
        assert name == access.authorizer.value, (route, name)


def test_the_authorizers(template: SamTemplate) -> None:
    gateway = GatewayAuth.from_template(template)
    required = gateway.authorizers[AuthorizerName.REQUIRED.value]
    optional = gateway.authorizers[AuthorizerName.OPTIONAL.value]
    assert required.function_id == optional.function_id == "AuthorizeRequestFunction"
    assert required.identity_sources == ("$request.header.Authorization", "$context.routeKey")
    assert required.ttl_seconds > 0
    assert optional.identity_sources == ()
    assert optional.ttl_seconds == 0
    for spec in (required, optional):
        assert spec.simple_responses
        assert spec.payload_version == "2.0"
    assert gateway.default == AuthorizerName.REQUIRED.value  # a route that forgets to say is protected


def test_the_transformed_api_carries_them_and_no_api_keys(cloudformation: dict[str, Any]) -> None:
    (api,) = resources_of_type(cloudformation, "AWS::ApiGatewayV2::Api").values()
    body = api["Properties"]["Body"]
    schemes = body["components"]["securitySchemes"]
    assert set(schemes) == {AuthorizerName.REQUIRED.value, AuthorizerName.OPTIONAL.value}
    for scheme in schemes.values():
        authorizer = scheme["x-amazon-apigateway-authorizer"]
        assert authorizer["type"] == "request"
        assert authorizer["enableSimpleResponses"] is True
        assert authorizer["authorizerPayloadFormatVersion"] == "2.0"
    assert "x-amazon-apigateway-api-key-source" not in body
    assert "x-amazon-apigateway-cors" not in body  # CORS is answered by the functions (per-centre origins)
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            key = route_key(method.upper().replace("X-AMAZON-APIGATEWAY-ANY-METHOD", "ANY"), path)
            key = DEFAULT_ROUTE if path == "/$default" else key
            expected = ROUTE_POLICY[key].authorizer
            security = operation.get("security") or []
            named = {name for entry in security for name in entry}
            if expected is AuthorizerName.NONE:
                assert named <= {"NONE"}, key  # SAM writes Authorizer: NONE as {"NONE": []}
            else:
                assert named == {expected.value}, key
    permissions = resources_of_type(cloudformation, "AWS::Lambda::Permission")
    assert any(
        "AuthorizeRequestFunction" in str(p["Properties"]["FunctionName"]) for p in permissions.values()
    )
