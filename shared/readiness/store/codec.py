"""How JSON documents are packed into binary attributes: compact JSON, zlib, a format byte in front.

Assessment bodies are ~10 KB of repetitive JSON; packed they are a fraction of that, which keeps
each write at a few write units (DynamoDB bills writes per started kilobyte).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from readiness.store.errors import StoreError

FORMAT_ZLIB_JSON = 1


class CorruptRecord(StoreError):
    """A stored blob does not decode: a bug or a record written by an unknown format."""


def pack_json(document: Any) -> bytes:
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
    return bytes([FORMAT_ZLIB_JSON]) + zlib.compress(text.encode("utf-8"), 9)


def unpack_json(blob: bytes) -> Any:
    if not blob or blob[0] != FORMAT_ZLIB_JSON:
        raise CorruptRecord("unknown blob format")
    try:
        return json.loads(zlib.decompress(blob[1:]).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise CorruptRecord("blob does not decode") from exc
