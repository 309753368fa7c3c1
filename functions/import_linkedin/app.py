"""The import function: an uploaded LinkedIn export (S3 "Object Created", through EventBridge) is imported.

Runs readiness.imports.ImportService.run on the object's key. It never raises for the archive's sake
(a hostile or broken archive is a failed import with a report); only throttling or an unreachable
store is raised, so that Lambda retries the event and, after that, sends it to the failure queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3EventBridgeNotificationEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.api import runtime
from readiness.api.observability import create_logger, create_metrics, traced

logger = create_logger()
metrics = create_metrics()

RESULT_METRICS = {"completed": "ImportCompleted", "failed": "ImportFailed", "ignored": "ImportIgnored"}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    notification = S3EventBridgeNotificationEvent(event)
    outcome = runtime.import_service().run(notification.detail.object.key, now=runtime.now())
    metrics.add_metric(name=RESULT_METRICS[outcome.result], unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ImportedEvents", unit=MetricUnit.Count, value=outcome.events_stored)
    # ids, counts and codes only: never the key's user id, nor anything read from the archive
    logger.info(
        "import run",
        extra={
            "import_id": outcome.import_id,
            "result": outcome.result,
            "report_status": outcome.report_status,
            "events_stored": outcome.events_stored,
        },
    )
    return {"result": outcome.result, "import_id": outcome.import_id}
