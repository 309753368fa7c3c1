"""What storage can go wrong with, in the domain's words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readiness.errors import ReadinessError

if TYPE_CHECKING:
    from readiness.store.records import SubmissionReceipt


class StoreError(ReadinessError):
    """Storage failed in a way a retry will not fix (a bug or a deployment problem)."""


class StoreUnavailable(StoreError):
    """Storage is throttled or unreachable for now; the client may retry after a moment."""

    retry_after_seconds = 1


class ConditionFailed(StoreError):
    """A conditional write found the item in another state than it required."""


class AssessmentAlreadyExists(ConditionFailed):
    """An assessment with this id is already stored (the conditional write found it)."""


class LatestChanged(StoreUnavailable):
    """Another assessment of the same user was stored since their inputs were read: nothing was written.

    Read the inputs again and score again (an assessment scored from stale inputs would replace the
    user's newer answers as their latest); left unhandled, it is a 503 or a retried message.
    """


class AlreadySubmitted(ConditionFailed):
    """A keyed submission's receipt is stored already: an earlier run of it stored its assessment."""

    def __init__(self, receipt: SubmissionReceipt) -> None:
        super().__init__("this submission was stored by an earlier run")
        self.receipt = receipt


class UploadMissing(StoreError):
    """The uploaded object is not (or no longer) there."""
