"""The model is pure Python: no AWS import, no clock reading inside scoring."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

MODEL_MODULES = [
    "activity",
    "questionnaire",
    "submission",
    "profile",
    "scoring",
    "patterns",
    "recommendations",
    "compare",
    "report",
    "result",
    "errors",
]
PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "readiness"


def test_importing_the_model_imports_no_aws_sdk() -> None:
    code = (
        "import sys, readiness.scoring, readiness.compare, readiness.report; "
        "aws = {'boto3', 'botocore', 'aws_lambda_powertools'}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in aws))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_model_never_reads_the_clock() -> None:
    for name in MODEL_MODULES:
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {
                "now",
                "utcnow",
                "today",
                "time",
                "monotonic",
            }:
                assert not (
                    isinstance(node.value, ast.Name) and node.value.id in {"datetime", "date", "time"}
                ), f"{name}.py reads the clock at line {node.lineno}"
