"""Real-format API Gateway HTTP API (payload v2) events: what the local stack and the tests invoke with.

The shape is the one API Gateway sends to Lambda (and the files under events/ hold): lower-cased
headers, ``rawPath`` with the stage prefix, ``routeKey`` naming the matched route, ``pathParameters``
and ``queryStringParameters`` only when there are some, a body only when there is one.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tools.sam_template import DEFAULT_ROUTE, SamTemplate

API_ID = "r3adin3ss1"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def build_event(
    method: str,
    path: str,
    *,
    route_key: str,
    stage: str = "dev",
    path_parameters: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | str | None = None,
    body: str | bytes | None = None,
    source_ip: str = "203.0.113.7",
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One HTTP API v2 event for ``method path`` (``path`` without the stage prefix)."""
    moment = now or datetime.now(UTC)
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    raw_query = query if isinstance(query, str) else urlencode(dict(query or {}))
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    all_headers = {
        "accept": "application/json",
        "host": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": "Root=1-67451f2a-0a1b2c3d4e5f60718293a4b5",
        "x-forwarded-for": source_ip,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        **lowered,
    }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": all_headers,
    }
    if raw_query:
        # API Gateway joins repeated parameters with commas.
        joined: dict[str, str] = {}
        for name, value in parse_qsl(raw_query, keep_blank_values=True):
            joined[name] = f"{joined[name]},{value}" if name in joined else value
        event["queryStringParameters"] = joined
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": all_headers["host"],
        "domainPrefix": API_ID,
        "http": {
            "method": method.upper(),
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": all_headers["user-agent"],
        },
        "requestId": request_id or base64.b32encode(uuid.uuid4().bytes).decode()[:16],
        "routeKey": route_key,
        "stage": stage,
        "time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(moment.timestamp() * 1000),
    }
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if body is not None:
        if isinstance(body, bytes):
            try:
                event["body"], event["isBase64Encoded"] = body.decode("utf-8"), False
            except UnicodeDecodeError:
                event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode("ascii"), True
        else:
            event["body"], event["isBase64Encoded"] = body, False
        if "content-length" not in all_headers:
            all_headers["content-length"] = str(len(body.encode() if isinstance(body, str) else body))
    else:
        event["isBase64Encoded"] = False
    return event


def event_for_request(
    template: SamTemplate,
    method: str,
    path: str,
    **kwargs: Any,
) -> tuple[str, dict[str, Any]] | None:
    """The function logical id and the event API Gateway would send for a request, or None if unrouted."""
    match = template.match(method, path)
    if match is None:
        return None
    route = match.route
    route_key = DEFAULT_ROUTE if route.path == DEFAULT_ROUTE else f"{route.method} {route.path}"
    event = build_event(
        method,
        path,
        route_key=route_key,
        stage=kwargs.pop("stage", template.stage),
        path_parameters=match.path_parameters or None,
        **kwargs,
    )
    return route.function_id, event
