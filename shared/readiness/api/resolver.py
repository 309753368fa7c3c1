"""The resolver every function uses: the route's access policy, CORS, each domain exception mapped to
HTTP exactly once."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit

from readiness.access.cors import allowed_origins, preflight_headers, response_headers
from readiness.access.errors import Forbidden
from readiness.access.http import principal_of
from readiness.access.policy import AuthorizerName, admits, routes_for_path
from readiness.access.principal import Principal, PrincipalKind
from readiness.api.errors import (
    IdempotencyKeyReused,
    IdempotentRequestInProgress,
    InvalidRequest,
    MalformedBody,
    UnsupportedMediaType,
)
from readiness.api.path_ids import malformed_path_ids
from readiness.api.requests import IDEMPOTENCY_KEY_HEADER
from readiness.api.responses import INTERNAL_ERROR_MESSAGE, error_response, finish, internal_error_payload
from readiness.api.routes import allowed_methods
from readiness.errors import FieldError, InvalidCursor, InvalidSubmission, NotFound
from readiness.identity import AuthenticationRequired, InvalidCredentials
from readiness.limits import RateLimited
from readiness.schedules import ScheduleNotFound
from readiness.settings import ConfigurationError, get_settings
from readiness.store import StoreError, StoreUnavailable

_BEARER_CHALLENGE = 'Bearer realm="readiness"'


def create_resolver(logger: Logger, metrics: Metrics | None = None) -> APIGatewayHttpResolver:
    """An HTTP API (payload v2) resolver with the API's error envelope (``serve`` adds CORS and policy).

    With ``metrics``, every error response counts one metric of its kind (so that, with a success
    metric in each route, no invocation flushes an empty metric set).
    """
    app = APIGatewayHttpResolver()
    _install_error_handlers(app, logger, metrics)
    return app


def _count(metrics: Metrics | None, name: str) -> None:
    if metrics is not None:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


# The top-level request fields of this API: only these are logged by name. Any other top-level name
# is one the client made up (an unknown field) and can be anything, an e-mail address among others.
_LOGGED_FIELDS = frozenset(
    {
        "body",
        "headers",
        "path",
        "answers",
        "activities",
        "questionnaire_version",
        "cadence_days",
        "share_results",
        "limit",
        "cursor",
        "version",
        "limits",
        "user_id",
        "assessment_id",
        "import_id",
        "centre_id",
    }
)


def _fields_summary(details: list[FieldError]) -> list[str]:
    # the top-level part of each path only (a deeper segment can be a key the client made up), and
    # of those only the API's own names
    tops = {detail.field.split(".", 1)[0] for detail in details}
    return sorted(top if top in _LOGGED_FIELDS else "(unknown field)" for top in tops)


def _install_error_handlers(app: APIGatewayHttpResolver, logger: Logger, metrics: Metrics | None) -> None:
    def invalid_submission(exc: InvalidSubmission) -> Response[str]:
        _count(metrics, "ValidationFailed")
        logger.info(
            "submission rejected",
            extra={
                "problems": len(exc.details),
                "fields": _fields_summary(exc.details),
                "too_large": exc.too_large,
            },
        )
        if exc.malformed:
            return error_response(400, "malformed_json", "The body is not valid JSON.", exc.details)
        if exc.too_large:
            return error_response(413, "payload_too_large", "The submission is too large.", exc.details)
        return error_response(
            422, "invalid_submission", "The submission is not valid; see details for each field.", exc.details
        )

    def malformed_body(exc: MalformedBody) -> Response[str]:
        _count(metrics, "ValidationFailed")
        logger.info("body rejected: unreadable")
        return error_response(400, "malformed_json", str(exc), [FieldError("body", str(exc))])

    def unsupported_media_type(exc: UnsupportedMediaType) -> Response[str]:
        _count(metrics, "ValidationFailed")
        logger.info("body rejected: not declared JSON")
        return error_response(
            415,
            "unsupported_media_type",
            "The body must be JSON.",
            [FieldError("headers.Content-Type", "must be application/json")],
        )

    def invalid_request(exc: InvalidRequest) -> Response[str]:
        _count(metrics, "ValidationFailed")
        logger.info("request rejected", extra={"fields": _fields_summary(exc.details)})
        return error_response(422, "invalid_request", "The request is not valid; see details.", exc.details)

    def invalid_cursor(exc: InvalidCursor) -> Response[str]:
        return invalid_request(InvalidRequest(exc.details))

    def authentication_required(exc: AuthenticationRequired) -> Response[str]:
        _count(metrics, "AuthenticationFailed")
        logger.info("request rejected: no credentials")
        return error_response(
            401,
            "unauthorized",
            "This route needs 'Authorization: Bearer <user_token>'.",
            [FieldError("headers.Authorization", "is required on this route")],
            headers={"WWW-Authenticate": _BEARER_CHALLENGE},
        )

    def invalid_credentials(exc: InvalidCredentials) -> Response[str]:
        _count(metrics, "AuthenticationFailed")
        logger.info("request rejected: invalid credentials")
        return error_response(
            401,
            "unauthorized",
            "The user token is missing, malformed or not valid.",
            [FieldError("headers.Authorization", "is not a valid user token")],
            headers={"WWW-Authenticate": f'{_BEARER_CHALLENGE}, error="invalid_token"'},
        )

    def forbidden(exc: Forbidden) -> Response[str]:
        _count(metrics, "AccessDenied")
        logger.info("request rejected: not for this kind of credential")
        return error_response(
            403,
            "forbidden",
            "This route is not for this kind of credential.",
            [FieldError("headers.Authorization", "is not accepted on this route")],
        )

    def not_found(exc: NotFound | ScheduleNotFound) -> Response[str]:
        _count(metrics, "NotFound")
        # the path parameter at fault, when the domain says which (its shape, never whether it exists)
        field = getattr(exc, "field", None)
        details = [FieldError(field, "is not yours, or does not exist")] if isinstance(field, str) else []
        return error_response(404, "not_found", "Not found.", details)

    def route_not_found(exc: NotFoundError) -> Response[str]:
        _count(metrics, "RouteNotFound")
        path = app.current_event.path
        methods = allowed_methods(path)
        if app.current_event.http_method.upper() in methods:
            # the route exists, but a path parameter has characters the resolver's matcher refuses
            # (a control character, say): no id has them, so there is no such resource
            return error_response(
                404, "not_found", "Not found.", [FieldError("path", "has a parameter no id could have")]
            )
        if methods:
            return error_response(
                405,
                "method_not_allowed",
                f"{app.current_event.http_method} is not allowed here; allowed: {', '.join(methods)}.",
                headers={"Allow": ", ".join([*methods, "OPTIONS"])},
            )
        return error_response(
            404,
            "not_found",
            "There is no such route; see GET /v1/openapi.json.",
            [FieldError("path", "matches no route of this API")],
        )

    def idempotency_key_reused(exc: IdempotencyKeyReused) -> Response[str]:
        _count(metrics, "IdempotencyConflict")
        logger.info("request rejected: idempotency key reused with another payload")
        return error_response(
            409,
            "idempotency_key_reused",
            str(exc),
            [FieldError(f"headers.{IDEMPOTENCY_KEY_HEADER}", "was used before with a different body")],
        )

    def idempotent_request_in_progress(exc: IdempotentRequestInProgress) -> Response[str]:
        _count(metrics, "IdempotencyConflict")
        return error_response(
            409,
            "idempotency_in_progress",
            str(exc),
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )

    def rate_limited(exc: RateLimited) -> Response[str]:
        _count(metrics, "RateLimited")
        logger.info("request refused: rate limited", extra={"limit": exc.limit_name})
        return error_response(
            429,
            "rate_limited",
            "Too many requests; retry after the number of seconds in Retry-After.",
            [FieldError(f"limits.{exc.limit_name}", str(exc))],
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )

    def store_unavailable(exc: StoreUnavailable) -> Response[str]:
        _count(metrics, "StoreUnavailable")
        logger.warning("storage unavailable", extra={"reason": str(exc)})
        return error_response(
            503,
            "service_unavailable",
            "The service is busy; retry after the number of seconds in Retry-After.",
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )

    def unexpected(exc: Exception) -> Response[str]:
        _count(metrics, "UnexpectedError")
        log_unexpected(logger, exc)
        return error_response(500, "internal_error", INTERNAL_ERROR_MESSAGE)

    handlers: list[tuple[type[Exception], Callable[[Any], Response[str]]]] = [
        (InvalidSubmission, invalid_submission),
        (MalformedBody, malformed_body),
        (UnsupportedMediaType, unsupported_media_type),
        (InvalidRequest, invalid_request),
        (InvalidCursor, invalid_cursor),
        (AuthenticationRequired, authentication_required),
        (InvalidCredentials, invalid_credentials),
        (Forbidden, forbidden),
        (NotFound, not_found),
        (ScheduleNotFound, not_found),
        (NotFoundError, route_not_found),
        (IdempotencyKeyReused, idempotency_key_reused),
        (IdempotentRequestInProgress, idempotent_request_in_progress),
        (RateLimited, rate_limited),
        (StoreUnavailable, store_unavailable),
        (Exception, unexpected),
    ]
    for exception_type, handler in handlers:
        app.exception_handler(exception_type)(handler)


def log_unexpected(logger: Logger, exc: BaseException) -> None:
    """Type and stack frames only: an exception's message can quote the input (answers, tokens)."""
    extra = {"error_type": type(exc).__qualname__, "stack": "".join(traceback.format_tb(exc.__traceback__))}
    if isinstance(exc, StoreError | ConfigurationError):
        extra["reason"] = str(exc)  # written by this service from error codes and names: safe to log
    logger.error("unexpected error", extra=extra)


def serve(
    app: APIGatewayHttpResolver, logger: Logger, event: Mapping[str, Any], context: Any
) -> dict[str, Any]:
    """Resolve one event; whatever happens, the answer is an HTTP response in the API's envelope.

    Before the route runs: a CORS preflight is answered, and the route's access policy is checked
    against the principal the authorizer put in the event (API Gateway has checked it already;
    this holds even if a route were deployed without its authorizer). Every answer gets the CORS
    headers its principal allows.
    """
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    principal = principal_of(event)
    allow = allowed_origins(get_settings().cors_allow_origin)
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
    if method == "OPTIONS" and "access-control-request-method" in headers:
        path = str(((event.get("requestContext") or {}).get("http") or {}).get("path", ""))
        publishable = any(
            access.authorizer is AuthorizerName.OPTIONAL for access in routes_for_path(_api_path(path, event))
        )
        cors = preflight_headers(headers.get("origin"), publishable_route=publishable, allow=allow)
        return finish({"statusCode": 204, "headers": cors, "body": "", "isBase64Encoded": False}, event)
    route_key = str(event.get("routeKey") or "")
    try:
        malformed = malformed_path_ids(event.get("pathParameters") or {})
        if not admits(route_key, principal):
            response = _refusal(principal)
        elif malformed:
            response = _as_payload(error_response(404, "not_found", "Not found.", malformed))
        else:
            response = app.resolve(event, context)
    except Exception as exc:  # the resolver itself failed (an exception handler raised)
        log_unexpected(logger, exc)
        response = internal_error_payload()
    response.setdefault("headers", {}).update(response_headers(headers.get("origin"), principal, allow))
    return finish(response, event)


def _refusal(principal: Principal) -> dict[str, Any]:
    """401 or 403 in the envelope, naming the header at fault (never saying more about the credential)."""
    if principal.kind is PrincipalKind.REFUSED and principal.refused_status == 401:
        field = principal.refused_field or "headers.Authorization"
        challenge = f'{_BEARER_CHALLENGE}, error="invalid_token"'
        refused = error_response(
            401,
            "unauthorized",
            "The credential is not valid: malformed, unknown, expired or revoked.",
            [FieldError(field, "is not a valid credential")],
            headers={"WWW-Authenticate": challenge} if field == "headers.Authorization" else None,
        )
    elif principal.kind is PrincipalKind.ANONYMOUS:
        refused = error_response(
            401,
            "unauthorized",
            "This route needs credentials: see GET /v1/openapi.json.",
            [FieldError("headers.Authorization", "is required on this route")],
            headers={"WWW-Authenticate": _BEARER_CHALLENGE},
        )
    else:
        field = principal.refused_field or "headers.Authorization"
        refused = error_response(
            403,
            "forbidden",
            "This credential may not be used here (the route is not for its kind, or not from this origin).",
            [FieldError(field, "is not accepted on this route")],
        )
    return _as_payload(refused)


def _as_payload(response: Response[str]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": dict(response.headers),
        "body": response.body,
        "isBase64Encoded": False,
    }


def _api_path(raw_path: str, event: Mapping[str, Any]) -> str:
    stage = str((event.get("requestContext") or {}).get("stage") or "$default")
    if stage != "$default" and raw_path.startswith(f"/{stage}/"):
        return raw_path[len(stage) + 1 :]
    return raw_path
