"""Problems with an HTTP request itself (not its submission), raised by the request readers."""

from __future__ import annotations

from readiness.errors import FieldError, ReadinessError


class MalformedBody(ReadinessError):
    """The body is not JSON at all (400)."""


class InvalidRequest(ReadinessError):
    """A query parameter, path parameter or header is invalid (422); each problem names its field."""

    def __init__(self, details: list[FieldError]) -> None:
        self.details = details
        super().__init__("; ".join(f"{d.field}: {d.message}" for d in details))


class PayloadTooLarge(ReadinessError):
    """The body is over the size limit (413)."""

    def __init__(self, detail: FieldError) -> None:
        self.details = [detail]
        super().__init__(f"{detail.field}: {detail.message}")


class IdempotencyKeyReused(ReadinessError):
    """The Idempotency-Key was already used by this caller with another payload (409)."""


class IdempotentRequestInProgress(ReadinessError):
    """A request with this Idempotency-Key is still being processed (409, retry shortly)."""

    retry_after_seconds = 1
