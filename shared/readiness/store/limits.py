"""Request-limit counters on the single table: one conditional UpdateItem a limited request.

| counter of | ``PK`` | ``SK`` |
| --- | --- | --- |
| a user | ``USER#<user_id>`` | ``LIMIT#<counter>#<period start>`` |
| a centre, shard nn | ``CENTRE#<centre_id>#LIMIT#<nn>`` | ``<counter>#<period start>`` |
| a source address | ``SOURCE#<24-bit digest>`` | ``LIMIT#<counter>#<period start>`` |

A user's counters live in their partition (so erasing the user removes them) under ``LIMIT#``,
never ``USER``: ``begins_with(SK, "USER")`` is the scoring-inputs Query. A centre's or a source's
counter holds no user id. Items expire through the table's TTL (``expires_at``, the period's end);
the period is in the key, so an expired item that TTL has not removed yet is never read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from readiness.limits import CountersFull, Scope, Tally
from readiness.store.dynamodb import TRANSIENT_ERROR_CODES
from readiness.store.errors import StoreError, StoreUnavailable

ENTITY_LIMIT_COUNTER = "limit_counter"
LIMIT_PREFIX = "LIMIT#"
_TRANSIENT_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


def counter_key(tally: Tally) -> dict[str, dict[str, str]]:
    period = datetime.fromtimestamp(tally.period_start, UTC).strftime("%Y%m%dT%H%MZ")
    if tally.scope is Scope.USER:
        return {"PK": {"S": f"USER#{tally.subject}"}, "SK": {"S": f"{LIMIT_PREFIX}{tally.counter}#{period}"}}
    if tally.scope is Scope.CENTRE:
        shard = tally.shard or 0
        return {
            "PK": {"S": f"CENTRE#{tally.subject}#LIMIT#{shard:02d}"},
            "SK": {"S": f"{tally.counter}#{period}"},
        }
    return {"PK": {"S": f"SOURCE#{tally.subject}"}, "SK": {"S": f"{LIMIT_PREFIX}{tally.counter}#{period}"}}


def counter_update(table: str, tally: Tally) -> dict[str, Any]:
    """The UpdateItem (or transaction Update) that adds one to each cap's counter below its limit."""
    names = {"#entity": "entity", "#expires": "expires_at"}
    values: dict[str, dict[str, str]] = {
        ":entity": {"S": ENTITY_LIMIT_COUNTER},
        ":expires": {"N": str(tally.expires_at)},
        ":one": {"N": "1"},
    }
    adds, conditions = [], []
    for index, cap in enumerate(tally.caps):
        names[f"#c{index}"] = cap.attribute
        values[f":cap{index}"] = {"N": str(cap.limit)}
        adds.append(f"#c{index} :one")
        conditions.append(f"(attribute_not_exists(#c{index}) OR #c{index} < :cap{index})")
    return {
        "TableName": table,
        "Key": counter_key(tally),
        "UpdateExpression": f"SET #entity = :entity, #expires = :expires ADD {', '.join(adds)}",
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def full_attributes(tally: Tally, item: dict[str, Any] | None) -> tuple[str, ...]:
    """The caps found at their limit in the item as it was (all of them if the item did not come back)."""
    if not item:
        return tuple(cap.attribute for cap in tally.caps)
    return tuple(
        cap.attribute for cap in tally.caps if int(item.get(cap.attribute, {}).get("N", "0")) >= cap.limit
    )


class DynamoDBLimitCounters:
    """LimitCounters on the table: UpdateItem for one counter, TransactWriteItems (one request) for two."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add_one(self, tallies: Sequence[Tally]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        updates = [counter_update(self._table, tally) for tally in tallies]
        operation = "update_item" if len(updates) == 1 else "transact_write_items"
        try:
            if len(updates) == 1:
                self._client.update_item(**updates[0])
            else:
                self._client.transact_write_items(TransactItems=[{"Update": update} for update in updates])
        except ClientError as exc:
            response = exc.response
            code = str(response.get("Error", {}).get("Code", ""))
            if code == "ConditionalCheckFailedException":
                raise CountersFull({0: full_attributes(tallies[0], response.get("Item"))}) from None
            if code == "TransactionCanceledException":
                reasons = response.get("CancellationReasons") or []
                if any(reason.get("Code") in _TRANSIENT_REASONS for reason in reasons):
                    raise StoreUnavailable(f"DynamoDB {operation}: {code}") from None
                full = {
                    index: full_attributes(tallies[index], reason.get("Item"))
                    for index, reason in enumerate(reasons)
                    if reason.get("Code") == "ConditionalCheckFailed"
                }
                if full:
                    raise CountersFull(full) from None
            if code in TRANSIENT_ERROR_CODES:
                raise StoreUnavailable(f"DynamoDB {operation}: {code}") from None
            raise StoreError(f"DynamoDB {operation} failed: {code or 'unknown error'}") from None
        except BotoCoreError as exc:
            raise StoreUnavailable(f"DynamoDB {operation}: {type(exc).__name__}") from None
