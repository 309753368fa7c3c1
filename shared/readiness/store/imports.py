"""Import items and the counterpart salt on the single table (keys and access patterns: docs/data-model.md).

An import item (``IMPORT#<import_id>`` in the user's partition) follows one upload from the presigned
POST to its report. The counterpart salt (``SECRET#COUNTERPART_SALT``) is the per-user secret that
turns LinkedIn profile URLs and names into counterpart digests; it is written once, read only by the
import function, and never leaves the service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from readiness.store.codec import CorruptRecord, pack_json, unpack_json
from readiness.store.dynamodb import DynamoDBTable, user_key
from readiness.store.errors import ConditionFailed
from readiness.store.records import ImportRecord

IMPORT_PREFIX = "IMPORT#"
SALT_ITEM = "SECRET#COUNTERPART_SALT"
ENTITY_IMPORT = "import"
ENTITY_SECRET = "secret"  # noqa: S105 - an item type, not a secret


def import_key(import_id: str) -> str:
    return IMPORT_PREFIX + import_id


class DynamoDBImportRepository(DynamoDBTable):
    """ImportRepository on the table."""

    def create_import(self, record: ImportRecord, *, expires_at: datetime) -> None:
        item = {
            "PK": {"S": user_key(record.user_id)},
            "SK": {"S": import_key(record.import_id)},
            "entity": {"S": ENTITY_IMPORT},
            "state": {"S": record.state},
            "created_at": {"S": record.created_at.isoformat()},
            "updated_at": {"S": record.updated_at.isoformat()},
            "upload_expires_at": {"S": record.upload_expires_at.isoformat()},
            "owner_token_hash": {"S": record.owner_token_hash},
            "expires_at": {"N": str(int(expires_at.timestamp()))},  # TTL: the report is kept this long
        }
        self._call(
            "put_item", TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(PK)"
        )

    def get_import(self, user_id: str, import_id: str) -> ImportRecord | None:
        response = self._call(
            "get_item", TableName=self._table, Key=self._key(user_id, import_id), ConsistentRead=True
        )
        item = response.get("Item")
        return _record(item) if item else None

    def claim_import(
        self, user_id: str, import_id: str, *, now: datetime, stale_before: datetime
    ) -> ImportRecord | None:
        try:
            response = self._call(
                "update_item",
                TableName=self._table,
                Key=self._key(user_id, import_id),
                UpdateExpression="SET #state = :importing, started_at = :now, updated_at = :now",
                ConditionExpression="attribute_exists(PK) AND (#state = :awaiting OR "
                "(#state = :importing AND started_at < :stale))",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":importing": {"S": "importing"},
                    ":awaiting": {"S": "awaiting_upload"},
                    ":now": {"S": now.isoformat()},
                    ":stale": {"S": stale_before.isoformat()},
                },
                ReturnValues="ALL_NEW",
            )
        except ConditionFailed:
            return None
        return _record(response["Attributes"])

    def release_import(self, user_id: str, import_id: str, *, now: datetime) -> None:
        self._call(
            "update_item",
            TableName=self._table,
            Key=self._key(user_id, import_id),
            UpdateExpression="SET #state = :awaiting, updated_at = :now REMOVE started_at",
            ConditionExpression="#state = :importing",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":awaiting": {"S": "awaiting_upload"},
                ":importing": {"S": "importing"},
                ":now": {"S": now.isoformat()},
            },
        )

    def finish_import(
        self,
        user_id: str,
        import_id: str,
        *,
        state: Literal["completed", "failed"],
        now: datetime,
        report: dict[str, Any] | None,
        outcome: dict[str, int] | None,
        error: str | None,
    ) -> None:
        names = {"#state": "state"}
        values: dict[str, Any] = {":state": {"S": state}, ":now": {"S": now.isoformat()}}
        assignments = ["#state = :state", "updated_at = :now", "finished_at = :now"]
        if report is not None:
            assignments.append("report = :report")
            values[":report"] = {"B": pack_json(report)}
        if outcome is not None:
            assignments.append("outcome = :outcome")
            values[":outcome"] = {"M": {name: {"N": str(count)} for name, count in outcome.items()}}
        if error is not None:
            assignments.append("#error = :error")
            names["#error"] = "error"
            values[":error"] = {"S": error}
        self._call(
            "update_item",
            TableName=self._table,
            Key=self._key(user_id, import_id),
            UpdateExpression="SET " + ", ".join(assignments),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def counterpart_salt(self, user_id: str, candidate: bytes) -> bytes:
        key = {"PK": {"S": user_key(user_id)}, "SK": {"S": SALT_ITEM}}
        found = self._call("get_item", TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        if found is not None:
            return bytes(found["salt"]["B"])
        try:
            self._call(
                "put_item",
                TableName=self._table,
                Item={**key, "entity": {"S": ENTITY_SECRET}, "salt": {"B": candidate}},
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ConditionFailed:  # another import of the same user created it a moment ago
            item = self._call("get_item", TableName=self._table, Key=key, ConsistentRead=True)["Item"]
            return bytes(item["salt"]["B"])
        return candidate

    def _key(self, user_id: str, import_id: str) -> dict[str, Any]:
        return {"PK": {"S": user_key(user_id)}, "SK": {"S": import_key(import_id)}}


def _when(item: dict[str, Any], name: str) -> datetime | None:
    return datetime.fromisoformat(item[name]["S"]) if name in item else None


def _record(item: dict[str, Any]) -> ImportRecord:
    try:
        return ImportRecord(
            user_id=item["PK"]["S"].removeprefix("USER#"),
            import_id=item["SK"]["S"].removeprefix(IMPORT_PREFIX),
            state=item["state"]["S"],
            created_at=datetime.fromisoformat(item["created_at"]["S"]),
            updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
            upload_expires_at=datetime.fromisoformat(item["upload_expires_at"]["S"]),
            owner_token_hash=item["owner_token_hash"]["S"],
            started_at=_when(item, "started_at"),
            finished_at=_when(item, "finished_at"),
            report=unpack_json(item["report"]["B"]) if "report" in item else None,
            outcome={name: int(value["N"]) for name, value in item["outcome"]["M"].items()}
            if "outcome" in item
            else None,
            error=item["error"]["S"] if "error" in item else None,
        )
    except (KeyError, ValueError) as exc:
        raise CorruptRecord("an import item does not decode") from exc
