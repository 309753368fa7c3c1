"""Lambda's SQS event source mapping, in process: receive a batch, invoke the handler with the event Lambda
would send, delete what succeeded, leave the rest on the queue.

What it keeps of the real thing (the tests, the benchmark and the local stack rely on it):

- the event is the real SQS event (``Records`` with messageId, receiptHandle, body, attributes with
  ApproximateReceiveCount, eventSourceARN, ...);
- with ReportBatchItemFailures, only the records the handler names in ``batchItemFailures`` stay on
  the queue; a response naming a message that is not in the batch fails the whole batch; without
  it, or when the handler raises, the whole batch stays;
- a message that stays is received again once its visibility timeout has passed, and the queue's
  own redrive policy moves it to the dead-letter queue after maxReceiveCount receives (SQS does that,
  not the poller). ``release_failures=True`` ends the visibility timeout at once (ChangeMessageVisibility
  to 0) so that a test need not wait for it; the local stack waits, as AWS does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Invoke = Callable[[dict[str, Any]], Any]


@dataclass
class PollOutcome:
    received: int = 0
    succeeded: int = 0
    failed: int = 0  # left on the queue: reported failures, or the whole batch
    invocation_error: str | None = None  # the handler raised (the type's name)

    def add(self, other: PollOutcome) -> None:
        self.received += other.received
        self.succeeded += other.succeeded
        self.failed += other.failed
        self.invocation_error = other.invocation_error or self.invocation_error


class SqsEventSource:
    def __init__(
        self,
        client: Any,
        queue_url: str,
        invoke: Invoke,
        *,
        batch_size: int = 10,
        report_batch_item_failures: bool = True,
        release_failures: bool = False,
        region: str = "us-east-1",
    ) -> None:
        self._client = client
        self._queue_url = queue_url
        self._invoke = invoke
        self._batch_size = batch_size
        self._report_failures = report_batch_item_failures
        self._release_failures = release_failures
        self._region = region
        attributes = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        self.queue_arn = str(attributes["Attributes"]["QueueArn"])

    def poll(self, *, wait_seconds: int = 0) -> PollOutcome:
        """One receive and, if it brought messages, one invocation."""
        response = self._client.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages") or []
        if not messages:
            return PollOutcome()
        outcome = PollOutcome(received=len(messages))
        try:
            result = self._invoke(self.event(messages))
        except Exception as exc:
            outcome.invocation_error = type(exc).__name__
            failed = {m["MessageId"] for m in messages}
        else:
            failed = self._failed(result, messages)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:  # a batch is at most 10 messages: one DeleteMessageBatch
            self._client.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        if self._release_failures and failed:
            self._client.change_message_visibility_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(messages)
                    if m["MessageId"] in failed
                ],
            )
        outcome.succeeded, outcome.failed = len(done), len(failed)
        return outcome

    def drain(self, *, max_polls: int = 1_000_000) -> PollOutcome:
        """Poll until a receive finds nothing (with release_failures: until each message is done or dead)."""
        total = PollOutcome()
        for _ in range(max_polls):
            outcome = self.poll()
            if not outcome.received:
                break
            total.add(outcome)
        return total

    def event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Records": [self._record(message) for message in messages]}

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = message.get("Attributes") or {}
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {
                name: str(attributes[name])
                for name in (
                    "ApproximateReceiveCount",
                    "SentTimestamp",
                    "SenderId",
                    "ApproximateFirstReceiveTimestamp",
                )
                if name in attributes
            },
            "messageAttributes": message.get("MessageAttributes") or {},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self._region,
        }

    def _failed(self, result: Any, messages: list[dict[str, Any]]) -> set[str]:
        """The message ids that stay on the queue, as Lambda reads a ReportBatchItemFailures response."""
        every = {m["MessageId"] for m in messages}
        if not self._report_failures:
            return set()
        if not isinstance(result, dict) or not result.get("batchItemFailures"):
            return set()
        failures = result["batchItemFailures"]
        if not isinstance(failures, list):
            return every
        named = set()
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not identifier or identifier not in every:
                return every  # Lambda fails the whole batch on an unknown or empty identifier
            named.add(str(identifier))
        return named
