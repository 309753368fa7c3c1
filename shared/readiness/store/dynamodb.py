"""The assessment repository on the single DynamoDB table (keys and access patterns: docs/data-model.md).

Every method is exactly one request: GetItem, Query or PutItem. Reads are strongly consistent so
that an assessment is readable, and listed, the moment its POST has answered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from readiness.store.codec import CorruptRecord, pack_json, unpack_json
from readiness.store.errors import AssessmentAlreadyExists, StoreError, StoreUnavailable
from readiness.store.records import AssessmentPage, AssessmentSummary, StoredAssessment

USER_PREFIX = "USER#"
ASSESSMENT_PREFIX = "ASSESSMENT#"
ENTITY_ASSESSMENT = "assessment"

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


class DynamoDBAssessmentRepository:
    """AssessmentRepository over a boto3 DynamoDB client (the low-level client: no resource layer)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, assessment: StoredAssessment) -> None:
        summary = assessment.summary
        item = {
            "PK": {"S": user_key(summary.user_id)},
            "SK": {"S": assessment_key(summary.assessment_id)},
            "entity": {"S": ENTITY_ASSESSMENT},
            **_summary_attributes(summary),
            "body": {"B": pack_json(assessment.body)},
            "inputs": {"B": pack_json(assessment.inputs)},
        }
        self._call(
            "put_item",
            TableName=self._table,
            Item=item,
            ConditionExpression="attribute_not_exists(PK)",
        )

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
        response = self._query(user_id, limit=1, projection=("owner_token_hash",))
        items = response.get("Items") or []
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

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response: dict[str, Any] = getattr(self._client, operation)(**request)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "ConditionalCheckFailedException":
                raise AssessmentAlreadyExists("an assessment with this id already exists") from None
            if code in TRANSIENT_ERROR_CODES:
                raise StoreUnavailable(f"DynamoDB {operation}: {code}") from None
            raise StoreError(f"DynamoDB {operation} failed: {code or 'unknown error'}") from None
        except BotoCoreError as exc:
            # connection and timeout errors: the store is unreachable for now
            raise StoreUnavailable(f"DynamoDB {operation}: {type(exc).__name__}") from None
        return response


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
        body, inputs = item["body"]["B"], item["inputs"]["B"]
    except KeyError as exc:
        raise CorruptRecord("an assessment item lacks its body or inputs") from exc
    return StoredAssessment(summary=_summary(item), body=unpack_json(body), inputs=unpack_json(inputs))
