"""The local stack's Lambda workers: isolation, the context object, errors, timeouts and crashes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import REPO
from tools.local_lambda import (
    FunctionFailed,
    FunctionStartError,
    FunctionTimedOut,
    LocalFunctions,
    WorkerLost,
    lambda_environment,
)
from tools.sam_template import FunctionSpec

pytestmark = pytest.mark.e2e

MODULE = "tests.e2e.lambda_handlers"


def spec(logical_id: str, handler: str, *, timeout: int = 3, module: str = MODULE) -> FunctionSpec:
    return FunctionSpec(
        logical_id=logical_id,
        code_uri="tests/e2e/",
        handler=f"lambda_handlers.{handler}",
        module=module,
        environment={},
        handler_function=handler,
        timeout_seconds=timeout,
    )


def start(*specs: FunctionSpec, env: dict[str, dict[str, str]] | None = None) -> LocalFunctions:
    environments = {
        s.logical_id: lambda_environment(
            s, (env or {}).get(s.logical_id, {}), dynamodb_endpoint_url="http://127.0.0.1:1"
        )
        for s in specs
    }
    functions = LocalFunctions({s.logical_id: s for s in specs}, environments, cwd=REPO, start_timeout=30)
    functions.start()
    return functions


@pytest.fixture
def functions() -> Iterator[LocalFunctions]:
    running = start(
        spec("Echo", "echo"),
        spec("Other", "echo"),
        spec("Slow", "slow", timeout=1),
        spec("Crash", "crash"),
        spec("Fail", "fail"),
        spec("Chatty", "chatty"),
        env={
            "Echo": {"TABLE_NAME": "ReadinessTable", "ONLY_HERE": "yes"},
            "Other": {"TABLE_NAME": "Elsewhere"},
        },
    )
    yield running
    running.stop()


def test_each_function_has_its_own_process_environment_and_context(functions: LocalFunctions) -> None:
    echo = functions.invoke("Echo", {"hello": "world"}).result
    other = functions.invoke("Other", {}).result
    again = functions.invoke("Echo", {}).result

    assert echo["event"] == {"hello": "world"}
    assert echo["function_name"] == "Echo"
    assert 0 < echo["remaining_ms"] <= 3000
    assert echo["env"] == {
        "TABLE_NAME": "ReadinessTable",
        "ONLY_HERE": "yes",
        "AWS_ACCESS_KEY_ID": "local",
        "TZ": "UTC",
    }
    assert other["env"]["TABLE_NAME"] == "Elsewhere"
    assert other["env"]["ONLY_HERE"] is None
    assert echo["pid"] != other["pid"]
    assert again["pid"] == echo["pid"]  # warm: the module is imported once, not per request
    assert again["loaded_at"] == echo["loaded_at"]
    assert again["request_id"] != echo["request_id"]


def test_a_handler_error_is_reported_with_its_traceback(functions: LocalFunctions) -> None:
    with pytest.raises(FunctionFailed) as failure:
        functions.invoke("Fail", {})

    assert failure.value.error_type == "ValueError"
    assert "the handler failed on purpose" in failure.value.traceback
    with pytest.raises(FunctionFailed):  # the same warm worker answers again: an error is not a crash
        functions.invoke("Fail", {})


def test_a_timeout_and_a_crash_are_reported_and_the_worker_replaced(functions: LocalFunctions) -> None:
    with pytest.raises(FunctionTimedOut):
        functions.invoke("Slow", {"seconds": 5})
    with pytest.raises(WorkerLost):
        functions.invoke("Crash", {})

    assert functions.invoke("Slow", {"seconds": 0}).result == "done"  # a fresh worker took over


def test_printing_to_stdout_does_not_break_the_protocol(functions: LocalFunctions) -> None:
    assert functions.invoke("Chatty", {}).result == "still fine"
    assert functions.invoke("Chatty", {}).result == "still fine"


def test_a_module_that_does_not_import_stops_the_start_with_its_error() -> None:
    with pytest.raises(FunctionStartError) as failure:
        start(spec("Broken", "echo", module="tests.e2e.no_such_module"))

    assert "Broken" in str(failure.value)
    assert "ModuleNotFoundError" in str(failure.value)
