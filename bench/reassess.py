"""Scheduled re-assessment for 1,000 and 10,000 due users: time, DynamoDB requests and units, cost.

Run: `python -m bench.reassess` (or `make bench`). The dispatcher and the worker are the real
handlers, in process under moto, wired as template.yaml wires them (tools.reassessment_sim): one
scheduled dispatch, then the worker fed batch by batch from the queue until it is empty. Seeding
the users is not timed. Botocore hooks count every request the two functions make.

Printed per run: wall time (dispatch + drain), DynamoDB requests per user by operation, write and
read units per user (from item sizes, as DynamoDB bills them: bench.requests_per_call), handler time
per user; then the growth ratio and the cost of one re-assessment cycle per million users.

Targets (issue 6): at most 4 DynamoDB requests per user; 10x the users in at most 11x the time.
Exits 1 if one is missed.
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.requests_per_call import item_size, read_units, write_units

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SIZES = (1_000, 10_000)
MAX_REQUESTS_PER_USER = 4.0
MAX_GROWTH = 11.0

# us-east-1 list prices, as published on the services' pricing pages; read on PRICES_READ_ON.
PRICES_READ_ON = "2025-05-01"
LAMBDA_ARM64_GB_SECOND = 0.0000133334  # USD per GB-second, arm64
LAMBDA_REQUEST = 0.20 / 1e6  # per invocation
SQS_REQUEST = 0.40 / 1e6  # standard queue, per request (a batch of up to 10 is one request)
SCHEDULER_INVOCATION = 1.00 / 1e6  # EventBridge Scheduler, per invocation
EVENTBRIDGE_EVENT = 1.00 / 1e6  # custom events put on a bus
DYNAMODB_WRITE_UNIT = 0.625 / 1e6  # on demand, per write request unit (since 2024-11-01)
DYNAMODB_READ_UNIT = 0.125 / 1e6  # on demand, per read request unit
LOGS_GB = 0.50  # CloudWatch Logs ingestion, per GB
MEMORY_GB = 0.5  # the functions' MemorySize (template.yaml Globals: 512 MB)
INDEX_ENTRY_OVERHEAD = 100  # bytes DynamoDB adds to each index entry it bills


@dataclass
class Run:
    users: int
    dispatch_seconds: float = 0.0
    drain_seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this process, all threads: the work, whatever else the machine does
    handler_seconds: float = 0.0
    worker_invocations: int = 0
    dispatches: int = 1
    requests: Counter[str] = field(default_factory=Counter)
    write_units: float = 0.0
    read_units: float = 0.0
    log_bytes: int = 0
    changed: int = 0

    @property
    def wall_seconds(self) -> float:
        return self.dispatch_seconds + self.drain_seconds

    def per_user(self, value: float) -> float:
        return value / self.users

    @property
    def dynamodb_requests(self) -> int:
        return sum(n for op, n in self.requests.items() if op.startswith("dynamodb."))


class RequestCounter:
    """Counts requests by service and operation on the given clients (the dispatcher's threads too)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self._lock = threading.Lock()

    def install(self, client: Any) -> None:
        client.meta.events.register(f"after-call.{client.meta.service_model.endpoint_prefix}", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.run.requests[f"{model.service_model.endpoint_prefix}.{model.name}"] += 1


def _billed_units(sim: Any, run: Run) -> None:
    """Write and read units of the cycle, from the items as they are now (DynamoDB's billing rules)."""
    from readiness.store.codec import unpack_json

    partitions: dict[str, list[dict[str, Any]]] = {}
    for item in sim.items():
        partitions.setdefault(item["PK"]["S"], []).append(item)
    writes = reads = 0.0
    for items in partitions.values():
        by_kind = {item["SK"]["S"].split("#")[0]: item for item in items}
        schedule = by_kind["SCHEDULE"]
        scheduled = [
            item
            for item in items
            if item["SK"]["S"].startswith("ASSESSMENT#")
            and unpack_json(item["body"]["B"]).get("trigger") == "scheduled"
        ]
        index_entry = INDEX_ENTRY_OVERHEAD + sum(
            item_size({name: schedule[name]})
            for name in ("PK", "SK", "DUE_PK", "DUE_SK", "user_id", "next_due_at", "cadence_days")
        )
        # the claim: the schedule item, and its index entry moved (a delete and a put in the index)
        writes += write_units(item_size(schedule)) + 2 * write_units(index_entry)
        # the due-index pages that listed it (eventually consistent: half a unit per 4 KB)
        reads += 0.5 * index_entry / 4096
        # the worker's Query: the user item and the activity items (strongly consistent)
        inputs = [
            item
            for item in items
            if item["SK"]["S"] == "USER" or item["SK"]["S"].startswith("USER#ACTIVITY#")
        ]
        reads += read_units(sum(item_size(item) for item in inputs))
        # the transaction: the assessment and the user item, each billed twice
        for assessment in scheduled:
            writes += 2 * (write_units(item_size(assessment)) + write_units(item_size(by_kind["USER"])))
    run.write_units, run.read_units = writes, reads


def measure(users: int) -> Run:
    from moto import mock_aws

    from tools.reassessment_sim import ReassessmentSimulation

    run = Run(users)
    with mock_aws():
        sim = ReassessmentSimulation(prefix="bench-")
        with sim.running():
            sim.seed_users(users, now=NOW)
            sim.set_clock(NOW)
            # The seeded table is not what is measured: keep the garbage collector from walking it.
            gc.collect()
            gc.freeze()
            from readiness.reassessment import runtime

            source = sim.event_source(invoke=_timed(sim.invoke_worker, run))  # Lambda's SQS poller
            counter = RequestCounter(run)
            for client in (runtime.dynamodb_client(), runtime.sqs_client(), runtime.events_client(), sim.sqs):
                counter.install(client)
            logs = io.StringIO()
            with contextlib.redirect_stdout(logs), _function_logs_to(logs):
                cpu = time.process_time()
                started = time.perf_counter()
                report = sim.dispatch()
                while report["stopped_early"]:  # the time budget ran out: the next minute's dispatch goes on
                    run.dispatches += 1
                    more = sim.dispatch()
                    report = {**more, "queued": report["queued"] + more["queued"]}
                run.dispatch_seconds = time.perf_counter() - started
                run.handler_seconds += run.dispatch_seconds
                started = time.perf_counter()
                outcome = source.drain()
                run.drain_seconds = time.perf_counter() - started
                run.cpu_seconds = time.process_time() - cpu
            run.log_bytes = len(logs.getvalue().encode())
            if report["queued"] != users or outcome.succeeded != users or outcome.failed:
                raise RuntimeError(f"the cycle did not complete: {report}, {outcome}")
            run.changed = len(sim.published())
            _billed_units(sim, run)
            gc.unfreeze()
    return run


@contextlib.contextmanager
def _function_logs_to(buffer: io.StringIO) -> Iterator[None]:
    """The functions' Powertools loggers write to the stream they were made with: point them here."""
    handlers = [h for h in logging.getLogger("readiness").handlers if isinstance(h, logging.StreamHandler)]
    previous = [handler.setStream(buffer) for handler in handlers]
    try:
        yield
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            if stream is not None:
                handler.setStream(stream)


def _timed(invoke: Any, run: Run) -> Any:
    def worker(event: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return invoke(event)
        finally:
            run.handler_seconds += time.perf_counter() - started
            run.worker_invocations += 1

    return worker


def cost_per_million(run: Run) -> list[tuple[str, str, float]]:
    scale = 1e6 / run.users
    sqs_requests = sum(n for op, n in run.requests.items() if op.startswith("sqs."))
    events = run.requests["events.PutEvents"]
    gb_seconds = run.handler_seconds * MEMORY_GB * scale
    invocations = (run.worker_invocations + run.dispatches) * scale
    return [
        (
            "DynamoDB on demand",
            f"{run.per_user(run.write_units):.1f} WRU and {run.per_user(run.read_units):.2f} RRU per user",
            (run.write_units * DYNAMODB_WRITE_UNIT + run.read_units * DYNAMODB_READ_UNIT) * scale,
        ),
        (
            "Lambda arm64",
            f"{invocations:,.0f} calls; {1000 * run.per_user(run.handler_seconds):.1f} ms x 512 MB a user",
            gb_seconds * LAMBDA_ARM64_GB_SECOND + invocations * LAMBDA_REQUEST,
        ),
        ("SQS", f"{run.per_user(sqs_requests):.2f} requests per user", sqs_requests * scale * SQS_REQUEST),
        (
            "EventBridge",
            f"{run.per_user(events):.3f} ReadinessChanged per user",
            events * scale * EVENTBRIDGE_EVENT,
        ),
        (
            "CloudWatch Logs",
            f"{run.per_user(run.log_bytes):.0f} bytes of logs and metrics per user",
            run.log_bytes * scale / 1e9 * LOGS_GB,
        ),
    ]


def main() -> int:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",  # a dummy: moto answers
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    print("Scheduled re-assessment under moto: dispatcher and worker handlers in process, template.yaml's")
    print("queue (redrive policy), bus and tables; one dispatch, then the worker until the queue is empty.\n")
    print(
        f"{'users':>7} {'wall s':>8} {'dispatch s':>10} {'drain s':>8} {'CPU s':>7} "
        f"{'DynamoDB req/user':>18} {'handler ms/user':>16}"
    )
    runs = []
    for users in SIZES:
        run = measure(users)
        runs.append(run)
        print(
            f"{users:>7,} {run.wall_seconds:>8.1f} {run.dispatch_seconds:>10.1f} {run.drain_seconds:>8.1f} "
            f"{run.cpu_seconds:>7.1f} "
            f"{run.per_user(run.dynamodb_requests):>18.3f} {1000 * run.per_user(run.handler_seconds):>16.2f}"
        )
    small, large = runs[0], runs[-1]
    growth = large.cpu_seconds / small.cpu_seconds
    wall_growth = large.wall_seconds / small.wall_seconds
    per_user = large.per_user(large.dynamodb_requests)
    print(
        f"\ngrowth: {large.users // small.users}x the users in {growth:.1f}x the CPU time (target <= "
        f"{MAX_GROWTH:g}x; {wall_growth:.1f}x the wall time, which other processes on this machine sway)"
    )
    operations = ", ".join(
        f"{op.removeprefix('dynamodb.')} {large.per_user(n):.3f}"
        for op, n in sorted(large.requests.items())
        if op.startswith("dynamodb.")
    )
    print(f"DynamoDB requests per user: {per_user:.3f} (target <= {MAX_REQUESTS_PER_USER:g}): {operations}")
    others = ", ".join(
        f"{op} {large.per_user(n):.3f}"
        for op, n in sorted(large.requests.items())
        if not op.startswith("dynamodb.")
    )
    print(f"other requests per user: {others}")
    print(
        f"handler time per user: {1000 * large.per_user(large.handler_seconds):.2f} ms "
        "(dispatcher and worker, with moto answering the AWS calls in process)"
    )
    print(f"ReadinessChanged: {large.changed:,} of {large.users:,} users (band moved, or 5+ points)")

    print(
        "\nCost of one re-assessment cycle per million users "
        f"(us-east-1 list prices read on {PRICES_READ_ON}):"
    )
    lines = cost_per_million(large)
    for service, basis, dollars in lines:
        print(f"  {service:<18} {basis:<58} ${dollars:>8.2f}")
    total = sum(dollars for _, _, dollars in lines)
    print(f"  {'total':<18} {'':<58} ${total:>8.2f}")
    monthly = 30 * 24 * 60 * SCHEDULER_INVOCATION
    print(
        "  plus EventBridge Scheduler: one schedule for everyone, 43,200 dispatches a month = "
        f"${monthly:.2f} a month, whatever the number of users"
    )
    extra_ms = 5.0 * large.per_user(large.dynamodb_requests)
    extra = extra_ms / 1000 * MEMORY_GB * 1e6 * LAMBDA_ARM64_GB_SECOND
    print(
        f"  (on AWS a DynamoDB call is ~5 ms over the network, not moto's in-process time: "
        f"+{extra_ms:.0f} ms per user would add ${extra:.2f})"
    )

    failures = []
    if per_user > MAX_REQUESTS_PER_USER:
        failures.append(f"{per_user:.3f} DynamoDB requests per user > {MAX_REQUESTS_PER_USER}")
    if growth > MAX_GROWTH:
        failures.append(f"growth {growth:.1f}x > {MAX_GROWTH}x")
    if failures:
        print("MISSED: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
