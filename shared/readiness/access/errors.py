"""What access control raises in handlers (mapped to HTTP once, in readiness.api.resolver)."""

from __future__ import annotations

from readiness.errors import NotFound, ReadinessError


class Forbidden(ReadinessError):
    """The caller is authenticated, but this route is not for their kind of credential (403)."""


class NotYours(NotFound):
    """The object is not the caller's (or does not exist): 404, the same answer either way."""


class NotYourUser(NotYours):
    """The path's user is not the caller (nor a student sharing with the calling centre)."""

    field = "user_id"
