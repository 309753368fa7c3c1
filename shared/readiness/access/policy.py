"""Every route of the API and who may call it: one table, enforced by the authorizer and the handlers.

``authorizer`` says which Lambda authorizer API Gateway runs for the route (template.yaml must
agree; tests/infra checks it): none, the uncached one for routes where a credential is optional
(the publishable key is checked against the request's Origin on every call), or the cached one
for routes that need a credential. ``allowed`` is checked by the authorizer (the route key is
part of its cache key) and again by the handler. Object-level rules (your own user id, a
consenting student) are the use cases' business and answer 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from readiness.access.principal import Principal, PrincipalKind

ANYONE = frozenset(PrincipalKind) - {PrincipalKind.REFUSED}
ANONYMOUS, USER, CENTRE_PUBLIC, CENTRE_SECRET = (
    PrincipalKind.ANONYMOUS,
    PrincipalKind.USER,
    PrincipalKind.CENTRE_PUBLIC,
    PrincipalKind.CENTRE_SECRET,
)


class AuthorizerName(StrEnum):
    """The authorizers of the HTTP API (template.yaml, ReadinessApi Auth.Authorizers)."""

    NONE = "NONE"
    OPTIONAL = "CredentialOptional"  # no identity source, not cached: anonymous callers pass through
    REQUIRED = "CredentialRequired"  # identity source: Authorization and the route key; cached


@dataclass(frozen=True, slots=True)
class RouteAccess:
    authorizer: AuthorizerName
    allowed: frozenset[PrincipalKind]
    scope: str  # who, in the product's words (docs and OpenAPI)

    def admits(self, principal: Principal) -> bool:
        return principal.kind in self.allowed


ROUTE_POLICY: dict[str, RouteAccess] = {
    "GET /v1/questionnaire": RouteAccess(
        AuthorizerName.OPTIONAL,
        frozenset({ANONYMOUS, USER, CENTRE_PUBLIC}),
        "anyone; with a publishable key (from one of the centre's origins) it carries the centre's branding",
    ),
    "POST /v1/assessments": RouteAccess(
        AuthorizerName.OPTIONAL,
        frozenset({ANONYMOUS, USER, CENTRE_PUBLIC}),
        "anyone; a returning user sends their token; a centre's form adds its publishable key",
    ),
    "GET /v1/assessments/{assessment_id}": RouteAccess(
        AuthorizerName.REQUIRED, frozenset({USER}), "its owner"
    ),
    "GET /v1/users/{user_id}/assessments": RouteAccess(
        AuthorizerName.REQUIRED, frozenset({USER}), "the user"
    ),
    "GET /v1/users/{user_id}/consents/{centre_id}": RouteAccess(
        AuthorizerName.REQUIRED, frozenset({USER}), "the user (a student of that centre)"
    ),
    "PUT /v1/users/{user_id}/consents/{centre_id}": RouteAccess(
        AuthorizerName.REQUIRED, frozenset({USER}), "the user (a student of that centre)"
    ),
    "GET /v1/centres/me/summary": RouteAccess(
        AuthorizerName.REQUIRED, frozenset({CENTRE_SECRET}), "a centre, with its secret key"
    ),
    "GET /v1/centres/me/students": RouteAccess(
        AuthorizerName.REQUIRED, frozenset({CENTRE_SECRET}), "a centre, with its secret key"
    ),
    "POST /v1/users/{user_id}/activities": RouteAccess(
        AuthorizerName.REQUIRED,
        frozenset({USER, CENTRE_SECRET}),
        "the user, or a centre's secret key for a student who shares results with it",
    ),
    "POST /v1/users/{user_id}/imports": RouteAccess(AuthorizerName.REQUIRED, frozenset({USER}), "the user"),
    "GET /v1/users/{user_id}/imports/{import_id}": RouteAccess(
        AuthorizerName.REQUIRED, frozenset({USER}), "the user"
    ),
    "PUT /v1/users/{user_id}/schedule": RouteAccess(
        AuthorizerName.REQUIRED,
        frozenset({USER, CENTRE_SECRET}),
        "the user, or a centre's secret key for a student who shares results with it",
    ),
    "GET /v1/users/{user_id}/schedule": RouteAccess(
        AuthorizerName.REQUIRED,
        frozenset({USER, CENTRE_SECRET}),
        "the user, or a centre's secret key for a student who shares results with it",
    ),
    "DELETE /v1/users/{user_id}/schedule": RouteAccess(
        AuthorizerName.REQUIRED,
        frozenset({USER, CENTRE_SECRET}),
        "the user, or a centre's secret key for a student who shares results with it",
    ),
    "GET /v1/users/{user_id}/export": RouteAccess(AuthorizerName.REQUIRED, frozenset({USER}), "the user"),
    "DELETE /v1/users/{user_id}": RouteAccess(AuthorizerName.REQUIRED, frozenset({USER}), "the user"),
    # No credential: the document holds nothing of the centre's but who may frame it, and the
    # browser enforces that (frame-ancestors); the form's API calls carry the publishable key.
    "GET /v1/centres/{centre_id}/embed": RouteAccess(
        AuthorizerName.NONE, ANYONE, "anyone; browsers show it only inside the centre's own origins"
    ),
    "GET /v1/openapi.json": RouteAccess(AuthorizerName.NONE, ANYONE, "anyone"),
    "$default": RouteAccess(AuthorizerName.NONE, ANYONE, "anyone (404, 405, CORS preflight)"),
}


def routes_for_path(path: str) -> list[RouteAccess]:
    """The policies of every route whose path template matches a concrete path (any method)."""
    found = []
    for route_key, access in ROUTE_POLICY.items():
        if route_key == "$default":
            continue
        _method, template = route_key.split(" ", 1)
        pattern = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
        if re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", pattern), path):
            found.append(access)
    return found


def route_access(route_key: str) -> RouteAccess | None:
    return ROUTE_POLICY.get(route_key)


def admits(route_key: str, principal: Principal) -> bool:
    """Whether the route's policy lets this kind of principal call it (an unknown route lets no one)."""
    access = ROUTE_POLICY.get(route_key)
    return access is not None and access.admits(principal)
