"""Stand-in Lambda handlers for the local stack's worker tests (tests/e2e/test_local_lambda.py)."""

from __future__ import annotations

import os
import time
from typing import Any

LOADED_AT = time.time()


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "event": event,
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "env": {
            name: os.environ.get(name) for name in ("TABLE_NAME", "ONLY_HERE", "AWS_ACCESS_KEY_ID", "TZ")
        },
        "pid": os.getpid(),
        "loaded_at": LOADED_AT,
    }


def slow(event: dict[str, Any], context: Any) -> str:
    time.sleep(float(event.get("seconds", 5)))
    return "done"


def crash(event: dict[str, Any], context: Any) -> None:
    os._exit(3)


def fail(event: dict[str, Any], context: Any) -> None:
    raise ValueError("the handler failed on purpose")


def chatty(event: dict[str, Any], context: Any) -> str:
    print("a line on stdout must not break the protocol")
    return "still fine"
