"""Process-wide resources, created on first use and never at import (moto and cold start both need that)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from readiness.assessments import AssessmentService
from readiness.settings import get_settings


def now() -> datetime:
    """The server's clock, read once per request at the edge (tests replace this function)."""
    return datetime.now(UTC)


@cache
def dynamodb_client() -> Any:
    """The one low-level DynamoDB client of the process (DYNAMODB_ENDPOINT_URL points it at moto locally)."""
    import boto3
    from botocore.config import Config

    settings = get_settings()
    return boto3.session.Session().client(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.dynamodb_endpoint_url,
        config=Config(
            # Lambda's timeout is 10 s: fail fast and let the client retry rather than hang.
            connect_timeout=2,
            read_timeout=4,
            retries={"mode": "standard", "total_max_attempts": 3},
            tcp_keepalive=True,
        ),
    )


@cache
def assessment_service() -> AssessmentService:
    from readiness.store.dynamodb import DynamoDBAssessmentRepository

    return AssessmentService(DynamoDBAssessmentRepository(dynamodb_client(), get_settings().require_table()))


def reset() -> None:
    """Forget settings, clients and services (tests change the environment between cases)."""
    from readiness.api import idempotency

    get_settings.cache_clear()
    dynamodb_client.cache_clear()
    assessment_service.cache_clear()
    idempotency._runner.cache_clear()
