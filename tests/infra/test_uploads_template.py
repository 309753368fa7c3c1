"""template.yaml, LinkedIn imports: the uploads bucket, how uploads reach the import function, its limits."""

from __future__ import annotations

from typing import Any

from tests.infra.conftest import REPO, resources_of_type
from tools.sam_template import SamTemplate, read_yaml
from tools.sam_uploads import UploadTrigger, upload_triggers

DOCUMENT = read_yaml(REPO / "template.yaml")
RESOURCES: dict[str, Any] = DOCUMENT["Resources"]


def test_the_bucket_is_encrypted_private_and_empties_itself_within_a_day() -> None:
    bucket = RESOURCES["UploadsBucket"]["Properties"]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (lifecycle,) = bucket["LifecycleConfiguration"]["Rules"]
    assert lifecycle["Status"] == "Enabled"
    assert lifecycle["ExpirationInDays"] == 1
    assert lifecycle["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1
    assert "VersioningConfiguration" not in bucket  # a deleted upload must be gone, not a noncurrent version
    assert bucket["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}


def test_the_bucket_refuses_anything_but_tls() -> None:
    (statement,) = RESOURCES["UploadsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::GetAtt": ["UploadsBucket", "Arn"]} in statement["Resource"]
    assert {"Fn::Sub": "${UploadsBucket.Arn}/*"} in statement["Resource"]


def test_uploads_reach_the_import_function_through_eventbridge_without_a_cycle(
    template: SamTemplate, cloudformation: dict[str, Any]
) -> None:
    assert upload_triggers(template) == [UploadTrigger("ImportLinkedinFunction", "UploadsBucket", "uploads/")]
    rules = resources_of_type(cloudformation, "AWS::Events::Rule")
    (rule,) = [r for r in rules.values() if r["Properties"]["EventPattern"].get("source") == ["aws.s3"]]
    assert rule["Properties"]["EventPattern"]["detail-type"] == ["Object Created"]
    ((target),) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["ImportLinkedinFunction", "Arn"]}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    # the bucket names no function: the template deploys without a circular dependency
    assert "LambdaConfigurations" not in str(RESOURCES["UploadsBucket"])


def test_the_import_function_has_room_for_a_50_mb_export_and_a_failure_destination(
    cloudformation: dict[str, Any],
) -> None:
    function = RESOURCES["ImportLinkedinFunction"]["Properties"]
    assert function["MemorySize"] >= 1024
    assert function["Timeout"] >= 120
    assert function["EphemeralStorage"]["Size"] >= 512
    invoke = resources_of_type(cloudformation, "AWS::Lambda::EventInvokeConfig")
    (config,) = [
        c for c in invoke.values() if c["Properties"]["FunctionName"] == {"Ref": "ImportLinkedinFunction"}
    ]
    destination = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": ["ImportFailuresQueue", "Arn"]}
    assert RESOURCES["ImportFailuresQueue"]["Properties"]["SqsManagedSseEnabled"] is True


def test_only_import_reads_uploads_import_and_erasure_delete_them_create_import_signs_them() -> None:
    readers = set()
    for name, resource in RESOURCES.items():
        for policy in (resource.get("Properties") or {}).get("Policies") or []:
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                readers |= {(name, action) for action in actions if action.startswith("s3:")}
    assert readers == {
        ("CreateImportFunction", "s3:PutObject"),
        ("ImportLinkedinFunction", "s3:GetObject"),
        ("ImportLinkedinFunction", "s3:DeleteObject"),
        ("EraseUserFunction", "s3:DeleteObject"),  # a user's erasure takes an upload not yet imported
    }
