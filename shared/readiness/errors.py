"""Domain errors: what the API, the CLI and the workers map to their own error shapes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field; `field` is a dotted path such as `activities.3.occurred_at`."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class ReadinessError(Exception):
    """Base of every error the domain raises on purpose."""


class NotFound(ReadinessError):
    """No such resource, or not the caller's (the two are deliberately indistinguishable): HTTP 404."""


class InvalidSubmission(ReadinessError):
    """The submission breaks the contract; nothing may be written for it."""

    def __init__(
        self, details: list[FieldError], *, too_large: bool = False, malformed: bool = False
    ) -> None:
        self.details = details
        self.too_large = too_large  # a size limit (body bytes, activity count): HTTP 413
        self.malformed = malformed  # not JSON at all: HTTP 400
        first = details[0] if details else FieldError("", "invalid submission")
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        super().__init__(f"{first.field}: {first.message}{more}")


class InvalidCursor(ReadinessError):
    """A paging cursor this API did not issue (422, field ``cursor``)."""

    def __init__(self, reason: str) -> None:
        self.details = [FieldError("cursor", "is not a cursor this API issued; start again without it")]
        super().__init__(reason)
