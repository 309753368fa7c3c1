"""One local Lambda execution environment: imports a handler once, then answers invocations over a pipe.

The local stack starts one of these per function (``python -m tools.lambda_worker MODULE FUNCTION``)
with the function's own environment, so that functions stay as isolated from one another as they are
on AWS (module state, cached settings, environment variables). The protocol is one JSON document per
line: ``{"id", "event", "context"}`` in on stdin; ``{"ready"}`` once, then ``{"id", "result"}`` or
``{"id", "error"}`` out on the original stdout. The handler's own stdout (Powertools logs, EMF
metrics) is moved to stderr, which the local stack shows on its console.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import IO, Any


class LocalLambdaContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    def __init__(self, meta: dict[str, Any]) -> None:
        self.function_name: str = meta["function_name"]
        self.function_version: str = "$LATEST"
        self.invoked_function_arn: str = meta["invoked_function_arn"]
        self.memory_limit_in_mb: int = int(meta["memory_limit_in_mb"])
        self.aws_request_id: str = meta["aws_request_id"]
        self.log_group_name: str = f"/aws/lambda/{self.function_name}"
        self.log_stream_name: str = meta.get("log_stream_name", "local")
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline = time.monotonic() + float(meta["timeout_seconds"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(exc: BaseException) -> dict[str, str]:
    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": "".join(traceback.format_exception(exc)),
    }


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message, separators=(",", ":")) + "\n")
    channel.flush()


def serve(module_name: str, function_name: str, requests: IO[str], replies: IO[str]) -> int:
    started = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
        handler: Callable[[dict[str, Any], Any], Any] = getattr(module, function_name)
    except BaseException as exc:  # an import error must reach the stack, whatever it is
        _send(replies, {"fatal": _error(exc)})
        return 1
    _send(replies, {"ready": True, "init_ms": round((time.perf_counter() - started) * 1000, 1)})
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            result = handler(request["event"], LocalLambdaContext(request["context"]))
            reply = {"id": request["id"], "result": result}
            encoded = json.dumps(reply, separators=(",", ":"))
        except Exception as exc:  # a handler error is the invocation's result, as on Lambda
            encoded = json.dumps({"id": request["id"], "error": _error(exc)}, separators=(",", ":"))
        replies.write(encoded + "\n")
        replies.flush()
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tools.lambda_worker MODULE FUNCTION", file=sys.stderr)
        return 2
    # Ctrl-C reaches the whole process group; the stack stops its workers itself, in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return serve(argv[0], argv[1], sys.stdin, replies)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
