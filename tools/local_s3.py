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
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, BinaryIO
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


# -- the local stack's S3 front ------------------------------------------------------------------------------

MAX_POST_BYTES = 100 * 1024 * 1024  # far above any policy here; a larger request is cut off unread
_COPY = 1024 * 1024
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"})


@dataclass
class S3Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


class LocalUploads:
    """S3 on the local stack's own origin: ``/<bucket>`` paths of the front reach the embedded S3.

    A form POST to ``/<bucket>`` is a browser upload: its policy is checked (``accept_post``), the file
    stored, and ``on_upload(bucket, key, size)`` called, which is how the stack plays S3's EventBridge
    notification. Any other request (the functions' GetObject and DeleteObject, made with
    S3_ENDPOINT_URL set to the front) is passed to the embedded S3 as it is.
    """

    def __init__(
        self,
        *,
        buckets: Mapping[str, str],
        endpoint_url: str,
        s3: Any,
        secret_for: Callable[[str], str | None],
        on_upload: Callable[[str, str, int], None],
    ) -> None:
        self._buckets = set(buckets.values())  # names served
        self._endpoint = endpoint_url
        self._s3 = s3
        self._secret_for = secret_for
        self._on_upload = on_upload

    def serves(self, path: str) -> bool:
        first = path.lstrip("/").split("/", 1)[0]
        return first in self._buckets

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: BinaryIO, length: int
    ) -> S3Answer:
        bucket = path.lstrip("/").split("/", 1)[0]
        if (
            method == "POST"
            and path.rstrip("/") == f"/{bucket}"
            and "multipart/form-data" in headers.get("content-type", "")
        ):
            return self._form_upload(bucket, headers, body, length)
        return self._forward(method, path, query, headers, body, length)

    def _form_upload(self, bucket: str, headers: Mapping[str, str], body: BinaryIO, length: int) -> S3Answer:
        from werkzeug.formparser import parse_form_data

        if length > MAX_POST_BYTES:
            refusal = PostRefused(
                400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
            )
            return S3Answer(refusal.status, [("Content-Type", "application/xml")], refusal.xml())
        environ = {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": headers.get("content-type", ""),
            "CONTENT_LENGTH": str(length),
            "wsgi.input": body,
        }
        _, form, files = parse_form_data(environ)
        upload = files.get("file")
        if upload is None:
            refusal = PostRefused(
                400, "InvalidArgument", "POST requires exactly one file upload per request."
            )
            return S3Answer(refusal.status, [("Content-Type", "application/xml")], refusal.xml())
        stream = upload.stream
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        fields = {name: form[name] for name in form}
        try:
            accepted = accept_post(self._s3, bucket, fields, stream, size, secret_for=self._secret_for)
        except PostRefused as refusal:
            return S3Answer(refusal.status, [("Content-Type", "application/xml")], refusal.xml())
        finally:
            upload.close()
        self._on_upload(accepted.bucket, accepted.key, accepted.size)
        status = int(fields.get("success_action_status", "204"))
        return S3Answer(status if status in (200, 201, 204) else 204, [])

    def _forward(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: BinaryIO, length: int
    ) -> S3Answer:
        import http.client
        from urllib.parse import urlsplit

        target = urlsplit(self._endpoint)
        connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=60)
        try:
            forwarded = {
                name: value for name, value in headers.items() if name.lower() not in (*_HOP_BY_HOP, "host")
            }
            forwarded["Host"] = target.netloc  # one Host: a second one would read as a virtual-hosted bucket
            forwarded["Content-Length"] = str(length)
            connection.putrequest(
                method, path + (f"?{query}" if query else ""), skip_host=True, skip_accept_encoding=True
            )
            for name, value in forwarded.items():
                connection.putheader(name, value)
            connection.endheaders()
            remaining = length
            while remaining > 0:
                chunk = body.read(min(_COPY, remaining))
                if not chunk:
                    break
                connection.send(chunk)
                remaining -= len(chunk)
            response = connection.getresponse()
            answer = S3Answer(
                response.status,
                [(name, value) for name, value in response.getheaders() if name.lower() not in _HOP_BY_HOP],
                response.read(),
            )
        finally:
            connection.close()
        return answer


class LocalS3:
    """The local stack's S3: an embedded moto server with the template's buckets, served on the front's
    origin, that runs the functions the template triggers on new uploads (as EventBridge would)."""

    ACCESS_KEY = "local"  # the dummy credentials every local function has (tools.local_lambda)

    def __init__(self, template: Any, *, invoke: Callable[[str, dict[str, Any]], Any]) -> None:
        self._template = template
        self._invoke = invoke
        self._server: Any = None
        self.endpoint_url = ""
        self.bucket_names: dict[str, str] = {}
        self.runs: list[threading.Thread] = []

    def start(self) -> dict[str, str]:
        """Start the embedded S3 and create the buckets; logical id -> bucket name."""
        import logging

        import boto3
        from moto.server import ThreadedMotoServer

        from tools.sam_uploads import create_buckets

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        self._s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.ACCESS_KEY,
        )
        self.bucket_names = create_buckets(self._s3, self._template)
        return self.bucket_names

    def front(self) -> LocalUploads:
        """What the HTTP front serves at /<bucket>."""
        return LocalUploads(
            buckets=self.bucket_names,
            endpoint_url=self.endpoint_url,
            s3=self._s3,
            secret_for=lambda key: self.ACCESS_KEY if key == self.ACCESS_KEY else None,
            on_upload=self._uploaded,
        )

    def _uploaded(self, bucket: str, key: str, size: int) -> None:
        import uuid

        from tools.sam_uploads import object_created_event, upload_triggers

        bucket_id = next(logical for logical, name in self.bucket_names.items() if name == bucket)
        for trigger in upload_triggers(self._template):
            if not trigger.matches(bucket_id, key):
                continue
            event = object_created_event(
                bucket=bucket,
                key=key,
                size=size,
                request_id=str(uuid.uuid4()),
                time=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            # asynchronous, as EventBridge invokes it: the upload's answer does not wait for the import
            run = threading.Thread(
                target=self._run, args=(trigger.function_id, event), name="s3-event", daemon=True
            )
            self.runs.append(run)
            run.start()

    def _run(self, function_id: str, event: dict[str, Any]) -> None:
        import sys

        try:
            self._invoke(function_id, event)
        except Exception as exc:  # the function's own failure; Lambda would retry, then the failure queue
            print(f"local stack: {function_id} failed on an upload: {exc}", file=sys.stderr, flush=True)

    def stop(self) -> None:
        for run in self.runs:
            run.join(timeout=30)
        if self._server is not None:
            self._server.stop()
            self._server = None
