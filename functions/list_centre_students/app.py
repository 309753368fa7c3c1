"""GET /v1/centres/me/students: the calling centre's consenting students' latest scores, a page at a time."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.access.http import principal_of
from readiness.access.runtime import cohort_service
from readiness.api import routes
from readiness.api.centres import Student, StudentList, encode_student_cursor, student_query
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.get(routes.CENTRE_STUDENTS)
def list_centre_students() -> Response[str]:
    principal = principal_of(app.current_event.raw_event)
    limit, after = student_query(app.current_event.query_string_parameters or {})
    page = cohort_service().students(str(principal.centre_id), limit=limit, after=after)
    listing = StudentList(
        items=[Student.of(entry) for entry in page.items],
        next_cursor=encode_student_cursor(page.after) if page.after else None,
    )
    metrics.add_metric(name="CentreStudentsRead", unit=MetricUnit.Count, value=1)
    return json_response(200, listing.model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
