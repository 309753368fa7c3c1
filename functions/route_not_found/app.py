"""Any route the API does not have ($default): 404, or 405 with Allow, in the API's error envelope."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api.observability import create_logger, traced
from readiness.api.resolver import create_resolver, serve

logger = create_logger()
app = create_resolver(logger)  # no routes: every request reaches the resolver's not-found handler


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
