"""template.yaml's scheduled re-assessment: one schedule, a queue with a DLQ, a worker, a bus, alarms."""

from __future__ import annotations

from typing import Any

from tests.infra.conftest import REPO, resources_of_type
from tools.sam_template import SamTemplate, read_yaml

DOCUMENT = read_yaml(REPO / "template.yaml")
RESOURCES: dict[str, Any] = DOCUMENT["Resources"]


def _env(function: str) -> dict[str, Any]:
    return dict(RESOURCES[function]["Properties"]["Environment"]["Variables"])


def test_one_schedule_for_everyone_invokes_the_dispatcher_with_retries_and_its_own_dlq(
    cloudformation: dict[str, Any],
) -> None:
    (schedule,) = resources_of_type(cloudformation, "AWS::Scheduler::Schedule").values()
    target = schedule["Properties"]["Target"]
    assert target["Arn"] == {"Fn::GetAtt": ["DispatchReassessmentsFunction", "Arn"]}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert target["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["ReassessmentScheduleDeadLetterQueue", "Arn"]}
    }
    assert schedule["Properties"]["ScheduleExpression"] == {"Ref": "ReassessmentScheduleExpression"}
    assert DOCUMENT["Parameters"]["ReassessmentScheduleExpression"]["Default"] == "rate(1 minute)"
    assert "Name" not in schedule["Properties"]  # OmitName: two stacks in one account do not collide
    role_name = target["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in cloudformation["Resources"][role_name]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    granted = {
        (action, str(statement["Resource"]))
        for statement in statements
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }
    assert {action for action, _ in granted} == {"lambda:InvokeFunction", "sqs:SendMessage"}
    assert all("*" not in resource for _, resource in granted)


def test_the_queue_redrives_to_a_dead_letter_queue_after_five_receives() -> None:
    queue = RESOURCES["ReassessmentQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["ReassessmentDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    worker_timeout = RESOURCES["ReassessUsersFunction"]["Properties"]["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * worker_timeout  # AWS's advice for Lambda consumers
    for name in ("ReassessmentQueue", "ReassessmentDeadLetterQueue", "ReassessmentScheduleDeadLetterQueue"):
        assert RESOURCES[name]["Properties"]["SqsManagedSseEnabled"] is True
    assert RESOURCES["ReassessmentDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_the_worker_reads_the_queue_in_batches_of_ten_and_reports_partial_failures() -> None:
    (mapping,) = [r for r in RESOURCES.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    props = mapping["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["ReassessmentQueue", "Arn"]}
    assert props["FunctionName"] == {"Ref": "ReassessUsersFunction"}
    assert props["BatchSize"] == 10
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "ReassessmentWorkerConcurrency"}


def test_each_function_is_told_where_its_table_queue_and_bus_are() -> None:
    assert _env("DispatchReassessmentsFunction")["TABLE_NAME"] == {"Ref": "ReadinessTable"}
    assert _env("DispatchReassessmentsFunction")["REASSESSMENT_QUEUE_URL"] == {"Ref": "ReassessmentQueue"}
    assert _env("ReassessUsersFunction")["TABLE_NAME"] == {"Ref": "ReadinessTable"}
    assert "REASSESSMENT_QUEUE_URL" not in _env("ReassessUsersFunction")  # it is fed by the mapping


def test_dispatches_never_overlap_and_fit_their_interval() -> None:
    dispatcher = RESOURCES["DispatchReassessmentsFunction"]["Properties"]
    assert dispatcher["ReservedConcurrentExecutions"] == 1
    assert int(_env("DispatchReassessmentsFunction")["DISPATCH_TIME_BUDGET_SECONDS"]) < 60
    assert dispatcher["Timeout"] <= 60


def test_readiness_changed_goes_to_the_stacks_own_bus() -> None:
    assert RESOURCES["ReadinessEventBus"]["Type"] == "AWS::Events::EventBus"
    assert _env("ReassessUsersFunction")["EVENT_BUS_NAME"] == {"Ref": "ReadinessEventBus"}
    assert "ReadinessEventBusName" in DOCUMENT["Outputs"]


def test_alarms_watch_both_dead_letter_queues_the_backlog_and_both_functions_errors() -> None:
    alarms = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    watched = set()
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["TreatMissingData"] == "notBreaching"
        for dimension in alarm["Dimensions"]:
            value = dimension["Value"]
            watched.add(
                (alarm["MetricName"], value["Fn::GetAtt"][0] if "Fn::GetAtt" in value else str(value))
            )
    assert {
        ("ApproximateNumberOfMessagesVisible", "ReassessmentDeadLetterQueue"),
        ("ApproximateNumberOfMessagesVisible", "ReassessmentScheduleDeadLetterQueue"),
        ("ApproximateAgeOfOldestMessage", "ReassessmentQueue"),
        ("Errors", "{'Ref': 'ReassessUsersFunction'}"),
        ("Errors", "{'Ref': 'DispatchReassessmentsFunction'}"),
        ("ReassessmentFailed", "readiness"),
    } <= watched


def test_the_due_index_is_sparse_and_carries_no_personal_data(template: SamTemplate) -> None:
    (index,) = template.tables["ReadinessTable"]["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "DueIndex"
    assert index["KeySchema"] == [
        {"AttributeName": "DUE_PK", "KeyType": "HASH"},
        {"AttributeName": "DUE_SK", "KeyType": "RANGE"},
    ]
    assert index["Projection"]["ProjectionType"] == "INCLUDE"
    assert set(index["Projection"]["NonKeyAttributes"]) == {"user_id", "next_due_at", "cadence_days"}
