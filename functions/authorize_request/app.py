"""The HTTP API's Lambda REQUEST authorizer (payload 2.0, simple responses): credentials to a principal.

It resolves a user token or a centre key into the principal the route's function receives as
requestContext.authorizer.lambda. A credential that is unknown, expired, revoked, used from an
origin its centre did not register, or not one the route's policy admits becomes a refusal the
function answers (401 or 403 in the API's envelope, with CORS headers), never API Gateway's bare
403. Logs say why in a code, never the credential.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from readiness.access.authorizer import decide
from readiness.access.runtime import principal_resolver
from readiness.api.observability import create_logger, create_metrics, traced

logger = create_logger()
metrics = create_metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # the wall clock, read here at the edge: it only decides whether a rotated key's grace is over
    decision = decide(event, principal_resolver(), now=datetime.now(UTC))
    route = str(event.get("routeKey") or "")
    if decision.principal is None:
        metrics.add_metric(name="AccessDenied", unit=MetricUnit.Count, value=1)
        logger.info("request refused", extra={"route": route, "reason": decision.reason})
    else:
        metrics.add_metric(name="AccessGranted", unit=MetricUnit.Count, value=1)
        logger.debug(
            "request allowed", extra={"route": route, "principal_kind": decision.principal.kind.value}
        )
    return decision.response
