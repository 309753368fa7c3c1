"""template.yaml: it lints, it transforms, and it says what the issue asks of it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.infra.conftest import REPO, resources_of_type
from tools.sam_template import SamTemplate, load_template, read_yaml

EXPECTED_ACTIONS = {
    "GetQuestionnaireFunction": set(),
    "GetOpenapiFunction": set(),
    "RouteNotFoundFunction": set(),
    "CreateAssessmentFunction": {
        ("ReadinessTable", "dynamodb:Query"),
        ("ReadinessTable", "dynamodb:BatchWriteItem"),
        # a centre's student: the assessment, counter shard, membership and roster in one transaction
        ("ReadinessTable", "dynamodb:PutItem"),
        ("ReadinessTable", "dynamodb:UpdateItem"),
        ("IdempotencyTable", "dynamodb:GetItem"),
        ("IdempotencyTable", "dynamodb:PutItem"),
        ("IdempotencyTable", "dynamodb:UpdateItem"),
        ("IdempotencyTable", "dynamodb:DeleteItem"),
    },
    "GetAssessmentFunction": {("ReadinessTable", "dynamodb:GetItem"), ("ReadinessTable", "dynamodb:Query")},
    "ListAssessmentsFunction": {("ReadinessTable", "dynamodb:Query"), ("ReadinessTable", "dynamodb:GetItem")},
    "IngestActivitiesFunction": {
        ("ReadinessTable", "dynamodb:GetItem"),
        ("ReadinessTable", "dynamodb:Query"),
        ("ReadinessTable", "dynamodb:PutItem"),
        ("ReadinessTable", "dynamodb:BatchWriteItem"),
        ("ReadinessTable", "dynamodb:UpdateItem"),  # the caller's request-limit counter
    },
    "CreateImportFunction": {
        ("ReadinessTable", "dynamodb:GetItem"),
        ("ReadinessTable", "dynamodb:Query"),
        ("ReadinessTable", "dynamodb:PutItem"),
        ("ReadinessTable", "dynamodb:UpdateItem"),  # the caller's request-limit counter
        ("UploadsBucket/uploads/*", "s3:PutObject"),
    },
    "GetImportFunction": {("ReadinessTable", "dynamodb:GetItem"), ("ReadinessTable", "dynamodb:Query")},
    "ImportLinkedinFunction": {
        ("UploadsBucket/uploads/*", "s3:GetObject"),
        ("UploadsBucket/uploads/*", "s3:DeleteObject"),
        ("ReadinessTable", "dynamodb:GetItem"),
        ("ReadinessTable", "dynamodb:Query"),
        ("ReadinessTable", "dynamodb:PutItem"),
        ("ReadinessTable", "dynamodb:UpdateItem"),
        ("ReadinessTable", "dynamodb:BatchWriteItem"),
        ("ImportFailuresQueue", "sqs:SendMessage"),  # its on-failure destination (SAM adds it)
    },
    "PutScheduleFunction": {
        ("ReadinessTable", "dynamodb:GetItem"),
        ("ReadinessTable", "dynamodb:Query"),
        ("ReadinessTable", "dynamodb:PutItem"),
        ("ReadinessTable", "dynamodb:UpdateItem"),  # a centre's request-limit counter
    },
    "GetScheduleFunction": {("ReadinessTable", "dynamodb:GetItem"), ("ReadinessTable", "dynamodb:Query")},
    "DeleteScheduleFunction": {
        ("ReadinessTable", "dynamodb:GetItem"),
        ("ReadinessTable", "dynamodb:Query"),
        ("ReadinessTable", "dynamodb:DeleteItem"),
        ("ReadinessTable", "dynamodb:UpdateItem"),  # a centre's request-limit counter
    },
    "AuthorizeRequestFunction": {
        ("ReadinessTable", "dynamodb:GetItem"),
        ("ReadinessTable", "dynamodb:Query"),
    },
    "GetCentreSummaryFunction": {("ReadinessTable", "dynamodb:BatchGetItem")},
    "ListCentreStudentsFunction": {("ReadinessTable", "dynamodb:Query")},
    "GetCentreEmbedFunction": {("ReadinessTable", "dynamodb:GetItem")},
    "GetConsentFunction": {("ReadinessTable", "dynamodb:GetItem")},
    "SetConsentFunction": {
        ("ReadinessTable", "dynamodb:GetItem"),
        ("ReadinessTable", "dynamodb:PutItem"),
        ("ReadinessTable", "dynamodb:DeleteItem"),
    },
    "ExportUserDataFunction": {("ReadinessTable", "dynamodb:GetItem"), ("ReadinessTable", "dynamodb:Query")},
    "EraseUserFunction": {
        ("ReadinessTable", "dynamodb:GetItem"),
        ("ReadinessTable", "dynamodb:Query"),
        ("ReadinessTable", "dynamodb:DeleteItem"),
        ("ReadinessTable", "dynamodb:BatchWriteItem"),
        ("ReadinessTable", "dynamodb:UpdateItem"),  # takes the user's share out of a centre's counters
        ("IdempotencyTable", "dynamodb:DeleteItem"),
        ("IdempotencyTable", "dynamodb:BatchWriteItem"),
        ("UploadsBucket/uploads/*", "s3:DeleteObject"),
    },
    "DispatchReassessmentsFunction": {
        ("ReadinessTable/index/DueIndex", "dynamodb:Query"),
        ("ReadinessTable", "dynamodb:UpdateItem"),
        ("ReassessmentQueue", "sqs:SendMessage"),
    },
    "ReassessUsersFunction": {
        ("ReadinessTable", "dynamodb:UpdateItem"),  # a career centre's counter shard
        ("ReadinessTable", "dynamodb:GetItem"),
        ("ReadinessTable", "dynamodb:Query"),
        ("ReadinessTable", "dynamodb:PutItem"),
        ("ReassessmentQueue", "sqs:ReceiveMessage"),
        ("ReassessmentQueue", "sqs:DeleteMessage"),
        ("ReassessmentQueue", "sqs:ChangeMessageVisibility"),
        ("ReassessmentQueue", "sqs:GetQueueAttributes"),
        ("ReadinessEventBus", "events:PutEvents"),
    },
}


FUNCTIONS_BEHIND_THE_API = {route.function_id for route in load_template(REPO / "template.yaml").routes}


def test_cfn_lint_passes() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), "template.yaml"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_the_sam_transform_succeeds(cloudformation: dict[str, Any]) -> None:
    functions = resources_of_type(cloudformation, "AWS::Lambda::Function")
    assert set(functions) == set(EXPECTED_ACTIONS)
    assert resources_of_type(cloudformation, "AWS::ApiGatewayV2::Api")
    assert resources_of_type(cloudformation, "AWS::Lambda::LayerVersion")
    # every route's function may be invoked by the API (the re-assessment functions are not routes)
    permissions = resources_of_type(cloudformation, "AWS::Lambda::Permission")
    by_api = [p for p in permissions.values() if p["Properties"]["Principal"] == "apigateway.amazonaws.com"]
    authorizer = [p for p in by_api if "AuthorizeRequestFunction" in str(p["Properties"]["FunctionName"])]
    assert len(authorizer) == 2  # the API may invoke the authorizer function for each of its two authorizers
    assert len(by_api) == len(FUNCTIONS_BEHIND_THE_API) + len(authorizer)
    # and the import function by EventBridge (S3 "Object Created" in the uploads bucket)
    by_events = [p for p in permissions.values() if p["Properties"]["Principal"] == "events.amazonaws.com"]
    assert [p["Properties"]["FunctionName"] for p in by_events] == [{"Ref": "ImportLinkedinFunction"}]


def test_the_http_api_routes_every_path_to_its_function(
    cloudformation: dict[str, Any], template: SamTemplate
) -> None:
    (api,) = resources_of_type(cloudformation, "AWS::ApiGatewayV2::Api").values()
    body = api["Properties"]["Body"]
    routes = {
        (method.upper().replace("X-AMAZON-APIGATEWAY-ANY-METHOD", "ANY"), path)
        for path, operations in body["paths"].items()
        for method in operations
    }
    expected = {(r.method, "/$default" if r.path == "$default" else r.path) for r in template.routes}
    assert routes == expected
    for operations in body["paths"].values():
        for operation in operations.values():
            assert operation["x-amazon-apigateway-integration"]["payloadFormatVersion"] == "2.0"
    # no CORS at the gateway: the functions answer it, echoing a career centre's own origins
    assert "x-amazon-apigateway-cors" not in body


def test_functions_run_python_313_on_arm64_with_tracing_and_the_layer(cloudformation: dict[str, Any]) -> None:
    for name, function in resources_of_type(cloudformation, "AWS::Lambda::Function").items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.13", name
        assert props["Architectures"] == ["arm64"], name
        assert props["Handler"] == "app.lambda_handler", name
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        (layer,) = props["Layers"]
        assert layer["Ref"].startswith("ReadinessLayer"), name  # the transform versions the layer's id
        variables = props["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == "readiness"
        assert variables["LOG_LEVEL"] == {"Ref": "LogLevel"}
        assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"


def _resource_name(resource: Any) -> str:
    """``!GetAtt Table.Arn`` -> Table; ``!Sub "${Table.Arn}/index/DueIndex"`` -> Table/index/DueIndex."""
    if "Fn::GetAtt" in resource:
        return str(resource["Fn::GetAtt"][0])
    return str(resource["Fn::Sub"]).replace(".Arn}", "").replace("${", "")


def test_each_function_is_allowed_exactly_what_it_uses(cloudformation: dict[str, Any]) -> None:
    roles = resources_of_type(cloudformation, "AWS::IAM::Role")
    for function_name, expected in EXPECTED_ACTIONS.items():
        role = roles[f"{function_name}Role"]
        granted: set[tuple[str, str]] = set()
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                assert statement["Effect"] == "Allow"
                resources = statement["Resource"]
                resources = resources if isinstance(resources, list) else [resources]
                for resource in resources:
                    assert resource != "*", f"{function_name}: a wildcard resource"
                    actions = statement["Action"]
                    actions = actions if isinstance(actions, list) else [actions]
                    granted |= {(_resource_name(resource), action) for action in actions}
        assert granted == expected, function_name
        assert not any(action == "dynamodb:Scan" for _, action in granted)
        managed = {str(arn) for arn in role["Properties"].get("ManagedPolicyArns", [])}
        assert any("AWSLambdaBasicExecutionRole" in arn for arn in managed)
        assert any("AWSXrayWriteOnlyAccess" in arn for arn in managed)  # what Tracing: Active adds


def test_the_tables_are_on_demand_encrypted_recoverable_and_expire_items(template: SamTemplate) -> None:
    document = read_yaml(REPO / "template.yaml")
    table = document["Resources"]["ReadinessTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["TimeToLiveSpecification"]["Enabled"] is True
    assert document["Resources"]["ReadinessTable"]["DeletionPolicy"] == "Retain"
    idempotency = document["Resources"]["IdempotencyTable"]["Properties"]
    assert idempotency["BillingMode"] == "PAY_PER_REQUEST"
    assert idempotency["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert template.tables["ReadinessTable"]["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]


def test_parameters_and_outputs(template: SamTemplate) -> None:
    document = read_yaml(REPO / "template.yaml")
    assert {"Stage", "LogLevel"} <= set(document["Parameters"])
    assert {"ApiUrl", "ReadinessTableName", "IdempotencyTableName"} <= set(document["Outputs"])
    layer = document["Resources"]["ReadinessLayer"]
    assert layer["Properties"]["ContentUri"] == "shared/"
    assert layer["Metadata"]["BuildMethod"] == "python3.13"
    assert (REPO / "shared" / "requirements.txt").exists()


def test_every_code_uri_is_a_function_folder_with_its_handler(template: SamTemplate) -> None:
    for spec in template.functions.values():
        folder = REPO / spec.code_uri
        assert (folder / "app.py").is_file(), spec.code_uri
        assert (folder / "__init__.py").is_file(), spec.code_uri
        assert spec.module == "functions." + folder.name + ".app"


def test_every_function_has_a_log_group_with_the_retention_parameter() -> None:
    """Without one, Lambda creates its own group that keeps logs forever (personal data or not)."""
    resources = read_yaml(REPO / "template.yaml")["Resources"]
    functions = {name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    retained = {
        match.group(1)
        for r in resources.values()
        if (match := re.search(r"/aws/lambda/\$\{(\w+)\}", str(r["Properties"].get("LogGroupName"))))
        and r["Type"] == "AWS::Logs::LogGroup"
        and r["Properties"].get("RetentionInDays") == {"Ref": "LogRetentionDays"}
    }
    assert functions <= retained, functions - retained
