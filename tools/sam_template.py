"""The one reader of template.yaml that tests, benchmarks and the local stack share.

It reads the SAM template as written (short-form CloudFormation tags included) and answers:

- ``routes``: every HTTP API route as ``Route(method, path, function_id)``; the catch-all route
  is ``Route("ANY", "$default", ...)``, as API Gateway names it;
- ``functions``: each ``AWS::Serverless::Function`` as a ``FunctionSpec`` whose ``module`` is the
  importable dotted path of its handler module (``functions.create_assessment.app``) and whose
  ``environment`` merges Globals with the function's own variables (values may still be
  intrinsics such as ``{"Ref": "ReadinessTable"}``; ``resolve_environment`` resolves them);
- ``tables``: each DynamoDB table as the keyword arguments of boto3's ``create_table``, derived
  from the template's own properties, so tests and the local stack cannot drift from it;
- ``match(method, path)``: the route API Gateway would pick for a request, with path parameters.

Usage::

    template = load_template()
    names = create_tables(boto3.client("dynamodb"), template)          # logical id -> name
    env = resolve_environment(template.functions["GetAssessmentFunction"], names)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"
DEFAULT_ROUTE = "$default"
TABLE_TYPES = frozenset({"AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"})
# What a pseudo parameter resolves to off AWS (the local stack, tests).
PSEUDO_PARAMETERS: dict[str, str] = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "readiness-local",
}


class TemplateError(ValueError):
    """The template does not have the shape this reader understands."""


@dataclass(frozen=True, slots=True)
class Route:
    method: str  # GET, POST, ... or ANY
    path: str  # as in the template: /v1/assessments/{assessment_id}, or $default
    function_id: str  # logical id of the function behind it


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    logical_id: str
    code_uri: str  # functions/create_assessment/
    handler: str  # app.lambda_handler
    module: str  # functions.create_assessment.app
    environment: dict[str, str | dict[str, Any]]
    handler_function: str = "lambda_handler"
    memory_mb: int = 128
    timeout_seconds: int = 3
    parameter_defaults: dict[str, str] = field(default_factory=dict)  # the template's, for !Ref


@dataclass(frozen=True, slots=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class SamTemplate:
    path: Path
    document: dict[str, Any]
    routes: list[Route]
    functions: dict[str, FunctionSpec]
    tables: dict[str, dict[str, Any]]  # logical id -> boto3 create_table kwargs (without TableName)
    time_to_live: dict[str, str] = field(default_factory=dict)  # logical id -> TTL attribute
    parameters: dict[str, str] = field(default_factory=dict)  # parameter -> default value
    stage: str = "$default"  # the HTTP API's StageName, resolved with parameter defaults

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route API Gateway would choose: exact paths before parameters, then ``$default``."""
        method = method.upper()
        best: tuple[tuple[int, int], RouteMatch] | None = None
        fallback: RouteMatch | None = None
        for route in self.routes:
            if route.path == DEFAULT_ROUTE:
                fallback = RouteMatch(route, {})
                continue
            if route.method not in (method, "ANY"):
                continue
            params = _match_path(route.path, path)
            if params is None:
                continue
            literal_segments = sum(1 for part in route.path.split("/") if part and not part.startswith("{"))
            rank = (literal_segments, 1 if route.method == method else 0)
            if best is None or rank > best[0]:
                best = (rank, RouteMatch(route, params))
        return best[1] if best else fallback

    def function_for(self, route: Route) -> FunctionSpec:
        return self.functions[route.function_id]


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that reads the short-form intrinsics (!Ref, !GetAtt, !Sub, ...) as their long form."""


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{tag_suffix}": value}


_CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """A CloudFormation/SAM YAML document as plain data (intrinsics in long form)."""
    with Path(path).open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict):
        raise TemplateError(f"{path}: not a template (top level is not a mapping)")
    return document


def load_template(path: str | Path = "template.yaml") -> SamTemplate:
    """Read template.yaml (a relative path is tried from the working directory, then the repo root)."""
    template_path = Path(path)
    if not template_path.is_absolute() and not template_path.exists():
        template_path = REPO_ROOT / template_path
    document = read_yaml(template_path)
    resources: dict[str, Any] = document.get("Resources") or {}
    parameters = {
        name: str(spec.get("Default", "")) for name, spec in (document.get("Parameters") or {}).items()
    }
    global_function = (document.get("Globals") or {}).get("Function") or {}

    functions: dict[str, FunctionSpec] = {}
    routes: list[Route] = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = {**global_function, **(resource.get("Properties") or {})}
        functions[logical_id] = _function_spec(logical_id, props, global_function, parameters)
        for event in (props.get("Events") or {}).values():
            if event.get("Type") != "HttpApi":
                continue
            event_props = event.get("Properties") or {}
            method = str(event_props.get("Method", "ANY")).upper()
            route_path = str(event_props.get("Path", "/" + DEFAULT_ROUTE))
            if route_path == "/" + DEFAULT_ROUTE:
                route_path, method = DEFAULT_ROUTE, "ANY"
            routes.append(Route(method=method, path=route_path, function_id=logical_id))

    tables: dict[str, dict[str, Any]] = {}
    time_to_live: dict[str, str] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") in TABLE_TYPES:
            tables[logical_id] = _create_table_kwargs(logical_id, resource)
            ttl = (resource.get("Properties") or {}).get("TimeToLiveSpecification") or {}
            if ttl.get("Enabled") and ttl.get("AttributeName"):
                time_to_live[logical_id] = str(ttl["AttributeName"])

    stage = "$default"
    for resource in resources.values():
        if resource.get("Type") == "AWS::Serverless::HttpApi":
            stage_name = (resource.get("Properties") or {}).get("StageName", "$default")
            stage = _resolve_value(stage_name, {}, parameters)
            break

    return SamTemplate(
        path=template_path,
        document=document,
        routes=sorted(routes, key=lambda r: (r.path == DEFAULT_ROUTE, r.path, r.method)),
        functions=functions,
        tables=tables,
        time_to_live=time_to_live,
        parameters=parameters,
        stage=stage,
    )


def _function_spec(
    logical_id: str, props: dict[str, Any], global_function: dict[str, Any], parameters: dict[str, str]
) -> FunctionSpec:
    code_uri = props.get("CodeUri")
    handler = props.get("Handler")
    if not isinstance(code_uri, str) or not isinstance(handler, str):
        raise TemplateError(f"{logical_id}: CodeUri and Handler must be plain strings")
    module_file, _, handler_function = handler.rpartition(".")
    package = ".".join(part for part in code_uri.strip("/").split("/") if part and part != ".")
    module = f"{package}.{module_file}" if package else module_file
    environment: dict[str, str | dict[str, Any]] = {}
    for source in (global_function, props):
        variables = (source.get("Environment") or {}).get("Variables") or {}
        environment.update(variables)
    return FunctionSpec(
        logical_id=logical_id,
        code_uri=code_uri,
        handler=handler,
        module=module,
        environment=environment,
        handler_function=handler_function,
        memory_mb=int(props.get("MemorySize", 128)),
        timeout_seconds=int(props.get("Timeout", 3)),
        parameter_defaults=dict(parameters),
    )


def _create_table_kwargs(logical_id: str, resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("Properties") or {}
    if resource.get("Type") == "AWS::Serverless::SimpleTable":
        key = props.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        key_type = {"String": "S", "Number": "N", "Binary": "B"}[key.get("Type", "String")]
        return {
            "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": key_type}],
            "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }
    if "KeySchema" not in props or "AttributeDefinitions" not in props:
        raise TemplateError(f"{logical_id}: a table needs KeySchema and AttributeDefinitions")
    kwargs: dict[str, Any] = {
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    if kwargs["BillingMode"] == "PROVISIONED":
        kwargs["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    for name in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(name):
            kwargs[name] = props[name]
    sse = props.get("SSESpecification")
    if sse:
        # CloudFormation says SSEEnabled where the DynamoDB API says Enabled.
        kwargs["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled", False))} | (
            {"SSEType": sse["SSEType"]} if "SSEType" in sse else {}
        )
    stream = props.get("StreamSpecification")
    if stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    if "TableClass" in props:
        kwargs["TableClass"] = props["TableClass"]
    return kwargs


def _match_path(template_path: str, path: str) -> dict[str, str] | None:
    pattern_parts: list[str] = []
    names: list[str] = []
    for segment in template_path.strip("/").split("/"):
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        single = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            names.append(greedy.group(1))
            pattern_parts.append("(.+)")
        elif single:
            names.append(single.group(1))
            pattern_parts.append("([^/]+)")
        else:
            pattern_parts.append(re.escape(segment))
    found = re.fullmatch("/" + "/".join(pattern_parts), path)
    if found is None:
        return None
    return dict(zip(names, found.groups(), strict=True))


def resolve_environment(
    spec: FunctionSpec,
    table_names: Mapping[str, str],
    parameters: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The function's environment as Lambda would see it, with !Ref to tables and parameters resolved.

    ``parameters`` overrides template parameter defaults (``{"LogLevel": "DEBUG"}``); the template's
    defaults are used for the rest.
    """
    merged = {**spec.parameter_defaults, **(parameters or {})}
    return {name: _resolve_value(value, table_names, merged) for name, value in spec.environment.items()}


def _resolve_value(value: Any, table_names: Mapping[str, str], parameters: Mapping[str, str]) -> str:
    if isinstance(value, str | int | float | bool):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, dict) and len(value) == 1:
        ((intrinsic, argument),) = value.items()
        if intrinsic == "Ref":
            return _resolve_name(str(argument), table_names, parameters)
        if intrinsic == "Fn::GetAtt":
            resource, attribute = argument if isinstance(argument, list) else str(argument).split(".", 1)
            if resource in table_names and attribute == "Arn":
                return (
                    f"arn:aws:dynamodb:{PSEUDO_PARAMETERS['AWS::Region']}:"
                    f"{PSEUDO_PARAMETERS['AWS::AccountId']}:table/{table_names[resource]}"
                )
            raise TemplateError(f"cannot resolve !GetAtt {resource}.{attribute} off AWS")
        if intrinsic == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])

            def substitute(found: re.Match[str]) -> str:
                name = found.group(1)
                if name in variables:
                    return _resolve_value(variables[name], table_names, parameters)
                return _resolve_name(name, table_names, parameters)

            return re.sub(r"\$\{([^}!]+)\}", substitute, str(text))
    raise TemplateError(f"cannot resolve {value!r} off AWS")


def _resolve_name(name: str, table_names: Mapping[str, str], parameters: Mapping[str, str]) -> str:
    if name in table_names:
        return table_names[name]
    if name in parameters:
        return parameters[name]
    if name in PSEUDO_PARAMETERS:
        return PSEUDO_PARAMETERS[name]
    raise TemplateError(f"cannot resolve !Ref {name}: not a table, a parameter or a pseudo parameter")


def create_tables(
    client: Any,
    template: SamTemplate,
    name_for: Callable[[str], str] | None = None,
) -> dict[str, str]:
    """Create every table of the template with a boto3 DynamoDB client; logical id -> table name.

    Existing tables are kept (the local stack restarts on its own data). TTL is switched on as the
    template says. ``name_for`` maps a logical id to a physical name (default: the logical id).
    """
    names: dict[str, str] = {}
    existing = set(client.list_tables().get("TableNames", []))
    for logical_id, kwargs in template.tables.items():
        name = name_for(logical_id) if name_for else logical_id
        names[logical_id] = name
        if name in existing:
            continue
        client.create_table(TableName=name, **kwargs)
        client.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 200}
        )
        if logical_id in template.time_to_live:
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": template.time_to_live[logical_id]},
            )
    return names


def resolve_value(value: Any, refs: Mapping[str, str], parameters: Mapping[str, str]) -> str:
    """A property value as CloudFormation resolves it, off AWS: ``refs`` maps logical ids to what
    ``!Ref`` returns (a table's name, a queue's URL, a bus's name); parameters and pseudo parameters too."""
    return _resolve_value(value, refs, parameters)
