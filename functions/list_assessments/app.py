"""GET /v1/users/{user_id}/assessments: the owner's assessments, newest first, a page at a time."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import routes
from readiness.api.models import AssessmentList, AssessmentListItem
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.pagination import encode_cursor
from readiness.api.requests import history_query, owner_credential
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response
from readiness.api.runtime import assessment_service

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.get(routes.USER_ASSESSMENTS)
def list_assessments(user_id: str) -> Response[str]:
    credential = owner_credential(app.current_event)
    query = history_query(app.current_event, user_id)
    page = assessment_service().history(credential, query.user_id, limit=query.limit, after=query.after)
    listing = AssessmentList(
        items=[
            AssessmentListItem(
                assessment_id=item.assessment_id,
                created_at=item.created_at,
                as_of=item.as_of,
                score=item.score,
                band=item.band,
                confidence=item.confidence,
                model_version=item.model_version,
                questionnaire_version=item.questionnaire_version,
            )
            for item in page.items
        ],
        next_cursor=encode_cursor(page.after) if page.after else None,
    )
    metrics.add_metric(name="HistoryPageRead", unit=MetricUnit.Count, value=1)
    return json_response(200, listing.model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
