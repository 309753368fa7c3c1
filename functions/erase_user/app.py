"""DELETE /v1/users/{user_id}: erase everything stored about the user (200 with a receipt of counts)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import routes, runtime
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.privacy import erasure_service
from readiness.api.requests import owner_credential
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.delete(routes.USER)
def erase_user(user_id: str) -> Response[str]:
    credential = owner_credential(app.current_event)
    receipt = erasure_service().erase(credential, user_id, now=runtime.now())
    metrics.add_metric(name="UserErased", unit=MetricUnit.Count, value=1)
    logger.info("user erased", extra={"erased": receipt.erased})  # counts per kind only
    return json_response(200, receipt.model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
