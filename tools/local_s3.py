"""Browser uploads to S3 off AWS: a presigned POST checked the way S3 checks it, then stored in moto.

moto stores what a form POST sends but does not evaluate its policy, and the policy is the point:
it is what limits an upload to one key and to 50 MB. ``accept_post`` does what S3 does with a
POST Object request before storing anything: the SigV4 signature over the policy, the expiry, and
every condition (exact fields, ``starts-with``, ``content-length-range``, no unlisted fields),
answering with S3's own error codes. The local stack's front serves it at ``/<bucket>`` (same origin
as the web form); the integration tests call it directly against moto in-process.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any
from xml.sax.saxutils import escape

# Form fields S3 never checks against the policy.
_UNCHECKED = frozenset({"policy", "x-amz-signature", "file", "signature", "awsaccesskeyid"})


class PostRefused(Exception):
    """S3 refuses the POST: an HTTP status, S3's error code and message (as its XML error body says)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def xml(self) -> bytes:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(self.code)}</Code>'
            f"<Message>{escape(self.message)}</Message></Error>"
        ).encode()


@dataclass(frozen=True, slots=True)
class AcceptedUpload:
    bucket: str
    key: str
    size: int


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.digest(("AWS4" + secret).encode(), date.encode(), "sha256")
    for part in (region, service, "aws4_request"):
        key = hmac.digest(key, part.encode(), "sha256")
    return key


def _denied(message: str) -> PostRefused:
    return PostRefused(403, "AccessDenied", f"Invalid according to Policy: {message}")


def check_post(
    bucket: str,
    fields: Mapping[str, str],
    size: int,
    *,
    now: datetime,
    secret_for: Callable[[str], str | None],
) -> str:
    """The key the upload may be stored under; PostRefused for whatever S3 would refuse."""
    form = {name.lower(): value for name, value in fields.items()}
    signed_by: tuple[str, ...] = ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")
    if "awsaccesskeyid" in form and "x-amz-signature" not in form:
        signed_by = ("awsaccesskeyid", "signature")  # signature version 2
    for required in ("key", "policy", *signed_by):
        if required not in form:
            raise PostRefused(400, "InvalidArgument", f"Bucket POST must contain a field named '{required}'")
    _check_signature(form, secret_for)
    try:
        policy = json.loads(base64.b64decode(form["policy"], validate=True))
        expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
        conditions = policy["conditions"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise PostRefused(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
    if now >= expiration:
        raise _denied("Policy expired.")
    values = {**form, "bucket": bucket}
    covered: set[str] = set()
    for condition in conditions:
        if isinstance(condition, dict):
            for name, value in condition.items():
                _require_equal(values, name.lower(), str(value))
                covered.add(name.lower())
        elif isinstance(condition, list) and condition and condition[0] == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if size > high:
                raise PostRefused(
                    400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
                )
            if size < low:
                raise PostRefused(
                    400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
                )
        elif isinstance(condition, list) and len(condition) == 3 and condition[0] in ("eq", "starts-with"):
            name = str(condition[1]).lstrip("$").lower()
            covered.add(name)
            if condition[0] == "eq":
                _require_equal(values, name, str(condition[2]))
            elif not values.get(name, "").startswith(str(condition[2])):
                raise _denied(f'Policy Condition failed: ["starts-with", "${name}", "{condition[2]}"]')
        else:
            raise PostRefused(400, "InvalidPolicyDocument", "Invalid Policy: Invalid condition.")
    extra = sorted(
        name
        for name in form
        if name not in covered and name not in _UNCHECKED and not name.startswith("x-ignore-")
    )
    # the signature's own fields are signed, not listed, when boto writes the policy
    extra = [
        name
        for name in extra
        if name not in {*signed_by, "x-amz-algorithm", "x-amz-credential", "x-amz-date"}
    ]
    if extra:
        raise _denied("Extra input fields: " + ", ".join(extra))
    return form["key"]


def _check_signature(form: Mapping[str, str], secret_for: Callable[[str], str | None]) -> None:
    if "x-amz-signature" not in form:  # version 2: base64 HMAC-SHA1 of the policy
        secret = secret_for(form["awsaccesskeyid"])
        if secret is None:
            raise PostRefused(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist")
        expected = base64.b64encode(hmac.digest(secret.encode(), form["policy"].encode(), "sha1")).decode()
        if not hmac.compare_digest(expected, form["signature"]):
            raise PostRefused(
                403, "SignatureDoesNotMatch", "The request signature we calculated does not match"
            )
        return
    if form["x-amz-algorithm"] != "AWS4-HMAC-SHA256":
        raise PostRefused(400, "InvalidArgument", "only AWS4-HMAC-SHA256 is supported")
    try:
        access_key, date, region, service, terminal = form["x-amz-credential"].split("/")
    except ValueError:
        raise PostRefused(400, "InvalidArgument", "malformed x-amz-credential") from None
    secret = secret_for(access_key)
    if secret is None or terminal != "aws4_request":
        raise PostRefused(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist")
    expected = hmac.new(
        _signing_key(secret, date, region, service), form["policy"].encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, form["x-amz-signature"]):
        raise PostRefused(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")


def _require_equal(values: Mapping[str, str], name: str, expected: str) -> None:
    if values.get(name) != expected:
        raise _denied(f'Policy Condition failed: ["eq", "${name}", "{expected}"]')


def accept_post(
    s3: Any,
    bucket: str,
    fields: Mapping[str, str],
    body: IO[bytes],
    size: int,
    *,
    now: datetime | None = None,
    secret_for: Callable[[str], str | None],
) -> AcceptedUpload:
    """Check a POST Object request like S3 and, if it passes, store the file with ``s3`` (a moto client)."""
    key = check_post(bucket, fields, size, now=now or datetime.now(UTC), secret_for=secret_for)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return AcceptedUpload(bucket=bucket, key=key, size=size)
