"""`make run`: the whole product on one machine, read from template.yaml.

The HTTP API's routes and the Lambda function behind each one, the DynamoDB tables with their keys
and indexes: all come from template.yaml (through tools.sam_template), so the local stack cannot
drift from what is deployed. It starts an embedded DynamoDB (moto's server on loopback) whose data
survives restarts under --data-dir, one warm worker process per function, and an HTTP front that
speaks API Gateway's payload v2 to the functions and serves the web form at /.

    python -m tools.local_stack [--port 3000] [--fresh] [--data-dir .local]
    python -m tools.local_stack reassess [--data-dir .local]     # one dispatch now (make reassess)

Scheduled re-assessment runs too (tools.local_messaging): the template's queue and bus in process,
the worker fed by a poller, the dispatcher on a timer (every minute; --reassess-every, --no-reassess).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from tools.local_dynamodb import LocalDataError, LocalDynamoDB
from tools.local_http import LocalFront, PortInUse
from tools.local_lambda import FunctionStartError, Invocation, LocalFunctions, lambda_environment
from tools.local_messaging import LocalMessaging
from tools.local_s3 import LocalS3
from tools.moto_speed import fast_moto
from tools.sam_messaging import schedule_triggers
from tools.sam_template import REPO_ROOT, SamTemplate, TemplateError, load_template, resolve_environment

DEFAULT_PORT = 3000
DYNAMODB_ENDPOINT_FILE = "dynamodb-endpoint"  # the DynamoDB endpoint, for the centre command


@dataclass(frozen=True)
class StackConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = REPO_ROOT / ".local"
    fresh: bool = False
    template_path: Path = REPO_ROOT / "template.yaml"
    web_root: Path = REPO_ROOT / "web"
    dynamodb_endpoint_url: str | None = None
    workers: int = 1
    workers_for: dict[str, int] = field(default_factory=dict)  # function logical id -> warm workers
    parameters: dict[str, str] = field(default_factory=dict)
    access_log: bool = True
    # seconds between dispatches of scheduled re-assessment; None: the template's schedule; 0: off
    reassess_every: float | None = None


class LocalStack:
    """The running product: front, functions and DynamoDB, started and stopped together."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.template: SamTemplate | None = None
        self.front: LocalFront | None = None
        self.dynamodb: LocalDynamoDB | None = None
        self.functions: LocalFunctions | None = None
        self.s3: LocalS3 | None = None
        self.messaging: LocalMessaging | None = None
        self._serving: threading.Thread | None = None
        self._moto_speed = contextlib.ExitStack()
        self.started_in_seconds = 0.0

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.config.host in ("0.0.0.0", "") else self.config.host
        port = self.front.server_port if self.front else self.config.port
        return f"http://{host}:{port}"

    def _invoke(self, function_id: str, event: object) -> Invocation:
        assert self.functions is not None
        return self.functions.invoke(function_id, event)  # type: ignore[arg-type]

    def start(self) -> None:
        started = time.perf_counter()
        config = self.config
        template = self.template = load_template(config.template_path)
        unknown = sorted(set(config.parameters) - set(template.parameters))
        if unknown:
            raise TemplateError(f"template.yaml has no parameter {', '.join(unknown)}")
        if not config.web_root.is_dir():
            raise FileNotFoundError(f"no web form at {config.web_root}")
        # The port first: if it is taken, say so before starting anything else.
        self.front = LocalFront(
            (config.host, config.port),
            template=template,
            invoke=self._invoke,
            web_root=config.web_root,
            access_log=config.access_log,
            parameters=config.parameters,
        )
        # moto at a cost that does not grow with the table (tools.moto_speed): plain moto deep-copies
        # the whole table for every transaction, so once a few thousand users are stored each
        # submission takes seconds and holds up every other DynamoDB call (bench/load.py).
        self._moto_speed.enter_context(fast_moto())
        self.dynamodb = LocalDynamoDB(
            template,
            data_dir=config.data_dir,
            fresh=config.fresh,
            endpoint_url=config.dynamodb_endpoint_url,
            host="127.0.0.1",
        )
        endpoint = self.dynamodb.start_server()
        # for `python -m readiness centre --endpoint-url "$(cat .local/dynamodb-endpoint)" ...`
        config.data_dir.mkdir(parents=True, exist_ok=True)
        (config.data_dir / DYNAMODB_ENDPOINT_FILE).write_text(endpoint + "\n", encoding="utf-8")
        table_names = {logical_id: logical_id for logical_id in template.tables}  # create_tables' own naming
        # S3 (LinkedIn export uploads) is served on the front's own origin, so presigned URLs point there
        self.s3 = LocalS3(template, invoke=self._invoke)
        bucket_names = self.s3.start()
        self.front.uploads = self.s3.front()
        # SQS and EventBridge (scheduled re-assessment): in process, on a moto server of their own
        self.messaging = LocalMessaging(template, say=_say)
        self.messaging.start_server()
        refs = {**table_names, **bucket_names, **self.messaging.refs}
        environments = {
            function_id: {
                **lambda_environment(
                    spec,
                    resolve_environment(spec, refs, config.parameters),
                    dynamodb_endpoint_url=endpoint,
                ),
                "S3_ENDPOINT_URL": self.url,
                **self.messaging.environment(),
            }
            for function_id, spec in template.functions.items()
        }
        self.functions = LocalFunctions(
            template.functions,
            environments,
            cwd=REPO_ROOT,
            workers=config.workers,
            workers_for=config.workers_for,
        )
        # Workers import their handlers while the tables are created and the saved data restored.
        failure: list[BaseException] = []

        def start_functions() -> None:
            assert self.functions is not None
            try:
                self.functions.start()
            except BaseException as exc:
                failure.append(exc)

        loader = threading.Thread(target=start_functions, name="functions-start")
        loader.start()
        try:
            created = self.dynamodb.create_tables()
        finally:
            loader.join()
        if failure:
            raise failure[0]
        if created != table_names:
            raise TemplateError(f"tables were named {created}, expected {table_names}")
        self.messaging.start_triggers(
            lambda function_id, event: self._invoke(function_id, event).result,
            every_seconds=self.reassess_every_seconds,
        )
        self._serving = threading.Thread(
            target=self.front.serve_forever, kwargs={"poll_interval": 0.1}, name="front"
        )
        self._serving.start()
        self.started_in_seconds = time.perf_counter() - started

    @property
    def reassess_every_seconds(self) -> float | None:
        """Seconds between scheduled dispatches (the template's rate unless told), None when off."""
        if self.config.reassess_every is not None:
            return self.config.reassess_every or None
        assert self.template is not None
        rates = [schedule.every_seconds for schedule in schedule_triggers(self.template)]
        return float(min(rates)) if rates else None

    def stop(self) -> None:
        """Stop taking requests, then stop the functions, then save the data and stop DynamoDB."""
        if self.front is not None:
            if self._serving is not None:
                self.front.shutdown()
                self._serving.join(timeout=10)
            self.front.server_close()
        if self.messaging is not None:
            self.messaging.stop()  # no more dispatches or deliveries to functions that are going away
        if self.s3 is not None:
            self.s3.stop()  # waits for imports under way
        if self.functions is not None:
            self.functions.stop()
        if self.dynamodb is not None:
            self.dynamodb.stop()
        self._moto_speed.close()

    def _reassess_line(self) -> str:
        every = self.reassess_every_seconds
        when = f"a dispatch every {every:g} s" if every else "no timer (--no-reassess)"
        return f"{when}; `make reassess` dispatches now; queue and event bus in process (lost on stop)"

    def banner(self) -> str:
        assert self.template is not None
        assert self.dynamodb is not None
        routes = [r for r in self.template.routes if r.path != "$default"]
        if self.dynamodb.embedded:
            restored = ""
            if self.dynamodb.restored_items or self.dynamodb.replayed_writes:
                restored = f", {self.dynamodb.restored_items} items restored"
                if self.dynamodb.replayed_writes:
                    restored += f" and {self.dynamodb.replayed_writes} writes replayed after a crash"
            where = (
                f"{self.dynamodb.endpoint_url} (embedded, table ReadinessTable), data kept in "
                f"{_shown(self.config.data_dir)}{restored}"
            )
            if self.config.fresh:
                where += " (started empty)"
        else:
            where = f"{self.dynamodb.endpoint_url} (DYNAMODB_ENDPOINT_URL)"
        return "\n".join(
            [
                f"Readiness is running ({self.started_in_seconds:.1f} s to start):",
                f"  web form   {self.url}/",
                f"  centres    {self.url}/centre/ (counsellor dashboard), {self.url}/embed.js (the embed)",
                f"  API        {self.url}/v1/questionnaire  ({len(routes)} routes, "
                f"{len(self.template.functions)} functions from template.yaml)",
                f"  DynamoDB   {where}",
                f"  S3         {self.url}/<bucket>: presigned uploads; the import runs on each upload "
                "(not kept across restarts)",
                f"  Re-assess  {self._reassess_line()}",
                "Press Ctrl-C to stop.",
            ]
        )


def _say(line: str) -> None:
    print(line, flush=True)


def _shown(path: Path) -> str:
    try:
        return f"{path.resolve().relative_to(Path.cwd().resolve())}/"
    except ValueError:
        return f"{path}/"


def _isolate_from_aws() -> None:
    """This dev tool never talks to a real AWS account: no profile, no config files, dummy keys."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(name, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def parse_args(argv: list[str] | None) -> StackConfig:
    parser = argparse.ArgumentParser(
        prog="python -m tools.local_stack",
        description="Run Readiness on this machine: the API from template.yaml, an embedded DynamoDB "
        "and the web form.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default: {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="start with empty tables (the old data is kept as a .bak file)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=REPO_ROOT / ".local",
        help="where local data is kept (default: .local)",
    )
    parser.add_argument(
        "--template",
        type=Path,
        default=REPO_ROOT / "template.yaml",
        help="the SAM template (default: template.yaml)",
    )
    parser.add_argument(
        "--dynamodb-endpoint-url",
        default=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
        help="use this DynamoDB endpoint instead of the embedded one (default: $DYNAMODB_ENDPOINT_URL)",
    )
    parser.add_argument("--workers", type=int, default=1, help="warm workers per function (default: 1)")
    parser.add_argument(
        "--workers-for",
        action="append",
        default=[],
        metavar="FUNCTION=N",
        help="warm workers for one function (its logical id in template.yaml; repeatable)",
    )
    parser.add_argument(
        "--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="the functions' LogLevel parameter"
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template parameter's value (repeatable), as `sam deploy --parameter-overrides` gives it",
    )
    parser.add_argument("--quiet", action="store_true", help="no access log line per request")
    parser.add_argument(
        "--reassess-every",
        type=float,
        metavar="SECONDS",
        help="seconds between re-assessment dispatches (default: the template's schedule, a minute)",
    )
    parser.add_argument("--no-reassess", action="store_true", help="no scheduled re-assessment timer")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be from 0 to 65535, not {args.port}")
    parameters = {"LogLevel": args.log_level} if args.log_level else {}
    for assignment in args.parameter:
        name, equals, value = assignment.partition("=")
        if not equals or not name:
            parser.error(f"--parameter takes NAME=VALUE, not {assignment!r}")
        parameters[name] = value
    workers_for: dict[str, int] = {}
    for assignment in args.workers_for:
        name, equals, count = assignment.partition("=")
        if not equals or not name or not count.isdigit() or int(count) < 1:
            parser.error(f"--workers-for takes FUNCTION=N (N at least 1), not {assignment!r}")
        workers_for[name] = int(count)
    return StackConfig(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        fresh=args.fresh,
        template_path=args.template,
        dynamodb_endpoint_url=args.dynamodb_endpoint_url,
        workers=args.workers,
        workers_for=workers_for,
        parameters=parameters,
        access_log=not args.quiet,
        reassess_every=0 if args.no_reassess else args.reassess_every,
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["reassess"]:
        from tools.local_reassess import main as reassess

        return reassess(argv[1:])
    config = parse_args(argv)
    _isolate_from_aws()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            os._exit(130)  # a second Ctrl-C: leave at once
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    stack = LocalStack(config)
    try:
        stack.start()
    except PortInUse as exc:
        print(f"local stack: {exc}", file=sys.stderr)
        return 1
    except (LocalDataError, FunctionStartError, TemplateError, FileNotFoundError) as exc:
        print(f"local stack: {exc}", file=sys.stderr)
        stack.stop()
        return 1
    print(stack.banner(), flush=True)
    if stack.messaging is not None and hasattr(signal, "SIGUSR1"):
        # `make reassess` while the stack runs: a dispatch now, reported on this console
        messaging = stack.messaging
        signal.signal(
            signal.SIGUSR1,
            lambda signum, frame: threading.Thread(
                target=messaging.dispatch, kwargs={"announce": True}, name="reassess-now"
            ).start(),
        )
    while not stop.wait(0.5):
        pass
    print("Stopping…", flush=True)
    stack.stop()
    print(
        "Stopped."
        + (
            f" Your data is kept in {_shown(config.data_dir)}"
            if stack.dynamodb and stack.dynamodb.embedded
            else ""
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
