"""POST /v1/assessments: score a submission and store the assessment (a new user also gets a token)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import routes, runtime
from readiness.api.limits import admit
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.api.requests import assessment_request
from readiness.api.resolver import create_resolver, serve
from readiness.api.responses import json_response
from readiness.api.submit import submit_assessment
from readiness.limits import LimitedAction

logger = create_logger()
metrics = create_metrics()
app = create_resolver(logger, metrics)


@app.post(routes.ASSESSMENTS)
def create_assessment() -> Response[str]:
    now = runtime.now()  # the clock is read here, at the edge; the model scores "as of" it
    request = assessment_request(app.current_event, now=now)
    admit(app.current_event, LimitedAction.SUBMISSION, now=now)  # valid: counted, before any work
    submitted = submit_assessment(request, now=now, lambda_context=app.lambda_context)
    metrics.add_metric(
        name="IdempotentReplay" if submitted.replayed else "AssessmentCreated", unit=MetricUnit.Count, value=1
    )
    logger.info(
        "assessment created" if not submitted.replayed else "assessment replayed",
        extra={"assessment_id": submitted.assessment_id, "returning_user": request.credential is not None},
    )
    headers = {"Location": f"{app.current_event.raw_path.rstrip('/')}/{submitted.assessment_id}"}
    if submitted.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(201, submitted.body, headers=headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, logger, event, context)
