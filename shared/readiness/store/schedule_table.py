"""Schedules on the single DynamoDB table, and the due index (keys and access patterns: docs/data-model.md).

A schedule is the item ``USER#<user_id>`` / ``SCHEDULE``. Only schedule items carry ``DUE_PK`` and
``DUE_SK``, so the ``DueIndex`` global secondary index holds schedules and nothing else (sparse).
``DUE_PK`` is one of DUE_SHARDS partitions chosen by a hash of the user id (write-sharded: no
partition grows hot); ``DUE_SK`` is the due time as sortable text, then the user id. Finding who is
due is one paginated Query per shard, never a Scan. Every method here is one request per call
(``due`` one per page).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from readiness.cadence import due_bucket, due_period, due_shard
from readiness.store.dynamodb import TRANSIENT_ERROR_CODES, user_key
from readiness.store.errors import StoreError, StoreUnavailable
from readiness.store.schedules import DueSchedule, Schedule, ScheduleChanged

SCHEDULE_KEY = "SCHEDULE"
ENTITY_SCHEDULE = "schedule"
DUE_INDEX = "DueIndex"
DUE_PARTITION_PREFIX = "DUE#"
# "#" separates the due time from the user id in DUE_SK; "$" sorts right after it, so
# `DUE_SK < <bucket of now>$` is every entry due at or before now, whatever the user id.
_AFTER_SEPARATOR = "$"


class _ConditionFailed(Exception):
    pass


def due_partition(user_id: str) -> str:
    return f"{DUE_PARTITION_PREFIX}{due_shard(user_id):02d}"


def shard_partition(shard: int) -> str:
    return f"{DUE_PARTITION_PREFIX}{shard:02d}"


def due_sort_key(moment: datetime, user_id: str) -> str:
    return f"{due_bucket(moment)}#{user_id}"


class DynamoDBScheduleRepository:
    """ScheduleRepository on the single table and its sparse DueIndex."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, user_id: str) -> dict[str, Any]:
        return {"PK": {"S": user_key(user_id)}, "SK": {"S": SCHEDULE_KEY}}

    def get(self, user_id: str) -> Schedule | None:
        response = self._call("get_item", TableName=self._table, Key=self._key(user_id), ConsistentRead=True)
        item = response.get("Item")
        return _schedule(item) if item else None

    def save(self, schedule: Schedule, *, replacing: Schedule | None) -> None:
        item: dict[str, Any] = {
            **self._key(schedule.user_id),
            "entity": {"S": ENTITY_SCHEDULE},
            "user_id": {"S": schedule.user_id},
            "cadence_days": {"N": str(schedule.cadence_days)},
            "next_due_at": {"S": schedule.next_due_at.isoformat()},
            "due_period": {"S": schedule.due_period},
            "owner_token_hash": {"S": schedule.owner_token_hash},
            "created_at": {"S": schedule.created_at.isoformat()},
            "updated_at": {"S": schedule.updated_at.isoformat()},
            "DUE_PK": {"S": due_partition(schedule.user_id)},
            "DUE_SK": {"S": due_sort_key(schedule.next_due_at, schedule.user_id)},
        }
        if schedule.last_due_at:
            item["last_due_at"] = {"S": schedule.last_due_at.isoformat()}
        request: dict[str, Any] = {"TableName": self._table, "Item": item}
        if replacing is None:
            request["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            request["ConditionExpression"] = "due_period = :period AND cadence_days = :cadence"
            request["ExpressionAttributeValues"] = {
                ":period": {"S": replacing.due_period},
                ":cadence": {"N": str(replacing.cadence_days)},
            }
        try:
            self._call("put_item", **request)
        except _ConditionFailed:
            raise ScheduleChanged("the schedule changed since it was read") from None

    def delete(self, user_id: str) -> None:
        self._call("delete_item", TableName=self._table, Key=self._key(user_id))

    def due(self, shard: int, now: datetime) -> Iterator[DueSchedule]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": DUE_INDEX,
            "KeyConditionExpression": "DUE_PK = :shard AND DUE_SK < :bound",
            "ExpressionAttributeValues": {
                ":shard": {"S": shard_partition(shard)},
                ":bound": {"S": due_bucket(now) + _AFTER_SEPARATOR},
            },
        }
        while True:
            page = self._call("query", **request)
            for item in page.get("Items") or []:
                yield _due_schedule(item)
            if not page.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def claim(self, entry: DueSchedule, next_due_at: datetime) -> bool:
        return self._move(
            entry.user_id,
            to=next_due_at,
            last_due_at=entry.next_due_at,
            expected_period=entry.due_period,
            expected_key=entry.index_key,
        )

    def unclaim(self, entry: DueSchedule, next_due_at: datetime) -> bool:
        return self._move(
            entry.user_id,
            to=entry.next_due_at,
            last_due_at=None,
            expected_period=due_period(next_due_at),
            expected_key=due_sort_key(next_due_at, entry.user_id),
        )

    def _move(
        self,
        user_id: str,
        *,
        to: datetime,
        last_due_at: datetime | None,
        expected_period: str,
        expected_key: str,
    ) -> bool:
        """Point the schedule (and its due-index entry) at ``to``, if it is where it was expected."""
        values: dict[str, Any] = {
            ":next": {"S": to.isoformat()},
            ":next_period": {"S": due_period(to)},
            ":due_key": {"S": due_sort_key(to, user_id)},
            ":period": {"S": expected_period},
            ":seen": {"S": expected_key},
        }
        update = "SET next_due_at = :next, due_period = :next_period, DUE_SK = :due_key"
        if last_due_at is not None:
            update += ", last_due_at = :last"
            values[":last"] = {"S": last_due_at.isoformat()}
        try:
            self._call(
                "update_item",
                TableName=self._table,
                Key=self._key(user_id),
                UpdateExpression=update,
                ConditionExpression="due_period = :period AND DUE_SK = :seen",
                ExpressionAttributeValues=values,
            )
        except _ConditionFailed:
            return False
        return True

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response: dict[str, Any] = getattr(self._client, operation)(**request)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "ConditionalCheckFailedException":
                raise _ConditionFailed from None
            if code in TRANSIENT_ERROR_CODES:
                raise StoreUnavailable(f"DynamoDB {operation}: {code}") from None
            raise StoreError(f"DynamoDB {operation} failed: {code or 'unknown error'}") from None
        except BotoCoreError as exc:
            raise StoreUnavailable(f"DynamoDB {operation}: {type(exc).__name__}") from None
        return response


def _optional_time(item: dict[str, Any], name: str) -> datetime | None:
    value = item.get(name)
    return datetime.fromisoformat(value["S"]) if value else None


def _schedule(item: dict[str, Any]) -> Schedule:
    try:
        return Schedule(
            user_id=item["user_id"]["S"],
            cadence_days=int(item["cadence_days"]["N"]),
            next_due_at=datetime.fromisoformat(item["next_due_at"]["S"]),
            owner_token_hash=item["owner_token_hash"]["S"],
            created_at=datetime.fromisoformat(item["created_at"]["S"]),
            updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
            last_due_at=_optional_time(item, "last_due_at"),
        )
    except (KeyError, ValueError) as exc:
        raise StoreError("a schedule item lacks an attribute") from exc


def _due_schedule(item: dict[str, Any]) -> DueSchedule:
    try:
        return DueSchedule(
            user_id=item["user_id"]["S"],
            next_due_at=datetime.fromisoformat(item["next_due_at"]["S"]),
            cadence_days=int(item["cadence_days"]["N"]),
            index_key=item["DUE_SK"]["S"],
        )
    except (KeyError, ValueError) as exc:
        raise StoreError("a due-index entry lacks an attribute") from exc
