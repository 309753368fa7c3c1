"""From presented credentials to a principal: what the Lambda authorizer does, as a pure use case.

Credentials:
- ``Authorization: Bearer <user_token>``: a user (checked against the stored token hash);
- ``Authorization: Bearer sk_...``: a centre's secret key (server to server, or the counsellor page);
- ``X-Readiness-Key: pk_...``: a centre's publishable key, only on routes where a credential is
  optional (the questionnaire, a submission), and only from the centre's allowed origins. The
  origin is the browser's ``Origin`` header. The form embedded by web/embed.js runs in an iframe
  served from this service's own origin; its requests name the host page's origin in
  ``X-Readiness-Host``, which the iframe learnt from the browser (the ``origin`` of the host's
  first postMessage), and which counts only when ``Origin`` is one of the service's own origins.
  A script on a foreign page cannot make a browser send either header with another origin.

On routes that need a credential only ``Authorization`` is read: it is the authorizer's cache
key there (with the route key), so nothing else may change the outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from readiness.access.policy import ROUTE_POLICY, AuthorizerName
from readiness.access.principal import Principal, PrincipalKind
from readiness.centres.keys import InvalidKey, KeyKind, PresentedKey, looks_like_centre_key, parse_key
from readiness.centres.model import normalise_origin
from readiness.centres.repository import CentreRepository
from readiness.centres.service import authenticate_centre_key
from readiness.errors import ReadinessError
from readiness.identity import InvalidCredentials, credential_from_token

KEY_HEADER = "X-Readiness-Key"
HOST_HEADER = "X-Readiness-Host"
_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +(\S+) *")


AUTHORIZATION_FIELD = "headers.Authorization"
PUBLISHABLE_KEY_FIELD = "headers.X-Readiness-Key"
ORIGIN_FIELD = "headers.Origin"
# a credential that is malformed, unknown, expired or revoked (401); every other refusal is a valid
# credential the route does not admit, or one used where it may not be (403)
_NOT_VALID = frozenset(
    {
        "malformed_credential",
        "unknown_user_token",
        "malformed_key",
        "unknown_key",
        "expired_key",
        "revoked_key",
    }
)


class AccessDenied(ReadinessError):
    """The request may not proceed; ``reason`` is a code safe to log (never the credential), ``field``
    the header at fault."""

    def __init__(self, reason: str, field: str = AUTHORIZATION_FIELD) -> None:
        self.reason = reason
        self.field = field
        super().__init__(reason)

    @property
    def status(self) -> int:
        return 401 if self.reason in _NOT_VALID else 403


class UserTokens(Protocol):
    def owner_token_hash(self, user_id: str) -> str | None:
        """The stored hash of the user's token, or None for an unknown user."""


@dataclass(frozen=True, slots=True)
class PresentedCredentials:
    authorization: str | None = None
    publishable_key: str | None = None
    origin: str | None = None
    host_origin: str | None = None  # X-Readiness-Host
    own_origin: str | None = None  # this API's origin (from Host), where web/ may be served

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> PresentedCredentials:
        lowered = {name.lower(): value for name, value in headers.items()}

        def value(name: str) -> str | None:
            text = lowered.get(name.lower())
            return text.strip() if text and text.strip() else None

        host = value("host")
        proto = (value("x-forwarded-proto") or "https").split(",")[0].strip()
        own = None
        if host:
            try:
                own = normalise_origin(f"{proto}://{host}")
            except ValueError:
                own = None
        return cls(
            authorization=value("authorization"),
            publishable_key=value(KEY_HEADER),
            origin=value("origin"),
            host_origin=value(HOST_HEADER),
            own_origin=own,
        )


class PrincipalResolver:
    """Resolves credentials with one read per credential: the user's token hash, the centre's item."""

    def __init__(
        self, users: UserTokens, centres: CentreRepository, *, widget_origins: Iterable[str] = ()
    ) -> None:
        self._users = users
        self._centres = centres
        self._widget_origins = frozenset(_normal(o) for o in widget_origins if _normal(o))

    def authorize(self, route_key: str, credentials: PresentedCredentials, *, now: datetime) -> Principal:
        """The principal, if the route's policy admits it; AccessDenied otherwise."""
        access = ROUTE_POLICY.get(route_key)
        if access is None or access.authorizer is AuthorizerName.NONE:
            raise AccessDenied("unknown_route")
        principal = self.resolve(credentials, optional=access.authorizer is AuthorizerName.OPTIONAL, now=now)
        if not access.admits(principal):
            raise AccessDenied("not_allowed_on_route")
        return principal

    def resolve(self, credentials: PresentedCredentials, *, optional: bool, now: datetime) -> Principal:
        user_id: str | None = None
        secret_centre: str | None = None
        bearer = _bearer(credentials.authorization)
        if bearer is not None:
            if looks_like_centre_key(bearer):
                presented = _parse_key(bearer)
                if presented.kind is not KeyKind.SECRET:
                    raise AccessDenied("publishable_key_in_authorization")
                centre, verdict = authenticate_centre_key(self._centres, presented, now=now)
                if centre is None:
                    raise AccessDenied(f"{verdict.value}_key")
                secret_centre = centre.centre_id
            else:
                user_id = self._user(bearer)
        if not optional or credentials.publishable_key is None:
            if secret_centre is not None:
                return Principal(PrincipalKind.CENTRE_SECRET, centre_id=secret_centre)
            if user_id is not None:
                return Principal(PrincipalKind.USER, user_id=user_id)
            return Principal.anonymous()
        if secret_centre is not None:
            raise AccessDenied("two_centre_keys", PUBLISHABLE_KEY_FIELD)
        presented = _parse_key(credentials.publishable_key, PUBLISHABLE_KEY_FIELD)
        if presented.kind is not KeyKind.PUBLISHABLE:
            raise AccessDenied("secret_key_in_browser_header", PUBLISHABLE_KEY_FIELD)
        centre, verdict = authenticate_centre_key(self._centres, presented, now=now)
        if centre is None:
            raise AccessDenied(f"{verdict.value}_key", PUBLISHABLE_KEY_FIELD)
        origin = _normal(credentials.origin)
        if origin is None:
            raise AccessDenied("publishable_key_without_origin", ORIGIN_FIELD)
        if not centre.allows_origin(origin):
            own = self._widget_origins | ({credentials.own_origin} if credentials.own_origin else set())
            if origin not in own or not centre.allows_origin(credentials.host_origin):
                raise AccessDenied("origin_not_allowed", ORIGIN_FIELD)
        return Principal(
            PrincipalKind.CENTRE_PUBLIC,
            user_id=user_id,
            centre_id=centre.centre_id,
            origin=origin,
            branding=centre.branding,
        )

    def _user(self, token: str) -> str:
        try:
            credential = credential_from_token(token)
        except InvalidCredentials:
            raise AccessDenied("malformed_credential") from None
        stored = self._users.owner_token_hash(credential.user_id)
        if stored is None or not credential.matches(stored):
            raise AccessDenied("unknown_user_token")
        return credential.user_id


def _bearer(header: str | None) -> str | None:
    if header is None:
        return None
    found = _BEARER.fullmatch(header)
    if found is None:
        raise AccessDenied("malformed_credential")
    return found.group(1)


def _parse_key(text: str, field: str = AUTHORIZATION_FIELD) -> PresentedKey:
    try:
        return parse_key(text)
    except InvalidKey:
        raise AccessDenied("malformed_key", field) from None


def _normal(origin: str | None) -> str | None:
    if not origin:
        return None
    try:
        return normalise_origin(origin)
    except ValueError:
        return None
