"""GET /v1/users/{user_id}/export: everything stored about the user, page by page (portability)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import routes, runtime
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.privacy import export_service
from readiness.api.requests import owner_credential
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.get(routes.USER_EXPORT)
def export_user_data(user_id: str) -> Response[str]:
    credential = owner_credential(app.current_event)
    cursor = (app.current_event.query_string_parameters or {}).get("cursor")
    page = export_service().export(credential, user_id, cursor=cursor, now=runtime.now())
    metrics.add_metric(name="UserDataExported", unit=MetricUnit.Count, value=1)
    logger.info("export page served", extra={"items": len(page.items), "last_page": page.next_cursor is None})
    return json_response(200, page.model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
