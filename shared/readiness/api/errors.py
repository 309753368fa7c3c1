"""Problems with an HTTP request itself (not its submission), raised by the request readers."""

from __future__ import annotations

from readiness.errors import FieldError, ReadinessError


class MalformedBody(ReadinessError):
    """The body cannot even be read as text (400); JSON problems are InvalidSubmission(malformed=True)."""


class UnsupportedMediaType(ReadinessError):
    """A body that is not declared ``application/json`` (415): a form post or plain text is never read."""


class InvalidRequest(ReadinessError):
    """A query parameter, path parameter or header is invalid (422); each problem names its field."""

    def __init__(self, details: list[FieldError]) -> None:
        self.details = details
        super().__init__("; ".join(f"{d.field}: {d.message}" for d in details))


class IdempotencyKeyReused(ReadinessError):
    """The Idempotency-Key was already used by this caller with another payload (409)."""


class IdempotentRequestInProgress(ReadinessError):
    """A request with this Idempotency-Key is still being processed (409, retry shortly)."""

    retry_after_seconds = 1
