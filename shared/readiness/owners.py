"""Who owns a user's resources: the one place that checks a user token against what is stored.

Every route under /v1/users/{user_id} answers the same way: a token that does not verify is a 401;
a path naming another user is a 404, exactly like a user that does not exist (no enumeration).
"""

from __future__ import annotations

from readiness.errors import NotFound
from readiness.identity import Credential, InvalidCredentials
from readiness.store.records import AssessmentRepository


class UserNotFound(NotFound):
    """The path names a user other than the caller (or none at all)."""

    field = "user_id"  # the 404 names the path's user id: "not yours" and "no such user" alike


def authenticate(repository: AssessmentRepository, credential: Credential) -> str:
    """The caller's stored token hash; InvalidCredentials for an unknown user or a wrong token."""
    stored_hash = repository.owner_token_hash(credential.user_id)
    if stored_hash is None or not credential.matches(stored_hash):
        raise InvalidCredentials("unknown or wrong user token")
    return stored_hash


def require_path_user(repository: AssessmentRepository, credential: Credential, user_id: str) -> None:
    """The path's user must be the caller: another user (once the caller is authenticated) is a 404."""
    if user_id != credential.user_id:
        authenticate(repository, credential)
        raise UserNotFound("no such user")


def check_owner(credential: Credential, stored_hash: str) -> None:
    """The caller's token against a hash read with their data (no extra request)."""
    if not credential.matches(stored_hash):
        raise InvalidCredentials("unknown or wrong user token")
