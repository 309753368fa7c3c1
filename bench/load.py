"""Benchmark: the local stack under load from 20 concurrent loopback clients, 2,000 requests.

The mix, shuffled with a fixed seed:

- submit (new): POST /v1/assessments without a token, a new Idempotency-Key each: a new user;
- submit (returning): POST /v1/assessments with a user's token and an Idempotency-Key; no user has
  two submissions in flight at once, and none makes more than --per-user in the run;
- get: GET /v1/assessments/{assessment_id} with its owner's token;
- history: GET /v1/users/{user_id}/assessments?limit=10 with the user's token;
- questionnaire: GET /v1/questionnaire.

Before the 2,000, --seed-users people make a first submission: there is someone to read and someone
to come back; then each kind is sent twice per worker at once, so that no worker of the stack is
cold when the clock starts (neither is counted). Every answer that is not 2xx is an error; the
target is none.

Request limits (readiness.limits): each user stays far under its own (at most --per-user
submissions, against 30 an hour). Every new user here comes from one address, 127.0.0.1, which
the per-address limit on first submissions (20 an hour) exists to stop; so the stack runs with
that one limit raised (--parameter SourceSubmissionsPerHour=...), when the template has it.

    python -m bench.load [--requests 2000] [--concurrency 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._stack import REPO, StackProcess, free_port, percentile
from bench.local_latency import activities_for, answers_for
from tools.sam_template import load_template

KINDS = ("submit_new", "submit_returning", "get", "history", "questionnaire")
MIX = {"submit_new": 0.20, "submit_returning": 0.20, "get": 0.25, "history": 0.20, "questionnaire": 0.15}
# Raised for the run: every new user of the benchmark comes from 127.0.0.1.
RAISED_LIMITS = {"SourceSubmissionsPerHour": "100000"}  # the most the setting allows
ACTIVITIES_PER_SUBMISSION = 20
CLIENT_TIMEOUT_SECONDS = 60


@dataclass
class Outcome:
    kind: str
    status: int  # 0: no HTTP answer (connection refused, reset, timed out)
    seconds: float
    problem: str = ""


@dataclass
class Person:
    user_id: str
    token: str
    number: int
    submissions: int = 1


@dataclass
class Population:
    """The users and assessments made so far, shared by the clients."""

    questionnaire: dict[str, Any]
    per_user: int
    people: list[Person] = field(default_factory=list)
    assessments: list[tuple[str, Person]] = field(default_factory=list)
    idle: list[Person] = field(default_factory=list)  # not submitting right now
    lock: threading.Lock = field(default_factory=threading.Lock)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def body(self, number: int, visit: int) -> str:
        return json.dumps(
            {
                "questionnaire_version": self.questionnaire["version"],
                "answers": answers_for(self.questionnaire, number),
                "activities": activities_for(number, visit, self.now)[:ACTIVITIES_PER_SUBMISSION],
            }
        )

    def add(self, person: Person, assessment_id: str) -> None:
        with self.lock:
            self.people.append(person)
            self.assessments.append((assessment_id, person))
            self.idle.append(person)

    @contextmanager
    def returning(self) -> Iterator[Person]:
        """A user who may submit again: idle, and under --per-user submissions."""
        with self.lock:
            ready = [p for p in self.idle if p.submissions < self.per_user]
            if not ready:
                raise RuntimeError("no returning user is free: raise --seed-users or --per-user")
            person = min(ready, key=lambda p: p.submissions)
            self.idle.remove(person)
            person.submissions += 1
        try:
            yield person
        finally:
            with self.lock:
                self.idle.append(person)

    def any_assessment(self, rng: random.Random) -> tuple[str, Person]:
        with self.lock:
            return rng.choice(self.assessments)

    def any_person(self, rng: random.Random) -> Person:
        with self.lock:
            return rng.choice(self.people)


class Client:
    """One loopback client per thread, on a keep-alive connection (reopened after a failure)."""

    _local = threading.local()

    def __init__(self, port: int) -> None:
        self.port = port

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT_SECONDS)
            self._local.connection = connection
        return connection

    def request(
        self, method: str, path: str, *, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        connection = self._connection()
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            self._local.connection = None
            return 0, f"{type(exc).__name__}: {exc}".encode(), time.perf_counter() - started
        return response.status, payload, time.perf_counter() - started


def submit(client: Client, population: Population, number: int, token: str | None, visit: int) -> Any:
    headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.request("POST", "/v1/assessments", body=population.body(number, visit), headers=headers)


def run_one(kind: str, client: Client, population: Population, rng: random.Random, number: int) -> Outcome:
    if kind == "submit_new":
        status, payload, seconds = submit(client, population, number, None, 0)
        if status == 201:
            created = json.loads(payload)
            population.add(
                Person(created["user_id"], created["user_token"], number), created["assessment_id"]
            )
    elif kind == "submit_returning":
        with population.returning() as person:
            status, payload, seconds = submit(
                client, population, person.number, person.token, person.submissions
            )
            if status == 201:
                with population.lock:
                    population.assessments.append((json.loads(payload)["assessment_id"], person))
    elif kind == "get":
        assessment_id, owner = population.any_assessment(rng)
        auth = {"Authorization": f"Bearer {owner.token}"}
        status, payload, seconds = client.request("GET", f"/v1/assessments/{assessment_id}", headers=auth)
    elif kind == "history":
        person = population.any_person(rng)
        auth = {"Authorization": f"Bearer {person.token}"}
        path = f"/v1/users/{person.user_id}/assessments?limit=10"
        status, payload, seconds = client.request("GET", path, headers=auth)
    else:
        status, payload, seconds = client.request("GET", "/v1/questionnaire")
    problem = "" if 200 <= status < 300 else payload[:200].decode(errors="replace")
    return Outcome(kind, status, seconds, problem)


def schedule(requests: int, seed: int) -> list[str]:
    """``requests`` kinds in MIX's proportions, shuffled reproducibly."""
    kinds: list[str] = []
    for kind in KINDS:
        kinds += [kind] * round(requests * MIX[kind])
    kinds = (kinds + ["questionnaire"] * requests)[:requests]
    random.Random(seed).shuffle(kinds)
    return kinds


class Stack(StackProcess):
    """`python -m tools.local_stack` on a free loopback port, with a fresh data directory."""

    def __init__(self, data_dir: Path, workers: int) -> None:
        port = free_port()
        parameters = load_template(REPO / "template.yaml").parameters
        self.raised = {name: value for name, value in RAISED_LIMITS.items() if name in parameters}
        command = [sys.executable, "-m", "tools.local_stack", "--port", str(port), "--quiet"]
        command += ["--data-dir", str(data_dir), "--workers", str(workers), "--no-reassess"]
        for name, value in self.raised.items():
            command += ["--parameter", f"{name}={value}"]
        super().__init__(command, port)


def report(outcomes: list[Outcome], elapsed: float, args: argparse.Namespace, raised: dict[str, str]) -> int:
    limits = ", ".join(f"{k}={v}" for k, v in raised.items()) or "none (the template has no such limit)"
    print(
        f"load: {len(outcomes):,} requests from {args.concurrency} concurrent loopback clients "
        f"(keep-alive), local stack with --workers {args.workers}, after {args.seed_users} seed users and "
        f"a warm-up of {2 * args.workers} requests of each kind (not counted)"
    )
    print(f"  limits raised for the run: {limits}; each user submits at most {args.per_user} times")
    print(f"  {'kind':<17}{'count':>6}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    for kind, group in [*((k, by_kind[k]) for k in KINDS if by_kind[k]), ("all", outcomes)]:
        ms = [o.seconds * 1000 for o in group]
        errors = sum(1 for o in group if not 200 <= o.status < 300)
        print(
            f"  {kind:<17}{len(group):>6}{errors:>8}{percentile(ms, 0.50):>9.1f}"
            f"{percentile(ms, 0.95):>9.1f}{percentile(ms, 0.99):>9.1f}{max(ms):>9.1f}"
        )
    failed = [o for o in outcomes if not 200 <= o.status < 300]
    print(f"  throughput: {len(outcomes) / elapsed:.1f} requests/s ({elapsed:.1f} s wall clock)")
    print(f"  errors (any answer not 2xx): {len(failed)}")
    causes = Counter((o.kind, o.status, o.problem) for o in failed)
    for (kind, status, problem), count in causes.most_common(10):
        print(f"    {count} x {kind} -> {status or 'no answer'}: {problem}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="the local stack's warm workers per function")
    parser.add_argument("--seed-users", type=int, default=40, help="first submissions before the timed run")
    parser.add_argument("--per-user", type=int, default=5, help="at most this many submissions per user")
    parser.add_argument("--seed", type=int, default=8, help="the mix's shuffle")
    parser.add_argument("--console", type=Path, help="keep the local stack's console output in this file")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="readiness-load-"))
    stack = Stack(work / "data", args.workers)
    try:
        stack.wait_until_serving()
        client = Client(stack.port)
        status, payload, _ = client.request("GET", "/v1/questionnaire")
        if status != 200:
            raise SystemExit(f"GET /v1/questionnaire answered {status}")
        population = Population(json.loads(payload), args.per_user)
        rng = random.Random(args.seed)
        for number in range(args.seed_users):
            seeded = run_one("submit_new", client, population, rng, number)
            if seeded.status != 201:
                raise SystemExit(f"a seed submission answered {seeded.status}: {seeded.problem}")
        # Every worker of every function on the path takes a request before the clock starts: the first
        # request a worker serves creates its AWS clients (bench/cold_start.py measures that part).
        warm_up = [kind for kind in KINDS for _ in range(2 * args.workers)]
        warm_numbers = range(args.seed_users, args.seed_users + len(warm_up))
        with ThreadPoolExecutor(max_workers=len(warm_up)) as pool:
            warmed = list(
                pool.map(lambda kind, n: run_one(kind, client, population, rng, n), warm_up, warm_numbers)
            )
        if any(not 200 <= o.status < 300 for o in warmed):
            failed = next(o for o in warmed if not 200 <= o.status < 300)
            raise SystemExit(f"a warm-up {failed.kind} answered {failed.status}: {failed.problem}")
        first = args.seed_users + len(warm_up)
        kinds = schedule(args.requests, args.seed)
        numbers = iter(range(first, first + args.requests))
        number_lock = threading.Lock()

        def task(index: int) -> Outcome:
            with number_lock:
                number = next(numbers)
            return run_one(
                kinds[index], client, population, random.Random(args.seed * 100_003 + index), number
            )

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            outcomes = list(pool.map(task, range(len(kinds))))
        elapsed = time.perf_counter() - started
    finally:
        if args.console:
            args.console.write_text(stack.console())
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)
    return report(outcomes, elapsed, args, stack.raised)


if __name__ == "__main__":
    sys.exit(main())
