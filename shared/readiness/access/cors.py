"""CORS as the API answers it (API Gateway's own CORS handling cannot echo per-centre origins).

- A request made with a centre's publishable key gets ``Access-Control-Allow-Origin`` only when
  its ``Origin`` is the one the authorizer accepted the key from: never ``*``, never another.
- Any other request follows the deployment's ``CorsAllowOrigin`` (``*`` by default: credentials
  travel in headers, never cookies), echoing the origin when a list is configured.
- A preflight carries no credentials, so it cannot know the centre: it is answered for any origin
  on the routes that take a publishable key (the actual request is checked and refused), and by
  the deployment's policy elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from readiness.access.principal import Principal, PrincipalKind
from readiness.centres.model import normalise_origin

ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "X-Readiness-Key", "X-Readiness-Host")
EXPOSE_HEADERS = ("Retry-After", "X-Correlation-Id", "Location", "Idempotent-Replayed")
ALLOW_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
MAX_AGE_SECONDS = 600


def allowed_origins(setting: str) -> tuple[str, ...]:
    """``CORS_ALLOW_ORIGIN``: ``*``, or a comma-separated list of origins."""
    origins: list[str] = []
    for part in setting.split(","):
        text = part.strip()
        if text == "*":
            return ("*",)
        try:
            origins.append(normalise_origin(text))
        except ValueError:
            continue
    return tuple(origins)


def _normal(origin: str | None) -> str | None:
    if not origin:
        return None
    try:
        return normalise_origin(origin)
    except ValueError:
        return None


def response_headers(origin: str | None, principal: Principal, allow: Iterable[str]) -> dict[str, str]:
    """The CORS headers of an actual (non-preflight) response."""
    headers = {"Vary": "Origin"}
    requested = _normal(origin)
    if requested is None:
        return headers
    allow = tuple(allow)
    if principal.kind is PrincipalKind.CENTRE_PUBLIC:
        granted = origin if principal.origin is not None and requested == principal.origin else None
    elif "*" in allow:
        granted = "*"
    else:
        granted = origin if requested in allow else None
    if granted is not None:
        headers["Access-Control-Allow-Origin"] = granted
        headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSE_HEADERS)
    return headers


def preflight_headers(origin: str | None, *, publishable_route: bool, allow: Iterable[str]) -> dict[str, str]:
    """The answer to ``OPTIONS`` with ``Access-Control-Request-Method`` (no credentials in it)."""
    headers = {"Vary": "Origin"}
    requested = _normal(origin)
    allow = tuple(allow)
    if requested is None or not (publishable_route or "*" in allow or requested in allow):
        return headers
    headers.update(
        {
            "Access-Control-Allow-Origin": origin or "",
            "Access-Control-Allow-Methods": ", ".join(ALLOW_METHODS),
            "Access-Control-Allow-Headers": ", ".join(ALLOW_HEADERS),
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
        }
    )
    return headers
