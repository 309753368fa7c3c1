"""tools.sam_template: short-form intrinsics, routing as API Gateway does it, environments, tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.sam_template import (
    DEFAULT_ROUTE,
    SamTemplate,
    TemplateError,
    load_template,
    read_yaml,
    resolve_environment,
)

SAMPLE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: qa}
Globals:
  Function:
    Handler: app.lambda_handler
    Environment:
      Variables:
        SHARED: !Sub "${Stage}-x"
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties: {StageName: !Ref Stage}
  Things:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PROVISIONED
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}, {AttributeName: g, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      GlobalSecondaryIndexes:
        - IndexName: byG
          KeySchema: [{AttributeName: g, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
      SSESpecification: {SSEEnabled: true}
      TimeToLiveSpecification: {AttributeName: ttl, Enabled: true}
  ListThings:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/list_things/
      Environment:
        Variables:
          TABLE: !Ref Things
          ARN: !GetAtt Things.Arn
      Events:
        One:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: "/things/{id}", Method: get}
        All:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /things/all, Method: GET}
        Rest:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: "/files/{path+}", Method: ANY}
  Fallback:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/fallback
      Events:
        Default: {Type: HttpApi, Properties: {ApiId: !Ref Api}}
"""


@pytest.fixture
def sample(tmp_path: Path) -> SamTemplate:
    path = tmp_path / "template.yaml"
    path.write_text(SAMPLE)
    return load_template(path)


def test_short_form_tags_become_long_form(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "A: !Ref X\nB: !GetAtt T.Arn\nC: !Sub 'a-${X}'\nD: !Join [',', [a, b]]\nE: !If [c, 1, 2]\n"
    )
    assert read_yaml(path) == {
        "A": {"Ref": "X"},
        "B": {"Fn::GetAtt": ["T", "Arn"]},
        "C": {"Fn::Sub": "a-${X}"},
        "D": {"Fn::Join": [",", ["a", "b"]]},
        "E": {"Fn::If": ["c", 1, 2]},
    }


def test_routes_functions_and_modules(sample: SamTemplate) -> None:
    assert {(r.method, r.path, r.function_id) for r in sample.routes} == {
        ("GET", "/things/{id}", "ListThings"),
        ("GET", "/things/all", "ListThings"),
        ("ANY", "/files/{path+}", "ListThings"),
        ("ANY", DEFAULT_ROUTE, "Fallback"),
    }
    assert sample.routes[-1].path == DEFAULT_ROUTE
    assert sample.functions["ListThings"].module == "functions.list_things.app"
    assert sample.functions["Fallback"].module == "functions.fallback.app"
    assert sample.stage == "qa"


def test_match_prefers_literal_paths_then_parameters_then_default(sample: SamTemplate) -> None:
    literal = sample.match("GET", "/things/all")
    assert literal is not None
    assert literal.route.path == "/things/all"
    parameter = sample.match("get", "/things/42")
    assert parameter is not None
    assert parameter.path_parameters == {"id": "42"}
    greedy = sample.match("DELETE", "/files/a/b/c.txt")
    assert greedy is not None
    assert greedy.path_parameters == {"path": "a/b/c.txt"}
    for method, path in (("POST", "/things/42"), ("GET", "/things/42/more"), ("GET", "/")):
        fallback = sample.match(method, path)
        assert fallback is not None
        assert fallback.route.path == DEFAULT_ROUTE


def test_tables_become_create_table_arguments(sample: SamTemplate) -> None:
    kwargs = sample.tables["Things"]
    assert kwargs["BillingMode"] == "PROVISIONED"
    assert kwargs["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    assert kwargs["GlobalSecondaryIndexes"][0]["IndexName"] == "byG"
    assert kwargs["SSESpecification"] == {"Enabled": True}
    assert sample.time_to_live == {"Things": "ttl"}


def test_environments_resolve_tables_parameters_and_subs(sample: SamTemplate) -> None:
    environment = resolve_environment(sample.functions["ListThings"], {"Things": "things-qa"})
    assert environment == {
        "SHARED": "qa-x",
        "TABLE": "things-qa",
        "ARN": "arn:aws:dynamodb:us-east-1:123456789012:table/things-qa",
    }
    overridden = resolve_environment(sample.functions["ListThings"], {"Things": "t"}, {"Stage": "prod"})
    assert overridden["SHARED"] == "prod-x"
    with pytest.raises(TemplateError):
        resolve_environment(sample.functions["ListThings"], {})


def test_the_real_template_reads(template: SamTemplate) -> None:
    assert load_template().routes == template.routes
    assert set(template.tables) == {"ReadinessTable", "IdempotencyTable"}
