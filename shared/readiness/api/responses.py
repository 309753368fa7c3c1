"""HTTP responses of API v1: JSON documents, the error envelope, and the headers every response gets."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response

from readiness.errors import FieldError

JSON = "application/json"
NO_STORE = "no-store"  # personal data: no shared or browser cache keeps it
PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, max-age=300"  # one centre's branded copy: not for shared caches
INTERNAL_ERROR_MESSAGE = "An unexpected error occurred; it has been logged."
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


def json_response(
    status: int,
    document: Any,
    *,
    cache_control: str = NO_STORE,
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps(document, separators=(",", ":"), ensure_ascii=False),
        headers={"Cache-Control": cache_control, **(headers or {})},
    )


def error_document(code: str, message: str, details: Iterable[FieldError] = ()) -> dict[str, Any]:
    """The envelope of every 4xx/5xx: {"error": {"code", "message", "details": [{"field", "message"}]}}."""
    return {"error": {"code": code, "message": message, "details": [d.as_dict() for d in details]}}


def error_response(
    status: int,
    code: str,
    message: str,
    details: Iterable[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    return json_response(status, error_document(code, message, details), headers=headers)


def finish(response: dict[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
    """Headers every response carries, the error responses made outside the resolver included."""
    headers = response.setdefault("headers", {})
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # A JSON answer is never a page: if a browser is sent to one, it runs nothing, loads nothing
    # and cannot be framed (the embedded form's document sets its own policy).
    headers.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
    headers.setdefault("Referrer-Policy", "no-referrer")
    request_id = (event.get("requestContext") or {}).get("requestId")
    if isinstance(request_id, str) and request_id:
        headers["X-Correlation-Id"] = request_id
    return response


def internal_error_payload() -> dict[str, Any]:
    """A 500 as Lambda returns it to API Gateway when even the resolver could not answer."""
    return {
        "statusCode": 500,
        "headers": {"Content-Type": JSON, "Cache-Control": NO_STORE},
        "body": json.dumps(error_document("internal_error", INTERNAL_ERROR_MESSAGE)),
        "isBase64Encoded": False,
    }
