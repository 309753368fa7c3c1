"""Everything stored about one user, read back for export and deleted for erasure (docs/data-model.md).

A user's data is their partition, ``USER#<user_id>``, plus what points out of it: the idempotency
records of their keyed submissions (named on each assessment item), their uploads (named by each
import item) and their share of centre counters (readiness.centres). Reading or erasing a user is
Queries on that one partition, never a Scan.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from readiness.activity import ActivityEvent
from readiness.centres.dynamodb import MEMBERSHIP_PREFIX, membership_from_item
from readiness.store.activity import unpack_events
from readiness.store.codec import CorruptRecord, unpack_json
from readiness.store.dynamodb import (
    ACTIVITY_PREFIX,
    ASSESSMENT_PREFIX,
    BATCH_WRITE_LIMIT,
    USER_ITEM,
    DynamoDBTable,
    user_key,
)
from readiness.store.errors import StoreUnavailable
from readiness.store.imports import IMPORT_PREFIX, _record
from readiness.store.schedule_table import SCHEDULE_KEY, _schedule

COUNTERPART_SALT_SK = "SECRET#COUNTERPART_SALT"
_BATCH_RETRIES = 6
# attributes no export carries: credentials (hashes of tokens), keys and index plumbing
_WITHHELD = frozenset({"PK", "SK", "owner_token_hash", "salt", "DUE_PK", "DUE_SK", "idempotency_record"})


@dataclass(frozen=True, slots=True)
class UserRecord:
    """One stored item of a user, decoded: ``kind`` says what it is, ``data`` is JSON-ready."""

    kind: str
    sort_key: str
    data: dict[str, Any] = field(repr=False)
    events: list[ActivityEvent] = field(default_factory=list, repr=False)  # activity items only


@dataclass(frozen=True, slots=True)
class StoredItem:
    """What erasure needs to know of an item: its key, kind and what it points at outside the partition."""

    sort_key: str
    kind: str
    created_at: datetime | None = None  # assessments
    score: int | None = None  # assessments
    idempotency_record: str | None = None  # assessments created by a keyed submission
    import_id: str | None = None  # imports (their upload object)


@dataclass(frozen=True, slots=True)
class RecordPage:
    records: list[UserRecord]
    last_sort_key: str | None  # set when the partition has more after it


class UserDataRepository(Protocol):
    def records(self, user_id: str, *, start: str | None, exclusive: bool, limit: int) -> RecordPage:
        """Up to ``limit`` of the user's items in key order, from ``start`` (or after it, ``exclusive``)."""

    def inventory(self, user_id: str) -> list[StoredItem]:
        """Every item of the user's partition (keys and pointers only)."""

    def delete_items(self, user_id: str, sort_keys: Sequence[str]) -> None:
        """Delete these items of the user's partition (a missing one is no error)."""

    def delete_idempotency_records(self, record_ids: Sequence[str]) -> None:
        """Delete these records of the idempotency table (a missing one is no error)."""


def kind_of(sort_key: str) -> str:
    if sort_key == USER_ITEM:
        return "user"
    if sort_key.startswith(ASSESSMENT_PREFIX):
        return "assessment"
    if sort_key.startswith(ACTIVITY_PREFIX):
        return "activity"
    if sort_key.startswith(MEMBERSHIP_PREFIX):
        return "centre_membership"
    if sort_key.startswith(IMPORT_PREFIX):
        return "import"
    if sort_key == SCHEDULE_KEY:
        return "schedule"
    if sort_key == COUNTERPART_SALT_SK:
        return "counterpart_salt"
    return sort_key.split("#", 1)[0].lower() or "item"


class DynamoDBUserData(DynamoDBTable):
    """UserDataRepository on the single table (and the idempotency table, for its records)."""

    def __init__(self, client: Any, table_name: str, idempotency_table: str | None) -> None:
        super().__init__(client, table_name)
        self._idempotency_table = idempotency_table

    def records(self, user_id: str, *, start: str | None, exclusive: bool, limit: int) -> RecordPage:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": user_key(user_id)}},
            "Limit": limit,
            "ConsistentRead": True,
        }
        if start is not None and exclusive:
            request["ExclusiveStartKey"] = {"PK": {"S": user_key(user_id)}, "SK": {"S": start}}
        elif start is not None:
            request["KeyConditionExpression"] = "PK = :pk AND SK >= :start"
            request["ExpressionAttributeValues"][":start"] = {"S": start}
        response = self._call("query", **request)
        records = [_decoded(item) for item in response.get("Items") or []]
        last = response.get("LastEvaluatedKey")
        return RecordPage(records=records, last_sort_key=str(last["SK"]["S"]) if last else None)

    def inventory(self, user_id: str) -> list[StoredItem]:
        names = {
            "#sk": "SK",
            "#created": "created_at",
            "#score": "score",
            "#record": "idempotency_record",
        }
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": user_key(user_id)}},
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
            "ConsistentRead": True,
        }
        found: list[StoredItem] = []
        for item in self._pages(request):
            sort_key = str(item["SK"]["S"])
            kind = kind_of(sort_key)
            found.append(
                StoredItem(
                    sort_key=sort_key,
                    kind=kind,
                    created_at=datetime.fromisoformat(item["created_at"]["S"])
                    if kind == "assessment" and "created_at" in item
                    else None,
                    score=int(item["score"]["N"]) if kind == "assessment" and "score" in item else None,
                    idempotency_record=item["idempotency_record"]["S"]
                    if "idempotency_record" in item
                    else None,
                    import_id=sort_key.removeprefix(IMPORT_PREFIX) if kind == "import" else None,
                )
            )
        return found

    def delete_items(self, user_id: str, sort_keys: Sequence[str]) -> None:
        keys = [{"PK": {"S": user_key(user_id)}, "SK": {"S": sort_key}} for sort_key in sort_keys]
        self._delete_all(self._table, keys)

    def delete_idempotency_records(self, record_ids: Sequence[str]) -> None:
        if not record_ids:
            return
        if self._idempotency_table is None:
            raise StoreUnavailable("the idempotency table is not configured")
        self._delete_all(self._idempotency_table, [{"id": {"S": record_id}} for record_id in record_ids])

    def _pages(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            response = self._call("query", **request)
            yield from response.get("Items") or []
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _delete_all(self, table: str, keys: list[dict[str, Any]]) -> None:
        import time

        for start in range(0, len(keys), BATCH_WRITE_LIMIT):
            pending: dict[str, Any] = {
                table: [{"DeleteRequest": {"Key": key}} for key in keys[start : start + BATCH_WRITE_LIMIT]]
            }
            for attempt in range(_BATCH_RETRIES):
                response = self._call("batch_write_item", RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))
            else:
                raise StoreUnavailable("DynamoDB batch_write_item: items left unprocessed")


def _decoded(item: dict[str, Any]) -> UserRecord:
    sort_key = str(item["SK"]["S"])
    kind = kind_of(sort_key)
    try:
        if kind == "user":
            latest = unpack_json(item["latest"]["B"]) if "latest" in item else {}
            inputs = dict(latest.get("inputs") or {})
            body = latest.get("body") or {}
            return UserRecord(kind, sort_key, {**inputs, "latest_assessment_id": body.get("assessment_id")})
        if kind == "assessment":
            data: dict[str, Any] = {"assessment": {"trigger": "submitted", **unpack_json(item["body"]["B"])}}
            if "inputs" in item:  # stored before issue 5: what it was scored on, kept with it
                data["inputs"] = unpack_json(item["inputs"]["B"])
            return UserRecord(kind, sort_key, data)
        if kind == "activity":
            events = unpack_events(item["data"]["B"])
            data = {
                "batch_id": sort_key.removeprefix(ACTIVITY_PREFIX),
                "source": item["source"]["S"] if "source" in item else None,
                "import_id": item["import_id"]["S"] if "import_id" in item else None,
                "events": len(events),
            }
            return UserRecord(kind, sort_key, data, events)
        if kind == "import":
            record = _record(item)
            return UserRecord(
                kind,
                sort_key,
                {
                    "import_id": record.import_id,
                    "state": record.state,
                    "created_at": record.created_at.isoformat(),
                    "updated_at": record.updated_at.isoformat(),
                    "finished_at": record.finished_at.isoformat() if record.finished_at else None,
                    "report": record.report,
                    "outcome": record.outcome,
                    "error": record.error,
                },
            )
        if kind == "schedule":
            schedule = _schedule(item)
            return UserRecord(
                kind,
                sort_key,
                {
                    "cadence_days": schedule.cadence_days,
                    "next_due_at": schedule.next_due_at.isoformat(),
                    "last_due_at": schedule.last_due_at.isoformat() if schedule.last_due_at else None,
                    "created_at": schedule.created_at.isoformat(),
                    "updated_at": schedule.updated_at.isoformat(),
                },
            )
        if kind == "centre_membership":
            membership = membership_from_item(item)
            counted = membership.counted
            return UserRecord(
                kind,
                sort_key,
                {
                    "centre_id": membership.centre_id,
                    "joined_at": membership.joined_at.isoformat(),
                    "consent": membership.consent,
                    "consent_updated_at": membership.consent_updated_at.isoformat()
                    if membership.consent_updated_at
                    else None,
                    "counted": None
                    if counted is None
                    else {
                        "assessment_id": counted.assessment_id,
                        "assessed_at": counted.assessed_at.isoformat(),
                        "score": counted.score,
                        "band": counted.band,
                    },
                },
            )
        if kind == "counterpart_salt":
            # a key, not data about the user: its existence is disclosed, its value never leaves
            return UserRecord(
                kind, sort_key, {"withheld": "a secret key your contacts are pseudonymised with"}
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptRecord(f"a {kind} item does not decode") from exc
    return UserRecord(kind, sort_key, _plain(item))


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """Any other item (a type added later): its plain attributes, minus credentials and keys."""
    plain: dict[str, Any] = {}
    for name, value in sorted(item.items()):
        if name in _WITHHELD or name.endswith("_hash"):
            continue
        if "S" in value:
            plain[name] = value["S"]
        elif "N" in value:
            number = value["N"]
            plain[name] = int(number) if number.lstrip("-").isdigit() else float(number)
        elif "BOOL" in value:
            plain[name] = value["BOOL"]
    return plain
