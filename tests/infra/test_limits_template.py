"""template.yaml's abuse limits: costly routes throttled tighter, per-caller limits as parameters."""

from __future__ import annotations

from typing import Any

from readiness.settings import ENVIRONMENT_NAMES, Settings

from tests.infra.conftest import REPO, resources_of_type
from tools.sam_template import SamTemplate, read_yaml, resolve_environment

TIGHTER_ROUTES = (
    "POST /v1/assessments",
    "POST /v1/users/{user_id}/imports",
    "POST /v1/users/{user_id}/activities",
)
LIMIT_PARAMETERS = {
    "UserSubmissionsPerHour": ("user_submissions_per_hour", 30),
    "UserSubmissionsPerDay": ("user_submissions_per_day", 200),
    "UserImportsPerDay": ("user_imports_per_day", 10),
    "CentreSubmissionsPerHour": ("centre_submissions_per_hour", 2000),
    "CentreWritesPerHour": ("centre_writes_per_hour", 1000),
    "SourceSubmissionsPerHour": ("source_submissions_per_hour", 20),
}
REFS = {"ReadinessTable": "table", "IdempotencyTable": "idempotency", "UploadsBucket": "uploads"}
LIMITED_FUNCTIONS = (
    "CreateAssessmentFunction",
    "IngestActivitiesFunction",
    "CreateImportFunction",
    "PutScheduleFunction",
    "DeleteScheduleFunction",
)


def _api() -> dict[str, Any]:
    properties: dict[str, Any] = read_yaml(REPO / "template.yaml")["Resources"]["ReadinessApi"]["Properties"]
    return properties


def test_costly_routes_are_throttled_tighter_than_the_default(template: SamTemplate) -> None:
    default = _api()["DefaultRouteSettings"]
    settings = _api()["RouteSettings"]
    route_keys = {f"{route.method} {route.path}" for route in template.routes}
    assert set(TIGHTER_ROUTES) <= set(settings)
    for key, route in settings.items():
        assert key in route_keys, f"{key}: not a route of the API (the stage would fail to deploy)"
        assert 1 <= route["ThrottlingRateLimit"] < default["ThrottlingRateLimit"], key
        assert (
            route["ThrottlingRateLimit"] <= route["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"]
        ), key
    # an import (a 50 MB upload to sign and read) is the tightest of all
    imports = settings["POST /v1/users/{user_id}/imports"]
    assert imports["ThrottlingRateLimit"] <= min(s["ThrottlingRateLimit"] for s in settings.values())


def test_the_deployed_stage_carries_the_route_settings(cloudformation: dict[str, Any]) -> None:
    (stage,) = resources_of_type(cloudformation, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["RouteSettings"] == _api()["RouteSettings"]
    assert stage["Properties"]["DefaultRouteSettings"] == _api()["DefaultRouteSettings"]


def test_limits_are_parameters_with_the_documented_defaults_read_by_settings(template: SamTemplate) -> None:
    parameters = read_yaml(REPO / "template.yaml")["Parameters"]
    for name, (field, default) in LIMIT_PARAMETERS.items():
        assert parameters[name]["Type"] == "Number", name
        assert parameters[name]["MinValue"] >= 1, name
        assert parameters[name]["Default"] == default, name
        assert Settings.model_fields[field].default == default, field
    for function_id in LIMITED_FUNCTIONS:
        environment = resolve_environment(template.functions[function_id], REFS)
        settings = Settings.from_environ(environment)
        for name, (field, default) in LIMIT_PARAMETERS.items():
            assert environment[ENVIRONMENT_NAMES[field][0]] == str(default), (function_id, name)
            assert getattr(settings, field) == default
    # the local stack resolves the same variables from the same parameters, overrides included
    overridden = resolve_environment(
        template.functions["CreateAssessmentFunction"],
        REFS,
        {"UserSubmissionsPerHour": "5"},
    )
    assert Settings.from_environ(overridden).user_submissions_per_hour == 5
