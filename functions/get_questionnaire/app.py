"""GET /v1/questionnaire: the current questionnaire (the web form renders exactly this), or ?version=;
with a centre's publishable key it also carries the centre's branding (``centre``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.access.http import principal_of
from readiness.api import routes
from readiness.api.observability import create_logger, traced
from readiness.api.requests import questionnaire_version
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import PRIVATE_CACHE, PUBLIC_CACHE, json_response
from readiness.questionnaire import questionnaire_document

logger = create_logger()
app = create_resolver(logger)  # public, static documents: API Gateway's metrics say enough


@app.get(routes.QUESTIONNAIRE)
def get_questionnaire() -> Response[str]:
    version = questionnaire_version(app.current_event)
    document = questionnaire_document(version)
    principal = principal_of(app.current_event.raw_event)
    if principal.centre_id and principal.branding:  # asked for with a centre's publishable key
        centre = {"centre_id": principal.centre_id, **principal.branding.as_dict()}
        return json_response(200, {**document, "centre": centre}, cache_control=PRIVATE_CACHE)
    return json_response(200, document, cache_control=PUBLIC_CACHE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
