"""tools.moto_speed changes what moto costs, not what it answers: the same calls, with and without it."""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.moto_faults import faulting, moto_skips_faulted_requests
from tools.moto_speed import fast_moto


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


def _table(client: Any) -> None:
    client.create_table(
        TableName="speed",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "G", "GS")],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "Index",
                "KeySchema": [
                    {"AttributeName": "G", "KeyType": "HASH"},
                    {"AttributeName": "GS", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    chance = random.Random(3)
    for i in range(400):
        item = {
            "PK": {"S": f"U{i % 40}"},
            "SK": {"S": f"S{chance.randint(0, 99):03d}-{i}"},
            "x": {"S": "y" * chance.randint(1, 4000)},
        }
        if i % 3 == 0:
            item |= {"G": {"S": f"G{i % 4}"}, "GS": {"S": f"{chance.randint(0, 99):03d}"}}
        client.put_item(TableName="speed", Item=item)


def _pages(client: Any, request: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    while True:
        page = client.query(**request)
        yield page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def _reads_and_writes(fast: bool) -> list[Any]:
    seen: list[Any] = []
    with mock_aws(), fast_moto() if fast else contextlib.nullcontext():
        client = boto3.client("dynamodb")
        _table(client)
        for user in range(0, 40, 7):
            for options in ({}, {"ScanIndexForward": False, "Limit": 3}, {"Limit": 5}):
                seen += _pages(
                    client,
                    {
                        "TableName": "speed",
                        "KeyConditionExpression": "PK = :p AND begins_with(SK, :s)",
                        "ExpressionAttributeValues": {":p": {"S": f"U{user}"}, ":s": {"S": "S0"}},
                        **options,
                    },
                )
        for shard in range(4):
            seen += _pages(
                client,
                {
                    "TableName": "speed",
                    "IndexName": "Index",
                    "KeyConditionExpression": "G = :g AND GS < :b",
                    "ExpressionAttributeValues": {":g": {"S": f"G{shard}"}, ":b": {"S": "070"}},
                    "Limit": 7,
                },
            )
        # a transaction that fails on its last item leaves everything as it was
        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "speed", "Item": {"PK": {"S": "U1"}, "SK": {"S": "NEW"}}}},
                    {
                        "Update": {
                            "TableName": "speed",
                            "Key": {"PK": {"S": "U2"}, "SK": seen[0][0]["SK"] if seen[0] else {"S": "-"}},
                            "UpdateExpression": "SET x = :x",
                            "ExpressionAttributeValues": {":x": {"S": "changed"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": "speed",
                            "Item": {"PK": {"S": "U3"}, "SK": {"S": "ONLY"}},
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                ]
            )
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": "speed",
                        "Item": {"PK": {"S": "U4"}, "SK": {"S": "T"}, "b": {"B": b"\x00"}},
                    }
                }
            ]
        )
        seen.append(
            sorted(client.scan(TableName="speed")["Items"], key=lambda i: (i["PK"]["S"], i["SK"]["S"]))
        )
    return seen


def test_queries_and_transactions_answer_as_plain_moto_does() -> None:
    assert _reads_and_writes(fast=True) == _reads_and_writes(fast=False)


def _queue_traffic(fast: bool) -> list[Any]:
    seen: list[Any] = []
    with mock_aws(), fast_moto() if fast else contextlib.nullcontext():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="speed")["QueueUrl"]
        for start in range(0, 35, 10):
            sqs.send_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "MessageBody": f"m{start + i}"} for i in range(min(10, 35 - start))],
            )
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
            entries.append({"Id": "bogus", "ReceiptHandle": "not-a-handle"})
            answer = sqs.delete_message_batch(QueueUrl=url, Entries=entries)
            seen.append(sorted(m["Body"] for m in batch))
            seen.append(
                (
                    sorted(s["Id"] for s in answer.get("Successful", [])),
                    [f["Id"] for f in answer.get("Failed", [])],
                )
            )
        seen.append(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
                "Attributes"
            ]
        )
    return seen


def test_queues_fill_and_drain_as_with_plain_moto() -> None:
    assert _queue_traffic(fast=True) == _queue_traffic(fast=False)


def test_a_faulted_request_is_answered_by_the_fault_and_not_applied() -> None:
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b'{"__type": "com.amazonaws.dynamodb.v20120810#ValidationException", "message": "no"}'

    with mock_aws(), moto_skips_faulted_requests():
        client = boto3.client("dynamodb")
        _table(client)
        hook = faulting(lambda request, **_: AWSResponse("https://x", 400, {}, Raw()))
        client.meta.events.register_first("before-send.dynamodb.PutItem", hook)
        with pytest.raises(client.exceptions.ClientError):
            client.put_item(TableName="speed", Item={"PK": {"S": "Z"}, "SK": {"S": "Z"}})
        client.meta.events.unregister("before-send.dynamodb.PutItem", hook)
        assert "Item" not in client.get_item(TableName="speed", Key={"PK": {"S": "Z"}, "SK": {"S": "Z"}})
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
