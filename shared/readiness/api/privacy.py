"""The privacy use cases wired to their stores (created on first use, like readiness.api.runtime).

Export reads the user's partition only, so its function has the table and nothing else; erasure
also reaches the idempotency table and the uploads bucket, and its function is configured with both.
"""

from __future__ import annotations

from functools import cache

from readiness.api.runtime import assessment_repository, dynamodb_client, s3_client
from readiness.privacy import PrivacyService
from readiness.settings import get_settings


def _service(*, erasing: bool) -> PrivacyService:
    from readiness.centres.dynamodb import DynamoDBCentreStore
    from readiness.store.uploads import S3UploadStore
    from readiness.store.user_data import DynamoDBUserData

    settings = get_settings()
    table = settings.require_table()
    idempotency_table = settings.require_idempotency_table() if erasing else None
    return PrivacyService(
        assessment_repository(),
        DynamoDBUserData(dynamodb_client(), table, idempotency_table),
        DynamoDBCentreStore(dynamodb_client(), table),
        S3UploadStore(s3_client, settings.require_uploads_bucket()) if erasing else None,
    )


@cache
def export_service() -> PrivacyService:
    return _service(erasing=False)


@cache
def erasure_service() -> PrivacyService:
    return _service(erasing=True)
