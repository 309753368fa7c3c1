"""The service's configuration: one pydantic model, read from the environment once, at the edge."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# field name -> environment variable (the names template.yaml sets)
ENVIRONMENT_NAMES: dict[str, tuple[str, ...]] = {
    "table_name": ("TABLE_NAME",),
    "idempotency_table_name": ("IDEMPOTENCY_TABLE_NAME",),
    "log_level": ("LOG_LEVEL",),
    "service_name": ("POWERTOOLS_SERVICE_NAME",),
    "stage": ("STAGE",),
    "dynamodb_endpoint_url": ("DYNAMODB_ENDPOINT_URL",),
    "cors_allow_origin": ("CORS_ALLOW_ORIGIN",),
    "web_origins": ("WEB_ORIGINS",),
    "idempotency_expiry_seconds": ("IDEMPOTENCY_EXPIRY_SECONDS",),
    "region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    # LinkedIn imports: the bucket uploads land in (S3_ENDPOINT_URL is set by the local stack only)
    "uploads_bucket_name": ("UPLOADS_BUCKET",),
    "s3_endpoint_url": ("S3_ENDPOINT_URL",),
    # scheduled re-assessment (dispatcher and worker)
    "reassessment_queue_url": ("REASSESSMENT_QUEUE_URL",),
    "event_bus_name": ("EVENT_BUS_NAME",),
    "sqs_endpoint_url": ("SQS_ENDPOINT_URL",),
    "events_endpoint_url": ("EVENTS_ENDPOINT_URL",),
    "dispatch_time_budget_seconds": ("DISPATCH_TIME_BUDGET_SECONDS",),
    # per-caller request limits (readiness.limits; docs/api.md#limits)
    "user_submissions_per_hour": ("USER_SUBMISSIONS_PER_HOUR",),
    "user_submissions_per_day": ("USER_SUBMISSIONS_PER_DAY",),
    "user_imports_per_day": ("USER_IMPORTS_PER_DAY",),
    "centre_submissions_per_hour": ("CENTRE_SUBMISSIONS_PER_HOUR",),
    "centre_writes_per_hour": ("CENTRE_WRITES_PER_HOUR",),
    "source_submissions_per_hour": ("SOURCE_SUBMISSIONS_PER_HOUR",),
}


class ConfigurationError(RuntimeError):
    """The environment does not configure the service correctly (a deployment problem, not a client's)."""


class Settings(BaseModel):
    """Everything a function reads from its environment; domain code receives values, never os.environ."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table_name: str | None = Field(default=None, min_length=3, max_length=255)
    idempotency_table_name: str | None = Field(default=None, min_length=3, max_length=255)
    log_level: LogLevel = "INFO"
    service_name: str = "readiness"
    stage: str = "dev"
    # Set by the local stack so that boto3 talks to a moto server instead of AWS.
    dynamodb_endpoint_url: str | None = Field(default=None, pattern=r"^https?://")
    cors_allow_origin: str = "*"
    # Where web/ is served when not from the API's own origin (comma-separated): the form embedded
    # there by embed.js may name its host page for a centre's publishable key (readiness.access).
    web_origins: str = ""
    # How long a retry with the same Idempotency-Key returns the first response.
    idempotency_expiry_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    region: str = "us-east-1"
    # LinkedIn imports: archives are uploaded to this bucket (presigned POST) and read by the import function.
    uploads_bucket_name: str | None = Field(default=None, min_length=3, max_length=63)
    s3_endpoint_url: str | None = Field(default=None, pattern=r"^https?://")
    # Scheduled re-assessment: the dispatcher sends due users to this queue; the worker puts
    # ReadinessChanged events on this bus. The endpoints are set by the local stack only.
    reassessment_queue_url: str | None = Field(default=None, pattern=r"^https?://")
    event_bus_name: str | None = Field(default=None, min_length=1, max_length=256)
    sqs_endpoint_url: str | None = Field(default=None, pattern=r"^https?://")
    events_endpoint_url: str | None = Field(default=None, pattern=r"^https?://")
    # A dispatch stops sending after this long, so that one run ends before the next one starts.
    dispatch_time_budget_seconds: int = Field(default=45, ge=1, le=840)
    # Per-caller request limits (readiness.limits): a user's submissions and activity pushes, their
    # imports, a centre's submissions (publishable key) and writes (secret key), first submissions
    # per source address.
    user_submissions_per_hour: int = Field(default=30, ge=1, le=100_000)
    user_submissions_per_day: int = Field(default=200, ge=1, le=1_000_000)
    user_imports_per_day: int = Field(default=10, ge=1, le=10_000)
    centre_submissions_per_hour: int = Field(default=2000, ge=1, le=10_000_000)
    centre_writes_per_hour: int = Field(default=1000, ge=1, le=10_000_000)
    source_submissions_per_hour: int = Field(default=20, ge=1, le=100_000)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        values: dict[str, str] = {}
        for field, names in ENVIRONMENT_NAMES.items():
            for name in names:
                value = environ.get(name, "").strip()
                if value:
                    values[field] = value.upper() if field == "log_level" else value
                    break
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{ENVIRONMENT_NAMES[str(e['loc'][0])][0]}: {e['msg']}" for e in exc.errors(include_url=False)
            )
            raise ConfigurationError(f"invalid environment: {problems}") from None

    def require_table(self) -> str:
        if not self.table_name:
            raise ConfigurationError("TABLE_NAME is not set")
        return self.table_name

    def require_reassessment_queue(self) -> str:
        if not self.reassessment_queue_url:
            raise ConfigurationError("REASSESSMENT_QUEUE_URL is not set")
        return self.reassessment_queue_url

    def require_event_bus(self) -> str:
        if not self.event_bus_name:
            raise ConfigurationError("EVENT_BUS_NAME is not set")
        return self.event_bus_name

    def require_uploads_bucket(self) -> str:
        if not self.uploads_bucket_name:
            raise ConfigurationError("UPLOADS_BUCKET is not set")
        return self.uploads_bucket_name

    def require_idempotency_table(self) -> str:
        if not self.idempotency_table_name:
            raise ConfigurationError("IDEMPOTENCY_TABLE_NAME is not set")
        return self.idempotency_table_name


@cache
def get_settings() -> Settings:
    """The process's settings, read once (tests call get_settings.cache_clear() after changing env)."""
    return Settings.from_environ(os.environ)
