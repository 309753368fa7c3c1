"""The re-assessment queue on Amazon SQS (SendMessageBatch, 10 messages a request)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from readiness.reassessment.messages import SQS_BATCH, ReassessmentMessage
from readiness.reassessment.ports import MessagingUnavailable


class SqsReassessmentQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, messages: Sequence[ReassessmentMessage]) -> list[int]:
        if len(messages) > SQS_BATCH:
            raise ValueError(f"at most {SQS_BATCH} messages per batch")
        entries = [{"Id": str(index), "MessageBody": m.to_json()} for index, m in enumerate(messages)]
        failed = self._send_batch(entries).get("Failed") or []
        # a sender fault (a malformed entry) would fail again; anything else may pass on a retry
        unsent = {int(entry["Id"]) for entry in failed if entry.get("SenderFault")}
        retry = [entries[int(entry["Id"])] for entry in failed if not entry.get("SenderFault")]
        if retry:
            unsent |= {int(entry["Id"]) for entry in self._send_batch(retry).get("Failed") or []}
        return sorted(unsent)

    def _send_batch(self, entries: list[dict[str, str]]) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response: dict[str, Any] = self._client.send_message_batch(
                QueueUrl=self._queue_url, Entries=entries
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            raise MessagingUnavailable(f"SQS SendMessageBatch: {code or 'error'}") from None
        except BotoCoreError as exc:
            raise MessagingUnavailable(f"SQS SendMessageBatch: {type(exc).__name__}") from None
        return response
