"""Uploaded archives in S3: presigned POSTs that allow one object of bounded size, reading, deleting.

The policy of a presigned POST is what S3 enforces, whoever holds it: exactly one key (so an upload
lands where its import item expects it), 1 byte to ``max_bytes`` (content-length-range), and an
expiry. The function that signs it needs s3:PutObject on the upload prefix; nothing else does.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any, BinaryIO, cast

from readiness.store.errors import StoreError, StoreUnavailable, UploadMissing
from readiness.store.records import PresignedPost

_COPY_CHUNK = 1024 * 1024
_IN_MEMORY = 8 * 1024 * 1024  # a larger archive is spooled to /tmp while it is read
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_TRANSIENT = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500"})


class S3UploadStore:
    """UploadStore over one bucket; the boto3 S3 client is made on first use (``client`` is its factory),
    so that a function that only reads import items never pays for one."""

    def __init__(self, client: Callable[[], Any], bucket: str) -> None:
        self._make_client = client
        self._bucket = bucket

    @property
    def _client(self) -> Any:
        return self._make_client()

    def presign(self, key: str, *, max_bytes: int, expires_in_seconds: int) -> PresignedPost:
        post = self._client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,  # botocore adds the conditions {"bucket": ...} and {"key": key}
            Conditions=[["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in_seconds,
        )
        return PresignedPost(url=str(post["url"]), fields={k: str(v) for k, v in post["fields"].items()})

    def open(self, key: str) -> BinaryIO:
        copy = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115 - the caller closes it
        try:
            body = self._call("get_object", Bucket=self._bucket, Key=key)["Body"]
            try:
                while chunk := body.read(_COPY_CHUNK):
                    copy.write(chunk)
            finally:
                body.close()
        except StoreError:
            copy.close()
            raise
        except Exception as exc:  # the body failed while it was read
            copy.close()
            raise _store_error("get_object", exc) from None
        copy.seek(0)
        return cast(BinaryIO, copy)

    def delete(self, key: str) -> None:
        self._call("delete_object", Bucket=self._bucket, Key=key)

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**request)
        except Exception as exc:  # botocore's errors, mapped below; anything else is a bug
            raise _store_error(operation, exc) from None
        return response


def _store_error(operation: str, exc: Exception) -> Exception:
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            return UploadMissing(f"S3 {operation}: no such object")
        if code in _TRANSIENT:
            return StoreUnavailable(f"S3 {operation}: {code}")
        return StoreError(f"S3 {operation} failed: {code or 'unknown error'}")
    if isinstance(exc, BotoCoreError):
        return StoreUnavailable(f"S3 {operation}: {type(exc).__name__}")
    return exc
