"""The local stack's queues, event bus and schedule: scheduled re-assessment on one machine.

- SQS and EventBridge are an embedded moto server on loopback (in process, like the DynamoDB), with
  the queues (redrive policy included) and the bus of template.yaml; the functions reach it through
  SQS_ENDPOINT_URL and EVENTS_ENDPOINT_URL. Queued messages live in memory: a stop loses those not
  yet processed (seconds' worth), and their users' claimed periods pass without an assessment.
- Each SQS event source mapping of the template is a poller thread (tools.sqs_event_source): it
  receives a batch, invokes the function with the real SQS event, deletes what succeeded; a failed
  message comes back after the queue's visibility timeout and goes to the dead-letter queue after
  maxReceiveCount, as on AWS.
- Each function's EventBridge Scheduler event is a timer thread that invokes it with the schedule's
  input (every minute for the dispatcher; ``--reassess-every`` changes that, ``--no-reassess`` stops
  it); ``dispatch_now()`` runs one at once (``make reassess`` with a stack running).
- A rule on the bus copies every event to a queue the stack reads, to print ReadinessChanged lines.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.sam_messaging import (
    ScheduleTrigger,
    create_event_buses,
    create_queues,
    queue_triggers,
    queues,
    schedule_triggers,
)
from tools.sam_template import PSEUDO_PARAMETERS, SamTemplate
from tools.sqs_event_source import PollOutcome, SqsEventSource

REGION = PSEUDO_PARAMETERS["AWS::Region"]
EVENTS_TAP = "local-stack-events"
Invoke = Callable[[str, dict[str, Any]], Any]  # (function id, event) -> the handler's result
Say = Callable[[str], None]


def _client(service: str, endpoint_url: str) -> Any:
    import boto3

    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - a dummy: the local endpoint accepts any key
    )


@dataclass
class DispatchResult:
    report: dict[str, Any] | None
    error: str | None = None


class LocalMessaging:
    """Queues, bus, pollers and timers of template.yaml, on an embedded moto server."""

    def __init__(self, template: SamTemplate, *, say: Say = print) -> None:
        self.template = template
        self.endpoint_url = ""
        self.queue_urls: dict[str, str] = {}
        self.buses: dict[str, str] = {}
        self._say = say
        self._server: Any = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._invoke: Invoke | None = None
        self._tap_url = ""
        self._lock = threading.Lock()
        self.processed = PollOutcome()
        self.events_seen = 0

    @property
    def refs(self) -> dict[str, str]:
        """What ``!Ref`` gives for the queues (their URLs) and the buses (their names)."""
        return {**self.queue_urls, **self.buses}

    def environment(self) -> dict[str, str]:
        return {"SQS_ENDPOINT_URL": self.endpoint_url, "EVENTS_ENDPOINT_URL": self.endpoint_url}

    # ------------------------------------------------------------ start and stop

    def start_server(self) -> str:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = make_server(
            "127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True
        )
        thread = threading.Thread(target=self._server.serve_forever, name="messaging", daemon=True)
        thread.start()
        host, port = self._server.server_address[:2]
        self.endpoint_url = f"http://{host}:{port}"
        self.sqs = _client("sqs", self.endpoint_url)
        self.events = _client("events", self.endpoint_url)
        self.queue_urls = create_queues(self.sqs, self.template)
        self.buses = create_event_buses(self.events, self.template)
        self._tap_url = self._tap_buses()
        return self.endpoint_url

    def _tap_buses(self) -> str:
        url = str(self.sqs.create_queue(QueueName=EVENTS_TAP)["QueueUrl"])
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        for bus in self.buses.values():
            self.events.put_rule(
                Name=EVENTS_TAP, EventBusName=bus, EventPattern=json.dumps({"source": ["readiness"]})
            )
            self.events.put_targets(
                Rule=EVENTS_TAP, EventBusName=bus, Targets=[{"Id": "console", "Arn": arn}]
            )
        return url

    def start_triggers(self, invoke: Invoke, *, every_seconds: float | None) -> None:
        """Pollers for every queue trigger, the event printer, and (unless None) the schedule timers."""
        self._invoke = invoke
        specs = queues(self.template)
        for trigger in queue_triggers(self.template):
            source = SqsEventSource(
                self.sqs,
                self.queue_urls[trigger.queue_id],
                functools.partial(invoke, trigger.function_id),
                batch_size=trigger.batch_size,
                report_batch_item_failures=trigger.report_batch_item_failures,
            )
            visibility = specs[trigger.queue_id].visibility_timeout
            self._spawn(
                f"poll-{trigger.queue_id}", self._poll_forever, source, trigger.function_id, visibility
            )
        self._spawn("events", self._print_events)
        if every_seconds:
            for schedule in schedule_triggers(self.template):
                self._spawn(f"schedule-{schedule.function_id}", self._every, schedule, every_seconds)

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ------------------------------------------------------------ what the threads do

    def _poll_forever(self, source: SqsEventSource, function_id: str, visibility: int) -> None:
        while not self._stop.is_set():
            try:
                outcome = source.poll(wait_seconds=1)
            except Exception as exc:  # the stack is stopping, or a bug: say so and keep polling
                if not self._stop.is_set():
                    self._say(f"local stack: polling for {function_id} failed: {type(exc).__name__}")
                self._stop.wait(1)
                continue
            if outcome.received:
                with self._lock:
                    self.processed.add(outcome)
                if outcome.failed:
                    self._say(
                        f"re-assess  {function_id}: {outcome.failed} of {outcome.received} messages failed"
                        f"{' (' + outcome.invocation_error + ')' if outcome.invocation_error else ''}; "
                        f"retried after {visibility} s, dead-lettered after the queue's maxReceiveCount"
                    )

    def _print_events(self) -> None:
        while not self._stop.is_set():
            try:
                messages = (
                    self.sqs.receive_message(
                        QueueUrl=self._tap_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                    ).get("Messages")
                    or []
                )
            except Exception:
                self._stop.wait(1)
                continue
            for message in messages:
                event = json.loads(message["Body"])
                with self._lock:
                    self.events_seen += 1
                self._say(event_line(event))
                self.sqs.delete_message(QueueUrl=self._tap_url, ReceiptHandle=message["ReceiptHandle"])

    def _every(self, schedule: ScheduleTrigger, every_seconds: float) -> None:
        while not self._stop.is_set():
            self._wake.wait(every_seconds)
            if self._stop.is_set():
                return
            self._wake.clear()
            self.dispatch(schedule)

    # ------------------------------------------------------------ on demand

    def dispatch(self, schedule: ScheduleTrigger | None = None, *, announce: bool = False) -> DispatchResult:
        """Invoke a scheduled function once, now (the dispatcher unless told otherwise); a line on the
        console when it found someone due, or always with ``announce``."""
        assert self._invoke is not None, "start_triggers first"
        (schedule,) = [schedule] if schedule else schedule_triggers(self.template)
        try:
            report = self._invoke(schedule.function_id, dict(schedule.payload))
        except Exception as exc:
            self._say(f"re-assess  {schedule.function_id} failed: {exc}".splitlines()[0])
            return DispatchResult(None, str(exc))
        if isinstance(report, dict) and (announce or report.get("listed")):
            self._say(
                f"re-assess  {report.get('listed')} due, {report.get('queued')} queued"
                + (f", {report.get('skipped')} changed meanwhile" if report.get("skipped") else "")
            )
        return DispatchResult(report if isinstance(report, dict) else None)

    def dispatch_now(self) -> None:
        """Wake the schedule timers (a dispatch now; the next one a full period later)."""
        self._wake.set()

    def in_flight(self) -> int:
        """Messages queued or being processed, on every triggered queue."""
        total = 0
        for trigger in queue_triggers(self.template):
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=self.queue_urls[trigger.queue_id],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            total += int(attributes["ApproximateNumberOfMessages"])
            total += int(attributes["ApproximateNumberOfMessagesNotVisible"])
        return total


def event_line(event: dict[str, Any]) -> str:
    """One console line for an event on the bus (ids and scores: what the event itself carries)."""
    detail = event.get("detail") or {}
    line = f"event      {event.get('detail-type')} {detail.get('user_id', '')}"
    if event.get("detail-type") == "ReadinessChanged":
        line += (
            f": {detail.get('old_score')} -> {detail.get('new_score')} "
            f"({detail.get('old_band')} -> {detail.get('new_band')})"
        )
        if detail.get("top_moved_dimension"):
            line += f", {detail['top_moved_dimension']} moved most ({detail.get('top_moved_delta', 0):+d})"
    return line


def stderr_say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
