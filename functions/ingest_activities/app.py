"""POST /v1/users/{user_id}/activities: store up to 1,000 activity events for their owner, each once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import routes, runtime
from readiness.api.limits import admit
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.requests import acting_for, body_bytes
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response
from readiness.limits import LimitedAction

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.post(routes.USER_ACTIVITIES)
def ingest_activities(user_id: str) -> Response[str]:
    credential = acting_for(app.current_event, user_id)  # the user, or a centre they share with
    now = runtime.now()
    result = runtime.activity_service().ingest(
        credential,
        user_id,
        body_bytes(app.current_event),
        now=now,
        # a well-formed batch is counted against the caller's limits before anything is read or written
        count_request=lambda: admit(app.current_event, LimitedAction.ACTIVITY_PUSH, now=now),
    )
    metrics.add_metric(name="ActivitiesAccepted", unit=MetricUnit.Count, value=result.accepted)
    metrics.add_metric(name="ActivitiesRejected", unit=MetricUnit.Count, value=result.rejected)
    logger.info(
        "activities ingested",
        extra={"accepted": result.accepted, "duplicates": result.duplicates, "rejected": result.rejected},
    )
    return json_response(200, result.model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
