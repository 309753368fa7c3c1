"""The OpenAPI document's access control and career-centre parts: credentials per route, centre routes.

``with_access`` takes the document readiness.openapi builds and adds, for every operation, who may
call it (``x-readiness-access``, from readiness.access.policy, and ``security``), the answers the
gateway gives for missing or refused credentials, and the consent and centre routes.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic.json_schema import models_json_schema

from readiness.access.policy import ROUTE_POLICY, AuthorizerName
from readiness.access.principal import PrincipalKind
from readiness.access.resolve import HOST_HEADER, KEY_HEADER
from readiness.api.centres import Consent, ConsentChoice, StudentList
from readiness.api.pagination import page_parameters
from readiness.centres.aggregates import CohortSummary
from readiness.centres.model import CENTRE_ID_PATTERN
from readiness.identity import USER_ID_PATTERN

REF = "#/components/schemas/{model}"
_SCHEMES = {
    PrincipalKind.USER: "userToken",
    PrincipalKind.CENTRE_PUBLIC: "publishableKey",
    PrincipalKind.CENTRE_SECRET: "centreSecretKey",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"X-Correlation-Id": {"$ref": "#/components/headers/CorrelationId"}},
        "content": {"application/json": {"schema": {"$ref": REF.format(model=schema)}}},
    }


# what API Gateway itself answers on this API: a route that needs a credential called without an
# Authorization header (before any function runs), and an authorizer that failed; the authorizer
# never denies, so the gateway's {"message": "Forbidden"} does not occur
_GATEWAY_MESSAGES = {401: "Unauthorized", 500: "Internal Server Error"}


def _gateway_or_function(
    status: int, description: str, headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A response API Gateway may give in its own body, or a function in the API's error envelope."""
    response: dict[str, Any] = {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": REF.format(model="GatewayRefusal")},
                        {"$ref": REF.format(model="ErrorEnvelope")},
                    ]
                },
                "example": {"message": _GATEWAY_MESSAGES[status]},
            }
        },
    }
    if headers:
        response["headers"] = headers
    return response


def _security(route_key: str) -> list[dict[str, list[str]]]:
    access = ROUTE_POLICY[route_key]
    if access.authorizer is AuthorizerName.NONE:
        return []
    options: list[dict[str, list[str]]] = []
    if PrincipalKind.ANONYMOUS in access.allowed:
        options.append({})
    for kind in (PrincipalKind.USER, PrincipalKind.CENTRE_PUBLIC, PrincipalKind.CENTRE_SECRET):
        if kind in access.allowed:
            options.append({_SCHEMES[kind]: []})
    if route_key == "POST /v1/assessments":
        options.append({"userToken": [], "publishableKey": []})  # a returning student of a centre
    return options


def _centre_paths() -> dict[str, Any]:
    user_id = {
        "name": "user_id",
        "in": "path",
        "required": True,
        "description": "your user id",
        "schema": {"type": "string", "pattern": f"^{USER_ID_PATTERN}$"},
    }
    centre_id = {
        "name": "centre_id",
        "in": "path",
        "required": True,
        "description": "the career centre (`centre.centre_id` of the questionnaire it served you)",
        "schema": {"type": "string", "pattern": f"^{CENTRE_ID_PATTERN}$"},
    }
    errors = {**{str(c): _ref(n) for c, n in ((401, "Unauthorized"), (403, "Forbidden"), (404, "NotFound"))}}
    tail = {
        str(c): _ref(n)
        for c, n in ((429, "TooManyRequests"), (500, "InternalError"), (503, "ServiceUnavailable"))
    }
    return {
        "/v1/centres/{centre_id}/embed": {
            "get": {
                "operationId": "getCentreEmbed",
                "tags": ["centres"],
                "summary": "The embedded form's page for a centre (what web/embed.js puts in its iframe)",
                "description": "An HTML document, no credential. Its `Content-Security-Policy` allows no "
                "inline script and names the centre's registered origins in `frame-ancestors`, so a browser "
                "shows it only inside the centre's own pages; with it come `X-Content-Type-Options`, "
                "`Referrer-Policy: no-referrer` and a `Permissions-Policy` that turns off every device "
                "feature. An unknown or revoked centre is a 404 that no page may frame.",
                "security": [],
                "parameters": [centre_id],
                "responses": {
                    "200": {
                        "description": "the form's page for that centre",
                        "headers": {
                            "Content-Security-Policy": {
                                "description": "`frame-ancestors` lists the centre's origins",
                                "schema": {"type": "string"},
                            },
                            "X-Correlation-Id": {"$ref": "#/components/headers/CorrelationId"},
                        },
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    "404": _ref("NotFound"),
                    **tail,
                },
            }
        },
        "/v1/users/{user_id}/consents/{centre_id}": {
            "get": {
                "operationId": "getConsent",
                "tags": ["centres"],
                "summary": "Whether a career centre may see your individual results",
                "description": "You are a student of a centre once you have submitted an assessment with its "
                "form. Its consent is no until you say yes. A centre you are not a student of is a 404.",
                "parameters": [user_id, centre_id],
                "responses": {"200": _ok("your choice for that centre", "Consent"), **errors, **tail},
            },
            "put": {
                "operationId": "setConsent",
                "tags": ["centres"],
                "summary": "Let a career centre see your individual results, or stop it",
                "description": "Yes: the centre lists you with your latest score, band and date. No: it sees "
                "you only inside aggregates of at least its k-anonymity threshold. Takes effect at once.",
                "parameters": [user_id, centre_id],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": REF.format(model="ConsentChoice")}}},
                },
                "responses": {
                    "200": _ok("your choice, stored", "Consent"),
                    "400": _ref("MalformedJson"),
                    "415": _ref("UnsupportedMediaType"),
                    **errors,
                    "422": _ref("Unprocessable"),
                    **tail,
                },
            },
        },
        "/v1/centres/me/summary": {
            "get": {
                "operationId": "getCentreSummary",
                "tags": ["centres"],
                "summary": "Your cohort in aggregate (secret key)",
                "description": "Students (each counted by their latest assessment, whether or not they share "
                "results), mean score, a histogram of scores, bands, the mean of each dimension, coaching "
                "flags and a 12-month trend. Any group smaller than `k_threshold` is null; below k students "
                "there is no distribution at all (`suppressed`). Costs the same for 10 or 100,000 students.",
                "responses": {"200": _ok("the summary", "CohortSummary"), **errors, **tail},
            }
        },
        "/v1/centres/me/students": {
            "get": {
                "operationId": "listCentreStudents",
                "tags": ["centres"],
                "summary": "Your students who share their results, with their latest scores (secret key)",
                "parameters": page_parameters(),
                "responses": {
                    "200": _ok("a page of students, by user id", "StudentList"),
                    **errors,
                    "422": _ref("Unprocessable"),
                    **tail,
                },
            }
        },
    }


def _schemas() -> dict[str, Any]:
    _, top = models_json_schema(
        [
            (CohortSummary, "serialization"),
            (StudentList, "serialization"),
            (Consent, "serialization"),
            (ConsentChoice, "validation"),
        ],
        ref_template=REF,
    )
    schemas: dict[str, Any] = copy.deepcopy(top["$defs"])
    schemas["CentreBranding"] = {
        "type": "object",
        "description": "the centre's branding, when the questionnaire was asked for with its publishable key",
        "properties": {
            "centre_id": {"type": "string", "pattern": f"^{CENTRE_ID_PATTERN}$"},
            "display_name": {"type": "string"},
            "accent_colour": {"type": "string", "pattern": "^#[0-9a-f]{6}$"},
            "logo_url": {"type": ["string", "null"], "format": "uri"},
        },
        "required": ["centre_id", "display_name", "accent_colour", "logo_url"],
    }
    return schemas


def with_access(document: dict[str, Any]) -> dict[str, Any]:
    """The document with who may call each route, the gateway's refusals and the centre routes."""
    document["paths"].update(_centre_paths())
    components = document["components"]
    components["schemas"].update(_schemas())
    components["securitySchemes"].update(
        {
            "publishableKey": {
                "type": "apiKey",
                "in": "header",
                "name": KEY_HEADER,
                "description": "a career centre's publishable key (pk_...), accepted only from the centre's "
                f"registered origins (the request's Origin; from the embedded form, {HOST_HEADER})",
            },
            "centreSecretKey": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "sk_<centre_id>_<secret>",
                "description": "a career centre's secret key: server to server, or the counsellor page",
            },
        }
    )
    components["schemas"]["GatewayRefusal"] = {
        "type": "object",
        "title": "GatewayRefusal",
        "description": "API Gateway's own body, when it answers before any function runs (no "
        "credential on a route that needs one) or the route's authorizer failed: not the API's envelope",
        "properties": {"message": {"type": "string", "enum": list(_GATEWAY_MESSAGES.values())}},
        "required": ["message"],
        "additionalProperties": False,
    }
    components["responses"]["CredentialMissing"] = _gateway_or_function(
        401,
        "no Authorization header: API Gateway answers before any function runs, with "
        '{"message": "Unauthorized"}; a credential that is malformed, unknown, expired or revoked: the '
        "function answers in the error envelope, naming the header (with WWW-Authenticate for "
        "Authorization)",
        {"WWW-Authenticate": {"$ref": "#/components/headers/WwwAuthenticate"}},
    )
    components["responses"]["Unauthorized"]["description"] = (
        "the credential sent (Authorization, or X-Readiness-Key) is malformed, unknown, expired or "
        "revoked; the details name the header (WWW-Authenticate comes with Authorization's)"
    )
    components["responses"]["Forbidden"] = {
        "description": "a valid credential this route does not admit (not for its kind of caller), or a "
        "publishable key from an origin its centre did not register; the details name the header",
        "content": {
            "application/json": {
                "schema": {"$ref": REF.format(model="ErrorEnvelope")},
                "example": {
                    "error": {
                        "code": "forbidden",
                        "message": "This credential may not be used here.",
                        "details": [{"field": "headers.Authorization", "message": "is not accepted here"}],
                    }
                },
            }
        },
    }
    components["responses"]["AuthorizerOrInternalError"] = _gateway_or_function(
        500,
        'the route\'s authorizer failed (API Gateway answers {"message": "Internal Server Error"}), or an '
        "unexpected error in the function (the error envelope; it has been logged)",
    )
    components["parameters"]["ReadinessHost"] = {
        "name": HOST_HEADER,
        "in": "header",
        "required": False,
        "description": "sent by the form embedded with web/embed.js: the host page's origin, which must be "
        "one of the centre's (it counts only when Origin is Readiness's own)",
        "schema": {"type": "string"},
    }
    document["tags"].append({"name": "centres", "description": "career centres: consent, cohort, students"})
    questionnaire = document["paths"]["/v1/questionnaire"]["get"]
    questionnaire["responses"]["200"]["content"]["application/json"]["schema"] = {
        "allOf": [
            {"$ref": REF.format(model="Questionnaire")},
            {"type": "object", "properties": {"centre": {"$ref": REF.format(model="CentreBranding")}}},
        ]
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            route_key = f"{method.upper()} {path}"
            access = ROUTE_POLICY[route_key]
            operation["security"] = _security(route_key)
            operation["x-readiness-access"] = access.scope
            if access.authorizer is not AuthorizerName.NONE:
                # a credential sent and refused (401) or not admitted (403), from the function; with
                # none, API Gateway's own 401 where one is required; the gateway's 500 if the authorizer fails
                responses = operation["responses"]
                required = access.authorizer is AuthorizerName.REQUIRED  # only it has an identity source
                responses["401"] = _ref("CredentialMissing" if required else "Unauthorized")
                responses["403"] = _ref("Forbidden")
                responses["500"] = _ref("AuthorizerOrInternalError")
            if route_key in ("GET /v1/questionnaire", "POST /v1/assessments"):
                operation.setdefault("parameters", []).append(
                    {"$ref": "#/components/parameters/ReadinessHost"}
                )
    return document
