"""The assessment repository on the single DynamoDB table (keys and access patterns: docs/data-model.md).

Each method is one request (GetItem, Query, PutItem, BatchWriteItem or TransactWriteItems), except
where a user's activity outgrows one Query page or one batch. A new assessment is one transaction,
all or nothing, conditional on the user item still pointing at the assessment it was scored from.
Reads are strongly consistent so that an assessment is readable, and listed, the moment its POST
has answered.

A user's partition: assessment items (``ASSESSMENT#<id>``), the user item (``USER``: token hash and
the latest assessment with its answers), activity items (``USER#ACTIVITY#<batch id>``) and career
centre memberships (``USER#CENTRE#<centre id>``, readiness.centres.dynamodb). They share the ``USER``
prefix, so everything the next assessment is scored from, and counted for, is one Query.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from readiness.centres.dynamodb import (
    MEMBERSHIP_PREFIX,
    ConditionsFailed,
    centre_transact_items,
    membership_from_item,
    transact_write_indexed,
)
from readiness.centres.membership import CentreWrites, Membership, MembershipChanged
from readiness.identity import new_activity_batch_id
from readiness.store.activity import pack_batches, unpack_events
from readiness.store.codec import CorruptRecord, pack_json, unpack_json
from readiness.store.errors import (
    AlreadySubmitted,
    AssessmentAlreadyExists,
    ConditionFailed,
    LatestChanged,
    StoreError,
    StoreUnavailable,
)
from readiness.store.records import (
    ActivitySource,
    AssessmentPage,
    AssessmentSummary,
    StoredAssessment,
    StoredInputs,
    SubmissionReceipt,
)

if TYPE_CHECKING:
    from readiness.activity import ActivityEvent

USER_PREFIX = "USER#"
ASSESSMENT_PREFIX = "ASSESSMENT#"
USER_ITEM = "USER"
ACTIVITY_PREFIX = "USER#ACTIVITY#"
INPUTS_PREFIX = USER_ITEM  # begins_with(SK, "USER"): the user item and every activity item
ENTITY_ASSESSMENT = "assessment"
ENTITY_USER = "user"
ENTITY_ACTIVITY = "activity"
BATCH_WRITE_LIMIT = 25  # BatchWriteItem's own limit
TRANSACTION_LIMIT = 100  # TransactWriteItems' own limit
_BATCH_RETRIES = 6  # unprocessed items are retried this many times, backing off, before a 503

# Retrying these a moment later can succeed; everything else is a bug or a deployment problem.
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
_SUMMARY_ATTRIBUTES = (
    "assessment_id",
    "user_id",
    "created_at",
    "as_of",
    "score",
    "band",
    "confidence",
    "model_version",
    "questionnaire_version",
    "owner_token_hash",
)


def user_key(user_id: str) -> str:
    return USER_PREFIX + user_id


def assessment_key(assessment_id: str) -> str:
    return ASSESSMENT_PREFIX + assessment_id


def activity_key(batch_id: str) -> str:
    return ACTIVITY_PREFIX + batch_id


class DynamoDBTable:
    """The single table through a boto3 DynamoDB client (the low-level client: no resource layer).

    ``_call`` makes one request and maps botocore's errors to the store's: ConditionFailed,
    StoreUnavailable (retry later) and StoreError.
    """

    def __init__(self, client: Any, table_name: str, *, receipts_table: str | None = None) -> None:
        self._client = client
        self._table = table_name
        self._receipts = receipts_table  # keyed submissions' receipts (the idempotency table)

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response: dict[str, Any] = getattr(self._client, operation)(**request)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "ConditionalCheckFailedException" or (
                code == "TransactionCanceledException" and _condition_failed(exc.response)
            ):
                raise ConditionFailed(f"DynamoDB {operation}: the condition did not hold") from None
            if code in TRANSIENT_ERROR_CODES or (
                code == "TransactionCanceledException" and _cancelled_for_now(exc.response)
            ):
                raise StoreUnavailable(f"DynamoDB {operation}: {code}") from None
            raise StoreError(f"DynamoDB {operation} failed: {code or 'unknown error'}") from None
        except BotoCoreError as exc:
            # connection and timeout errors: the store is unreachable for now
            raise StoreUnavailable(f"DynamoDB {operation}: {type(exc).__name__}") from None
        return response


class DynamoDBAssessmentRepository(DynamoDBTable):
    """AssessmentRepository on the table: assessments, the user item and activity items."""

    def add(
        self,
        assessment: StoredAssessment,
        *,
        replacing: str | None,
        activity: Sequence[ActivityEvent] = (),
        centre_writes: CentreWrites | None = None,
        receipt: SubmissionReceipt | None = None,
    ) -> None:
        # The assessment, the user item that now points at it, new activity, the centres' counts and a
        # keyed submission's receipt: one transaction, so that no failure leaves part of it behind.
        summary = assessment.summary
        item = {
            "PK": {"S": user_key(summary.user_id)},
            "SK": {"S": assessment_key(summary.assessment_id)},
            "entity": {"S": ENTITY_ASSESSMENT},
            **_summary_attributes(summary),
            "body": {"B": pack_json(assessment.body)},
        }
        if assessment.idempotency_record is not None:
            item["idempotency_record"] = {"S": assessment.idempotency_record}
        puts: list[dict[str, Any]] = [
            _put(self._table, item, "attribute_not_exists(PK)"),
            _put(self._table, _user_item(assessment), *_replacing_condition(replacing)),
            *(
                _put(self._table, activity_item)
                for activity_item in self._activity_items(
                    summary.user_id, activity, source="assessment", now=summary.created_at, import_id=None
                )
            ),
        ]
        receipt_index = len(puts)
        if receipt is not None:
            puts.append(self._receipt_put(receipt, now=summary.created_at))
        if centre_writes:
            # counted with the assessment, all or nothing (readiness.centres.membership)
            puts += centre_transact_items(self._table, centre_writes)
        if len(puts) > TRANSACTION_LIMIT:
            raise ValueError(f"at most {TRANSACTION_LIMIT} items can be stored with an assessment")
        try:
            transact_write_indexed(self._client, puts)
        except ConditionsFailed as failed:
            if receipt is not None and receipt_index in failed.indexes:
                stored = self._receipt(receipt.receipt_id, now=summary.created_at)
                if stored is None:  # it expired a moment ago: nothing was written, run again
                    raise StoreUnavailable("a submission receipt expired during the write") from None
                raise AlreadySubmitted(stored) from None
            if 0 in failed.indexes:
                raise AssessmentAlreadyExists("an assessment with this id already exists") from None
            if 1 in failed.indexes:
                raise LatestChanged("another assessment of this user was stored first") from None
            raise MembershipChanged("a concurrent assessment of this student was counted first") from None

    def _receipt_put(self, receipt: SubmissionReceipt, *, now: datetime) -> dict[str, Any]:
        if self._receipts is None:
            raise ValueError("this repository has no receipts table")
        item: dict[str, Any] = {
            "id": {"S": receipt.receipt_id},
            "expiration": {"N": str(int(receipt.expires_at.timestamp()))},  # the table's TTL attribute
            "user_id": {"S": receipt.user_id},
            "assessment_id": {"S": receipt.assessment_id},
            "payload": {"S": receipt.payload_digest},
        }
        if receipt.sealed_token is not None:
            item["sealed_token"] = {"S": receipt.sealed_token}
        put = _put(self._receipts, item, "attribute_not_exists(id) OR expiration < :now")
        put["Put"]["ExpressionAttributeValues"] = {":now": {"N": str(int(now.timestamp()))}}
        return put

    def _receipt(self, receipt_id: str, *, now: datetime) -> SubmissionReceipt | None:
        response = self._call(
            "get_item", TableName=self._receipts, Key={"id": {"S": receipt_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        if item is None or int(item["expiration"]["N"]) < int(now.timestamp()):
            return None  # TTL deletes an expired item within days; until then it is not there either
        try:
            return SubmissionReceipt(
                receipt_id=receipt_id,
                user_id=item["user_id"]["S"],
                assessment_id=item["assessment_id"]["S"],
                payload_digest=item["payload"]["S"],
                expires_at=datetime.fromtimestamp(int(item["expiration"]["N"]), UTC),
                sealed_token=item["sealed_token"]["S"] if "sealed_token" in item else None,
            )
        except KeyError as exc:
            raise CorruptRecord("a submission receipt lacks an attribute") from exc

    def load_inputs(self, user_id: str) -> StoredInputs:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": user_key(user_id)}, ":prefix": {"S": INPUTS_PREFIX}},
            "ConsistentRead": True,
        }
        token_hash: str | None = None
        latest: StoredAssessment | None = None
        activity: list[ActivityEvent] = []
        memberships: list[Membership] = []
        items = 0
        while True:
            response = self._call("query", **request)
            for found in response.get("Items") or []:
                sort_key = found["SK"]["S"]
                if sort_key == USER_ITEM:
                    token_hash, latest = _from_user_item(found)
                elif sort_key.startswith(MEMBERSHIP_PREFIX):
                    memberships.append(membership_from_item(found))
                elif sort_key.startswith(ACTIVITY_PREFIX):
                    items += 1
                    try:
                        activity += unpack_events(found["data"]["B"])
                    except KeyError as exc:
                        raise CorruptRecord("an activity item lacks its data") from exc
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return StoredInputs(
            owner_token_hash=token_hash,
            latest=latest,
            activity=activity,
            activity_items=items,
            memberships=memberships,
        )

    def add_activity(
        self,
        user_id: str,
        events: Sequence[ActivityEvent],
        *,
        source: ActivitySource,
        now: datetime,
        import_id: str | None = None,
    ) -> int:
        items = self._activity_items(user_id, events, source=source, now=now, import_id=import_id)
        if len(items) == 1:
            self._call("put_item", TableName=self._table, Item=items[0])
        elif items:
            self._batch_write(items)
        return len(items)

    def migrate(self, latest: StoredAssessment, activity: Sequence[ActivityEvent], *, now: datetime) -> None:
        # Once per user, all or nothing, and with no permission beyond PutItem: whatever function loads
        # a user first (a submission, a push, an import, a scheduled re-assessment) can move them over.
        # A log holds at most 5,000 events: one activity item, well within a transaction's 4 MB.
        items = [
            _user_item(latest),
            *self._activity_items(latest.user_id, activity, source="migrated", now=now, import_id=None),
        ]
        self._call(
            "transact_write_items",
            TransactItems=[{"Put": {"TableName": self._table, "Item": item}} for item in items],
        )

    def _activity_items(
        self,
        user_id: str,
        events: Sequence[ActivityEvent],
        *,
        source: ActivitySource,
        now: datetime,
        import_id: str | None,
    ) -> list[dict[str, Any]]:
        items = []
        for batch in pack_batches(events):
            item = {
                "PK": {"S": user_key(user_id)},
                "SK": {"S": activity_key(new_activity_batch_id(now))},
                "entity": {"S": ENTITY_ACTIVITY},
                "source": {"S": source},
                "events": {"N": str(batch.events)},
                "first_at": {"S": batch.first_at.isoformat()},
                "last_at": {"S": batch.last_at.isoformat()},
                "data": {"B": batch.data},
            }
            if import_id is not None:
                item["import_id"] = {"S": import_id}
            items.append(item)
        return items

    def _batch_write(self, items: list[dict[str, Any]]) -> None:
        """Put every item, 25 to a request, retrying what DynamoDB leaves unprocessed (throttling)."""
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            pending: dict[str, Any] = {
                self._table: [
                    {"PutRequest": {"Item": item}} for item in items[start : start + BATCH_WRITE_LIMIT]
                ]
            }
            for attempt in range(_BATCH_RETRIES + 1):
                response = self._call("batch_write_item", RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
                if attempt == _BATCH_RETRIES:
                    raise StoreUnavailable("DynamoDB batch_write_item: items left unprocessed")
                time.sleep(min(0.05 * 2**attempt, 1.0))

    def get(self, user_id: str, assessment_id: str) -> StoredAssessment | None:
        response = self._call(
            "get_item",
            TableName=self._table,
            Key={"PK": {"S": user_key(user_id)}, "SK": {"S": assessment_key(assessment_id)}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _stored_assessment(item) if item else None

    def latest(self, user_id: str) -> StoredAssessment | None:
        response = self._query(user_id, limit=1)
        items = response.get("Items") or []
        return _stored_assessment(items[0]) if items else None

    def owner_token_hash(self, user_id: str) -> str | None:
        response = self._call(
            "get_item",
            TableName=self._table,
            Key={"PK": {"S": user_key(user_id)}, "SK": {"S": USER_ITEM}},
            ProjectionExpression="owner_token_hash",
            ConsistentRead=True,
        )
        item = response.get("Item")
        if item:
            return str(item["owner_token_hash"]["S"])
        # a user stored before the user item existed: the hash is on each assessment
        legacy = self._query(user_id, limit=1, projection=("owner_token_hash",))
        items = legacy.get("Items") or []
        return str(items[0]["owner_token_hash"]["S"]) if items else None

    def page(self, user_id: str, *, limit: int, after: str | None = None) -> AssessmentPage:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        # One more than asked for tells whether another page follows, without an empty last page.
        response = self._query(user_id, limit=limit + 1, projection=_SUMMARY_ATTRIBUTES, after=after)
        summaries = [_summary(item) for item in response.get("Items") or []]
        more = len(summaries) > limit
        summaries = summaries[:limit]
        return AssessmentPage(items=summaries, after=summaries[-1].assessment_id if more else None)

    def _query(
        self, user_id: str, *, limit: int, projection: tuple[str, ...] = (), after: str | None = None
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": user_key(user_id)},
                ":prefix": {"S": ASSESSMENT_PREFIX},
            },
            "ScanIndexForward": False,
            "Limit": limit,
            "ConsistentRead": True,
        }
        if projection:
            names = {f"#a{index}": name for index, name in enumerate(projection)}
            request["ProjectionExpression"] = ", ".join(names)
            request["ExpressionAttributeNames"] = names
        if after is not None:
            request["ExclusiveStartKey"] = {
                "PK": {"S": user_key(user_id)},
                "SK": {"S": assessment_key(after)},
            }
        return self._call("query", **request)


def _put(
    table: str, item: dict[str, Any], condition: str | None = None, values: Any = None
) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": item}
    if condition is not None:
        put["ConditionExpression"] = condition
    if values:
        put["ExpressionAttributeValues"] = values
    return {"Put": put}


def _replacing_condition(replacing: str | None) -> tuple[str, dict[str, Any] | None]:
    """The user item may be replaced only while it still points at the assessment the caller scored from."""
    if replacing is None:
        return "attribute_not_exists(PK)", None  # a new user
    # a user item written before it named its latest assessment: any (the next write names it)
    return "latest_id = :latest OR (attribute_exists(PK) AND attribute_not_exists(latest_id))", {
        ":latest": {"S": replacing}
    }


def _condition_failed(response: dict[str, Any]) -> bool:
    reasons = response.get("CancellationReasons") or []
    return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)


def _cancelled_for_now(response: dict[str, Any]) -> bool:
    """A transaction cancelled by a conflict or throttling: retrying later can succeed."""
    reasons = response.get("CancellationReasons") or []
    transient = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
    return any(reason.get("Code") in transient for reason in reasons)


def _summary_attributes(summary: AssessmentSummary) -> dict[str, dict[str, str]]:
    return {
        "assessment_id": {"S": summary.assessment_id},
        "user_id": {"S": summary.user_id},
        "created_at": {"S": summary.created_at.isoformat()},
        "as_of": {"S": summary.as_of.isoformat()},
        "score": {"N": str(summary.score)},
        "band": {"S": summary.band},
        "confidence": {"S": summary.confidence},
        "model_version": {"S": summary.model_version},
        "questionnaire_version": {"S": summary.questionnaire_version},
        "owner_token_hash": {"S": summary.owner_token_hash},
    }


def _summary(item: dict[str, Any]) -> AssessmentSummary:
    try:
        return AssessmentSummary(
            assessment_id=item["assessment_id"]["S"],
            user_id=item["user_id"]["S"],
            created_at=datetime.fromisoformat(item["created_at"]["S"]),
            as_of=datetime.fromisoformat(item["as_of"]["S"]),
            score=int(item["score"]["N"]),
            band=item["band"]["S"],
            confidence=item["confidence"]["S"],
            model_version=item["model_version"]["S"],
            questionnaire_version=item["questionnaire_version"]["S"],
            owner_token_hash=item["owner_token_hash"]["S"],
        )
    except (KeyError, ValueError) as exc:
        raise CorruptRecord("an assessment item lacks a summary attribute") from exc


def _stored_assessment(item: dict[str, Any]) -> StoredAssessment:
    try:
        body = item["body"]["B"]
    except KeyError as exc:
        raise CorruptRecord("an assessment item lacks its body") from exc
    # Assessments stored before issue 5 carry their inputs; later ones keep them on the user item.
    inputs = unpack_json(item["inputs"]["B"]) if "inputs" in item else {}
    return StoredAssessment(summary=_summary(item), body=unpack_json(body), inputs=inputs)


def _user_item(latest: StoredAssessment) -> dict[str, Any]:
    # The body already says everything the summary does (ids, times, score, versions): not repeated.
    return {
        "PK": {"S": user_key(latest.user_id)},
        "SK": {"S": USER_ITEM},
        "entity": {"S": ENTITY_USER},
        "owner_token_hash": {"S": latest.owner_token_hash},
        "latest_id": {"S": latest.assessment_id},  # what the next write's condition checks
        "latest": {"B": pack_json({"body": latest.body, "inputs": latest.inputs})},
    }


def _from_user_item(item: dict[str, Any]) -> tuple[str, StoredAssessment]:
    try:
        token_hash = str(item["owner_token_hash"]["S"])
        document = unpack_json(item["latest"]["B"])
        body = document["body"]
        summary = AssessmentSummary(
            assessment_id=body["assessment_id"],
            user_id=str(item["PK"]["S"]).removeprefix(USER_PREFIX),
            created_at=datetime.fromisoformat(body["created_at"]),
            as_of=datetime.fromisoformat(body["as_of"]),
            score=int(body["score"]),
            band=body["band"],
            confidence=body["confidence"],
            model_version=body["model_version"],
            questionnaire_version=body["questionnaire_version"],
            owner_token_hash=token_hash,
        )
        latest = StoredAssessment(summary=summary, body=body, inputs=document["inputs"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptRecord("the user item does not decode") from exc
    return token_hash, latest
