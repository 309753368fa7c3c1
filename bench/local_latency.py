"""Benchmark: the local stack as a newcomer meets it.

1. Start-up: time from launching `make run` (on a free port, with an empty data directory) to the
   first successful GET /v1/questionnaire, on a warm machine (one untimed start first, then the
   median of several timed ones).
2. POST /v1/assessments through the local stack: p50/p99 over 500 requests from one loopback client
   on a keep-alive connection, a realistic mix (50 people, each submitting 10 times with about 60
   dated activities; every request has its own Idempotency-Key, returning people send their token).

    python bench/local_latency.py [--requests 500] [--starts 3] [--via make|python]
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._stack import StackProcess, free_port, percentile

ACTIVITY_TYPES = [
    "message_sent",
    "message_received",
    "help_given",
    "introduction_made",
    "recruiter_conversation",
    "knowledge_shared",
    "skill_learned",
    "endorsement_given",
]


class Stack(StackProcess):
    """One local stack process, started the way a person starts it, stopped with Ctrl-C."""

    def __init__(self, via: str, data_dir: Path, parameters: dict[str, str] | None = None) -> None:
        port = free_port()
        self.data_dir = data_dir
        if via == "make":
            assert not parameters, "make run takes the template's defaults"
            command = ["make", "-s", "run", f"PORT={port}", f"DATA_DIR={data_dir}", "QUIET=1"]
        else:
            command = [sys.executable, "-m", "tools.local_stack", "--port", str(port)]
            command += ["--data-dir", str(data_dir), "--quiet"]
            for name, value in (parameters or {}).items():
                command += ["--parameter", f"{name}={value}"]
        super().__init__(command, port)


def answers_for(questionnaire: dict[str, Any], person: int) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for section in questionnaire["sections"]:
        for question in section["questions"]:
            kind = question["kind"]
            if kind == "likert":
                answers[question["id"]] = question["min"] + person % (question["max"] - question["min"] + 1)
            elif kind == "count":
                answers[question["id"]] = min(question["max"], question["min"] + 3 * person)
            elif kind == "choice":
                choices = question["choices"]
                answers[question["id"]] = choices[person % len(choices)]["value"]
            else:
                answers[question["id"]] = person % 2 == 0
    return answers


def activities_for(person: int, visit: int, now: datetime) -> list[dict[str, Any]]:
    events = []
    for index in range(60):
        moment = now - timedelta(days=2 + (index * 6 + person + visit) % 700, hours=index % 24)
        event: dict[str, Any] = {
            "type": ACTIVITY_TYPES[(index + person) % len(ACTIVITY_TYPES)],
            "occurred_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "counterpart": f"c{(index * 7 + person) % 40}",
        }
        if event["type"] == "recruiter_conversation":
            event["counterpart_role"] = "recruiter"
        events.append(event)
    return events


def post_latencies(port: int, total: int, people: int = 50) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/v1/questionnaire")
    questionnaire = json.loads(connection.getresponse().read())
    tokens: dict[int, str] = {}
    now = datetime.now(UTC)
    timings: list[float] = []
    warmup = 10
    for number in range(total + warmup):
        person, visit = number % people, number // people
        body = json.dumps(
            {
                "questionnaire_version": questionnaire["version"],
                "answers": answers_for(questionnaire, person),
                "activities": activities_for(person, visit, now),
            }
        )
        headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
        if person in tokens:
            headers["Authorization"] = f"Bearer {tokens[person]}"
        started = time.perf_counter()
        connection.request("POST", "/v1/assessments", body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 201:
            raise SystemExit(f"POST /v1/assessments answered {response.status}: {payload[:300]!r}")
        created = json.loads(payload)
        if "user_token" in created:
            tokens[person] = created["user_token"]
        if number >= warmup:
            timings.append(elapsed * 1000)
    connection.close()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument(
        "--starts", type=int, default=3, help="timed starts (after one untimed warm-up start)"
    )
    parser.add_argument(
        "--via", choices=["make", "python"], default="make" if shutil.which("make") else "python"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="readiness-bench-"))
    try:
        startup: list[float] = []
        for attempt in range(args.starts + 1):
            stack = Stack(args.via, work / f"start-{attempt}")
            try:
                seconds = stack.wait_until_serving(timeout=120)
            finally:
                stack.stop()
            if attempt:  # the first start warms the disk cache and bytecode; it is not counted
                startup.append(seconds)

        # 50 first submissions from one address (127.0.0.1): over the per-address hourly limit
        # (docs/api.md#limits), which this run raises; each person stays under their own
        stack = Stack("python", work / "latency", {"SourceSubmissionsPerHour": "100000"})
        try:
            stack.wait_until_serving(timeout=120)
            timings = post_latencies(stack.port, args.requests)
        finally:
            stack.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    launched = "make run" if args.via == "make" else "python -m tools.local_stack"
    print(
        f"start-up ({launched} -> first 200 from GET /v1/questionnaire), warm machine, {args.starts} starts:"
    )
    print(
        f"  median {statistics.median(startup):.2f} s   min {min(startup):.2f} s   max {max(startup):.2f} s"
    )
    print(
        f"POST /v1/assessments through the local stack, {len(timings)} requests, "
        "one loopback keep-alive client (python -m tools.local_stack, SourceSubmissionsPerHour raised)"
    )
    print("  (50 people x 10 visits, ~60 activities each, a new Idempotency-Key per request):")
    print(
        f"  p50 {percentile(timings, 0.50):.1f} ms   p90 {percentile(timings, 0.90):.1f} ms   "
        f"p99 {percentile(timings, 0.99):.1f} ms   max {max(timings):.1f} ms   "
        f"mean {statistics.fmean(timings):.1f} ms   ({1000 / statistics.fmean(timings):.0f} requests/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
