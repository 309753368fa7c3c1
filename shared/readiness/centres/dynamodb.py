"""The centres repositories on the single DynamoDB table (keys and access patterns: docs/data-model.md).

| item | PK | SK |
| --- | --- | --- |
| centre | ``CENTRE#<centre_id>`` | ``CENTRE`` |
| listing (for ``centre list``) | ``CENTRES`` | ``CENTRE#<centre_id>`` |
| membership (consent, what is counted) | ``USER#<user_id>`` | ``USER#CENTRE#<centre_id>`` |
| roster entry (consenting students only) | ``CENTRE#<centre_id>#STUDENTS`` | ``STUDENT#<user_id>`` |
| counter shard 0..15 | ``CENTRE#<centre_id>#AGG#<nn>`` | ``AGG`` |

A membership's sort key starts with ``USER`` like the user item and the activity items, so the one
Query that loads a user's scoring inputs (readiness.inputs) brings their memberships too: a new
assessment knows which centres to count it for without another request.

The shard number is part of the partition key, so a busy centre's writes spread over 16 partition
keys; the summary reads all 16 (and the centre) with one BatchGetItem, whatever the cohort's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from readiness.centres.aggregates import CountedAssessment
from readiness.centres.membership import (
    CentreWrites,
    Departure,
    Membership,
    MembershipChanged,
    StudentEntry,
)
from readiness.centres.model import COUNTER_SHARDS, Branding, Centre, CentreStatus, KeyHashes
from readiness.centres.repository import CentreAlreadyExists, CentreChanged, CentreListing, StudentPage
from readiness.store.codec import CorruptRecord
from readiness.store.errors import StoreError, StoreUnavailable

CENTRE_PREFIX = "CENTRE#"
CENTRE_SK = "CENTRE"
REGISTRY_PK = "CENTRES"
USER_PREFIX = "USER#"  # the user's partition (readiness.store.dynamodb keeps assessments there too)
MEMBERSHIP_PREFIX = "USER#CENTRE#"  # under the user's inputs prefix ("USER"): loaded with them
STUDENTS_SUFFIX = "#STUDENTS"
STUDENT_PREFIX = "STUDENT#"
AGG_SUFFIX = "#AGG#"
AGG_SK = "AGG"
# Retrying these a moment later can succeed (as in readiness.store.dynamodb).
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "LimitExceededException",
    }
)


def centre_key(centre_id: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": CENTRE_PREFIX + centre_id}, "SK": {"S": CENTRE_SK}}


def membership_key(user_id: str, centre_id: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": USER_PREFIX + user_id}, "SK": {"S": MEMBERSHIP_PREFIX + centre_id}}


def roster_key(centre_id: str, user_id: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": CENTRE_PREFIX + centre_id + STUDENTS_SUFFIX}, "SK": {"S": STUDENT_PREFIX + user_id}}


def shard_key(centre_id: str, shard: int) -> dict[str, dict[str, str]]:
    return {"PK": {"S": f"{CENTRE_PREFIX}{centre_id}{AGG_SUFFIX}{shard:02d}"}, "SK": {"S": AGG_SK}}


def _time(value: datetime | None) -> dict[str, Any]:
    return {"S": value.isoformat()} if value is not None else {"NULL": True}


def _read_time(attribute: dict[str, Any] | None) -> datetime | None:
    if not attribute or "S" not in attribute:
        return None
    return datetime.fromisoformat(attribute["S"])


# ---------------------------------------------------------------- items <-> records


def centre_item(centre: Centre) -> dict[str, Any]:
    keys = centre.keys
    return {
        **centre_key(centre.centre_id),
        "entity": {"S": "centre"},
        "centre_id": {"S": centre.centre_id},
        "name": {"S": centre.name},
        "origins": {"L": [{"S": origin} for origin in centre.origins]},
        "display_name": {"S": centre.branding.display_name},
        "accent_colour": {"S": centre.branding.accent_colour},
        "logo_url": {"S": centre.branding.logo_url} if centre.branding.logo_url else {"NULL": True},
        "k_threshold": {"N": str(centre.k_threshold)},
        "status": {"S": centre.status.value},
        "created_at": _time(centre.created_at),
        "keys_rotated_at": _time(centre.keys_rotated_at),
        "revoked_at": _time(centre.revoked_at),
        "version": {"N": str(centre.version)},
        "pk_hash": {"S": keys.publishable},
        "sk_hash": {"S": keys.secret},
        "previous_pk_hash": {"S": keys.previous_publishable} if keys.previous_publishable else {"NULL": True},
        "previous_sk_hash": {"S": keys.previous_secret} if keys.previous_secret else {"NULL": True},
        "previous_valid_until": _time(keys.previous_valid_until),
    }


def listing_item(centre: Centre) -> dict[str, Any]:
    return {
        "PK": {"S": REGISTRY_PK},
        "SK": {"S": CENTRE_PREFIX + centre.centre_id},
        "entity": {"S": "centre_listing"},
        "centre_id": {"S": centre.centre_id},
        "name": {"S": centre.name},
        "status": {"S": centre.status.value},
        "origins": {"L": [{"S": origin} for origin in centre.origins]},
        "k_threshold": {"N": str(centre.k_threshold)},
        "created_at": _time(centre.created_at),
        "keys_rotated_at": _time(centre.keys_rotated_at),
    }


def centre_from_item(item: dict[str, Any]) -> Centre:
    try:
        logo = item.get("logo_url", {}).get("S")
        created_at = _read_time(item["created_at"])
        assert created_at is not None
        return Centre(
            centre_id=item["centre_id"]["S"],
            name=item["name"]["S"],
            origins=tuple(origin["S"] for origin in item["origins"]["L"]),
            branding=Branding(
                display_name=item["display_name"]["S"],
                accent_colour=item["accent_colour"]["S"],
                logo_url=logo,
            ),
            k_threshold=int(item["k_threshold"]["N"]),
            keys=KeyHashes(
                publishable=item["pk_hash"]["S"],
                secret=item["sk_hash"]["S"],
                previous_publishable=item.get("previous_pk_hash", {}).get("S"),
                previous_secret=item.get("previous_sk_hash", {}).get("S"),
                previous_valid_until=_read_time(item.get("previous_valid_until")),
            ),
            created_at=created_at,
            status=CentreStatus(item["status"]["S"]),
            keys_rotated_at=_read_time(item.get("keys_rotated_at")),
            revoked_at=_read_time(item.get("revoked_at")),
            version=int(item["version"]["N"]),
        )
    except (KeyError, ValueError, AssertionError) as exc:
        raise CorruptRecord("a centre item lacks an attribute") from exc


def _counted_attribute(counted: CountedAssessment) -> dict[str, Any]:
    return {
        "M": {
            "assessment_id": {"S": counted.assessment_id},
            "assessed_at": {"S": counted.assessed_at.isoformat()},
            "score": {"N": str(counted.score)},
            "band": {"S": counted.band},
            "confidence": {"S": counted.confidence},
            "dimensions": {"M": {d: {"N": str(v)} for d, v in sorted(counted.dimensions.items())}},
            "flags": {"L": [{"S": flag} for flag in sorted(counted.flags)]},
        }
    }


def _counted(attribute: dict[str, Any] | None) -> CountedAssessment | None:
    if not attribute or "M" not in attribute:
        return None
    value = attribute["M"]
    assessed_at = _read_time(value["assessed_at"])
    assert assessed_at is not None
    return CountedAssessment(
        assessment_id=value["assessment_id"]["S"],
        assessed_at=assessed_at,
        score=int(value["score"]["N"]),
        band=value["band"]["S"],
        confidence=value["confidence"]["S"],
        dimensions={d: int(v["N"]) for d, v in value["dimensions"]["M"].items()},
        flags=frozenset(flag["S"] for flag in value["flags"]["L"]),
    )


def membership_item(membership: Membership) -> dict[str, Any]:
    item: dict[str, Any] = {
        **membership_key(membership.user_id, membership.centre_id),
        "entity": {"S": "centre_membership"},
        "user_id": {"S": membership.user_id},
        "centre_id": {"S": membership.centre_id},
        "joined_at": _time(membership.joined_at),
        "consent": {"BOOL": membership.consent},
        "consent_updated_at": _time(membership.consent_updated_at),
        "version": {"N": str(membership.version)},
    }
    if membership.counted is not None:
        item["counted"] = _counted_attribute(membership.counted)
    return item


def membership_from_item(item: dict[str, Any]) -> Membership:
    try:
        joined_at = _read_time(item["joined_at"])
        assert joined_at is not None
        return Membership(
            user_id=item["user_id"]["S"],
            centre_id=item["centre_id"]["S"],
            joined_at=joined_at,
            consent=bool(item["consent"]["BOOL"]),
            consent_updated_at=_read_time(item.get("consent_updated_at")),
            counted=_counted(item.get("counted")),
            version=int(item["version"]["N"]),
        )
    except (KeyError, ValueError, AssertionError) as exc:
        raise CorruptRecord("a membership item lacks an attribute") from exc


def roster_item(entry: StudentEntry) -> dict[str, Any]:
    return {
        **roster_key(entry.centre_id, entry.user_id),
        "entity": {"S": "centre_student"},
        "user_id": {"S": entry.user_id},
        "centre_id": {"S": entry.centre_id},
        "assessment_id": {"S": entry.assessment_id},
        "assessed_at": _time(entry.assessed_at),
        "score": {"N": str(entry.score)},
        "band": {"S": entry.band},
        "confidence": {"S": entry.confidence},
        "consented_at": _time(entry.consented_at),
    }


def roster_from_item(item: dict[str, Any]) -> StudentEntry:
    try:
        assessed_at = _read_time(item["assessed_at"])
        consented_at = _read_time(item["consented_at"])
        assert assessed_at is not None
        assert consented_at is not None
        return StudentEntry(
            user_id=item["user_id"]["S"],
            centre_id=item["centre_id"]["S"],
            assessment_id=item["assessment_id"]["S"],
            assessed_at=assessed_at,
            score=int(item["score"]["N"]),
            band=item["band"]["S"],
            confidence=item["confidence"]["S"],
            consented_at=consented_at,
        )
    except (KeyError, ValueError, AssertionError) as exc:
        raise CorruptRecord("a roster item lacks an attribute") from exc


def centre_transact_items(table: str, writes: CentreWrites) -> list[dict[str, Any]]:
    """The TransactWriteItems entries of centre writes (on their own, or with an assessment's Put)."""
    items: list[dict[str, Any]] = []
    for write in writes.memberships:
        put: dict[str, Any] = {"TableName": table, "Item": membership_item(write.membership)}
        if write.expected_version == 0:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            put["ConditionExpression"] = "#version = :expected"
            put["ExpressionAttributeNames"] = {"#version": "version"}
            put["ExpressionAttributeValues"] = {":expected": {"N": str(write.expected_version)}}
        items.append({"Put": put})
    for increment in writes.shards:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        adds: list[str] = []
        for index, (name, delta) in enumerate(sorted(increment.deltas.items())):
            names[f"#a{index}"] = name
            values[f":a{index}"] = {"N": str(delta)}
            adds.append(f"#a{index} :a{index}")
        removes: list[str] = []
        for index, name in enumerate(increment.remove):
            if name in increment.deltas:
                continue
            names[f"#r{index}"] = name
            removes.append(f"#r{index}")
        if not adds and not removes:
            continue
        expression = ("ADD " + ", ".join(adds) if adds else "") + (
            (" REMOVE " if adds else "REMOVE ") + ", ".join(removes) if removes else ""
        )
        update: dict[str, Any] = {
            "TableName": table,
            "Key": shard_key(increment.centre_id, increment.shard),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
        }
        if values:
            update["ExpressionAttributeValues"] = values
        items.append({"Update": update})
    for roster in writes.roster:
        if roster.entry is None:
            items.append(
                {"Delete": {"TableName": table, "Key": roster_key(roster.centre_id, roster.user_id)}}
            )
        else:
            items.append({"Put": {"TableName": table, "Item": roster_item(roster.entry)}})
    return items


def shard_counters(item: dict[str, Any]) -> dict[str, int]:
    return {name: int(value["N"]) for name, value in item.items() if "N" in value}


class DynamoDBCentreStore:
    """CentreRepository, MembershipRepository and CohortRepository over a low-level boto3 client."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # ------------------------------------------------------------ centres

    def add(self, centre: Centre) -> None:
        self._transact(
            [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": centre_item(centre),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {"Put": {"TableName": self._table, "Item": listing_item(centre)}},
            ],
            conflict=CentreAlreadyExists("a centre with this id already exists"),
        )

    def get(self, centre_id: str) -> Centre | None:
        response = self._call(
            "get_item", TableName=self._table, Key=centre_key(centre_id), ConsistentRead=True
        )
        item = response.get("Item")
        return centre_from_item(item) if item else None

    def replace(self, centre: Centre) -> None:
        self._transact(
            [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": centre_item(centre),
                        "ConditionExpression": "#version = :expected",
                        "ExpressionAttributeNames": {"#version": "version"},
                        "ExpressionAttributeValues": {":expected": {"N": str(centre.version - 1)}},
                    }
                },
                {"Put": {"TableName": self._table, "Item": listing_item(centre)}},
            ],
            conflict=CentreChanged("the centre was changed by someone else; try again"),
        )

    def listing(self) -> list[CentreListing]:
        listings: list[CentreListing] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": REGISTRY_PK}},
            "ConsistentRead": True,
        }
        while True:
            response = self._call("query", **request)
            for item in response.get("Items") or []:
                created_at = _read_time(item["created_at"])
                assert created_at is not None
                listings.append(
                    CentreListing(
                        centre_id=item["centre_id"]["S"],
                        name=item["name"]["S"],
                        status=CentreStatus(item["status"]["S"]),
                        origins=tuple(o["S"] for o in item["origins"]["L"]),
                        k_threshold=int(item["k_threshold"]["N"]),
                        created_at=created_at,
                        keys_rotated_at=_read_time(item.get("keys_rotated_at")),
                    )
                )
            if "LastEvaluatedKey" not in response:
                return listings
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # ------------------------------------------------------------ memberships

    def memberships(self, user_id: str) -> list[Membership]:
        response = self._call(
            "query",
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": USER_PREFIX + user_id},
                ":prefix": {"S": MEMBERSHIP_PREFIX},
            },
            ConsistentRead=True,
        )
        return [membership_from_item(item) for item in response.get("Items") or []]

    def membership(self, user_id: str, centre_id: str) -> Membership | None:
        response = self._call(
            "get_item", TableName=self._table, Key=membership_key(user_id, centre_id), ConsistentRead=True
        )
        item = response.get("Item")
        return membership_from_item(item) if item else None

    def apply(self, writes: CentreWrites) -> None:
        items = centre_transact_items(self._table, writes)
        if items:
            self._transact(items, conflict=MembershipChanged("the membership changed; read it again"))

    def remove_student(self, departure: Departure) -> None:
        """The membership, the roster entry and the student's share of the counters, all or nothing.

        Conditional on the membership's version: if an assessment was counted meanwhile, nothing is
        written (MembershipChanged: read again and plan again); if it is already gone, nothing either.
        """
        membership = departure.membership
        items: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": membership_key(membership.user_id, membership.centre_id),
                    "ConditionExpression": "#version = :expected",
                    "ExpressionAttributeNames": {"#version": "version"},
                    "ExpressionAttributeValues": {":expected": {"N": str(membership.version)}},
                }
            },
            *centre_transact_items(self._table, CentreWrites(shards=(departure.shard,))),
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": roster_key(membership.centre_id, membership.user_id),
                }
            },
        ]
        self._transact(items, conflict=MembershipChanged("the membership changed; read it again"))

    # ------------------------------------------------------------ cohort

    def cohort(self, centre_id: str) -> tuple[Centre | None, list[dict[str, int]]]:
        keys = [centre_key(centre_id)] + [shard_key(centre_id, shard) for shard in range(COUNTER_SHARDS)]
        found: list[dict[str, Any]] = []
        pending: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": False}}
        for _attempt in range(5):
            response = self._call("batch_get_item", RequestItems=pending)
            found += (response.get("Responses") or {}).get(self._table, [])
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
        else:
            raise StoreUnavailable("DynamoDB batch_get_item: keys left unprocessed")
        centre: Centre | None = None
        shards: list[dict[str, int]] = []
        for item in found:
            if item["SK"]["S"] == CENTRE_SK:
                centre = centre_from_item(item)
            else:
                shards.append(shard_counters(item))
        return centre, shards

    def students(self, centre_id: str, *, limit: int, after: str | None = None) -> StudentPage:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        pk = CENTRE_PREFIX + centre_id + STUDENTS_SUFFIX
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": STUDENT_PREFIX}},
            "Limit": limit + 1,
            "ConsistentRead": True,
        }
        if after is not None:
            request["ExclusiveStartKey"] = roster_key(centre_id, after)
        response = self._call("query", **request)
        entries = [roster_from_item(item) for item in response.get("Items") or []]
        more = len(entries) > limit
        entries = entries[:limit]
        return StudentPage(items=entries, after=entries[-1].user_id if more else None)

    # ------------------------------------------------------------ calls

    def _transact(self, items: Iterable[dict[str, Any]], *, conflict: Exception) -> None:
        transact_write(self._client, list(items), conflict=conflict)

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        return call_dynamodb(self._client, operation, **request)


def call_dynamodb(client: Any, operation: str, **request: Any) -> dict[str, Any]:
    """One DynamoDB call; errors become the store's own (nothing above sees botocore)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response: dict[str, Any] = getattr(client, operation)(**request)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in TRANSIENT_ERROR_CODES:
            raise StoreUnavailable(f"DynamoDB {operation}: {code}") from None
        raise StoreError(f"DynamoDB {operation} failed: {code or 'unknown error'}") from None
    except BotoCoreError as exc:
        raise StoreUnavailable(f"DynamoDB {operation}: {type(exc).__name__}") from None
    return response


class ConditionsFailed(StoreError):
    """A transaction was cancelled because conditions failed: ``indexes`` says which of its items."""

    def __init__(self, indexes: list[int]) -> None:
        self.indexes = indexes
        super().__init__(f"transaction conditions failed at items {indexes}")


def transact_write_indexed(client: Any, items: list[dict[str, Any]]) -> None:
    """TransactWriteItems that says which items' conditions failed (the caller knows what each one was)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client.transact_write_items(TransactItems=items)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code == "TransactionCanceledException":
            reasons = [str(r.get("Code", "None")) for r in exc.response.get("CancellationReasons") or []]
            failed = [index for index, reason in enumerate(reasons) if reason == "ConditionalCheckFailed"]
            if failed:
                raise ConditionsFailed(failed) from None
            if any(
                reason in ("TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded")
                for reason in reasons
            ):
                raise StoreUnavailable("DynamoDB transact_write_items: conflict") from None
            raise StoreError(f"DynamoDB transaction cancelled: {', '.join(sorted(set(reasons)))}") from None
        if code in TRANSIENT_ERROR_CODES:
            raise StoreUnavailable(f"DynamoDB transact_write_items: {code}") from None
        raise StoreError(f"DynamoDB transact_write_items failed: {code or 'unknown error'}") from None
    except BotoCoreError as exc:
        raise StoreUnavailable(f"DynamoDB transact_write_items: {type(exc).__name__}") from None


def transact_write(client: Any, items: list[dict[str, Any]], *, conflict: Exception) -> None:
    """TransactWriteItems; any failed condition raises ``conflict``, a conflicting transaction is a 503."""
    try:
        transact_write_indexed(client, items)
    except ConditionsFailed:
        raise conflict from None
