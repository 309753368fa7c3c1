"""How JSON documents are packed into binary attributes: compact JSON, zlib, a format byte in front.

Assessment bodies are ~7-9 KB of repetitive JSON. zlib with a preset dictionary of typical
documents (readiness.store.dictionary_v2, frozen; v1 is kept to read what was packed with it) packs
one into ~500 bytes, which keeps each write at one write unit (DynamoDB bills writes per started
kilobyte). Activity items are packed with plain zlib: they are mostly digests, which no dictionary
predicts.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from readiness.store.errors import StoreError

FORMAT_ZLIB = 1  # plain zlib
FORMAT_ZLIB_DICTIONARY_V1 = 2  # zlib with preset dictionary v1
FORMAT_ZLIB_DICTIONARY_V2 = 3  # zlib with preset dictionary v2 (bodies with trigger; inputs without a log)


class CorruptRecord(StoreError):
    """A stored blob does not decode: a bug, or a record written by a format this code does not know."""


def _dictionary(fmt: int) -> bytes | None:
    if fmt == FORMAT_ZLIB:
        return None
    if fmt == FORMAT_ZLIB_DICTIONARY_V1:
        from readiness.store.dictionary_v1 import DICTIONARY

        return DICTIONARY
    if fmt == FORMAT_ZLIB_DICTIONARY_V2:
        from readiness.store.dictionary_v2 import DICTIONARY as DICTIONARY_V2

        return DICTIONARY_V2
    raise CorruptRecord(f"unknown blob format {fmt}")


def pack_json(document: Any, *, fmt: int = FORMAT_ZLIB_DICTIONARY_V2) -> bytes:
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    dictionary = _dictionary(fmt)
    if dictionary is None:
        compressor = zlib.compressobj(9)
    else:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, dictionary)
    return bytes([fmt]) + compressor.compress(text) + compressor.flush()


def unpack_json(blob: bytes) -> Any:
    if not blob:
        raise CorruptRecord("empty blob")
    dictionary = _dictionary(blob[0])
    decompressor = zlib.decompressobj(15, dictionary) if dictionary is not None else zlib.decompressobj(15)
    try:
        text = decompressor.decompress(blob[1:]) + decompressor.flush()
        return json.loads(text.decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise CorruptRecord("blob does not decode") from exc
