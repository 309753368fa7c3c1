"""Each function imports cleanly, cheaply (nothing AWS at import) and serves exactly the template's routes."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from openapi_spec_validator import validate
from readiness.api.routes import PUBLIC_ROUTES, as_template_path
from readiness.openapi import openapi_document

from tests.infra.conftest import REPO
from tools.sam_template import DEFAULT_ROUTE, SamTemplate, load_template

FUNCTIONS = sorted(load_template(REPO / "template.yaml").functions.values(), key=lambda spec: spec.logical_id)


@pytest.mark.parametrize("spec", FUNCTIONS, ids=[spec.logical_id for spec in FUNCTIONS])
def test_the_handler_imports(spec: object) -> None:
    module = importlib.import_module(spec.module)  # type: ignore[attr-defined]
    assert callable(getattr(module, spec.handler_function))  # type: ignore[attr-defined]


@pytest.mark.parametrize("spec", FUNCTIONS, ids=[spec.logical_id for spec in FUNCTIONS])
def test_importing_a_handler_touches_no_aws_and_loads_no_tracer(spec: object) -> None:
    # A fresh interpreter with no credentials and no region: import must not need them. (Powertools
    # itself imports the botocore package for its user agent; no session or client may be made.)
    lazy = ("boto3", "botocore.session", "botocore.client", "aws_xray_sdk", "readiness.store.dynamodb")
    module = spec.module  # type: ignore[attr-defined]
    probe = (
        f"import sys, json, importlib; importlib.import_module({module!r}); "
        f"print(json.dumps([m for m in {lazy!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def _resolver_routes() -> set[tuple[str, str]]:
    routes = set()
    for spec in FUNCTIONS:
        app = getattr(importlib.import_module(spec.module), "app", None)
        if app is None:  # not behind the API (the re-assessment dispatcher and worker)
            continue
        for route in app._static_routes + app._dynamic_routes:
            routes.add((route.method, as_template_path(route.path)))
    return routes


def test_template_routes_and_resolver_routes_are_the_same_both_ways(template: SamTemplate) -> None:
    in_template = {(r.method, r.path) for r in template.routes if r.path != DEFAULT_ROUTE}
    in_resolvers = _resolver_routes()

    assert in_template - in_resolvers == set(), "routes in template.yaml that no resolver serves"
    assert in_resolvers - in_template == set(), "resolver routes that template.yaml does not route"
    assert {(method, as_template_path(path)) for method, path in PUBLIC_ROUTES} == in_template


def test_each_route_is_served_by_the_function_the_template_sends_it_to(template: SamTemplate) -> None:
    for route in template.routes:
        app = importlib.import_module(template.functions[route.function_id].module).app
        served = {(r.method, as_template_path(r.path)) for r in app._static_routes + app._dynamic_routes}
        if route.path == DEFAULT_ROUTE:
            assert served == set()
        else:
            assert served == {(route.method, route.path)}


def test_the_openapi_document_validates_and_documents_every_route(template: SamTemplate) -> None:
    document = openapi_document()
    validate(document)
    documented = {
        (method.upper(), path) for path, operations in document["paths"].items() for method in operations
    }
    assert documented == {(r.method, r.path) for r in template.routes if r.path != DEFAULT_ROUTE}
    for operations in document["paths"].values():
        for operation in operations.values():
            assert operation["operationId"]
            assert "500" in operation["responses"]
