"""Logger, metrics and a lazily created tracer for the functions.

Logs carry request metadata only: route, status, error codes, field names. Never answers,
activities, tokens, names or bodies (Powertools' event logging stays off, and errors are logged
by type and stack frames, not by message, because a message can quote input).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

from readiness.settings import get_settings

Handler = TypeVar("Handler", bound=Callable[..., Any])
METRICS_NAMESPACE = "Readiness"


def create_logger() -> Logger:
    settings = get_settings()
    return Logger(service=settings.service_name, level=settings.log_level, log_uncaught_exceptions=False)


def create_metrics() -> Metrics:
    return Metrics(namespace=METRICS_NAMESPACE, service=get_settings().service_name)


@functools.cache
def tracer() -> Any:
    """The X-Ray tracer, made on the first invocation: its import and patching stay out of cold start."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=get_settings().service_name)


def traced(handler: Handler) -> Handler:
    """Like ``@tracer.capture_lambda_handler`` (without capturing responses: they hold personal data)."""
    wrapped: list[Callable[..., Any]] = []

    @functools.wraps(handler)
    def invoke(event: Any, context: Any) -> Any:
        if not wrapped:
            try:
                capture = tracer().capture_lambda_handler
                wrapped.append(capture(handler, capture_response=False, capture_error=False))
            except ImportError as exc:  # no X-Ray SDK: serve untraced rather than not at all
                logging.getLogger(f"{get_settings().service_name}.tracing").warning(
                    "tracing disabled: the X-Ray SDK cannot be imported",
                    extra={"error_type": type(exc).__name__},
                )
                wrapped.append(handler)
        return wrapped[0](event, context)

    return invoke  # type: ignore[return-value]
