"""The principal: who a request is from, as the authorizer resolved it and handlers receive it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from readiness.centres.model import Branding, is_centre_id
from readiness.identity import is_user_id


class PrincipalKind(StrEnum):
    ANONYMOUS = "anonymous"  # no credential (questionnaire, a first submission)
    USER = "user"  # a user token
    CENTRE_PUBLIC = (
        "centre_public"  # a centre's publishable key, from one of its origins (maybe with a user token)
    )
    CENTRE_SECRET = "centre_secret"  # a centre's secret key  # noqa: S105 - a kind, not a secret
    # a credential the authorizer refused: the function answers 401 or 403 in the API's own envelope
    # (with CORS headers a browser can read), not API Gateway with a bare {"message"} body
    REFUSED = "refused"


REFUSAL_FIELDS = frozenset({"headers.Authorization", "headers.X-Readiness-Key", "headers.Origin"})


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    user_id: str | None = None
    centre_id: str | None = None
    # publishable-key requests: the browser origin the key was accepted from (CORS echoes it)
    origin: str | None = None
    branding: Branding | None = None
    # REFUSED only: 401 (the credential is not valid) or 403 (not admitted here), and the header at fault
    refused_status: int | None = None
    refused_field: str | None = None

    @classmethod
    def anonymous(cls) -> Principal:
        return cls(PrincipalKind.ANONYMOUS)

    @classmethod
    def refused(cls, status: int, field: str) -> Principal:
        return cls(PrincipalKind.REFUSED, refused_status=status, refused_field=field)

    def as_context(self) -> dict[str, str]:
        """The authorizer's context (the function receives it as requestContext.authorizer.lambda)."""
        context = {"kind": self.kind.value}
        if self.user_id:
            context["user_id"] = self.user_id
        if self.centre_id:
            context["centre_id"] = self.centre_id
        if self.origin:
            context["origin"] = self.origin
        if self.branding:
            context["branding"] = json.dumps(self.branding.as_dict(), separators=(",", ":"))
        if self.kind is PrincipalKind.REFUSED:
            context["status"] = str(self.refused_status or 403)
            context["field"] = self.refused_field or "headers.Authorization"
        return context

    @classmethod
    def from_context(cls, context: Mapping[str, Any] | None) -> Principal:
        """The principal of a request; anything missing or malformed is anonymous (it can call less)."""
        if not context:
            return cls.anonymous()
        try:
            kind = PrincipalKind(str(context.get("kind")))
        except ValueError:
            return cls.anonymous()
        if kind is PrincipalKind.REFUSED:
            status = 401 if context.get("status") == "401" else 403
            field = context.get("field")
            return cls.refused(status, field if field in REFUSAL_FIELDS else "headers.Authorization")
        user_id = context.get("user_id")
        centre_id = context.get("centre_id")
        user_id = user_id if isinstance(user_id, str) and is_user_id(user_id) else None
        centre_id = centre_id if isinstance(centre_id, str) and is_centre_id(centre_id) else None
        needs = {
            PrincipalKind.ANONYMOUS: True,
            PrincipalKind.USER: user_id is not None,
            PrincipalKind.CENTRE_PUBLIC: centre_id is not None,
            PrincipalKind.CENTRE_SECRET: centre_id is not None,
        }
        if not needs[kind]:
            return cls.anonymous()
        origin = context.get("origin")
        return cls(
            kind=kind,
            user_id=user_id if kind in (PrincipalKind.USER, PrincipalKind.CENTRE_PUBLIC) else None,
            centre_id=centre_id if kind is not PrincipalKind.USER else None,
            origin=origin if isinstance(origin, str) and origin else None,
            branding=_branding(context.get("branding")),
        )


def _branding(value: Any) -> Branding | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        document = json.loads(value)
        return Branding(
            display_name=str(document["display_name"]),
            accent_colour=str(document["accent_colour"]),
            logo_url=str(document["logo_url"]) if document.get("logo_url") else None,
        )
    except (ValueError, KeyError, TypeError):
        return None
