"""The re-assessment queue's consumer: re-score each due user as of now (partial batch failures reported)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import runtime as clock
from readiness.api.observability import create_logger, create_metrics, traced
from readiness.reassessment import runtime
from readiness.reassessment.messages import ReassessmentMessage

logger = create_logger()
metrics = create_metrics()
processor = BatchProcessor(event_type=EventType.SQS)

OUTCOME_METRICS = {
    "reassessed": "Reassessed",
    "already_done": "ReassessmentDuplicate",
    "recently_assessed": "ReassessmentNotNeeded",
    "nothing_to_score": "ReassessmentNotNeeded",
}


def reassess_record(record: SQSRecord) -> None:
    """One message; an exception marks only this record failed (SQS redelivers it, then the DLQ)."""
    try:
        message = ReassessmentMessage.from_json(record.body)
        outcome = runtime.reassessment_service().reassess(
            message, now=clock.now(), delivery=int(record.attributes.approximate_receive_count)
        )
    except Exception as exc:
        metrics.add_metric(name="ReassessmentFailed", unit=MetricUnit.Count, value=1)
        logger.warning(
            "re-assessment failed",
            extra={
                "message_id": record.message_id,
                "receive_count": record.attributes.approximate_receive_count,
                "error_type": type(exc).__name__,
            },
        )
        raise
    metrics.add_metric(name=OUTCOME_METRICS[outcome.kind], unit=MetricUnit.Count, value=1)
    if outcome.change is not None:
        metrics.add_metric(name="ReadinessChanged", unit=MetricUnit.Count, value=1)
    logger.info(
        "user re-assessed",
        extra={
            "outcome": outcome.kind,
            "assessment_id": outcome.assessment_id,
            "changed": bool(outcome.change),
        },
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=reassess_record, processor=processor, context=context
    )
