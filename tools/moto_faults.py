"""Faults injected with botocore before-send hooks that moto honours: a faulted request is not applied.

botocore calls every before-send handler and takes the first response. moto's own handler is one of
them, so an error answered by a test's hook (a ThrottlingException, say) would be returned to the
caller while moto still applied the write: a throttled UpdateItem that happened anyway. DynamoDB
applies nothing it throttles. ``faulting(hook)`` wraps a test's hook so that when it answers, the
request is marked, and ``moto_skips_faulted_requests()`` makes moto leave marked requests alone.
Each attempt of a retried call is decided again (botocore reuses the request object).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

_MARK = "_readiness_fault_injected"
_lock = threading.Lock()
_state: dict[str, Any] = {"depth": 0}


def faulting(hook: Callable[..., Any]) -> Callable[..., Any]:
    """A before-send hook whose answers moto does not apply (see the module)."""

    def handler(request: Any, **kwargs: Any) -> Any:
        response = hook(request=request, **kwargs)
        setattr(request, _MARK, response is not None)
        return response

    return handler


@contextlib.contextmanager
def moto_skips_faulted_requests() -> Iterator[None]:
    from moto.core.botocore_stubber import BotocoreStubber

    with _lock:
        if _state["depth"] == 0:
            original = _state["call"] = BotocoreStubber.__call__

            def call(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
                if getattr(request, _MARK, False):
                    return None  # answered by a fault: DynamoDB (or SQS, EventBridge) never saw it
                return original(self, event_name, request, **kwargs)

            BotocoreStubber.__call__ = call  # type: ignore[method-assign]
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                BotocoreStubber.__call__ = _state.pop("call")  # type: ignore[method-assign]
