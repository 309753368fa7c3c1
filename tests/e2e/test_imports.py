"""End to end through the local stack: upload a LinkedIn export with the presigned form, wait for the
import the upload triggers, score, and see the history in the result (and after a restart)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.conftest import Http, LocalStackProcess, submission
from tests.fixtures_linkedin import ExportOptions, build_export, long_line_csv, zip_of

IMPORT_TIMEOUT_SECONDS = 60


def _form(fields: dict[str, str], data: bytes) -> tuple[bytes, str]:
    """multipart/form-data as a browser sends a form: every field, then the file last."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="export.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _answers(http: Http) -> dict[str, Any]:
    document: dict[str, Any] = http.get("/v1/questionnaire").json
    return submission(document)


def _new_user(http: Http) -> dict[str, Any]:
    created = http.post("/v1/assessments", _answers(http))
    assert created.status == 201
    body: dict[str, Any] = created.json
    return body


def _import(http: Http, user: dict[str, Any], data: bytes) -> dict[str, Any]:
    token, user_id = user["user_token"], user["user_id"]
    started = http.post(f"/v1/users/{user_id}/imports", token=token)
    assert started.status == 201, started.raw
    upload = started.json["upload"]
    # the form posts to this same origin (the web form's CSP allows nothing else)
    assert urlsplit(upload["url"]).netloc == urlsplit(http.base_url).netloc
    body, content_type = _form(upload["fields"], data)
    posted = http.request(
        "POST", urlsplit(upload["url"]).path, raw=body, headers={"Content-Type": content_type}, timeout=60
    )
    assert posted.status == 204, posted.raw
    path = f"/v1/users/{user_id}/imports/{started.json['import_id']}"
    deadline = time.monotonic() + IMPORT_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        status: dict[str, Any] = http.get(path, token=token).json
        if status["status"] not in ("awaiting_upload", "importing"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"the import did not finish: {status}")


def test_an_uploaded_export_is_imported_and_the_next_assessment_shows_its_history(http: Http) -> None:
    user = _new_user(http)
    export = build_export(ExportOptions(variant="complete", folder="Complete_LinkedInDataExport_03-01-2026"))

    imported = _import(http, user, export.data)

    assert imported["status"] == "completed", imported
    assert imported["report"]["status"] == "ok"
    assert imported["report"]["variant"] == "complete"
    assert imported["report"]["events_total"] == sum(export.expected.values())
    stored = imported["stored"]["events_stored"]
    assert stored > 100
    assert not [secret for secret in export.secrets if secret in json.dumps(imported)]

    scored = http.post("/v1/assessments", _answers(http), token=user["user_token"])

    assert scored.status == 201
    result = scored.json
    assert result["evidence"]["activities_counted"] == stored
    assert result["evidence"]["months_of_history"] >= 24  # years of history, from a first import
    assert result["previous"]["assessment_id"] == user["assessment_id"]
    assert result["previous"]["changes"]["dimensions"]  # what the history moved
    history = http.get(f"/v1/users/{user['user_id']}/assessments", token=user["user_token"]).json
    assert [item["assessment_id"] for item in history["items"]] == [
        result["assessment_id"],
        user["assessment_id"],
    ]


def test_a_hostile_archive_is_a_failed_import_that_stores_nothing(http: Http) -> None:
    user = _new_user(http)

    imported = _import(http, user, zip_of([("messages.csv", long_line_csv())]))

    assert imported["status"] == "failed"
    assert [error["code"] for error in imported["report"]["errors"]] == ["line_too_long"]
    scored = http.post("/v1/assessments", _answers(http), token=user["user_token"]).json
    assert scored["evidence"]["activities_counted"] == 0


def test_an_upload_over_the_limit_is_refused_by_the_policy(http: Http) -> None:
    user = _new_user(http)
    started = http.post(f"/v1/users/{user['user_id']}/imports", token=user["user_token"]).json
    body, content_type = _form(started["upload"]["fields"], b"\0" * (50 * 1024 * 1024 + 1))

    posted = http.request(
        "POST", urlsplit(started["upload"]["url"]).path, raw=body, headers={"Content-Type": content_type}
    )

    assert posted.status == 400
    assert b"<Code>EntityTooLarge</Code>" in posted.raw
    status = http.get(f"/v1/users/{user['user_id']}/imports/{started['import_id']}", token=user["user_token"])
    assert status.json["status"] == "awaiting_upload"


def test_imported_history_survives_a_restart(own_stack: LocalStackProcess) -> None:
    own_stack.start(fresh=True)
    http = own_stack.http
    user = _new_user(http)
    imported = _import(http, user, build_export(ExportOptions(variant="basic")).data)
    assert imported["status"] == "completed"
    assert own_stack.stop() == 0

    own_stack.start()
    again = own_stack.http
    status = again.get(
        f"/v1/users/{user['user_id']}/imports/{imported['import_id']}", token=user["user_token"]
    ).json
    scored = again.post("/v1/assessments", _answers(again), token=user["user_token"]).json

    assert status["stored"] == imported["stored"]
    assert scored["evidence"]["activities_counted"] == imported["stored"]["events_stored"]
