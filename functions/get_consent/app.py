"""GET /v1/users/{user_id}/consents/{centre_id}: whether that centre may see your individual results."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.access.http import principal_of, require_self
from readiness.access.runtime import consent_service
from readiness.api import routes
from readiness.api.centres import Consent
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.get(routes.CONSENT)
def get_consent(user_id: str, centre_id: str) -> Response[str]:
    user = require_self(principal_of(app.current_event.raw_event), user_id)
    membership = consent_service().get(user, centre_id)
    return json_response(200, Consent.of(membership).model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
