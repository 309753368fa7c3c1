"""Scheduled re-assessment in one process under moto, wired as template.yaml wires it.

The proof tests and bench/reassess.py use it: tables, queues (with their redrive policy) and the bus
come from template.yaml; the dispatcher and the worker are the real handlers with their template
environment, invoked with the events EventBridge Scheduler and Lambda's SQS poller send
(tools.sqs_event_source); a rule on the bus copies ReadinessChanged events to a queue the caller
can read. Users are seeded straight through the repositories (their assessments as a submission
would have stored them, and their schedules), so that seeding 10,000 users takes seconds.

Use inside ``moto.mock_aws()``, with AWS credentials and region set in the environment.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tools.moto_faults import faulting, moto_skips_faulted_requests
from tools.moto_speed import fast_moto
from tools.sam_messaging import create_event_buses, create_queues, queue_triggers, queues, schedule_triggers
from tools.sam_template import (
    PSEUDO_PARAMETERS,
    REPO_ROOT,
    SamTemplate,
    create_tables,
    load_template,
    resolve_environment,
)
from tools.sqs_event_source import PollOutcome, SqsEventSource

DISPATCHER = "DispatchReassessmentsFunction"
WORKER = "ReassessUsersFunction"
REGION = "us-east-1"
_SETTINGS_CACHES = ("readiness.api.runtime", "readiness.reassessment.runtime")


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:readiness-sim"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    remaining_millis: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


@dataclass
class SeededUser:
    user_id: str
    token: str = field(repr=False)
    due_at: datetime
    cadence_days: int


def _reset_runtime() -> None:
    for module in _SETTINGS_CACHES:
        importlib.import_module(module).reset()  # settings and clients: made again from the new environment


class ReassessmentSimulation:
    """The re-assessment pipeline of template.yaml, in process; see the module's docstring."""

    def __init__(
        self,
        template: SamTemplate | None = None,
        *,
        prefix: str = "sim-",
        parameters: dict[str, str] | None = None,
    ) -> None:
        import boto3

        self.template = template or load_template(REPO_ROOT / "template.yaml")
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.events_client = boto3.client("events", region_name=REGION)
        self.tables = create_tables(self.dynamodb, self.template, name_for=lambda name: prefix + name)
        self.queue_urls = create_queues(self.sqs, self.template, name_for=lambda name: prefix + name)
        self.buses = create_event_buses(self.events_client, self.template)
        refs = {**self.tables, **self.queue_urls, **self.buses}
        self.environment: dict[str, str] = {}
        for function_id in (DISPATCHER, WORKER):
            self.environment.update(
                resolve_environment(self.template.functions[function_id], refs, parameters or {})
            )
        (trigger,) = [t for t in queue_triggers(self.template) if t.function_id == WORKER]
        self.trigger = trigger
        self.queue_spec = queues(self.template)[trigger.queue_id]
        (schedule,) = [s for s in schedule_triggers(self.template) if s.function_id == DISPATCHER]
        self.schedule = schedule
        self._tap_url = self._tap_events()
        self._hooks: list[tuple[str, str, Callable[..., Any]]] = []
        self._clients_hooked: set[int] = set()
        self.invocations = {DISPATCHER: 0, WORKER: 0}

    # ------------------------------------------------------------ wiring

    def _tap_events(self) -> str:
        """A rule that copies every event on the bus to a queue, so the caller sees what was published."""
        url = str(self.sqs.create_queue(QueueName="sim-readiness-events-tap")["QueueUrl"])
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        (bus,) = self.buses.values()
        self.events_client.put_rule(
            Name="sim-tap", EventBusName=bus, EventPattern=json.dumps({"source": ["readiness"]})
        )
        self.events_client.put_targets(Rule="sim-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
        return url

    @contextmanager
    def running(self) -> Iterator[ReassessmentSimulation]:
        """The functions' environment set (and restored afterwards), moto's transactions made cheap."""
        from readiness.api import runtime

        saved = {name: os.environ.get(name) for name in self.environment}
        clock = runtime.now
        with ExitStack() as stack:
            stack.enter_context(fast_moto())
            stack.enter_context(moto_skips_faulted_requests())
            os.environ.update(self.environment)
            _reset_runtime()
            try:
                yield self
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
                runtime.now = clock  # type: ignore[method-assign]
                _reset_runtime()

    def on_dynamodb(self, event_name: str, handler: Callable[..., Any]) -> None:
        """A botocore hook (``before-send.dynamodb`` ...) on the functions' DynamoDB client, run first;
        a request it answers (an error) is not applied (tools.moto_faults)."""
        self._hooks.append(("dynamodb", event_name, faulting(handler)))
        self._clients_hooked.clear()

    def on_events(self, event_name: str, handler: Callable[..., Any]) -> None:
        """A botocore hook on the worker's EventBridge client (``before-send.events.PutEvents``)."""
        self._hooks.append(("events", event_name, faulting(handler)))
        self._clients_hooked.clear()

    def on_sqs(self, event_name: str, handler: Callable[..., Any]) -> None:
        """A botocore hook on the dispatcher's SQS client (``before-send.sqs.SendMessageBatch``)."""
        self._hooks.append(("sqs", event_name, faulting(handler)))
        self._clients_hooked.clear()

    def _install_hooks(self) -> None:
        from readiness.reassessment import runtime

        clients = {
            "dynamodb": runtime.dynamodb_client(),
            "events": runtime.events_client(),
            "sqs": runtime.sqs_client(),
        }
        if all(id(client) in self._clients_hooked for client in clients.values()):
            return
        for service, event_name, handler in self._hooks:
            clients[service].meta.events.unregister(event_name, handler)
            clients[service].meta.events.register_first(event_name, handler)
        self._clients_hooked.update(id(client) for client in clients.values())

    # ------------------------------------------------------------ the two functions

    def set_clock(self, now: datetime) -> None:
        """What the handlers read as the time (readiness.api.runtime.now)."""
        from readiness.api import runtime

        runtime.now = lambda: now  # type: ignore[method-assign]

    def dispatch(self) -> dict[str, Any]:
        """One scheduled invocation of the dispatcher, with the schedule's input; its report."""
        self._install_hooks()
        module = importlib.import_module(self.template.functions[DISPATCHER].module)
        self.invocations[DISPATCHER] += 1
        result: dict[str, Any] = module.lambda_handler(dict(self.schedule.payload), LambdaContext(DISPATCHER))
        return result

    def invoke_worker(self, event: dict[str, Any]) -> Any:
        self._install_hooks()
        module = importlib.import_module(self.template.functions[WORKER].module)
        self.invocations[WORKER] += 1
        return module.lambda_handler(event, LambdaContext(WORKER, remaining_millis=30_000))

    def event_source(
        self, *, release_failures: bool = True, invoke: Callable[[dict[str, Any]], Any] | None = None
    ) -> SqsEventSource:
        return SqsEventSource(
            self.sqs,
            self.queue_urls[self.trigger.queue_id],
            invoke or self.invoke_worker,
            batch_size=self.trigger.batch_size,
            report_batch_item_failures=self.trigger.report_batch_item_failures,
            release_failures=release_failures,
        )

    def drain(self) -> PollOutcome:
        """Run the worker until the queue is empty; a failed message is retried at once, and ends in the
        dead-letter queue after the template's maxReceiveCount receives."""
        return self.event_source().drain()

    # ------------------------------------------------------------ what happened

    def queued(self, logical_id: str | None = None) -> int:
        url = self.queue_urls[logical_id or self.trigger.queue_id]
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def dead_letters(self) -> list[dict[str, Any]]:
        """Every message in the worker queue's dead-letter queue (received once, so they stay)."""
        assert self.queue_spec.dead_letter_queue is not None
        url = self.queue_urls[self.queue_spec.dead_letter_queue]
        found: list[dict[str, Any]] = []
        while True:
            batch = (
                self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
                    "Messages"
                )
                or []
            )
            if not batch:
                return found
            found += batch

    def published(self) -> list[dict[str, Any]]:
        """The events put on the bus since the last call (EventBridge envelopes)."""
        found: list[dict[str, Any]] = []
        while True:
            batch = (
                self.sqs.receive_message(QueueUrl=self._tap_url, MaxNumberOfMessages=10).get("Messages") or []
            )
            if not batch:
                return found
            found += [json.loads(message["Body"]) for message in batch]
            self.sqs.delete_message_batch(
                QueueUrl=self._tap_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
            )

    def items(self, *, prefix: str | None = None) -> list[dict[str, Any]]:
        """Every item of the single table (SK starting with ``prefix``), as boto3 would return them.

        Read from moto's table directly: this is the caller looking, not the system under test, and a
        Scan of 40,000 items would page through moto's sorted copy of the table 60 times over.
        """
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[PSEUDO_PARAMETERS["AWS::AccountId"]][REGION]
        table: Any = backend.get_table(self.tables["ReadinessTable"])
        found = []
        for group in list(table.items.values()):
            for item in list(group.values()) if table.range_key_attr else [group]:
                attributes: dict[str, Any] = item.to_json()["Attributes"]  # binary stays bytes, as boto3's
                if prefix is None or attributes["SK"]["S"].startswith(prefix):
                    found.append(attributes)
        return found

    def scheduled_bodies(self) -> dict[str, dict[str, Any]]:
        """Assessment id -> body, of every scheduled assessment."""
        from readiness.store.codec import unpack_json

        bodies = (unpack_json(item["body"]["B"]) for item in self.items(prefix="ASSESSMENT#"))
        return {body["assessment_id"]: body for body in bodies if body.get("trigger") == "scheduled"}

    def scheduled_assessments(self) -> dict[str, list[str]]:
        """User id -> the ids of their scheduled assessments."""
        found: dict[str, list[str]] = {}
        for assessment_id, body in self.scheduled_bodies().items():
            found.setdefault(body["user_id"], []).append(assessment_id)
        return found

    def submit_again(self, user: SeededUser, *, at: datetime) -> None:
        """The user sends the same answers again at ``at`` (POST /v1/assessments's use case)."""
        from readiness.assessments import AssessmentService
        from readiness.identity import credential_from_token
        from readiness.inputs import load_scoring_inputs
        from readiness.store.dynamodb import DynamoDBAssessmentRepository
        from readiness.submission import Submission

        repository = DynamoDBAssessmentRepository(self.dynamodb, self.tables["ReadinessTable"])
        inputs = load_scoring_inputs(repository, user.user_id)
        assert inputs is not None
        submission = Submission(questionnaire_version=inputs.questionnaire_version, answers=inputs.answers)
        AssessmentService(repository).create(submission, credential=credential_from_token(user.token), now=at)

    # ------------------------------------------------------------ seeding

    def seed_users(
        self,
        count: int,
        *,
        now: datetime,
        due: bool = True,
        cadence_days: int = 30,
        activities: int = 6,
        answered_days_ago: int = 40,
    ) -> list[SeededUser]:
        """``count`` users who submitted once, each with a schedule: due before ``now`` or not yet."""
        from readiness.activity_log import pseudonymise
        from readiness.assessments import Assessment, stored_assessment
        from readiness.identity import issue_user_token, new_assessment_id
        from readiness.store.dynamodb import DynamoDBAssessmentRepository
        from readiness.store.schedule_table import DynamoDBScheduleRepository
        from readiness.store.schedules import Schedule

        # The repositories encode the items (as the service stores them); they go out 25 to a request.
        collected = _CollectedWrites()
        assessments = DynamoDBAssessmentRepository(collected, self.tables["ReadinessTable"])
        schedules = DynamoDBScheduleRepository(collected, self.tables["ReadinessTable"])
        answered_at = now - timedelta(days=answered_days_ago)
        personas = list(_personas(answered_at, activities))
        users = []
        for index in range(count):
            issued = issue_user_token()
            submission, result, events = personas[index % len(personas)]
            assessment = Assessment.model_validate(
                {
                    **result.model_dump(),
                    "assessment_id": new_assessment_id(answered_at),
                    "user_id": issued.user_id,
                    "created_at": answered_at,
                }
            )
            inputs = {
                "questionnaire_version": submission.questionnaire_version,
                "answers": submission.answers,
                "answered_at": answered_at.isoformat(),
                "activities_submitted": len(events),
            }
            assessments.add(
                stored_assessment(assessment, issued.token_hash, inputs),
                replacing=None,
                activity=pseudonymise(events, issued.user_id),
            )
            # spread over the last day (due) or the next 29 (not yet due)
            offset = timedelta(minutes=1 + (index * 7919) % (24 * 60 - 1))
            due_at = now - offset if due else now + timedelta(days=1) + offset * 28
            schedules.save(
                Schedule(
                    user_id=issued.user_id,
                    cadence_days=cadence_days,
                    next_due_at=due_at,
                    owner_token_hash=issued.token_hash,
                    created_at=due_at - timedelta(days=cadence_days),
                    updated_at=due_at - timedelta(days=cadence_days),
                ),
                replacing=None,
            )
            users.append(SeededUser(issued.user_id, issued.token, due_at, cadence_days))
        for start in range(0, len(collected.items), 25):
            pending: dict[str, Any] = {
                self.tables["ReadinessTable"]: [
                    {"PutRequest": {"Item": item}} for item in collected.items[start : start + 25]
                ]
            }
            while pending:
                pending = self.dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return users


class _CollectedWrites:
    """A stand-in DynamoDB client that keeps the items a repository writes, to be written in bulk."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        for requests in RequestItems.values():
            self.items += [request["PutRequest"]["Item"] for request in requests]
        return {}

    def put_item(self, Item: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.items.append(Item)
        return {}

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        # seeding new users: no condition can fail, and the items go out in bulk like the rest
        self.items += [entry["Put"]["Item"] for entry in TransactItems]
        return {}


def _personas(answered_at: datetime, activities: int) -> Iterable[tuple[Any, Any, list[Any]]]:
    """A few kinds of user (answers and dated activity), each scored once as of when they answered."""
    from readiness.activity import ActivityEvent, ActivityType, CounterpartRole
    from readiness.questionnaire import QuestionKind, get_questionnaire
    from readiness.scoring import score_assessment
    from readiness.submission import Submission

    questionnaire = get_questionnaire()
    kinds = [
        ActivityType.MESSAGE_SENT,
        ActivityType.MESSAGE_RECEIVED,
        ActivityType.HELP_GIVEN,
        ActivityType.RECRUITER_CONVERSATION,
        ActivityType.INTRODUCTION_MADE,
        ActivityType.SKILL_LEARNED,
    ]
    for level in (1, 2, 3, 4, 5):
        answers: dict[str, Any] = {}
        for qid, question in questionnaire.questions().items():
            if not question.required:
                continue
            if question.kind is QuestionKind.LIKERT:
                answers[qid] = 6 - level if question.reverse else level
            elif question.kind is QuestionKind.CHOICE:
                choices = [c.value for c in question.choices or []]
                answers[qid] = choices[min(len(choices) - 1, (level - 1) * len(choices) // 5)]
            elif question.kind is QuestionKind.BOOLEAN:
                answers[qid] = level >= 3
            else:
                answers[qid] = level * 3
        events = [
            ActivityEvent(
                type=kinds[i % len(kinds)],
                occurred_at=answered_at - timedelta(days=5 + 23 * i),
                counterpart=f"contact-{i % 4}",
                counterpart_role=CounterpartRole.RECRUITER
                if kinds[i % len(kinds)] is ActivityType.RECRUITER_CONVERSATION
                else CounterpartRole.PEER,
            )
            for i in range(activities * level // 3)
        ]
        submission = Submission(
            questionnaire_version=questionnaire.version, answers=answers, answered_at=answered_at
        )
        yield submission, score_assessment(submission, as_of=answered_at, history=events), events
