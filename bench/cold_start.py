"""Cold start: median whole-process import time of each function module, as a ratio to boto3.

Run: `python -m bench.cold_start` (or `make bench`). Each sample is a fresh interpreter that times
its own imports (everything the module pulls in, transitively) with perf_counter; the baseline,
measured in the same run and interleaved with the modules, is `import boto3;
boto3.client("dynamodb")`, the least any function that talks to DynamoDB pays. Bytecode caches are
warm for both (one discarded warm-up each). Target (issue 3): 1.5x the baseline or less, which
holds because the X-Ray SDK, boto3 clients, Powertools' idempotency package and the scoring
model are imported on first use, not at import.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = 11
TARGET_RATIO = 1.5
BASELINE = 'import boto3; boto3.client("dynamodb", region_name="us-east-1")'
PROBE = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
# For the record, not for the target: what create_assessment's first request adds on top of import
# (the lazy parts: boto3 client, Powertools idempotency, the scoring model).
FIRST_REQUEST = (
    "import functions.create_assessment.app; import readiness.scoring, readiness.compare, "
    "readiness.store.dynamodb, aws_lambda_powertools.utilities.idempotency; "
    "from readiness.api.runtime import dynamodb_client; dynamodb_client()"
)


def timed(statement: str) -> float:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "readiness",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def function_modules() -> list[str]:
    from tools.sam_template import load_template

    return sorted({spec.module for spec in load_template(REPO / "template.yaml").functions.values()})


def main() -> int:
    modules = function_modules()
    statements = (
        {"baseline": BASELINE}
        | {module: f"import {module}" for module in modules}
        | {"first request": FIRST_REQUEST}
    )
    for statement in statements.values():
        timed(statement)  # warm-up: bytecode caches and the page cache
    samples: dict[str, list[float]] = {name: [] for name in statements}
    for _ in range(SAMPLES):
        for name, statement in statements.items():  # interleaved, so drift hits all alike
            samples[name].append(timed(statement))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = medians["baseline"]

    print(__doc__.split("\n\n")[0])
    print()
    print(f"baseline  {BASELINE}: median {baseline * 1000:.1f} ms over {SAMPLES} runs")
    print()
    header = f"{'function module':<40} {'median ms':>9} {'ratio':>6}  target <= {TARGET_RATIO}x"
    print(header)
    print("-" * len(header))
    failed = False
    for module in modules:
        ratio = medians[module] / baseline
        ok = ratio <= TARGET_RATIO
        failed |= not ok
        print(f"{module:<40} {medians[module] * 1000:>9.1f} {ratio:>5.2f}x  {'PASS' if ok else 'FAIL'}")
    first = medians["first request"]
    print()
    print(
        f"for the record: create_assessment's import plus what its first request loads lazily "
        f"(boto3 client, idempotency, scoring): {first * 1000:.1f} ms, {first / baseline:.2f}x"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
