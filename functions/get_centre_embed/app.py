"""GET /v1/centres/{centre_id}/embed: the embedded form, which browsers show only in the centre's origins."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.access.runtime import centre_store
from readiness.api import routes
from readiness.api.embed import HTML, active_centre, api_location, assets_origin, embed_document
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.resolver import create_resolver, serve
from readiness.settings import get_settings

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.get(routes.CENTRE_EMBED)
def get_centre_embed(centre_id: str) -> Response[str]:
    centre = active_centre(centre_store(), centre_id)  # unknown or revoked: 404, framed by no one
    origin, base_path = api_location(app.current_event.raw_event)
    document = embed_document(
        centre,
        api_origin=origin,
        api_base_path=base_path,
        assets=assets_origin(get_settings().web_origins),
    )
    metrics.add_metric(name="EmbedServed", unit=MetricUnit.Count, value=1)
    return Response(status_code=200, content_type=HTML, body=document.body, headers=document.headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
