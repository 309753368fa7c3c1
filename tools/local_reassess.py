"""`make reassess`: one scheduled re-assessment dispatch now, against the local data.

With `make run` going on the same data directory, the running stack is asked to dispatch (SIGUSR1)
and reports on its own console. Otherwise the dispatcher and the worker run here, from template.yaml
like the whole stack would, on the saved data: one dispatch, every queued user re-assessed, the
result printed, the data saved.

    python -m tools.local_stack reassess [--data-dir .local]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from tools.local_dynamodb import LOCK_FILE, LocalDataError, LocalDynamoDB
from tools.local_lambda import FunctionStartError, LocalFunctions, lambda_environment
from tools.local_messaging import LocalMessaging
from tools.sam_messaging import queue_triggers, schedule_triggers
from tools.sam_template import REPO_ROOT, TemplateError, load_template, resolve_environment

DRAIN_TIMEOUT_SECONDS = 120


def running_stack(data_dir: Path) -> int | None:
    """The pid of a local stack that holds ``data_dir``, if one does."""
    path = data_dir / LOCK_FILE
    if not path.exists():
        return None
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock to ask
        return None
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            words = handle.read().split()
            return int(words[1]) if len(words) >= 2 and words[0] == "pid" and words[1].isdigit() else -1
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.local_stack reassess",
        description="Run one scheduled re-assessment dispatch now, against the local data.",
    )
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / ".local", help="(default: .local)")
    parser.add_argument("--template", type=Path, default=REPO_ROOT / "template.yaml")
    parser.add_argument(
        "--dynamodb-endpoint-url",
        default=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
        help="use this DynamoDB endpoint instead of the embedded one (default: $DYNAMODB_ENDPOINT_URL)",
    )
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], default="WARNING")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    from tools.local_stack import _isolate_from_aws

    args = parse_args(argv)
    _isolate_from_aws()
    if args.dynamodb_endpoint_url is None:
        pid = running_stack(args.data_dir)
        if pid == -1:
            print(
                f"reassess: {args.data_dir} is in use by another process; stop it and retry", file=sys.stderr
            )
            return 1
        if pid is not None and hasattr(signal, "SIGUSR1"):
            os.kill(pid, signal.SIGUSR1)
            print(f"reassess: asked the running local stack (pid {pid}) to dispatch now; see its console")
            return 0
    try:
        return _run_here(args)
    except (LocalDataError, FunctionStartError, TemplateError) as exc:
        print(f"reassess: {exc}", file=sys.stderr)
        return 1


def _run_here(args: argparse.Namespace) -> int:
    template = load_template(args.template)
    (schedule,) = schedule_triggers(template)
    function_ids = {schedule.function_id} | {trigger.function_id for trigger in queue_triggers(template)}
    dynamodb = LocalDynamoDB(template, data_dir=args.data_dir, endpoint_url=args.dynamodb_endpoint_url)
    messaging = LocalMessaging(template)
    functions: LocalFunctions | None = None
    try:
        endpoint = dynamodb.start_server()
        messaging.start_server()
        refs = {**{logical_id: logical_id for logical_id in template.tables}, **messaging.refs}
        specs = {function_id: template.functions[function_id] for function_id in function_ids}
        environments = {
            function_id: {
                **lambda_environment(
                    spec,
                    resolve_environment(spec, refs, {"LogLevel": args.log_level}),
                    dynamodb_endpoint_url=endpoint,
                ),
                **messaging.environment(),
                "POWERTOOLS_METRICS_DISABLED": "true",  # a summary line here, not EMF documents
            }
            for function_id, spec in specs.items()
        }
        functions = LocalFunctions(specs, environments, cwd=REPO_ROOT)
        functions.start()
        dynamodb.create_tables()
        started = time.perf_counter()
        live = functions
        messaging.start_triggers(
            lambda function_id, event: live.invoke(function_id, event).result, every_seconds=None
        )
        dispatched = messaging.dispatch(schedule)
        if dispatched.report is None:
            return 1
        queued = int(dispatched.report.get("queued", 0))
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            waiting = messaging.in_flight()
            if waiting == 0 or (
                messaging.processed.received >= queued and waiting <= messaging.processed.failed
            ):
                break
            time.sleep(0.2)
        time.sleep(1.2)  # the last ReadinessChanged lines
        done = messaging.processed
        print(
            f"reassess: {dispatched.report.get('listed', 0)} due, {queued} queued, "
            f"{done.succeeded} re-assessed, {done.failed} failed, {messaging.events_seen} ReadinessChanged "
            f"({time.perf_counter() - started:.1f} s)"
            + (
                "; failed ones are retried by a running stack only: their messages are gone"
                if done.failed
                else ""
            )
        )
        return 0 if not dispatched.report.get("failed_shards") and not done.failed else 1
    finally:
        messaging.stop()
        if functions is not None:
            functions.stop()
        dynamodb.stop()
