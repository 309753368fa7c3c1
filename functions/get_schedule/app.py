"""GET /v1/users/{user_id}/schedule: the owner's re-assessment schedule and when it next falls due."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import routes
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.requests import acting_for
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response
from readiness.api.schedule import ScheduleDocument, schedule_service

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.get(routes.SCHEDULE)
def get_schedule(user_id: str) -> Response[str]:
    credential = acting_for(app.current_event, user_id)  # the user, or a centre they share with
    schedule = schedule_service().get(credential, user_id)
    metrics.add_metric(name="ScheduleRead", unit=MetricUnit.Count, value=1)
    return json_response(200, ScheduleDocument.of(schedule).model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
