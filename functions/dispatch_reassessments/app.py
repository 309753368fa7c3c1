"""The schedule's target (EventBridge Scheduler, every minute): queue each user due for re-assessment."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import runtime as clock
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.reassessment import runtime
from readiness.reassessment.dispatch import DispatchIncomplete

logger = create_logger()
metrics = create_metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    budget = runtime.dispatch_budget_seconds(context.get_remaining_time_in_millis())
    report = runtime.dispatcher().dispatch(now=clock.now(), budget_seconds=budget)
    metrics.add_metric(name="ReassessmentsQueued", unit=MetricUnit.Count, value=report.queued)
    metrics.add_metric(name="ReassessmentsUnsent", unit=MetricUnit.Count, value=report.unsent)
    logger.info("dispatch finished", extra=report.as_dict())
    if report.incomplete:
        # an error for the Errors alarm and the schedule's retry; what was queued stays queued
        raise DispatchIncomplete(
            f"{report.unsent} claimed users not queued, shards failed: {report.failed_shards or 'none'}"
        )
    return report.as_dict()
