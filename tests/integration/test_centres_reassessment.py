"""A scheduled re-assessment counts for the student's career centres, in its own transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
from readiness.centres.dynamodb import DynamoDBCentreStore
from readiness.centres.model import CentreSettings
from readiness.centres.service import CentreAdmin
from readiness.reassessment.messages import ReassessmentMessage
from readiness.reassessment.worker import ReassessmentService
from readiness.store.dynamodb import DynamoDBAssessmentRepository

from tests.integration.conftest import NOW, ApiClient, submission

ORIGIN = "https://careers.example.edu"


class Bus:
    def __init__(self) -> None:
        self.published: list[Any] = []

    def publish(self, change: Any) -> None:
        self.published.append(change)


def test_a_scheduled_assessment_replaces_what_the_centre_counts(api: ApiClient) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = api.table_names["ReadinessTable"]
    settings = CentreSettings.parse(name="x", origins=[ORIGIN], k_threshold=2)
    centre = CentreAdmin(DynamoDBCentreStore(client, table)).create(settings, now=NOW)
    headers = {"X-Readiness-Key": centre.keys.publishable, "Origin": ORIGIN}
    sharing = api.post("/v1/assessments", body=submission(), headers=headers).body
    api.post("/v1/assessments", body=submission(), headers=headers)
    path = f"/v1/users/{sharing['user_id']}/consents/{centre.centre.centre_id}"
    api.request("PUT", path, token=sharing["user_token"], body={"share_results": True})
    secret = {"Authorization": f"Bearer {centre.keys.secret}"}
    before = api.get("/v1/centres/me/summary", headers=secret).body
    assert "students" in before, before

    later = NOW + timedelta(days=40)
    message = ReassessmentMessage(
        user_id=sharing["user_id"], due_at=later - timedelta(hours=1), cadence_days=30
    )
    outcome = ReassessmentService(DynamoDBAssessmentRepository(client, table), Bus()).reassess(
        message, now=later
    )

    assert outcome.kind == "reassessed"
    after = api.get("/v1/centres/me/summary", headers=secret).body
    assert after.get("students") == before["students"] == 2, after  # the same student, counted once
    (listed,) = api.get("/v1/centres/me/students", headers=secret).body["items"]
    assert listed["assessment_id"] == outcome.assessment_id  # the roster follows the latest assessment
