"""The parser is domain code: no AWS import, no clock, no environment, no writes to disk."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "shared" / "readiness" / "linkedin"


def test_importing_the_parser_imports_no_aws_sdk() -> None:
    code = (
        "import sys, readiness.linkedin; "
        "aws = {'boto3', 'botocore', 'aws_lambda_powertools', 'moto'}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in aws))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_parser_never_reads_the_clock_or_the_environment_and_never_extracts() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 10
    for module in modules:
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                where = f"{module.name}:{node.lineno}"
                assert not (
                    node.value.id in {"datetime", "date", "time"}
                    and node.attr in {"now", "utcnow", "today", "time"}
                ), where
                assert not (node.value.id == "os" and node.attr in {"environ", "getenv"}), where
            if isinstance(node, ast.Attribute):
                assert node.attr not in {"extract", "extractall"}, f"{module.name}:{node.lineno} extracts"
