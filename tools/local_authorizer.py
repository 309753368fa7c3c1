"""API Gateway's Lambda authorizers (HTTP API, payload 2.0, simple responses) as template.yaml sets them up.

The local stack and the integration tests run every request through this before the route's
function, as API Gateway does:

- the route's authorizer is its event's ``Auth.Authorizer``, else the API's ``DefaultAuthorizer``
  (``NONE``: no authorizer);
- every identity source (``$request.header.X``, ``$request.querystring.X``, ``$context.X``) must be
  present and non-empty, else 401 ``{"message":"Unauthorized"}`` without calling the authorizer;
- the authorizer function gets the REQUEST event (the route's event plus ``type``, ``routeArn`` and
  ``identitySource``); ``{"isAuthorized": false}`` is 403 ``{"message":"Forbidden"}``, an error or a
  malformed answer is 500;
- an answer is cached for ``ReauthorizeEvery`` seconds under the identity source values;
- the route's function receives the answer's ``context`` as ``requestContext.authorizer.lambda``.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.http_api_event import ACCOUNT_ID, API_ID, REGION
from tools.sam_template import DEFAULT_ROUTE, SamTemplate

NONE = "NONE"
UNAUTHORIZED = {"message": "Unauthorized"}
FORBIDDEN = {"message": "Forbidden"}
INTERNAL = {"message": "Internal Server Error"}


@dataclass(frozen=True, slots=True)
class AuthorizerSpec:
    name: str
    function_id: str
    identity_sources: tuple[str, ...]
    ttl_seconds: int
    simple_responses: bool
    payload_version: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """Either the gateway answers itself (``status`` and ``body``), or the request goes on (``context``)."""

    status: int | None = None
    body: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    authorizer: str | None = None
    cached: bool = False

    @property
    def allowed(self) -> bool:
        return self.status is None


@dataclass
class GatewayAuth:
    authorizers: dict[str, AuthorizerSpec]
    default: str
    route_authorizers: dict[tuple[str, str], str]  # (method, path) -> authorizer name or NONE
    clock: Callable[[], float] = time.monotonic
    _cache: dict[tuple[str, tuple[str, ...]], tuple[float, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_template(cls, template: SamTemplate, parameters: Mapping[str, str] | None = None) -> GatewayAuth:
        values = {**template.parameters, **(parameters or {})}
        resources: dict[str, Any] = template.document.get("Resources") or {}
        authorizers: dict[str, AuthorizerSpec] = {}
        default = NONE
        for resource in resources.values():
            if resource.get("Type") != "AWS::Serverless::HttpApi":
                continue
            auth = (resource.get("Properties") or {}).get("Auth") or {}
            default = str(auth.get("DefaultAuthorizer") or NONE)
            for name, spec in (auth.get("Authorizers") or {}).items():
                arn = spec.get("FunctionArn")
                if not (isinstance(arn, dict) and "Fn::GetAtt" in arn):
                    raise ValueError(f"authorizer {name}: FunctionArn must be !GetAtt <Function>.Arn")
                target = arn["Fn::GetAtt"]
                function_id = target[0] if isinstance(target, list) else str(target).split(".")[0]
                identity = spec.get("Identity") or {}
                sources: list[str] = []
                for prefix, key in (
                    ("$request.header.", "Headers"),
                    ("$request.querystring.", "QueryStrings"),
                    ("$stageVariables.", "StageVariables"),
                    ("$context.", "Context"),
                ):
                    sources += [prefix + str(v) for v in identity.get(key) or []]
                ttl = identity.get("ReauthorizeEvery", 300 if sources else 0)
                if isinstance(ttl, dict) and "Ref" in ttl:
                    ttl = values[str(ttl["Ref"])]
                authorizers[name] = AuthorizerSpec(
                    name=name,
                    function_id=function_id,
                    identity_sources=tuple(sources),
                    ttl_seconds=int(ttl),
                    simple_responses=bool(spec.get("EnableSimpleResponses", False)),
                    payload_version=str(spec.get("AuthorizerPayloadFormatVersion", "")),
                )
        routes: dict[tuple[str, str], str] = {}
        for resource in resources.values():
            if resource.get("Type") != "AWS::Serverless::Function":
                continue
            for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
                if event.get("Type") != "HttpApi":
                    continue
                props = event.get("Properties") or {}
                path = str(props.get("Path", "/" + DEFAULT_ROUTE))
                method = str(props.get("Method", "ANY")).upper()
                if path == "/" + DEFAULT_ROUTE:
                    path, method = DEFAULT_ROUTE, "ANY"
                chosen = (props.get("Auth") or {}).get("Authorizer")
                # API Gateway applies no authorizer to $default unless one is named for it
                routes[(method, path)] = (
                    str(chosen) if chosen else (NONE if path == DEFAULT_ROUTE else default)
                )
        return cls(authorizers=authorizers, default=default, route_authorizers=routes)

    def authorizer_for(self, method: str, path: str) -> AuthorizerSpec | None:
        name = self.route_authorizers.get((method.upper(), path), NONE)
        return None if name == NONE else self.authorizers[name]

    def check(
        self,
        method: str,
        route_path: str,
        event: dict[str, Any],
        invoke: Callable[[str, dict[str, Any]], Any],
    ) -> Outcome:
        """Run the route's authorizer for ``event`` (the route's payload v2 event)."""
        spec = self.authorizer_for(method, route_path)
        if spec is None:
            return Outcome(context=None)
        values = [self._identity_value(source, event) for source in spec.identity_sources]
        if any(not value for value in values):
            return Outcome(status=401, body=UNAUTHORIZED, authorizer=spec.name)
        key = (spec.name, tuple(str(v) for v in values))
        now = self.clock()
        if spec.ttl_seconds > 0 and spec.identity_sources:
            with self._lock:
                hit = self._cache.get(key)
            if hit is not None and hit[0] > now:
                return self._outcome(spec, hit[1], cached=True)
        request = authorizer_event(event, [str(v) for v in values], method)
        try:
            answer = invoke(spec.function_id, request)
        except Exception:
            return Outcome(status=500, body=INTERNAL, authorizer=spec.name)
        if not isinstance(answer, dict) or not isinstance(answer.get("isAuthorized"), bool):
            return Outcome(status=500, body=INTERNAL, authorizer=spec.name)
        if spec.ttl_seconds > 0 and spec.identity_sources:
            with self._lock:
                self._cache[key] = (now + spec.ttl_seconds, answer)
        return self._outcome(spec, answer, cached=False)

    @staticmethod
    def _outcome(spec: AuthorizerSpec, answer: dict[str, Any], *, cached: bool) -> Outcome:
        if not answer["isAuthorized"]:
            return Outcome(status=403, body=FORBIDDEN, authorizer=spec.name, cached=cached)
        context = answer.get("context") or {}
        return Outcome(context=dict(context), authorizer=spec.name, cached=cached)

    @staticmethod
    def _identity_value(source: str, event: Mapping[str, Any]) -> str | None:
        if source.startswith("$request.header."):
            name = source.removeprefix("$request.header.").lower()
            headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
            return headers.get(name)
        if source.startswith("$request.querystring."):
            return (event.get("queryStringParameters") or {}).get(
                source.removeprefix("$request.querystring.")
            )
        if source.startswith("$context."):
            value = (event.get("requestContext") or {}).get(source.removeprefix("$context."))
            return str(value) if value not in (None, "") else None
        if source.startswith("$stageVariables."):
            return (event.get("stageVariables") or {}).get(source.removeprefix("$stageVariables."))
        return None

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


def authorizer_event(route_event: Mapping[str, Any], identity: list[str], method: str) -> dict[str, Any]:
    """The REQUEST authorizer event (payload 2.0) API Gateway sends for a route's request."""
    event = copy.deepcopy(dict(route_event))
    event.pop("body", None)
    event.pop("isBase64Encoded", None)
    context = event.get("requestContext") or {}
    stage = context.get("stage", "$default")
    path = str(context.get("http", {}).get("path", event.get("rawPath", "/")))
    if stage != "$default" and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :]  # the route ARN names the stage once, then the resource path
    event.update(
        {
            "type": "REQUEST",
            "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{stage}/{method.upper()}{path}",
            "identitySource": identity,
        }
    )
    return event


def with_authorizer_context(event: dict[str, Any], context: dict[str, Any] | None) -> dict[str, Any]:
    """The route's event as the function receives it after an authorizer allowed it."""
    if context is not None:
        event.setdefault("requestContext", {})["authorizer"] = {"lambda": context}
    return event


def gateway_body(outcome: Outcome) -> bytes:
    return json.dumps(outcome.body or {}).encode()
