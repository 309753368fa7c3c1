"""The Lambda authorizer's work: an HTTP API (payload 2.0) REQUEST authorizer event in, a simple
response out (``{"isAuthorized": true, "context": {...}}``). The context is the principal
(readiness.access.principal), or a refusal the function turns into a 401 or 403; API Gateway hands
it to the route's function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from readiness.access.principal import Principal
from readiness.access.resolve import AccessDenied, PresentedCredentials, PrincipalResolver


@dataclass(frozen=True, slots=True)
class Decision:
    response: dict[str, Any]
    principal: Principal | None
    reason: str | None  # why it was denied: a code, safe to log


def decide(event: Mapping[str, Any], resolver: PrincipalResolver, *, now: datetime) -> Decision:
    route_key = str(event.get("routeKey") or "")
    credentials = PresentedCredentials.from_headers(event.get("headers") or {})
    try:
        principal = resolver.authorize(route_key, credentials, now=now)
    except AccessDenied as denied:
        # Passed on as a refusal: the function answers 401/403 in the API's envelope, with the CORS
        # headers a browser needs to read it (API Gateway's own 403 has neither, and cannot be
        # customised on an HTTP API). Cached like any answer, so a repeated bad credential costs
        # no authorizer call; the function refuses it before reading anything.
        refused = Principal.refused(denied.status, denied.field)
        return Decision({"isAuthorized": True, "context": refused.as_context()}, None, denied.reason)
    return Decision({"isAuthorized": True, "context": principal.as_context()}, principal, None)
