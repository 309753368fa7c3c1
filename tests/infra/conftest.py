"""Infrastructure fixtures: the template as written, and as the SAM translator turns it into CFN."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tools.sam_template import SamTemplate, load_template, read_yaml

REPO = Path(__file__).resolve().parents[2]


class NoManagedPolicies:
    """The translator asks IAM for AWS managed policy names; the template uses none: offline, none."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="session")
def template() -> SamTemplate:
    return load_template(REPO / "template.yaml")


@pytest.fixture(scope="session")
def cloudformation() -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    document = read_yaml(REPO / "template.yaml")
    # what `sam build`/`sam package` do first: local code folders become uploaded S3 artifacts
    for resource in document["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                assert (REPO / props[key]).is_dir(), props[key]
                props[key] = f"s3://readiness-artifacts/{props[key].strip('/')}.zip"
    parameters = {name: spec.get("Default") for name, spec in document.get("Parameters", {}).items()}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # no AWS session: the region ARNs are built for
        result: dict[str, Any] = transform(
            copy.deepcopy(document),
            {**parameters, "AWS::Region": "us-east-1", "AWS::Partition": "aws"},
            NoManagedPolicies(),  # type: ignore[arg-type]
        )
    return result


def resources_of_type(cloudformation: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in cloudformation["Resources"].items() if r["Type"] == kind}
