"""What storage can go wrong with, in the domain's words."""

from __future__ import annotations

from readiness.errors import ReadinessError


class StoreError(ReadinessError):
    """Storage failed in a way a retry will not fix (a bug or a deployment problem)."""


class StoreUnavailable(StoreError):
    """Storage is throttled or unreachable for now; the client may retry after a moment."""

    retry_after_seconds = 1


class ConditionFailed(StoreError):
    """A conditional write found the item in another state than it required."""


class AssessmentAlreadyExists(ConditionFailed):
    """An assessment with this id is already stored (the conditional write found it)."""


class UploadMissing(StoreError):
    """The uploaded object is not (or no longer) there."""
