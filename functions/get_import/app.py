"""GET /v1/users/{user_id}/imports/{import_id}: an import's status, report and what was stored."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import routes, runtime
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.requests import owner_credential
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.get(routes.USER_IMPORT)
def get_import(user_id: str, import_id: str) -> Response[str]:
    credential = owner_credential(app.current_event)
    view = runtime.import_service().status(credential, user_id, import_id, now=runtime.now())
    metrics.add_metric(name="ImportRead", unit=MetricUnit.Count, value=1)
    return json_response(200, view.model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
