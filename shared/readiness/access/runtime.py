"""The centres' and the authorizer's process-wide services, created on first use, never at import."""

from __future__ import annotations

from functools import cache

from readiness.access.resolve import PrincipalResolver
from readiness.api.runtime import dynamodb_client
from readiness.centres.dynamodb import DynamoDBCentreStore
from readiness.centres.service import CentreLedger, CohortService, ConsentService
from readiness.settings import get_settings


@cache
def centre_store() -> DynamoDBCentreStore:
    return DynamoDBCentreStore(dynamodb_client(), get_settings().require_table())


@cache
def principal_resolver() -> PrincipalResolver:
    from readiness.access.cors import allowed_origins
    from readiness.store.dynamodb import DynamoDBAssessmentRepository

    settings = get_settings()
    users = DynamoDBAssessmentRepository(dynamodb_client(), settings.require_table())  # owner_token_hash
    widget_origins = [o for o in allowed_origins(settings.web_origins) if o != "*"]
    return PrincipalResolver(users, centre_store(), widget_origins=widget_origins)


@cache
def consent_service() -> ConsentService:
    return ConsentService(centre_store())


@cache
def cohort_service() -> CohortService:
    return CohortService(centre_store())


@cache
def centre_ledger() -> CentreLedger:
    return CentreLedger()


def reset() -> None:
    for cached in (centre_store, principal_resolver, consent_service, cohort_service, centre_ledger):
        cached.cache_clear()
