"""moto's DynamoDB at a cost that does not grow with the table, for the 10,000-user proofs and benchmarks.

Two of moto 5's operations cost O(table size), where DynamoDB's own do not:

- TransactWriteItems deep-copies every table it names before it starts, to put the copy back on
  failure: ~25 µs per stored item, a second per transaction with the 40,000 items of 10,000 users;
- a Query on the table's key sorts every item of the table, then keeps the partition asked for:
  ~100 ms per Query with 10,000 users;
- SQS reads a queue's retention period (ReceiveMessage) and its deduplication setting (SendMessage)
  from its full attribute set, which counts every message in the queue; it finds the visible
  messages by reading the clock twice per message; and DeleteMessageBatch walks the whole queue
  twice per entry: O(n²) to fill or drain a queue of n.

``fast_moto()`` keeps moto's code and semantics and changes only that: a transaction saves the
items it names (at most 100) and restores exactly those when moto rolls back; a key Query is handed
the one partition it asks for (a GSI Query is handed every item, unsorted, since moto sorts what
matches afterwards); SQS reads those two settings without counting the queue, reads the clock once
per listing, and deletes a batch in one pass. tests/integration/test_moto_speed.py checks that
queries, transactions (a cancelled one included) and queue traffic answer exactly as plain moto's.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import types
from collections.abc import Iterator
from typing import Any

_lock = threading.Lock()
_state: dict[str, Any] = {"depth": 0}  # how many blocks are open, and what they replaced
_query = threading.local()  # the partition a key Query of this thread asks for
_sqs = threading.local()  # whether this thread is inside SendMessage


def _shallow_for_tables(value: Any, memo: Any = None) -> Any:
    from moto.dynamodb.models.table import Table

    if isinstance(value, Table):
        return value  # the items the transaction touches are saved (and restored) one by one instead
    return copy.deepcopy(value, memo)


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    table_name = op["TableName"]
    if op_type != "Put":
        return table_name, op["Key"]
    table = backend.get_table(table_name)
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return table_name, key


def _transact_write_items(original: Any) -> Any:
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            for op_type, op in entry.items():
                try:
                    table_name, key = _key_of(self, op_type, op)
                    before = self.get_item(table_name, key)
                except Exception:  # noqa: S112 - moto itself reports a malformed entry
                    continue
                saved.append((table_name, key, before.to_json()["Attributes"] if before else None))
        try:
            original(self, transact_items)
        except Exception:
            for table_name, key, attributes in reversed(saved):
                if attributes is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attributes)
            raise

    return transact_write_items


def _partition_query(original: Any) -> Any:
    def query(
        self: Any,
        hash_key: Any,
        range_comparison: Any,
        range_objs: Any,
        limit: Any,
        exclusive_start_key: Any,
        scan_index_forward: Any,
        projection_expressions: Any,
        index_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        partition: Any = _EVERY_ITEM_UNSORTED
        if index_name is None:
            partition = hash_key
            for name, value in kwargs.get("hash_key_conditions") or []:
                if name == self.hash_key_attr:
                    partition = value
        _query.table, _query.partition = self, partition
        try:
            return original(
                self,
                hash_key,
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                projection_expressions,
                index_name,
                *args,
                **kwargs,
            )
        finally:
            _query.table = _query.partition = None

    return query


_EVERY_ITEM_UNSORTED = object()


def _all_items(original: Any) -> Any:
    def all_items(self: Any) -> list[Any]:
        if id(getattr(_query, "table", None)) != id(self):
            return list(original(self))  # a Scan, or anything else: moto's own (sorted) answer
        partition = _query.partition
        if partition is _EVERY_ITEM_UNSORTED or partition is None:
            groups = self.items.values()
        else:
            group = self.items.get(partition)
            groups = [group] if group is not None else []
        if not self.range_key_attr:
            return list(groups)
        return [item for group in groups for item in group.values()]

    return all_items


def _retention_check(backend: Any, queue_name: str, message: Any) -> bool:
    """moto's own rule (a message past the queue's retention period is gone), without counting the queue."""
    from moto.core.utils import unix_time

    retention_period = int(backend.get_queue(queue_name).message_retention_period)
    return bool(retention_period + message.sent_timestamp / 1000 > unix_time())


def _sending(original: Any) -> Any:
    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        _sqs.sending = True
        try:
            return original(self, *args, **kwargs)
        finally:
            _sqs.sending = False

    return send_message


def _queue_attributes(original: property) -> property:
    def attributes(self: Any) -> dict[str, Any]:
        if getattr(_sqs, "sending", False):  # SendMessage reads ContentBasedDeduplication only
            return (
                {"ContentBasedDeduplication": str(bool(self.content_based_deduplication)).lower()}
                if self.fifo_queue
                else {}
            )
        return dict(original.fget(self))  # type: ignore[misc]

    return property(attributes)


def _visible_messages(self: Any) -> list[Any]:
    """moto's Queue.messages (visible and not delayed), with the clock read once."""
    from moto.core.utils import unix_time_millis

    now = unix_time_millis()
    return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]


def _delete_message_batch(backend: Any, queue_name: str, receipts: list[dict[str, Any]]) -> Any:
    """moto's DeleteMessageBatch (each entry deleted, or ReceiptHandleIsInvalid) in one pass over the queue.

    A receipt handle belongs to a message received and not yet deleted (moto's ``pending_messages``),
    or to one already deleted; only those are looked at, and the queue is rebuilt once per batch.
    """
    queue = backend.get_queue(queue_name)
    wanted = {entry["ReceiptHandle"] for entry in receipts}
    found = {handle for handle in wanted if handle in queue.deleted_messages}
    gone = set()
    for message in list(queue.pending_messages):
        handles = message.all_receipt_handles
        if wanted.intersection(handles):
            found.update(wanted.intersection(handles))
            queue.pending_messages.discard(message)
            queue.deleted_messages.update(handles)
            gone.add(id(message))
    if len(found) < len(wanted):  # a handle of a message no longer pending: moto's own walk of the queue
        for message in queue._messages:
            handles = message.all_receipt_handles
            if id(message) not in gone and wanted.intersection(handles):
                found.update(wanted.intersection(handles))
                queue.deleted_messages.update(handles)
                gone.add(id(message))
    if gone:
        queue._messages = [message for message in queue._messages if id(message) not in gone]
    success, errors = [], []
    for entry in receipts:
        if entry["ReceiptHandle"] in found:
            success.append(entry["Id"])
        else:
            errors.append(
                {
                    "Id": entry["Id"],
                    "SenderFault": True,
                    "Code": "ReceiptHandleIsInvalid",
                    "Message": f'The input receipt handle "{entry["ReceiptHandle"]}" is not valid.',
                }
            )
    return success, errors


@contextlib.contextmanager
def fast_moto() -> Iterator[None]:
    """Within this block moto's transactions and key Queries cost what they touch (see the module)."""
    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.sqs.models import Queue, SQSBackend

    with _lock:
        if _state["depth"] == 0:
            _state["copy"] = models.copy  # type: ignore[attr-defined]
            _state["transact"] = DynamoDBBackend.transact_write_items
            _state["query"] = Table.query
            _state["all_items"] = Table.all_items
            _state["retention"] = SQSBackend.is_message_valid_based_on_retention_period
            _state["send"] = SQSBackend.send_message
            _state["attributes"] = Queue.__dict__["attributes"]
            _state["messages"] = Queue.__dict__["messages"]
            _state["delete_batch"] = SQSBackend.delete_message_batch
            models.copy = types.SimpleNamespace(deepcopy=_shallow_for_tables, copy=copy.copy)  # type: ignore[attr-defined,assignment]
            DynamoDBBackend.transact_write_items = _transact_write_items(_state["transact"])  # type: ignore[method-assign,assignment]
            Table.query = _partition_query(_state["query"])  # type: ignore[method-assign,assignment]
            Table.all_items = _all_items(_state["all_items"])  # type: ignore[method-assign,assignment]
            SQSBackend.is_message_valid_based_on_retention_period = _retention_check  # type: ignore[method-assign,assignment]
            SQSBackend.send_message = _sending(_state["send"])  # type: ignore[method-assign,assignment]
            Queue.attributes = _queue_attributes(_state["attributes"])  # type: ignore[method-assign,assignment]
            Queue.messages = property(_visible_messages)  # type: ignore[method-assign,assignment]
            SQSBackend.delete_message_batch = _delete_message_batch  # type: ignore[method-assign,assignment]
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                models.copy = _state.pop("copy")  # type: ignore[attr-defined]
                DynamoDBBackend.transact_write_items = _state.pop("transact")  # type: ignore[method-assign,assignment]
                Table.query = _state.pop("query")  # type: ignore[method-assign,assignment]
                Table.all_items = _state.pop("all_items")  # type: ignore[method-assign,assignment]
                SQSBackend.is_message_valid_based_on_retention_period = _state.pop("retention")  # type: ignore[method-assign,assignment]
                SQSBackend.send_message = _state.pop("send")  # type: ignore[method-assign,assignment]
                Queue.attributes = _state.pop("attributes")  # type: ignore[method-assign,assignment]
                Queue.messages = _state.pop("messages")  # type: ignore[method-assign,assignment]
                SQSBackend.delete_message_batch = _state.pop("delete_batch")  # type: ignore[method-assign,assignment]
