"""The embedded form's document for one career centre, with headers that let only its origins frame it.

A static host sends the same headers to everyone, so it cannot say "only Example University's pages
may frame this"; the API can: ``GET /v1/centres/{centre_id}/embed`` answers the form's HTML (its
template is embed.html next to this module) with ``frame-ancestors`` set to the centre's registered
origins. The browser itself then refuses to show the form inside any other page. The document's
scripts and styles stay in web/embed/ (``<base href>`` points there); its API calls go to this
API's own origin, which is where the document is served from.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from string import Template
from typing import Any
from urllib.parse import urlsplit

from readiness.access.resolve import PresentedCredentials
from readiness.centres.model import Centre, CentreNotFound, is_centre_id, normalise_origin
from readiness.centres.repository import CentreRepository

HTML = "text/html; charset=utf-8"
# The cache holds one centre's document for as long as API Gateway caches an authorizer answer: a
# revoked centre's form stops being served within the same five minutes as its keys.
EMBED_CACHE = "public, max-age=300"
# Features no page of Readiness uses; a page that cannot ask for them cannot be tricked into it.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
REFERRER_POLICY = "no-referrer"
# What may stand in a CSP source list: an origin and nothing else (no ';' ',' or space that would end
# the directive or the policy, whatever an operator typed).
_SOURCE = re.compile(r"https?://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?")


@dataclass(frozen=True, slots=True)
class EmbedDocument:
    body: str
    headers: dict[str, str]


@cache
def _template() -> Template:
    return Template(files("readiness.api").joinpath("embed.html").read_text(encoding="utf-8"))


def assets_origin(web_origins: str) -> str | None:
    """Where web/ is served (the first of ``WEB_ORIGINS``), or None: from the API's own origin."""
    for part in web_origins.split(","):
        try:
            return normalise_origin(part)
        except ValueError:
            continue
    return None


def api_location(event: Mapping[str, Any]) -> tuple[str, str]:
    """This API's origin and stage prefix (``/dev``, or empty behind a custom domain) for ``event``.

    The origin is the one the authorizer takes for the API's own (from ``Host``), so the form's
    calls from this document are recognised as the form's.
    """
    headers = {str(k): str(v) for k, v in (event.get("headers") or {}).items()}
    context = event.get("requestContext") or {}
    origin = PresentedCredentials.from_headers(headers).own_origin
    if origin is None:
        origin = normalise_origin(f"https://{context.get('domainName', '')}")
    stage = str(context.get("stage") or "$default")
    raw_path = str(event.get("rawPath") or "")
    prefix = f"/{stage}" if stage != "$default" and raw_path.startswith(f"/{stage}/") else ""
    return origin, prefix


def active_centre(centres: CentreRepository, centre_id: str) -> Centre:
    """The centre whose form is asked for; CentreNotFound for a malformed, unknown or revoked id."""
    centre = centres.get(centre_id) if is_centre_id(centre_id) else None
    if centre is None or not centre.active:
        raise CentreNotFound("no such centre")
    return centre


def _sources(origins: Iterable[str]) -> list[str]:
    """The origins that are safe in a source list, normalised; the others are left out."""
    found: list[str] = []
    for origin in origins:
        try:
            normal = normalise_origin(origin)
        except ValueError:
            continue
        if _SOURCE.fullmatch(normal) and normal not in found:
            found.append(normal)
    return found


def content_security_policy(centre: Centre, assets: str | None) -> str:
    """Scripts, styles and fonts from web/ only (no inline code), API calls to this origin, and
    framing by the centre's own origins and nothing else."""
    source = (_sources([assets]) if assets else ["'self'"]) or ["'none'"]
    images = [*source, "data:"]
    if centre.branding.logo_url:
        parts = urlsplit(centre.branding.logo_url)
        images += _sources([f"{parts.scheme}://{parts.netloc}"])
    ancestors = _sources(centre.origins) or ["'none'"]
    directives = [
        "default-src 'none'",
        f"script-src {' '.join(source)}",
        f"style-src {' '.join(source)}",
        f"img-src {' '.join(dict.fromkeys(images))}",
        f"font-src {' '.join(source)}",
        "connect-src 'self'",
        f"base-uri {' '.join(source)}",
        "form-action 'none'",
        "object-src 'none'",
        f"frame-ancestors {' '.join(ancestors)}",
    ]
    return "; ".join(directives)


def embed_document(
    centre: Centre, *, api_origin: str, api_base_path: str, assets: str | None
) -> EmbedDocument:
    """The form's HTML for ``centre`` and its headers.

    ``api_origin`` is this API's origin and ``api_base_path`` its stage prefix (``/dev``, or empty):
    the form calls the API there. ``assets`` is where web/ is served (None: this same origin).
    """
    body = _template().substitute(
        centre_id=html.escape(centre.centre_id),
        api_base=html.escape(api_origin + api_base_path),
        assets_base=html.escape(f"{assets or api_origin}/embed/"),
    )
    headers = {
        "Content-Security-Policy": content_security_policy(centre, assets),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cache-Control": EMBED_CACHE,
    }
    return EmbedDocument(body, headers)
