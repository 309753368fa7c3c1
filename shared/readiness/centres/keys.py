"""Centre keys: a publishable key (``pk_...``, safe in a web page) and a secret key (``sk_...``).

Both are split tokens, ``<kind>_<centre_id>_<secret>``: the centre id selects the centre's item
(one GetItem), the 256-bit secret proves the caller. Keys are shown once, when they are issued;
only their SHA-256 is stored, and a presented key is compared with it in constant time. After a
rotation the previous pair keeps working until ``previous_valid_until`` (a grace period for
deploying the new keys), then it is expired.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from readiness.centres.model import CENTRE_ID_PATTERN, KeyHashes
from readiness.errors import ReadinessError
from readiness.identity import hash_token, hashes_match

_SECRET_PATTERN = r"[A-Za-z0-9_-]{43}"  # noqa: S105 - a shape, not a secret
_KEY = re.compile(rf"(pk|sk)_({CENTRE_ID_PATTERN})_({_SECRET_PATTERN})")
MAX_GRACE = timedelta(days=30)


class KeyKind(StrEnum):
    PUBLISHABLE = "pk"
    SECRET = "sk"  # noqa: S105 - a key kind, not a secret


class KeyVerdict(StrEnum):
    """What a presented key turned out to be (the caller learns only valid / not valid)."""

    VALID = "valid"
    UNKNOWN = "unknown"  # wrong secret, or no such centre
    EXPIRED = "expired"  # a rotated-out key after its grace period
    REVOKED = "revoked"  # the centre is revoked


class InvalidKey(ReadinessError):
    """A centre key is malformed, unknown, expired or revoked."""


@dataclass(frozen=True, slots=True)
class PresentedKey:
    """A key as a caller sent it, reduced to its kind, centre and hash (the key itself is dropped)."""

    kind: KeyKind
    centre_id: str
    key_hash: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class IssuedKeys:
    """A new key pair: shown once to the operator, never stored, never logged (repr hides them)."""

    centre_id: str
    publishable: str = field(repr=False)
    secret: str = field(repr=False)

    def hashes(
        self, *, previous: KeyHashes | None = None, previous_valid_until: datetime | None = None
    ) -> KeyHashes:
        return KeyHashes(
            publishable=hash_token(self.publishable),
            secret=hash_token(self.secret),
            previous_publishable=previous.publishable if previous and previous_valid_until else None,
            previous_secret=previous.secret if previous and previous_valid_until else None,
            previous_valid_until=previous_valid_until if previous else None,
        )


def issue_keys(centre_id: str) -> IssuedKeys:
    return IssuedKeys(
        centre_id=centre_id,
        publishable=f"{KeyKind.PUBLISHABLE}_{centre_id}_{secrets.token_urlsafe(32)}",
        secret=f"{KeyKind.SECRET}_{centre_id}_{secrets.token_urlsafe(32)}",
    )


def looks_like_centre_key(text: str) -> bool:
    return text.startswith(("pk_", "sk_"))


def parse_key(text: str) -> PresentedKey:
    found = _KEY.fullmatch(text.strip())
    if found is None:
        raise InvalidKey("not a readiness centre key")
    return PresentedKey(
        kind=KeyKind(found.group(1)), centre_id=found.group(2), key_hash=hash_token(text.strip())
    )


def verify_key(presented: PresentedKey, keys: KeyHashes, *, active: bool, now: datetime) -> KeyVerdict:
    """Check a presented key against a centre's stored hashes, every comparison in constant time."""
    current = keys.publishable if presented.kind is KeyKind.PUBLISHABLE else keys.secret
    previous = keys.previous_publishable if presented.kind is KeyKind.PUBLISHABLE else keys.previous_secret
    matches_current = hashes_match(presented.key_hash, current)
    # compared whether or not it is still valid, so timing does not say which slot matched
    matches_previous = hashes_match(presented.key_hash, previous or "0" * 64)
    if not (matches_current or (previous is not None and matches_previous)):
        return KeyVerdict.UNKNOWN
    if not active:
        return KeyVerdict.REVOKED
    if matches_current:
        return KeyVerdict.VALID
    if keys.previous_valid_until is not None and now < keys.previous_valid_until:
        return KeyVerdict.VALID
    return KeyVerdict.EXPIRED
