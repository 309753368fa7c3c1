"""Process-wide resources, created on first use and never at import (moto and cold start both need that)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from readiness.assessments import AssessmentService
from readiness.settings import get_settings

if TYPE_CHECKING:
    from readiness.imports import ImportService
    from readiness.ingestion import ActivityService
    from readiness.limits import RequestLimiter
    from readiness.store.dynamodb import DynamoDBAssessmentRepository


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
    return AssessmentService(assessment_repository())


@cache
def assessment_repository() -> DynamoDBAssessmentRepository:
    from readiness.store.dynamodb import DynamoDBAssessmentRepository

    settings = get_settings()
    return DynamoDBAssessmentRepository(
        dynamodb_client(), settings.require_table(), receipts_table=settings.idempotency_table_name
    )


@cache
def s3_client() -> Any:
    """The S3 client (LinkedIn export uploads; S3_ENDPOINT_URL points it at the local stack)."""
    import boto3
    from botocore.config import Config

    settings = get_settings()
    return boto3.session.Session().client(
        "s3",
        region_name=settings.region,
        endpoint_url=settings.s3_endpoint_url,
        config=Config(
            signature_version="s3v4",
            # a local endpoint serves buckets as paths; AWS as virtual hosts (the presigned URL's host)
            s3={"addressing_style": "path" if settings.s3_endpoint_url else "virtual"},
            connect_timeout=2,
            read_timeout=20,
            retries={"mode": "standard", "total_max_attempts": 3},
        ),
    )


@cache
def activity_service() -> ActivityService:
    from readiness.ingestion import ActivityService

    return ActivityService(assessment_repository())


@cache
def import_service() -> ImportService:
    from readiness.imports import ImportService
    from readiness.store.imports import DynamoDBImportRepository
    from readiness.store.uploads import S3UploadStore

    settings = get_settings()
    return ImportService(
        assessment_repository(),
        DynamoDBImportRepository(dynamodb_client(), settings.require_table()),
        S3UploadStore(s3_client, settings.require_uploads_bucket()),
    )


@cache
def request_limiter() -> RequestLimiter:
    """Per-caller request limits, as configured (counted in the single table)."""
    from readiness.limits import LimitPolicy, RequestLimiter
    from readiness.store.limits import DynamoDBLimitCounters

    settings = get_settings()
    table = settings.require_table()
    policy = LimitPolicy.of(
        user_submissions_per_hour=settings.user_submissions_per_hour,
        user_submissions_per_day=settings.user_submissions_per_day,
        user_imports_per_day=settings.user_imports_per_day,
        centre_submissions_per_hour=settings.centre_submissions_per_hour,
        centre_writes_per_hour=settings.centre_writes_per_hour,
        source_submissions_per_hour=settings.source_submissions_per_hour,
    )
    # the table's name (a random suffix per stack) salts hashed source addresses
    return RequestLimiter(DynamoDBLimitCounters(dynamodb_client(), table), policy, source_salt=table)


def reset() -> None:
    """Forget settings, clients and services (tests change the environment between cases)."""
    from readiness.api import idempotency

    get_settings.cache_clear()
    dynamodb_client.cache_clear()
    assessment_service.cache_clear()
    assessment_repository.cache_clear()
    s3_client.cache_clear()
    activity_service.cache_clear()
    import_service.cache_clear()
    from readiness.api import privacy

    privacy.export_service.cache_clear()
    privacy.erasure_service.cache_clear()
    request_limiter.cache_clear()
    idempotency._runner.cache_clear()
    from readiness.access import runtime as access_runtime

    access_runtime.reset()
