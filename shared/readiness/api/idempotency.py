"""Safe retries of POST /v1/assessments with Powertools Idempotency, keyed per caller.

- The idempotency record is keyed on (caller, Idempotency-Key): the caller is the user the
  authorizer verified, or "anonymous" for a first submission, and the centre whose publishable key
  came with it (``u_...@c_...``, ``anonymous@-``); the payload is validated by its canonical digest,
  so the same key with another payload is a conflict (409), never a silent replay.
- The stored response is packed (compact JSON, zlib) to keep the record at a few write units.
- A new user's token must not sit in the idempotency table in the clear (tokens are stored only
  as hashes). The record holds it sealed with a pad derived from the caller's Idempotency-Key,
  which is never stored (Powertools keeps a hash of it): only a retry that presents the same key
  can unseal it. A replay therefore shows the token again to the client that retries, and to no
  one who reads the table.

Powertools' idempotency package imports boto3, so it is imported on the first keyed request,
never at cold start.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from readiness.api.errors import IdempotencyKeyReused, IdempotentRequestInProgress
from readiness.settings import get_settings
from readiness.store import StoreError, StoreUnavailable

ANONYMOUS_CALLER = "anonymous"
RECORD_KEY_PREFIX = "create_assessment"  # Powertools' key_prefix: record ids are "<prefix>#<sha256>"
_SEAL_CONTEXT = b"readiness/user-token-seal/v1\x00"

StoredResponse = dict[str, Any]  # {"body": {...}, "sealed_token": str | None}


@dataclass(frozen=True, slots=True)
class IdempotentCall:
    key: str
    caller: str  # <user id or ANONYMOUS_CALLER>@<centre id or ->
    payload_digest: str

    def record_data(self) -> dict[str, str]:
        # what Powertools hashes: [caller, key] names the record, payload is validated on replay
        return {"caller": self.caller, "key": self.key, "payload": self.payload_digest}

    @property
    def record_id(self) -> str:
        """The id of this call's record in the idempotency table, as Powertools names it.

        Stored with the assessment the call creates, so that erasing a user can delete the records
        of their submissions without a Scan (tests/integration check it against the real record).
        """
        named_by = json.dumps([self.caller, self.key], sort_keys=True).encode()
        return f"{RECORD_KEY_PREFIX}#{hashlib.sha256(named_by).hexdigest()}"


@dataclass(frozen=True, slots=True)
class Outcome:
    response: StoredResponse
    replayed: bool


def _pad(key: str, caller: str, length: int) -> bytes:
    return hashlib.shake_256(_SEAL_CONTEXT + key.encode() + b"\x00" + caller.encode()).digest(length)


def seal(secret: str, call: IdempotentCall) -> str:
    raw = secret.encode("utf-8")
    pad = _pad(call.key, call.caller, len(raw))
    return base64.b64encode(bytes(a ^ b for a, b in zip(raw, pad, strict=True))).decode("ascii")


def unseal(sealed: str, call: IdempotentCall) -> str:
    raw = base64.b64decode(sealed)
    pad = _pad(call.key, call.caller, len(raw))
    return bytes(a ^ b for a, b in zip(raw, pad, strict=True)).decode("utf-8")


def receipt_id(call: IdempotentCall) -> str:
    """The id of the receipt a keyed submission stores with its assessment (readiness.assessments.RetryKey):
    in the idempotency table, next to Powertools' record for the call, whose id plus ``#receipt`` it is
    (erasing a user who knows the one deletes the other; both expire after IDEMPOTENCY_EXPIRY_SECONDS).
    """
    named_by = json.dumps([call.caller, call.key], sort_keys=True).encode()
    return f"create_assessment#{hashlib.sha256(named_by).hexdigest()}#receipt"


def run_once(call: IdempotentCall, produce: Callable[[], StoredResponse], lambda_context: Any) -> Outcome:
    """``produce()`` once per (caller, key, payload); later calls get its stored response back."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    runner, config = _runner()
    config.register_lambda_context(lambda_context)
    try:
        response = runner(request=call.record_data(), produce=produce)
    except IdempotencyValidationError:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request body; use a new key"
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise IdempotentRequestInProgress(
            "a request with this Idempotency-Key is still being processed; retry in a moment"
        ) from None
    except IdempotencyPersistenceLayerError as exc:
        raise _store_error(exc.__cause__) from None
    replayed = bool(response.pop("_replayed", False))
    return Outcome(response=response, replayed=replayed)


def _store_error(cause: BaseException | None) -> StoreError:
    """Transient DynamoDB trouble is a 503 (retry); anything else behind Powertools' wrapper is a bug."""
    from botocore.exceptions import BotoCoreError, ClientError

    from readiness.store.dynamodb import TRANSIENT_ERROR_CODES

    reason = type(cause).__name__
    if isinstance(cause, ClientError):
        code = str(cause.response.get("Error", {}).get("Code", ""))
        if code in TRANSIENT_ERROR_CODES:
            return StoreUnavailable(f"idempotency store: {code}")
        return StoreError(f"idempotency store: {code or reason}")
    if isinstance(cause, BotoCoreError):
        return StoreUnavailable(f"idempotency store: {reason}")
    return StoreError(f"idempotency store: {reason}")


@cache
def _runner() -> tuple[Callable[..., StoredResponse], Any]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.serialization.base import BaseIdempotencySerializer

    from readiness.api.runtime import dynamodb_client
    from readiness.store.codec import pack_json, unpack_json

    class PackedResponse(BaseIdempotencySerializer):
        """Stores the response packed; Powertools keeps whatever dict to_dict returns."""

        # Base85 (RFC 1924: no quote or backslash, so the JSON Powertools writes needs no escapes)
        # is 25% over the packed bytes where base64 is 33%: ~45 bytes, which keeps a returning
        # user's record under 1 KB, one write unit. "packed" (base64) is read from older records.
        def to_dict(self, data: Any) -> dict[str, Any]:
            return {"p85": base64.b85encode(pack_json(data)).decode("ascii")}

        def from_dict(self, data: dict[str, Any]) -> Any:
            if "p85" in data:
                return unpack_json(base64.b85decode(data["p85"]))
            return unpack_json(base64.b64decode(data["packed"]))

    def mark_replay(response: Any, idempotent_data: Any) -> Any:
        return {**response, "_replayed": True}

    settings = get_settings()
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.require_idempotency_table(), boto3_client=dynamodb_client()
    )
    config = IdempotencyConfig(
        event_key_jmespath="[caller, key]",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=settings.idempotency_expiry_seconds,
        hash_function="sha256",
        response_hook=mark_replay,
    )

    def produce_once(*, request: dict[str, str], produce: Callable[[], StoredResponse]) -> StoredResponse:
        return produce()

    idempotent = idempotent_function(
        produce_once,
        data_keyword_argument="request",
        persistence_store=persistence,
        config=config,
        output_serializer=PackedResponse(),
        key_prefix=RECORD_KEY_PREFIX,
    )
    return cast(Callable[..., StoredResponse], idempotent), config
