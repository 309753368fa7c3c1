"""The queues, event buses and triggers of template.yaml, for the tests, the benchmarks and the local stack.

Like tools.sam_template for tables: the SQS queues (with their redrive policies), the EventBridge
buses, the SQS event source mappings and the functions' EventBridge Scheduler events are read from
template.yaml and created from it, so none of their settings is written a second time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tools.sam_template import SamTemplate, TemplateError, resolve_value

QUEUE_TYPE = "AWS::SQS::Queue"
BUS_TYPE = "AWS::Events::EventBus"
MAPPING_TYPE = "AWS::Lambda::EventSourceMapping"
# CloudFormation property -> SQS CreateQueue attribute (the ones the template uses)
_QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "MaximumMessageSize",
    "SqsManagedSseEnabled",
)
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")


@dataclass(frozen=True, slots=True)
class QueueSpec:
    logical_id: str
    attributes: dict[str, str]  # CreateQueue attributes, RedrivePolicy aside
    dead_letter_queue: str | None = None  # logical id
    max_receive_count: int | None = None

    @property
    def visibility_timeout(self) -> int:
        return int(self.attributes.get("VisibilityTimeout", "30"))


@dataclass(frozen=True, slots=True)
class QueueTrigger:
    """An SQS event source mapping: Lambda polls ``queue_id`` and invokes ``function_id``."""

    queue_id: str
    function_id: str
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True, slots=True)
class ScheduleTrigger:
    """A function's EventBridge Scheduler event (SAM ScheduleV2)."""

    function_id: str
    expression: str
    payload: dict[str, Any]

    @property
    def every_seconds(self) -> int:
        """The period of a ``rate(...)`` expression (cron expressions are not run locally)."""
        found = _RATE.fullmatch(self.expression.strip())
        if found is None:
            raise TemplateError(
                f"{self.function_id}: only rate() schedules run locally, not {self.expression}"
            )
        unit = found.group(2).rstrip("s")
        return int(found.group(1)) * {"minute": 60, "hour": 3600, "day": 86400}[unit]


def _resources(template: SamTemplate, kind: str) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = template.document.get("Resources") or {}
    return {name: r.get("Properties") or {} for name, r in resources.items() if r.get("Type") == kind}


def _target(value: Any) -> str:
    """The logical id a ``!GetAtt X.Arn`` or ``!Ref X`` points at."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    raise TemplateError(f"expected !GetAtt or !Ref, found {value!r}")


def queues(template: SamTemplate) -> dict[str, QueueSpec]:
    specs = {}
    for logical_id, props in _resources(template, QUEUE_TYPE).items():
        attributes = {
            name: str(props[name]).lower() if isinstance(props[name], bool) else str(props[name])
            for name in _QUEUE_ATTRIBUTES
            if name in props
        }
        redrive = props.get("RedrivePolicy") or {}
        specs[logical_id] = QueueSpec(
            logical_id=logical_id,
            attributes=attributes,
            dead_letter_queue=_target(redrive["deadLetterTargetArn"]) if redrive else None,
            max_receive_count=int(redrive["maxReceiveCount"]) if redrive else None,
        )
    return specs


def event_buses(template: SamTemplate) -> dict[str, str]:
    """Logical id -> bus name."""
    return {
        logical_id: resolve_value(props["Name"], {}, template.parameters)
        for logical_id, props in _resources(template, BUS_TYPE).items()
    }


def queue_triggers(template: SamTemplate) -> list[QueueTrigger]:
    return [
        QueueTrigger(
            queue_id=_target(props["EventSourceArn"]),
            function_id=_target(props["FunctionName"]),
            batch_size=int(props.get("BatchSize", 10)),
            report_batch_item_failures="ReportBatchItemFailures"
            in (props.get("FunctionResponseTypes") or []),
        )
        for props in _resources(template, MAPPING_TYPE).values()
    ]


def schedule_triggers(template: SamTemplate) -> list[ScheduleTrigger]:
    triggers = []
    for function_id, props in _resources(template, "AWS::Serverless::Function").items():
        for event in (props.get("Events") or {}).values():
            if event.get("Type") != "ScheduleV2":
                continue
            event_props = event.get("Properties") or {}
            raw_input = event_props.get("Input")
            triggers.append(
                ScheduleTrigger(
                    function_id=function_id,
                    expression=resolve_value(event_props["ScheduleExpression"], {}, template.parameters),
                    payload=json.loads(raw_input) if raw_input else {},
                )
            )
    return triggers


def create_queues(
    client: Any, template: SamTemplate, name_for: Callable[[str], str] | None = None
) -> dict[str, str]:
    """Create every queue of the template (dead-letter queues first); logical id -> queue URL."""
    specs = queues(template)
    urls: dict[str, str] = {}

    def create(spec: QueueSpec) -> str:
        if spec.logical_id in urls:
            return urls[spec.logical_id]
        attributes = dict(spec.attributes)
        if spec.dead_letter_queue is not None:
            dead_letter_url = create(specs[spec.dead_letter_queue])
            arn = client.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": arn["Attributes"]["QueueArn"],
                    "maxReceiveCount": spec.max_receive_count,
                }
            )
        name = name_for(spec.logical_id) if name_for else spec.logical_id
        urls[spec.logical_id] = str(client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
        return urls[spec.logical_id]

    for spec in specs.values():
        create(spec)
    return urls


def create_event_buses(client: Any, template: SamTemplate) -> dict[str, str]:
    """Create every event bus of the template (existing ones are kept); logical id -> bus name."""
    names = event_buses(template)
    existing = {bus["Name"] for bus in client.list_event_buses().get("EventBuses", [])}
    for name in names.values():
        if name not in existing:
            client.create_event_bus(Name=name)
    return names


def resource_refs(*mappings: Mapping[str, str]) -> dict[str, str]:
    """What ``!Ref`` returns for each logical id: tables' names, queues' URLs, buses' names."""
    refs: dict[str, str] = {}
    for mapping in mappings:
        refs.update(mapping)
    return refs
