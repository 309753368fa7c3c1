"""LinkedIn imports under moto: presign, upload (the POST policy checked as S3 checks it), import, report.

The upload goes through tools.local_s3.accept_post, the same code that serves uploads in the local
stack: it evaluates the presigned policy (signature, expiry, exact key, content-length-range) and
stores the object in moto's S3. The import function is then invoked with the EventBridge event S3
sends for a new object, as the template's rule would.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from readiness.store.codec import unpack_json

from tests.fixtures_linkedin import (
    ExportOptions,
    binary_garbage,
    build_export,
    long_line_csv,
    not_a_zip,
    oversized,
    unsafe_paths,
    zip_bomb,
    zip_of,
)
from tests.integration.conftest import ApiClient, Clock, all_items, submission
from tools.local_s3 import PostRefused, accept_post
from tools.sam_uploads import object_created_event


def _user(api: ApiClient) -> tuple[str, str]:
    body = api.post("/v1/assessments", body=submission()).body
    return body["user_id"], body["user_token"]


def _imports(user_id: str) -> str:
    return f"/v1/users/{user_id}/imports"


def _start(api: ApiClient, user_id: str, token: str) -> dict[str, Any]:
    response = api.post(_imports(user_id), token=token)
    assert response.status == 201, response.body
    body: dict[str, Any] = response.body
    return body


def _upload(
    form: dict[str, Any], data: bytes, clock: Clock, *, later: timedelta = timedelta()
) -> tuple[str, str]:
    """POST the archive with the form, as a browser would; returns (bucket, key) of the stored object.

    botocore dates the policy by the real clock (not the handlers' test clock), so S3's "now" is real too.
    """
    bucket = urlsplit(form["url"]).hostname.split(".")[0]  # type: ignore[union-attr]
    credentials = boto3.Session().get_credentials()
    accepted = accept_post(
        boto3.client("s3", region_name="us-east-1"),
        bucket,
        form["fields"],
        io.BytesIO(data),
        len(data),
        now=datetime.now(UTC) + later,
        secret_for=lambda key: credentials.secret_key if key == credentials.access_key else None,
    )
    return accepted.bucket, accepted.key


def _notify(api: ApiClient, bucket: str, key: str, size: int = 1) -> Any:
    event = object_created_event(
        bucket=bucket, key=key, size=size, request_id="TEST0001", time="2026-11-01T12:00:00Z"
    )
    return api.invoke("ImportLinkedinFunction", event)


def _import(api: ApiClient, clock: Clock, user_id: str, token: str, data: bytes) -> dict[str, Any]:
    started = _start(api, user_id, token)
    bucket, key = _upload(started["upload"], data, clock)
    _notify(api, bucket, key, len(data))
    status = api.get(f"{_imports(user_id)}/{started['import_id']}", token=token)
    assert status.status == 200
    body: dict[str, Any] = status.body
    return body


def _objects(bucket: str) -> list[str]:
    listing = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listing.get("Contents", [])]


def _activity_items(dynamodb: Any, tables: dict[str, str], user_id: str) -> list[dict[str, Any]]:
    return [
        item
        for item in all_items(dynamodb, tables["ReadinessTable"])
        if item["PK"]["S"] == f"USER#{user_id}" and item["entity"]["S"] == "activity"
    ]


def test_starting_an_import_returns_a_presigned_upload_for_one_key_of_at_most_50_mb(api: ApiClient) -> None:
    user_id, token = _user(api)

    response = api.post(_imports(user_id), token=token)

    assert response.status == 201
    body = response.body
    assert body["status"] == "awaiting_upload"
    assert body["report"] is None
    assert response.headers["Location"].endswith(f"/imports/{body['import_id']}")
    upload = body["upload"]
    assert upload["method"] == "POST"
    assert upload["max_bytes"] == 50 * 1024 * 1024
    assert upload["fields"]["key"] == f"uploads/{user_id}/{body['import_id']}.zip"
    policy = json.loads(__import__("base64").b64decode(upload["fields"]["policy"]))
    assert ["content-length-range", 1, 50 * 1024 * 1024] in policy["conditions"]
    assert {"key": upload["fields"]["key"]} in policy["conditions"]
    status = api.get(f"{_imports(user_id)}/{body['import_id']}", token=token).body
    assert status["status"] == "awaiting_upload"
    assert "upload" not in status


def test_an_export_is_imported_reported_and_deleted_and_the_next_assessment_sees_its_history(
    api: ApiClient, clock: Clock, dynamodb: Any, tables: dict[str, str], buckets: dict[str, str]
) -> None:
    user_id, token = _user(api)
    export = build_export(ExportOptions(variant="complete"))

    result = _import(api, clock, user_id, token, export.data)

    assert result["status"] == "completed", result
    report = result["report"]
    assert report["status"] == "ok"
    assert report["events_total"] == sum(export.expected.values())
    assert Counter(report["events_by_type"]) == Counter({k.value: v for k, v in export.expected.items()})
    stored = result["stored"]
    assert stored["events_derived"] == report["events_total"]
    assert stored["events_stored"] + stored["compacted"] + stored["duplicates"] == stored["events_derived"]
    assert stored["events_stored"] > 0
    assert result["error"] is None
    assert _objects(buckets["UploadsBucket"]) == []  # the archive is deleted once imported
    items = _activity_items(dynamodb, tables, user_id)
    assert {item["source"]["S"] for item in items} == {"import"}
    assert {item["import_id"]["S"] for item in items} == {result["import_id"]}

    later = api.post("/v1/assessments", body=submission(), token=token).body

    assert later["evidence"]["activities_counted"] == stored["events_stored"]
    assert later["evidence"]["months_of_history"] > 12
    assert later["score"] != later["previous"]["score"]


def test_nothing_personal_is_stored_and_the_salt_never_leaves_the_table(
    api: ApiClient, clock: Clock, dynamodb: Any, tables: dict[str, str]
) -> None:
    user_id, token = _user(api)
    export = build_export(ExportOptions(variant="complete"))

    result = _import(api, clock, user_id, token, export.data)

    everything = ""
    for item in all_items(dynamodb, tables["ReadinessTable"]):
        everything += repr(item)
        for name, value in item.items():
            if "B" in value and name != "salt":
                everything += json.dumps(unpack_json(value["B"]))
    everything += json.dumps(result)
    leaked = [secret for secret in export.secrets if secret in everything]
    assert leaked == []
    salts = [
        item for item in all_items(dynamodb, tables["ReadinessTable"]) if item["entity"]["S"] == "secret"
    ]
    assert len(salts) == 1
    assert salts[0]["salt"]["B"].hex() not in json.dumps(result)


def test_importing_the_same_export_again_stores_nothing_new(
    api: ApiClient, clock: Clock, dynamodb: Any, tables: dict[str, str]
) -> None:
    user_id, token = _user(api)
    data = build_export(ExportOptions(variant="complete")).data
    first = _import(api, clock, user_id, token, data)
    items = len(_activity_items(dynamodb, tables, user_id))

    second = _import(api, clock, user_id, token, data)

    assert second["status"] == "completed"
    assert second["stored"]["events_stored"] == 0
    assert (
        second["stored"]["duplicates"]
        == second["stored"]["events_derived"]
        == first["stored"]["events_derived"]
    )
    assert len(_activity_items(dynamodb, tables, user_id)) == items


def _only(name: str, data: bytes) -> bytes:
    return zip_of([(name, data)])


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (not_a_zip, "not_a_zip"),
        (zip_bomb, "zip_bomb"),
        (unsafe_paths, "unsafe_member_path"),
        (lambda: unsafe_paths("/etc/Connections.csv"), "unsafe_member_path"),
        (lambda: _only("messages.csv", long_line_csv()), "line_too_long"),
        (lambda: _only("Connections.csv", binary_garbage()), "not_utf8_text"),
    ],
    ids=["not_a_zip", "zip_bomb", "dotdot", "absolute", "10mb_line", "binary_garbage"],
)
def test_a_hostile_archive_is_a_failed_import_with_a_clear_error_and_stores_nothing(
    api: ApiClient,
    clock: Clock,
    dynamodb: Any,
    tables: dict[str, str],
    buckets: dict[str, str],
    make: Any,
    code: str,
) -> None:
    user_id, token = _user(api)

    result = _import(api, clock, user_id, token, make())

    assert result["status"] == "failed", result
    assert result["stored"] is None
    assert code in [error["code"] for error in result["report"]["errors"]]
    assert result["report"]["events_total"] == 0
    assert _activity_items(dynamodb, tables, user_id) == []
    assert _objects(buckets["UploadsBucket"]) == []


def test_a_60_mb_upload_is_refused_by_the_policy_and_nothing_is_stored(
    api: ApiClient, clock: Clock, tmp_path: Path, buckets: dict[str, str]
) -> None:
    user_id, token = _user(api)
    started = _start(api, user_id, token)
    data = oversized(tmp_path / "export.zip").read_bytes()
    assert len(data) > 60 * 1024 * 1024

    with pytest.raises(PostRefused) as refused:
        _upload(started["upload"], data, clock)

    assert (refused.value.status, refused.value.code) == (400, "EntityTooLarge")
    assert _objects(buckets["UploadsBucket"]) == []
    status = api.get(f"{_imports(user_id)}/{started['import_id']}", token=token).body
    assert status["status"] == "awaiting_upload"


def test_the_form_uploads_only_to_its_own_key_and_only_until_it_expires(
    api: ApiClient, clock: Clock, buckets: dict[str, str]
) -> None:
    user_id, token = _user(api)
    started = _start(api, user_id, token)
    form = started["upload"]
    data = build_export(ExportOptions(variant="basic")).data

    elsewhere = {**form, "fields": {**form["fields"], "key": f"uploads/{user_id}/other.zip"}}
    with pytest.raises(PostRefused) as wrong_key:
        _upload(elsewhere, data, clock)
    assert wrong_key.value.code == "AccessDenied"

    with pytest.raises(PostRefused) as expired:
        _upload(form, data, clock, later=timedelta(minutes=16))
    assert expired.value.code == "AccessDenied"
    assert _objects(buckets["UploadsBucket"]) == []
    clock.current += timedelta(minutes=16)
    status = api.get(f"{_imports(user_id)}/{started['import_id']}", token=token).body
    assert status["status"] == "expired"


def test_a_repeated_notification_and_a_stray_object_change_nothing(
    api: ApiClient, clock: Clock, dynamodb: Any, tables: dict[str, str], buckets: dict[str, str]
) -> None:
    user_id, token = _user(api)
    started = _start(api, user_id, token)
    bucket, key = _upload(started["upload"], build_export(ExportOptions(variant="basic")).data, clock)
    assert _notify(api, bucket, key)["result"] == "completed"
    items = len(_activity_items(dynamodb, tables, user_id))

    assert _notify(api, bucket, key)["result"] == "ignored"  # EventBridge delivers at least once
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=bucket, Key="uploads/not-an-import.zip", Body=b"x")
    assert _notify(api, bucket, "uploads/not-an-import.zip")["result"] == "ignored"

    assert len(_activity_items(dynamodb, tables, user_id)) == items
    assert _objects(buckets["UploadsBucket"]) == []


def test_an_upload_that_vanished_is_a_failed_import(api: ApiClient, clock: Clock) -> None:
    user_id, token = _user(api)
    started = _start(api, user_id, token)
    key = started["upload"]["fields"]["key"]
    bucket = urlsplit(started["upload"]["url"]).hostname.split(".")[0]  # type: ignore[union-attr]

    assert _notify(api, bucket, key)["result"] == "failed"

    status = api.get(f"{_imports(user_id)}/{started['import_id']}", token=token).body
    assert status["status"] == "failed"
    assert status["error"]["code"] == "upload_missing"


def test_imports_are_their_owners_only(api: ApiClient) -> None:
    from readiness.identity import issue_user_token

    user_id, token = _user(api)
    other_id, other_token = _user(api)
    started = _start(api, user_id, token)
    path = f"{_imports(user_id)}/{started['import_id']}"

    assert api.get(path).status == 401
    assert api.get(path, token=token[:-2] + "xx").status == 401  # the authorizer refuses
    assert api.get(path, token=other_token).status == 404
    assert api.get(f"{_imports(other_id)}/{started['import_id']}", token=other_token).status == 404
    assert api.get(f"{_imports(user_id)}/i_{'0' * 26}", token=token).status == 404
    assert api.get(f"{_imports(user_id)}/not-an-id", token=token).status == 404
    assert api.post(_imports(user_id), token=other_token).status == 404
    stranger = issue_user_token()
    assert api.post(_imports(stranger.user_id), token=stranger.token).status == 401


def test_a_partial_export_imports_what_it_has_and_says_what_is_missing(api: ApiClient, clock: Clock) -> None:
    user_id, token = _user(api)
    export = build_export(ExportOptions(variant="complete", omit=frozenset({"Shares.csv", "Reactions.csv"})))

    result = _import(api, clock, user_id, token, export.data)

    assert result["status"] == "completed"
    assert result["report"]["status"] == "partial"
    assert {"Shares.csv", "Reactions.csv"} <= set(result["report"]["files_missing"])
    assert result["stored"]["events_stored"] > 0


def test_the_archive_is_read_by_header_not_position(api: ApiClient, clock: Clock) -> None:
    user_id, token = _user(api)
    export = build_export(ExportOptions(variant="complete", messy_headers=True, bom=True, quote_all=True))

    result = _import(api, clock, user_id, token, export.data)

    assert result["report"]["events_total"] == sum(export.expected.values())
    with zipfile.ZipFile(io.BytesIO(export.data)) as archive:
        assert archive.namelist()


def test_the_import_function_answers_its_sample_event(api: ApiClient) -> None:
    from tests.integration.conftest import EVENTS

    event = json.loads((EVENTS / "import_linkedin.json").read_text())

    # S3's EventBridge event, as the template's rule delivers it; no such import here: ignored
    assert api.invoke("ImportLinkedinFunction", event) == {
        "result": "ignored",
        "import_id": "i_01k42d7620bhqj2c1e8tfcvrwp",
    }


def test_a_throttled_store_leaves_the_upload_for_the_retry_which_imports_it_once(
    api: ApiClient, clock: Clock, dynamodb: Any, tables: dict[str, str], buckets: dict[str, str]
) -> None:
    from botocore.exceptions import ConnectTimeoutError
    from readiness.store import StoreUnavailable

    user_id, token = _user(api)
    started = _start(api, user_id, token)
    bucket, key = _upload(started["upload"], build_export(ExportOptions(variant="complete")).data, clock)
    throttled = {"on": True}

    def throttle(request: Any, **_: Any) -> None:
        # raised, not answered: moto would still apply a write whose answer a hook replaced
        if throttled["on"] and b"USER#ACTIVITY#" in request.body:  # not the salt, not the import item
            raise ConnectTimeoutError(endpoint_url=request.url)

    api.on_dynamodb("before-send.dynamodb.PutItem", throttle)

    with pytest.raises(StoreUnavailable):  # Lambda retries the event (then the failure queue)
        _notify(api, bucket, key)

    assert _objects(buckets["UploadsBucket"]) == [key]
    path = f"{_imports(user_id)}/{started['import_id']}"
    assert api.get(path, token=token).body["status"] == "awaiting_upload"
    assert _activity_items(dynamodb, tables, user_id) == []

    throttled["on"] = False
    assert _notify(api, bucket, key)["result"] == "completed"
    assert api.get(path, token=token).body["status"] == "completed"
    assert _objects(buckets["UploadsBucket"]) == []
    assert len(_activity_items(dynamodb, tables, user_id)) == 1
