"""DELETE /v1/users/{user_id}/schedule: opt out of scheduled re-assessment (204, also when not opted in)."""

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
from readiness.api.responses import NO_STORE
from readiness.api.schedule import schedule_service
from readiness.limits import LimitedAction

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.delete(routes.SCHEDULE)
def delete_schedule(user_id: str) -> Response[str]:
    credential = acting_for(app.current_event, user_id)  # the user, or a centre they share with
    admit(app.current_event, LimitedAction.SCHEDULE_CHANGE, now=runtime.now())  # a centre's limit only
    schedule_service().cancel(credential, user_id)
    metrics.add_metric(name="ScheduleDeleted", unit=MetricUnit.Count, value=1)
    logger.info("schedule deleted")
    return Response(status_code=204, body="", headers={"Cache-Control": NO_STORE})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
