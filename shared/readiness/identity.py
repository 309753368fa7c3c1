"""Who is calling: user and assessment ids, bearer tokens, and the hashes that are all we store of them.

A user token is a split token: ``rdy1.<user_id>.<secret>``. The user id (public, it is in URLs)
selects the user's partition; the 256-bit secret proves the caller is that user. Only the SHA-256
of the whole token is stored, and a presented token is checked against it in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from readiness.errors import ReadinessError

TOKEN_SCHEME = "rdy1"  # noqa: S105 - a format prefix, not a secret
# Crockford's base32, lower-cased: no i, l, o, u; sorts in the same order as the values it encodes.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
USER_ID_PATTERN = r"u_[0-9a-hjkmnp-tv-z]{26}"
ASSESSMENT_ID_PATTERN = r"a_[0-9a-hjkmnp-tv-z]{26}"
IMPORT_ID_PATTERN = r"i_[0-9a-hjkmnp-tv-z]{26}"
_SECRET_PATTERN = r"[A-Za-z0-9_-]{43}"  # noqa: S105 - a shape, not a secret
_USER_ID = re.compile(USER_ID_PATTERN)
_ASSESSMENT_ID = re.compile(ASSESSMENT_ID_PATTERN)
_IMPORT_ID = re.compile(IMPORT_ID_PATTERN)
_TOKEN = re.compile(rf"{TOKEN_SCHEME}\.({USER_ID_PATTERN})\.({_SECRET_PATTERN})")
_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +(\S+) *")


class AuthenticationRequired(ReadinessError):
    """No credentials were sent to a route that needs them."""


class InvalidCredentials(ReadinessError):
    """Credentials were sent but are malformed, unknown or wrong (the caller learns no more than that)."""


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_user_id() -> str:
    """A random, unguessable user id (128 bits)."""
    return "u_" + _base32(secrets.randbits(128), 26)


def _time_sorted_id(prefix: str, now: datetime) -> str:
    """A ULID-style id: 48 bits of milliseconds, then 80 random bits; ids sort by creation time."""
    millis = int(now.timestamp() * 1000)
    if not 0 <= millis < 2**48:
        raise ValueError("time out of range for an id")
    return prefix + _base32((millis << 80) | secrets.randbits(80), 26)


def new_assessment_id(now: datetime) -> str:
    return _time_sorted_id("a_", now)


def new_import_id(now: datetime) -> str:
    return _time_sorted_id("i_", now)


def new_activity_batch_id(now: datetime) -> str:
    """The id of an activity item (a batch of stored events)."""
    return _time_sorted_id("b_", now)


def derived_assessment_id(moment: datetime, key: str) -> str:
    """An assessment id like new_assessment_id's, whose 80 low bits come from ``key`` instead of chance.

    The same moment and key always give the same id: a scheduled re-assessment's id is derived from
    its user and due period, so a retried or duplicated delivery can never store it twice.
    """
    millis = int(moment.timestamp() * 1000)
    if not 0 <= millis < 2**48:
        raise ValueError("time out of range for an assessment id")
    digest = hashlib.sha256(b"readiness/assessment-id/v1\x00" + key.encode()).digest()
    return "a_" + _base32((millis << 80) | int.from_bytes(digest[:10], "big"), 26)


def is_user_id(value: str) -> bool:
    return _USER_ID.fullmatch(value) is not None


def is_assessment_id(value: str) -> bool:
    return _ASSESSMENT_ID.fullmatch(value) is not None


def is_import_id(value: str) -> bool:
    return _IMPORT_ID.fullmatch(value) is not None


def hash_token(token: str) -> str:
    """SHA-256 (hex) of a token: what is stored instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hashes_match(presented_hash: str, stored_hash: str) -> bool:
    """Constant-time comparison, so response timing says nothing about how close a guess was."""
    return hmac.compare_digest(presented_hash.encode("ascii"), stored_hash.encode("ascii"))


@dataclass(frozen=True, slots=True)
class Credential:
    """A presented user token, reduced to the user it names and its hash (the token itself is dropped)."""

    user_id: str
    token_hash: str = field(repr=False)

    def matches(self, stored_hash: str) -> bool:
        return hashes_match(self.token_hash, stored_hash)


@dataclass(frozen=True, slots=True)
class VerifiedUser(Credential):
    """A user the API's Lambda authorizer has already verified (readiness.access): handlers get this,
    built from the authorizer's context, never from a header, so the token is not at hand and need
    not be. The use cases still require the user to exist; only the token comparison is done.
    """

    token_hash: str = field(default="", repr=False)

    def matches(self, stored_hash: str) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new user's token: returned once in the response, never stored, never logged (repr hides it)."""

    user_id: str
    token: str = field(repr=False)

    @property
    def token_hash(self) -> str:
        return hash_token(self.token)


def issue_user_token() -> IssuedToken:
    user_id = new_user_id()
    return IssuedToken(user_id=user_id, token=f"{TOKEN_SCHEME}.{user_id}.{secrets.token_urlsafe(32)}")


def credential_from_token(token: str) -> Credential:
    found = _TOKEN.fullmatch(token)
    if found is None:
        raise InvalidCredentials("the bearer token is not a readiness user token")
    return Credential(user_id=found.group(1), token_hash=hash_token(token))


def credential_from_authorization(header: str | None) -> Credential | None:
    """The credential in an ``Authorization: Bearer <token>`` header; None when the header is absent.

    A header that is present but not a well-formed bearer token raises InvalidCredentials.
    """
    if header is None or not header.strip():
        return None
    found = _BEARER.fullmatch(header)
    if found is None:
        raise InvalidCredentials("the Authorization header must be 'Bearer <user_token>'")
    return credential_from_token(found.group(1))


def require_credential(header: str | None) -> Credential:
    credential = credential_from_authorization(header)
    if credential is None:
        raise AuthenticationRequired("this route needs 'Authorization: Bearer <user_token>'")
    return credential
