"""Request limits over HTTP on the local stack, set as template parameters the way a deployment sets them."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.conftest import LocalStackProcess, submission


def test_the_local_stack_takes_the_limits_from_its_parameters_and_answers_429(tmp_path: Path) -> None:
    stack = LocalStackProcess(
        data_dir=tmp_path / "data",
        log_path=tmp_path / "stack.log",
        extra_args=["--parameter", "UserSubmissionsPerHour=2", "--parameter", "SourceSubmissionsPerHour=2"],
    )
    stack.start()
    # the stack's clock is the wall clock: never let the hour's window end in the middle of the test
    now = datetime.now(UTC)
    if now.minute == 59 and now.second >= 15:
        time.sleep(61 - now.second)
    try:
        http = stack.http
        questionnaire = http.get("/v1/questionnaire").json
        body = submission(questionnaire)
        first = http.post("/v1/assessments", body)
        assert first.status == 201, first.raw
        token = first.json["user_token"]
        assert [http.post("/v1/assessments", body, token=token).status for _ in range(3)] == [201, 201, 429]
        # a browser's page can read the wait (Retry-After is exposed to scripts)
        refused = http.post("/v1/assessments", body, token=token, headers={"Origin": "https://app.example"})
        assert refused.status == 429
        assert refused.json["error"]["code"] == "rate_limited"
        assert refused.json["error"]["details"][0]["field"] == "limits.user_submissions_per_hour"
        assert 1 <= int(refused.headers["retry-after"]) <= 3600
        assert "retry-after" in refused.headers.get("access-control-expose-headers", "").lower()
        # first submissions from this address (127.0.0.1): the second is the last of the hour
        assert http.post("/v1/assessments", body).status == 201
        anonymous = http.post("/v1/assessments", body)
        assert anonymous.status == 429
        assert anonymous.json["error"]["details"][0]["field"] == "limits.source_submissions_per_hour"
    finally:
        stack.stop()
