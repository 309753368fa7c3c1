"""The handler's side of access control: the principal from the authorizer's context, object checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from readiness.access.errors import NotYourUser
from readiness.access.principal import Principal, PrincipalKind


def principal_of(event: Mapping[str, Any]) -> Principal:
    """Who the request is from, as the authorizer said (nothing there: anonymous)."""
    request_context = event.get("requestContext") or {}
    authorizer = request_context.get("authorizer") or {}
    context = authorizer.get("lambda") if isinstance(authorizer, Mapping) else None
    return Principal.from_context(context if isinstance(context, Mapping) else None)


def require_self(principal: Principal, user_id: str) -> str:
    """The path's user must be the caller (another user's id answers exactly like a missing one)."""
    if principal.kind is not PrincipalKind.USER or principal.user_id != user_id:
        raise NotYourUser("not the caller's user")
    return user_id
