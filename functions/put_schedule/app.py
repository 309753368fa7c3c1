"""PUT /v1/users/{user_id}/schedule: opt in to re-assessment every cadence_days, or change the cadence."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import routes, runtime
from readiness.api.limits import admit
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.requests import acting_for
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response
from readiness.api.schedule import ScheduleDocument, schedule_request, schedule_service
from readiness.limits import LimitedAction

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.put(routes.SCHEDULE)
def put_schedule(user_id: str) -> Response[str]:
    credential = acting_for(app.current_event, user_id)  # the user, or a centre they share with
    request = schedule_request(app.current_event)
    now = runtime.now()
    admit(app.current_event, LimitedAction.SCHEDULE_CHANGE, now=now)  # a centre's limit (users: none)
    saved = schedule_service().set(credential, user_id, request.cadence_days, now=now)
    metrics.add_metric(name="ScheduleSet", unit=MetricUnit.Count, value=1)
    logger.info("schedule set", extra={"new_schedule": saved.created, "cadence_days": request.cadence_days})
    document = ScheduleDocument.of(saved.schedule).model_dump(mode="json")
    return json_response(201 if saved.created else 200, document)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
