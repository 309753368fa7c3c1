"""GET /v1/centres/me/summary: the calling centre's cohort in aggregate, k-anonymous (secret key)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.access.http import principal_of
from readiness.access.runtime import cohort_service
from readiness.api import routes, runtime
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.get(routes.CENTRE_SUMMARY)
def get_centre_summary() -> Response[str]:
    principal = principal_of(app.current_event.raw_event)
    summary = cohort_service().summary(str(principal.centre_id), now=runtime.now())
    metrics.add_metric(name="CentreSummaryRead", unit=MetricUnit.Count, value=1)
    return json_response(200, summary.model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
