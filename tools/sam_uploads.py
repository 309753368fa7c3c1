"""The S3 buckets of template.yaml and the functions their uploads trigger, for tests and the local stack.

Like tools.sam_template for tables: buckets are created from the template's own definitions (their
lifecycle rules too, where the local S3 accepts them), and an ``UploadTrigger`` is read from each
function's EventBridgeRule event whose pattern matches S3 "Object Created" in a bucket of the template,
so the local stack runs the function the template names, on the prefix the template names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.sam_template import SamTemplate

BUCKET_TYPE = "AWS::S3::Bucket"
LOCAL_BUCKET_PREFIX = "readiness-local-"


@dataclass(frozen=True, slots=True)
class UploadTrigger:
    """Objects created under ``prefix`` in ``bucket_id`` invoke ``function_id`` (through EventBridge)."""

    function_id: str
    bucket_id: str
    prefix: str

    def matches(self, bucket_id: str, key: str) -> bool:
        return bucket_id == self.bucket_id and key.startswith(self.prefix)


def buckets(template: SamTemplate) -> dict[str, dict[str, Any]]:
    """Logical id -> the bucket's properties."""
    resources: dict[str, dict[str, Any]] = template.document.get("Resources") or {}
    return {name: r.get("Properties") or {} for name, r in resources.items() if r.get("Type") == BUCKET_TYPE}


def local_bucket_name(logical_id: str) -> str:
    """The name a bucket has off AWS (S3 names are lower case; CloudFormation generates them on AWS)."""
    return LOCAL_BUCKET_PREFIX + logical_id.lower()


def upload_triggers(template: SamTemplate) -> list[UploadTrigger]:
    resources: dict[str, dict[str, Any]] = template.document.get("Resources") or {}
    known = buckets(template)
    triggers = []
    for function_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") != "EventBridgeRule":
                continue
            pattern = (event.get("Properties") or {}).get("Pattern") or {}
            if "aws.s3" not in pattern.get("source", []) or "Object Created" not in pattern.get(
                "detail-type", []
            ):
                continue
            detail = pattern.get("detail") or {}
            for name in (detail.get("bucket") or {}).get("name", []):
                bucket_id = name.get("Ref") if isinstance(name, dict) else None
                if bucket_id not in known:
                    continue
                prefixes = [
                    key["prefix"]
                    for key in (detail.get("object") or {}).get("key", [])
                    if isinstance(key, dict) and "prefix" in key
                ] or [""]
                triggers += [UploadTrigger(function_id, bucket_id, prefix) for prefix in prefixes]
    return triggers


def create_buckets(client: Any, template: SamTemplate, name_for: Any = local_bucket_name) -> dict[str, str]:
    """Create the template's buckets with a boto3 S3 client (existing ones are kept): logical id -> name."""
    names: dict[str, str] = {}
    existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
    for logical_id, properties in buckets(template).items():
        name = name_for(logical_id)
        names[logical_id] = name
        if name not in existing:
            client.create_bucket(Bucket=name)
        lifecycle = properties.get("LifecycleConfiguration")
        if lifecycle:
            client.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration=_lifecycle(lifecycle)
            )
    return names


def _lifecycle(lifecycle: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's LifecycleConfiguration as the S3 API spells it (the parts the template uses)."""
    rules = []
    for rule in lifecycle.get("Rules", []):
        converted: dict[str, Any] = {
            "ID": rule.get("Id", "rule"),
            "Status": rule.get("Status", "Enabled"),
            "Filter": {"Prefix": rule.get("Prefix", "")},
        }
        if "ExpirationInDays" in rule:
            converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        abort = rule.get("AbortIncompleteMultipartUpload")
        if abort:
            converted["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": int(abort["DaysAfterInitiation"])
            }
        rules.append(converted)
    return {"Rules": rules}


def object_created_event(
    *, bucket: str, key: str, size: int, request_id: str, region: str = "us-east-1", time: str
) -> dict[str, Any]:
    """The EventBridge event S3 sends for a new object (the shape of events/import_linkedin.json)."""
    return {
        "version": "0",
        "id": request_id,
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": time,
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": size, "etag": request_id.replace("-", "")[:32], "sequencer": "0"},
            "request-id": request_id,
            "requester": "123456789012",
            "source-ip-address": "127.0.0.1",
            "reason": "PostObject",
        },
    }
