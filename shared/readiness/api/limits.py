"""Counting a request against its caller's limits, at the handler's edge, before any work is done."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from readiness.access.http import principal_of
from readiness.access.principal import PrincipalKind
from readiness.api import runtime
from readiness.limits import Caller, LimitedAction


def caller_of(event: APIGatewayProxyEventV2) -> Caller:
    """Who the request counts against: the authorizer's principal, and the client's address."""
    principal = principal_of(event.raw_event)
    centre = principal.kind in (PrincipalKind.CENTRE_PUBLIC, PrincipalKind.CENTRE_SECRET)
    return Caller(
        user_id=principal.user_id,
        centre_id=principal.centre_id if centre else None,
        source_address=event.request_context.http.source_ip or None,
    )


def admit(event: APIGatewayProxyEventV2, action: LimitedAction, *, now: datetime) -> None:
    """One conditional write; raises RateLimited (429) or StoreUnavailable (503) and nothing is done."""
    runtime.request_limiter().admit(action, caller_of(event), now=now)
