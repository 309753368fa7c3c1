"""Centre keys: shown once, stored as SHA-256, compared in constant time, rotated with a grace period."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from readiness.centres.keys import (
    InvalidKey,
    KeyKind,
    KeyVerdict,
    issue_keys,
    parse_key,
    verify_key,
)
from readiness.centres.model import new_centre_id

NOW = datetime(2026, 11, 15, tzinfo=UTC)


def test_issued_keys_have_their_prefix_and_centre_and_are_stored_only_as_hashes() -> None:
    centre_id = new_centre_id()
    keys = issue_keys(centre_id)
    assert keys.publishable.startswith(f"pk_{centre_id}_")
    assert keys.secret.startswith(f"sk_{centre_id}_")
    assert keys.publishable != keys.secret
    hashes = keys.hashes()
    assert hashes.publishable == hashlib.sha256(keys.publishable.encode()).hexdigest()
    assert keys.secret not in repr(keys)
    assert keys.publishable not in repr(keys)
    assert keys.secret not in repr(hashes)


def test_parse_reduces_a_key_to_its_kind_centre_and_hash() -> None:
    centre_id = new_centre_id()
    keys = issue_keys(centre_id)
    presented = parse_key(keys.secret)
    assert (presented.kind, presented.centre_id) == (KeyKind.SECRET, centre_id)
    assert keys.secret not in repr(presented)


@pytest.mark.parametrize(
    "bad", ["", "pk_", "pk_c_123", "xk_" + "c_" + "0" * 26 + "_" + "a" * 43, "sk_c_" + "0" * 26 + "_short"]
)
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(InvalidKey):
        parse_key(bad)


def test_verdicts() -> None:
    keys = issue_keys(new_centre_id())
    hashes = keys.hashes()
    other = issue_keys(new_centre_id())
    assert verify_key(parse_key(keys.publishable), hashes, active=True, now=NOW) is KeyVerdict.VALID
    assert verify_key(parse_key(keys.secret), hashes, active=True, now=NOW) is KeyVerdict.VALID
    # the other centre's key, even re-labelled with this centre's id, does not match
    forged = other.secret.replace(other.centre_id, keys.centre_id)
    assert verify_key(parse_key(forged), hashes, active=True, now=NOW) is KeyVerdict.UNKNOWN
    # a publishable key is never a secret key
    swapped = keys.publishable.replace("pk_", "sk_", 1)
    assert verify_key(parse_key(swapped), hashes, active=True, now=NOW) is KeyVerdict.UNKNOWN
    assert verify_key(parse_key(keys.secret), hashes, active=False, now=NOW) is KeyVerdict.REVOKED


def test_rotation_keeps_the_old_keys_only_during_the_grace_period() -> None:
    old = issue_keys(new_centre_id())
    new = issue_keys(old.centre_id)
    rotated = new.hashes(previous=old.hashes(), previous_valid_until=NOW + timedelta(hours=1))
    old_secret = parse_key(old.secret)
    assert verify_key(old_secret, rotated, active=True, now=NOW) is KeyVerdict.VALID
    assert verify_key(old_secret, rotated, active=True, now=NOW + timedelta(hours=2)) is KeyVerdict.EXPIRED
    assert verify_key(parse_key(new.secret), rotated, active=True, now=NOW) is KeyVerdict.VALID
    immediate = new.hashes(previous=old.hashes(), previous_valid_until=None)
    assert immediate.previous_secret is None
    assert verify_key(old_secret, immediate, active=True, now=NOW) is KeyVerdict.UNKNOWN
