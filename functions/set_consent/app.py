"""PUT /v1/users/{user_id}/consents/{centre_id}: grant or withdraw a centre's view of your results."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.access.http import principal_of, require_self
from readiness.access.runtime import consent_service
from readiness.api import routes, runtime
from readiness.api.centres import Consent, parse_consent_choice
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.requests import body_bytes
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.put(routes.CONSENT)
def set_consent(user_id: str, centre_id: str) -> Response[str]:
    user = require_self(principal_of(app.current_event.raw_event), user_id)
    choice = parse_consent_choice(body_bytes(app.current_event))
    membership = consent_service().set(user, centre_id, choice.share_results, now=runtime.now())
    metrics.add_metric(
        name="ConsentGranted" if membership.consent else "ConsentWithdrawn", unit=MetricUnit.Count, value=1
    )
    logger.info("consent set", extra={"share_results": membership.consent})
    return json_response(200, Consent.of(membership).model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
