"""Storage of assessments: a small repository interface and its DynamoDB implementation.

Nothing above this package sees boto3, DynamoDB attribute values or ClientError: callers get
records and the domain errors below.
"""

from readiness.store.errors import AssessmentAlreadyExists, ConditionFailed, StoreError, StoreUnavailable
from readiness.store.records import (
    AssessmentPage,
    AssessmentRepository,
    AssessmentSummary,
    StoredAssessment,
    StoredInputs,
)

__all__ = [
    "AssessmentAlreadyExists",
    "AssessmentPage",
    "AssessmentRepository",
    "AssessmentSummary",
    "ConditionFailed",
    "StoreError",
    "StoreUnavailable",
    "StoredAssessment",
    "StoredInputs",
]
