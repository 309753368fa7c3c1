"""Local Lambda functions: one warm worker process per function, each with its own environment.

A function's module is imported once, when the stack starts (never on a request), in a process of
its own, as on AWS: functions share no module state, settings cache or environment. An invocation
is one JSON line to the worker and one back (see tools/lambda_worker.py).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.sam_template import PSEUDO_PARAMETERS, FunctionSpec

REGION = PSEUDO_PARAMETERS["AWS::Region"]
ACCOUNT_ID = PSEUDO_PARAMETERS["AWS::AccountId"]
# What a worker inherits from the stack's own environment; everything else comes from the template.
_INHERITED = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "SYSTEMROOT",
    "VIRTUAL_ENV",
    "PYTHONPATH",
)


class FunctionStartError(RuntimeError):
    """A function could not be loaded (its module failed to import)."""


class FunctionFailed(RuntimeError):
    """The handler raised: Lambda reports this as an invocation error."""

    def __init__(self, function_id: str, error: Mapping[str, str]) -> None:
        self.function_id = function_id
        self.error_type = error.get("type", "Exception")
        self.traceback = error.get("traceback", "")
        super().__init__(f"{function_id}: {self.error_type}: {error.get('message', '')}")


class FunctionTimedOut(RuntimeError):
    """The handler did not answer within the function's Timeout."""


class WorkerLost(RuntimeError):
    """The worker process died during an invocation."""


@dataclass(frozen=True, slots=True)
class Invocation:
    result: Any
    request_id: str


def lambda_environment(
    spec: FunctionSpec,
    resolved: Mapping[str, str],
    *,
    dynamodb_endpoint_url: str,
) -> dict[str, str]:
    """The environment of a local function: the template's variables plus what the Lambda runtime sets.

    Credentials are dummies and AWS config files are hidden, so a local function can only ever reach
    the local DynamoDB endpoint, never a real account.
    """
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    env.update(resolved)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.logical_id}",
            "AWS_SAM_LOCAL": "true",
            "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint_url,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
            "TZ": "UTC",
        }
    )
    env.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Readiness")
    env.setdefault("POWERTOOLS_SERVICE_NAME", "readiness")
    return env


class LambdaWorker:
    """One execution environment of one function (a child process)."""

    def __init__(self, spec: FunctionSpec, env: Mapping[str, str], cwd: Path) -> None:
        self.spec = spec
        self._ids = itertools.count(1)
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tools.lambda_worker", spec.module, spec.handler_function],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=cwd,
            env=dict(env),
            text=True,
            encoding="utf-8",
        )
        self._reader = threading.Thread(
            target=self._read_replies, name=f"{spec.logical_id}-replies", daemon=True
        )
        self._reader.start()
        self.init_ms: float | None = None

    def _read_replies(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.strip():
                self._replies.put(json.loads(line))
        self._replies.put(None)  # end of output: the process is gone

    def wait_ready(self, timeout: float) -> None:
        try:
            message = self._replies.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise FunctionStartError(f"{self.spec.logical_id}: did not load within {timeout:.0f} s") from None
        if message is None or "fatal" in message:
            error = (message or {}).get("fatal") or {}
            detail = error.get("traceback") or "the worker exited while loading"
            raise FunctionStartError(
                f"{self.spec.logical_id} ({self.spec.module}) could not be loaded: "
                f"{error.get('type', 'error')}: {error.get('message', '')}\n{detail}"
            )
        self.init_ms = message.get("init_ms")

    def invoke(self, event: Mapping[str, Any], request_id: str) -> Any:
        assert self._process.stdin is not None
        message_id = next(self._ids)
        context = {
            "function_name": self.spec.logical_id,
            "invoked_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.spec.logical_id}",
            "memory_limit_in_mb": self.spec.memory_mb,
            "aws_request_id": request_id,
            "timeout_seconds": self.spec.timeout_seconds,
        }
        try:
            self._process.stdin.write(
                json.dumps({"id": message_id, "event": event, "context": context}) + "\n"
            )
            self._process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerLost(f"{self.spec.logical_id}: the worker process is gone") from exc
        try:
            reply = self._replies.get(timeout=self.spec.timeout_seconds)
        except queue.Empty:
            raise FunctionTimedOut(
                f"{self.spec.logical_id} timed out after {self.spec.timeout_seconds} s "
                "(its Timeout in template.yaml)"
            ) from None
        if reply is None:
            raise WorkerLost(f"{self.spec.logical_id}: the worker process exited during the request")
        if reply.get("id") != message_id:
            raise WorkerLost(f"{self.spec.logical_id}: the worker answered out of turn")
        if "error" in reply:
            raise FunctionFailed(self.spec.logical_id, reply["error"])
        return reply.get("result")

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def stop(self, timeout: float = 3.0) -> None:
        """Close the worker's input (it exits when it has nothing left to do), then make sure it is gone."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            with contextlib.suppress(OSError):
                self._process.stdin.close()
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()


class LocalFunctions:
    """Every function of the template, warm, behind one ``invoke(function_id, event)``.

    Each function has ``workers`` execution environments; a request waits for a free one, as a
    function with reserved concurrency would. A worker that times out or dies is replaced.
    """

    def __init__(
        self,
        specs: Mapping[str, FunctionSpec],
        environments: Mapping[str, Mapping[str, str]],
        *,
        cwd: Path,
        workers: int = 1,
        workers_for: Mapping[str, int] | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        self._specs = dict(specs)
        self._environments = {name: dict(env) for name, env in environments.items()}
        self._cwd = cwd
        self._workers_per_function = max(1, workers)
        # a few functions warmer than the rest (e.g. the submit path, for concurrency tests)
        self._workers_for = {name: max(1, count) for name, count in (workers_for or {}).items()}
        self._start_timeout = start_timeout
        self._idle: dict[str, queue.Queue[LambdaWorker]] = {name: queue.Queue() for name in self._specs}
        self._all: list[LambdaWorker] = []
        self._lock = threading.Lock()
        self._stopping = False

    def _spawn(self, function_id: str) -> LambdaWorker:
        worker = LambdaWorker(self._specs[function_id], self._environments[function_id], self._cwd)
        with self._lock:
            self._all.append(worker)
        return worker

    def start(self) -> None:
        """Start every worker at once and wait until each has imported its handler."""
        workers = [
            self._spawn(name)
            for name in self._specs
            for _ in range(self._workers_for.get(name, self._workers_per_function))
        ]
        failures: list[str] = []
        with ThreadPoolExecutor(max_workers=max(1, len(workers))) as pool:
            outcomes = pool.map(self._wait_ready, workers)
            for worker, problem in zip(workers, outcomes, strict=True):
                if problem:
                    failures.append(problem)
                else:
                    self._idle[worker.spec.logical_id].put(worker)
        if failures:
            self.stop()
            raise FunctionStartError("\n".join(sorted(set(failures))))

    def _wait_ready(self, worker: LambdaWorker) -> str | None:
        try:
            worker.wait_ready(self._start_timeout)
        except FunctionStartError as exc:
            return str(exc)
        return None

    def invoke(self, function_id: str, event: Mapping[str, Any]) -> Invocation:
        request_id = str(uuid.uuid4())
        try:
            worker = self._idle[function_id].get(
                timeout=self._start_timeout + self._specs[function_id].timeout_seconds
            )
        except queue.Empty:
            raise WorkerLost(f"{function_id}: no worker is available (see the console for why)") from None
        healthy = True
        try:
            return Invocation(worker.invoke(event, request_id), request_id)
        except (FunctionTimedOut, WorkerLost):
            healthy = False
            raise
        finally:
            if healthy:
                self._idle[function_id].put(worker)
            else:
                # The error goes back now; the next request waits for the fresh worker.
                threading.Thread(target=self._replace, args=(worker,), daemon=True).start()

    def _replace(self, worker: LambdaWorker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            if self._stopping:
                return
        replacement = self._spawn(worker.spec.logical_id)
        try:
            replacement.wait_ready(self._start_timeout)
        except FunctionStartError as exc:
            print(f"local stack: {exc}", file=sys.stderr)
            return
        self._idle[worker.spec.logical_id].put(replacement)

    def init_times_ms(self) -> dict[str, float]:
        with self._lock:
            return {w.spec.logical_id: w.init_ms for w in self._all if w.init_ms is not None}

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            workers = list(self._all)
            self._all.clear()
        with ThreadPoolExecutor(max_workers=max(1, len(workers))) as pool:
            list(pool.map(lambda w: w.stop(), workers))
