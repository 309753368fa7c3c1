"""tools.local_s3.check_post: a presigned POST is checked the way S3 checks it."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tools.local_s3 import PostRefused, check_post

BUCKET = "uploads-bucket"
KEY = "uploads/u_x/i_y.zip"


def _form(version: str = "s3v4") -> dict[str, str]:
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret-example",
        config=Config(signature_version=version),
    )
    post: dict[str, Any] = s3.generate_presigned_post(
        Bucket=BUCKET, Key=KEY, Conditions=[["content-length-range", 1, 1000]], ExpiresIn=900
    )
    return dict(post["fields"])


def _check(fields: dict[str, str], size: int = 10, *, later: timedelta = timedelta()) -> str:
    return check_post(
        BUCKET,
        fields,
        size,
        now=datetime.now(UTC) + later,
        secret_for=lambda key: "secret-example" if key == "AKIDEXAMPLE" else None,
    )


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_a_form_within_its_policy_is_accepted_at_its_key(version: str) -> None:
    assert _check(_form(version)) == KEY
    assert _check(_form(version), 1000) == KEY


@pytest.mark.parametrize(
    ("change", "size", "later", "status", "code"),
    [
        ({}, 1001, timedelta(), 400, "EntityTooLarge"),
        ({}, 0, timedelta(), 400, "EntityTooSmall"),
        ({}, 10, timedelta(minutes=16), 403, "AccessDenied"),
        ({"key": "uploads/u_x/other.zip"}, 10, timedelta(), 403, "AccessDenied"),
        ({"x-amz-meta-extra": "1"}, 10, timedelta(), 403, "AccessDenied"),
        ({"x-amz-signature": "0" * 64}, 10, timedelta(), 403, "SignatureDoesNotMatch"),
        (
            {"x-amz-credential": "SOMEONE/20260101/us-east-1/s3/aws4_request"},
            10,
            timedelta(),
            403,
            "InvalidAccessKeyId",
        ),
    ],
    ids=["too_large", "empty", "expired", "other_key", "extra_field", "bad_signature", "unknown_key"],
)
def test_what_s3_refuses_is_refused(
    change: dict[str, str], size: int, later: timedelta, status: int, code: str
) -> None:
    with pytest.raises(PostRefused) as refused:
        _check({**_form(), **change}, size, later=later)

    assert (refused.value.status, refused.value.code) == (status, code)
    assert f"<Code>{code}</Code>".encode() in refused.value.xml()


def test_a_policy_rewritten_to_allow_more_no_longer_matches_its_signature() -> None:
    fields = _form()
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if not isinstance(c, list)] + [
        ["content-length-range", 1, 10**9]
    ]
    fields["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()

    with pytest.raises(PostRefused) as refused:
        _check(fields, 5000)

    assert refused.value.code == "SignatureDoesNotMatch"
