"""Logs (and metrics) never carry answers, activities, tokens, counterparts or anything a client typed."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from readiness.assessments import AssessmentService

from tests.integration.conftest import ApiClient, activity, new_key, submission

SECRET_COUNTERPART = "Jane Q. Public <jane@example.com>"
SECRET_EVENT_ID = "diary-entry-about-my-boss"


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """Everything at DEBUG and up: the service's JSON log lines (as CloudWatch gets them) and libraries'."""
    import functions.create_assessment.app  # noqa: F401 - the service's Logger exists once loaded

    caplog.set_level(logging.DEBUG)
    stream = io.StringIO()
    service_logger = logging.getLogger("readiness")
    handlers = [h for h in service_logger.handlers if isinstance(h, logging.StreamHandler)]
    assert handlers, "the Powertools logger has a stream handler"
    previous_streams = [h.setStream(stream) for h in handlers]
    previous_level = service_logger.level
    service_logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        for handler, previous in zip(handlers, previous_streams, strict=True):
            handler.setStream(previous)
        service_logger.setLevel(previous_level)


def test_logs_carry_no_answers_activities_tokens_or_names(
    api: ApiClient,
    captured_logs: io.StringIO,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events = [
        activity("help_given", 30, SECRET_COUNTERPART, "peer", id=SECRET_EVENT_ID),
        activity("recruiter_conversation", 12, SECRET_COUNTERPART, "recruiter"),
    ]
    first = api.post(
        "/v1/assessments", body=submission(activities=events), headers={"Idempotency-Key": new_key()}
    )
    assert first.status == 201
    created = first.body
    token = created["user_token"]
    secret = token.rsplit(".", 1)[1]
    api.post("/v1/assessments", token=token, body=submission(activities=events))
    api.get(f"/v1/assessments/{created['assessment_id']}", token=token)
    api.get(f"/v1/users/{created['user_id']}/assessments", token=token, query={"limit": "1"})
    # rejected requests quote nothing either: unknown ids, broken JSON, a wrong token
    api.post("/v1/assessments", body=submission(answers={"Jane-Secret-Question": 3}))
    api.post("/v1/assessments", body='{"answers": {"reach_1": "' + secret + '"')
    api.post("/v1/assessments", token=token[:-3] + "zzz", body=submission())

    # an unexpected error whose message quotes personal data: logged by type and stack, not message
    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError(f"failure quoting {token} and {SECRET_COUNTERPART}")

    monkeypatch.setattr(AssessmentService, "create", explode)
    assert (
        api.post(
            "/v1/assessments", token=token, body=submission(), headers={"Idempotency-Key": new_key()}
        ).status
        == 500
    )

    everything = (
        captured_logs.getvalue()
        + "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records)
        + capsys.readouterr().out
    )
    assert '"correlation_id":"C1aaaaaaaaaaaaaa"' in everything  # the capture works and carries the id
    assert "unexpected error" in everything
    for forbidden in (
        token,
        secret,
        SECRET_COUNTERPART,
        "jane@example.com",
        SECRET_EVENT_ID,
        "Jane-Secret-Question",
        "reach_1",
        "help_given",
        "recruiter_conversation",
        json.dumps(submission()["answers"])[:40],
    ):
        assert forbidden not in everything, forbidden
