"""POST /v1/users/{user_id}/imports: start a LinkedIn export import; answers with a presigned upload."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import routes, runtime
from readiness.api.limits import admit
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.requests import owner_credential
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response
from readiness.limits import LimitedAction

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.post(routes.USER_IMPORTS)
def create_import(user_id: str) -> Response[str]:
    credential = owner_credential(app.current_event)
    now = runtime.now()
    if user_id == credential.user_id:  # anyone else's id is a 404 that writes nothing: not counted
        admit(app.current_event, LimitedAction.IMPORT, now=now)  # the caller's limits, before any work
    started = runtime.import_service().start(credential, user_id, now=now)
    metrics.add_metric(name="ImportStarted", unit=MetricUnit.Count, value=1)
    logger.info("import started", extra={"import_id": started.import_id})
    location = f"{app.current_event.raw_path.rstrip('/')}/{started.import_id}"
    return json_response(201, started.model_dump(mode="json"), headers={"Location": location})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
