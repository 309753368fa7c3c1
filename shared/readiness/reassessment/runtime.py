"""The re-assessment functions' clients and services, made on first use (never at import)."""

from __future__ import annotations

from functools import cache
from typing import Any

from readiness.cadence import DUE_SHARDS
from readiness.reassessment.dispatch import ReassessmentDispatcher
from readiness.reassessment.worker import ReassessmentService
from readiness.settings import get_settings

# Lambda's timeout leaves room for botocore's retries; the dispatcher's shards share one client.
_CONNECT_TIMEOUT, _READ_TIMEOUT, _ATTEMPTS = 2, 4, 3


def _client(service: str, endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        service,
        region_name=get_settings().region,
        endpoint_url=endpoint_url,
        config=Config(
            connect_timeout=_CONNECT_TIMEOUT,
            read_timeout=_READ_TIMEOUT,
            retries={"mode": "standard", "total_max_attempts": _ATTEMPTS},
            max_pool_connections=DUE_SHARDS + 4,  # one per shard thread, and a few for the queue
            tcp_keepalive=True,
        ),
    )


@cache
def dynamodb_client() -> Any:
    return _client("dynamodb", get_settings().dynamodb_endpoint_url)


@cache
def sqs_client() -> Any:
    return _client("sqs", get_settings().sqs_endpoint_url)


@cache
def events_client() -> Any:
    return _client("events", get_settings().events_endpoint_url)


def dispatcher() -> ReassessmentDispatcher:
    from readiness.reassessment.sqs import SqsReassessmentQueue
    from readiness.store.schedule_table import DynamoDBScheduleRepository

    settings = get_settings()
    return ReassessmentDispatcher(
        DynamoDBScheduleRepository(dynamodb_client(), settings.require_table()),
        SqsReassessmentQueue(sqs_client(), settings.require_reassessment_queue()),
    )


def reassessment_service() -> ReassessmentService:
    from readiness.reassessment.eventbridge import EventBridgeReadinessEvents
    from readiness.store.dynamodb import DynamoDBAssessmentRepository

    settings = get_settings()
    return ReassessmentService(
        DynamoDBAssessmentRepository(dynamodb_client(), settings.require_table()),
        EventBridgeReadinessEvents(events_client(), settings.require_event_bus()),
    )


def dispatch_budget_seconds(remaining_millis: int) -> float:
    """The dispatcher's time budget: the configured one, within the invocation's remaining time."""
    return max(1.0, min(float(get_settings().dispatch_time_budget_seconds), remaining_millis / 1000 - 10))


def reset() -> None:
    """Forget settings and clients (tests change the environment between cases)."""
    get_settings.cache_clear()
    dynamodb_client.cache_clear()
    sqs_client.cache_clear()
    events_client.cache_clear()
