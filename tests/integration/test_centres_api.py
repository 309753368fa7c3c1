"""Career centres through the API: branding, CORS, consent, k-anonymity, the roster, pushes for students."""

from __future__ import annotations

from typing import Any

import pytest
from readiness.centres.dynamodb import DynamoDBCentreStore
from readiness.centres.model import CentreSettings
from readiness.centres.service import CentreAdmin, CreatedCentre

from tests.integration.conftest import NOW, ApiClient, submission

ORIGIN = "https://careers.example.edu"


def make_centre(api: ApiClient, *, k: int = 10, origin: str = ORIGIN) -> CreatedCentre:
    import boto3

    store = DynamoDBCentreStore(
        boto3.client("dynamodb", region_name="us-east-1"), api.table_names["ReadinessTable"]
    )
    settings = CentreSettings.parse(
        name="Example Careers", origins=[origin], accent_colour="#aa3300", k_threshold=k
    )
    return CentreAdmin(store).create(settings, now=NOW)


def join(
    api: ApiClient, centre: CreatedCentre, *, share: bool | None = None, level: str = "middle"
) -> dict[str, Any]:
    response = api.post(
        "/v1/assessments",
        body=submission(),
        headers={"X-Readiness-Key": centre.keys.publishable, "Origin": ORIGIN},
    )
    assert response.status == 201, response.body
    student: dict[str, Any] = response.body
    if share is not None:
        consent = api.request(
            "PUT",
            f"/v1/users/{student['user_id']}/consents/{centre.centre.centre_id}",
            token=student["user_token"],
            body={"share_results": share},
        )
        assert consent.status == 200, consent.body
    return student


def secret(centre: CreatedCentre) -> dict[str, str]:
    return {"Authorization": f"Bearer {centre.keys.secret}"}


def test_the_publishable_key_brings_the_centres_branding_and_cors_echoes_its_origin(api: ApiClient) -> None:
    centre = make_centre(api)
    branded = api.get(
        "/v1/questionnaire", headers={"X-Readiness-Key": centre.keys.publishable, "Origin": ORIGIN}
    )
    assert branded.status == 200
    assert branded.body["centre"] == {
        "centre_id": centre.centre.centre_id,
        "display_name": "Example Careers",
        "accent_colour": "#aa3300",
        "logo_url": None,
    }
    assert branded.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in branded.headers["Vary"]
    assert branded.headers["Cache-Control"].startswith("private")
    plain = api.get("/v1/questionnaire", headers={"Origin": "https://anyone.example"})
    assert "centre" not in plain.body
    assert plain.headers["Access-Control-Allow-Origin"] == "*"  # no key: the deployment's policy
    foreign = api.get(
        "/v1/questionnaire",
        headers={"X-Readiness-Key": centre.keys.publishable, "Origin": "https://evil.example"},
    )
    assert (foreign.status, foreign.fields) == (403, ["headers.Origin"])
    assert foreign.headers["Access-Control-Allow-Origin"] == "*"  # the deployment's policy, never an echo
    assert "centre" not in foreign.body


def test_a_preflight_is_answered_for_the_publishable_key_routes(api: ApiClient) -> None:
    response = api.request(
        "OPTIONS",
        "/v1/assessments",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-readiness-key, content-type",
        },
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Readiness-Key" in response.headers["Access-Control-Allow-Headers"]


def test_nine_students_see_no_distribution_ten_do(api: ApiClient) -> None:
    centre = make_centre(api, k=10)
    for _ in range(9):
        join(api, centre)
    summary = api.get("/v1/centres/me/summary", headers=secret(centre))
    assert summary.status == 200
    assert summary.body["students"] == 9
    assert summary.body["suppressed"] is True
    for name in ("score_histogram", "bands", "dimensions", "flags", "mean_score"):
        assert summary.body[name] is None, name
    join(api, centre)
    summary = api.get("/v1/centres/me/summary", headers=secret(centre))
    assert summary.body["students"] == 10
    assert summary.body["suppressed"] is False
    assert sum(b["students"] or 0 for b in summary.body["score_histogram"]) in (
        0,
        10,
    )  # all in one bucket, or hidden
    assert summary.body["dimensions"][0]["mean"] is not None


def test_a_returning_students_new_assessment_replaces_what_the_centre_counts(api: ApiClient) -> None:
    centre = make_centre(api, k=2)
    first = join(api, centre, share=True)
    join(api, centre)
    again = api.post("/v1/assessments", token=first["user_token"], body=submission(answers=_high_answers()))
    assert again.status == 201
    summary = api.get("/v1/centres/me/summary", headers=secret(centre)).body
    assert summary["students"] == 2
    students = api.get("/v1/centres/me/students", headers=secret(centre)).body
    assert [s["assessment_id"] for s in students["items"]] == [again.body["assessment_id"]]
    assert students["items"][0]["score"] == again.body["score"]


def _high_answers() -> dict[str, Any]:
    from tests.builders import answers

    return answers("high")


def test_consent_defaults_to_no_and_only_consenting_students_are_listed(api: ApiClient) -> None:
    centre = make_centre(api, k=2)
    quiet = join(api, centre)
    sharing = join(api, centre, share=True)
    path = f"/v1/users/{quiet['user_id']}/consents/{centre.centre.centre_id}"
    default = api.get(path, token=quiet["user_token"])
    assert default.status == 200
    assert default.body["share_results"] is False
    listed = api.get("/v1/centres/me/students", headers=secret(centre)).body
    assert [s["user_id"] for s in listed["items"]] == [sharing["user_id"]]
    assert quiet["user_id"] not in str(listed)

    withdraw = api.request(
        "PUT",
        f"/v1/users/{sharing['user_id']}/consents/{centre.centre.centre_id}",
        token=sharing["user_token"],
        body={"share_results": False},
    )
    assert withdraw.body["share_results"] is False
    assert api.get("/v1/centres/me/students", headers=secret(centre)).body["items"] == []


def test_consent_requests_are_checked(api: ApiClient) -> None:
    centre = make_centre(api, k=2)
    other = make_centre(api, k=2)
    student = join(api, centre)
    bad = api.request(
        "PUT",
        f"/v1/users/{student['user_id']}/consents/{centre.centre.centre_id}",
        token=student["user_token"],
        body={"share_results": "yes", "extra": 1},
    )
    assert bad.status == 422
    assert sorted(bad.fields) == ["extra", "share_results"]
    not_member = api.request(
        "PUT",
        f"/v1/users/{student['user_id']}/consents/{other.centre.centre_id}",
        token=student["user_token"],
        body={"share_results": True},
    )
    assert not_member.status == 404
    assert api.get("/v1/centres/me/students", headers=secret(other)).body["items"] == []


def test_the_roster_pages(api: ApiClient) -> None:
    centre = make_centre(api, k=2)
    ids = sorted(join(api, centre, share=True)["user_id"] for _ in range(3))
    first = api.get("/v1/centres/me/students", headers=secret(centre), query={"limit": "2"}).body
    assert [s["user_id"] for s in first["items"]] == ids[:2]
    second = api.get(
        "/v1/centres/me/students",
        headers=secret(centre),
        query={"limit": "2", "cursor": first["next_cursor"]},
    ).body
    assert [s["user_id"] for s in second["items"]] == ids[2:]
    assert second["next_cursor"] is None
    bad = api.get("/v1/centres/me/students", headers=secret(centre), query={"limit": "0", "cursor": "x"})
    assert bad.status == 422
    assert bad.fields == ["limit", "cursor"]


@pytest.mark.parametrize("share", [True, False])
def test_a_centre_pushes_activity_and_schedules_only_for_consenting_students(
    api: ApiClient, share: bool
) -> None:
    centre = make_centre(api, k=2)
    student = join(api, centre, share=share)
    activity = api.post(
        f"/v1/users/{student['user_id']}/activities",
        headers=secret(centre),
        body={"activities": [{"type": "help_given", "occurred_at": "2026-10-01", "counterpart": "c-1"}]},
    )
    schedule = api.request(
        "PUT", f"/v1/users/{student['user_id']}/schedule", headers=secret(centre), body={"cadence_days": 30}
    )
    if share:
        assert activity.status in (200, 201, 202), activity.body
        assert schedule.status in (200, 201), schedule.body
    else:
        assert (activity.status, schedule.status) == (404, 404)


def test_the_authorizer_answers_its_sample_event(api: ApiClient) -> None:
    import json

    from tests.integration.conftest import EVENTS

    event = json.loads((EVENTS / "authorize_request.json").read_text())
    answer = api.invoke("AuthorizeRequestFunction", event)
    # a well-formed secret key of a centre that does not exist here: refused (the function says 401)
    assert answer == {
        "isAuthorized": True,
        "context": {"kind": "refused", "status": "401", "field": "headers.Authorization"},
    }
    centre = make_centre(api)
    event["headers"]["authorization"] = f"Bearer {centre.keys.secret}"
    answer = api.invoke("AuthorizeRequestFunction", event)
    assert answer == {
        "isAuthorized": True,
        "context": {"kind": "centre_secret", "centre_id": centre.centre.centre_id},
    }


def test_logs_carry_no_keys_or_tokens(api: ApiClient) -> None:
    import io
    import logging

    import functions.authorize_request.app  # noqa: F401 - the service's Logger exists once loaded

    stream = io.StringIO()
    service_logger = logging.getLogger("readiness")
    handlers = [h for h in service_logger.handlers if isinstance(h, logging.StreamHandler)]
    assert handlers
    previous_streams = [h.setStream(stream) for h in handlers]
    previous_level = service_logger.level
    service_logger.setLevel(logging.DEBUG)
    try:
        centre = make_centre(api, k=2)
        student = join(api, centre, share=True)
        api.get("/v1/centres/me/summary", headers=secret(centre))
        api.get("/v1/centres/me/summary", headers={"Authorization": f"Bearer {centre.keys.secret[:-2]}xx"})
        api.get(
            "/v1/questionnaire",
            headers={"X-Readiness-Key": centre.keys.publishable, "Origin": "https://evil.example"},
        )
    finally:
        for handler, previous in zip(handlers, previous_streams, strict=True):
            handler.setStream(previous)
        service_logger.setLevel(previous_level)
    text = stream.getvalue()
    assert '"reason":"unknown_key"' in text  # the authorizer logged why, as a code
    assert '"reason":"origin_not_allowed"' in text
    for secret_value in (centre.keys.secret, centre.keys.publishable, student["user_token"]):
        assert secret_value not in text
        assert secret_value[-20:] not in text


def test_a_returning_user_joins_a_centre_with_its_form_and_is_counted_once(api: ApiClient) -> None:
    centre = make_centre(api, k=2)
    earlier = api.post("/v1/assessments", body=submission()).body  # on Readiness's own site first
    headers = {"X-Readiness-Key": centre.keys.publishable, "Origin": ORIGIN}
    joined = api.post("/v1/assessments", body=submission(), token=earlier["user_token"], headers=headers)
    again = api.post("/v1/assessments", body=submission(), token=earlier["user_token"], headers=headers)

    assert (joined.status, again.status) == (201, 201)
    assert joined.body["user_id"] == earlier["user_id"]
    assert joined.body["previous"]["assessment_id"] == earlier["assessment_id"]
    assert "user_token" not in joined.body
    summary = api.get("/v1/centres/me/summary", headers=secret(centre)).body
    assert summary["students"] == 1
    consent = api.get(
        f"/v1/users/{earlier['user_id']}/consents/{centre.centre.centre_id}", token=earlier["user_token"]
    )
    assert consent.body["share_results"] is False
