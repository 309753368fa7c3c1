"""GET /v1/centres/{centre_id}/embed: the embedded form's page, framed only by the centre's own origins."""

from __future__ import annotations

import re
from datetime import timedelta

import boto3
import pytest
from readiness.centres.dynamodb import DynamoDBCentreStore
from readiness.centres.model import CentreSettings, new_centre_id
from readiness.centres.service import CentreAdmin, CreatedCentre

from tests.integration.conftest import NOW, ApiClient

ORIGINS = ["https://careers.example.edu", "http://localhost:8080"]
API_HOST = "r3adin3ss1.execute-api.us-east-1.amazonaws.com"  # the sample event's, as API Gateway sends it


def admin(api: ApiClient) -> CentreAdmin:
    client = boto3.client("dynamodb", region_name="us-east-1")
    return CentreAdmin(DynamoDBCentreStore(client, api.table_names["ReadinessTable"]))


def make_centre(api: ApiClient) -> CreatedCentre:
    return admin(api).create(CentreSettings.parse(name="Example Careers", origins=ORIGINS), now=NOW)


def policy(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_the_page_may_be_framed_by_the_centres_origins_and_nothing_else(api: ApiClient) -> None:
    centre = make_centre(api)
    response = api.get(f"/v1/centres/{centre.centre.centre_id}/embed")

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    csp = policy(response.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ORIGINS
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]  # web/ on the API's origin (no WEB_ORIGINS): no inline code
    assert csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert not [v for values in csp.values() for v in values if "unsafe" in v]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "camera=()" in response.headers["Permissions-Policy"]
    # the page names its centre, calls the API where it is served, and takes its code from web/embed/
    page = response.body
    assert f'<meta name="readiness-centre" content="{centre.centre.centre_id}">' in page
    assert f'<meta name="readiness-api-base" content="https://{API_HOST}/dev">' in page
    assert f'<base href="https://{API_HOST}/embed/">' in page
    assert '<script type="module" src="widget.js"></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script element
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handler


@pytest.mark.parametrize("which", ["unknown", "malformed", "revoked"])
def test_no_form_for_an_unknown_or_revoked_centre_and_no_page_may_frame_the_answer(
    api: ApiClient, which: str
) -> None:
    centre_id = {"unknown": new_centre_id(), "malformed": "c_nope"}.get(which)
    if which == "revoked":
        centre = make_centre(api)
        admin(api).revoke(centre.centre.centre_id, now=NOW + timedelta(hours=1))
        centre_id = centre.centre.centre_id

    response = api.get(f"/v1/centres/{centre_id}/embed")

    assert response.status == 404
    assert response.error["code"] == "not_found"
    assert policy(response.headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_json_answer_is_nosniff_and_cannot_be_framed_or_run_anything(api: ApiClient) -> None:
    answers = [
        api.get("/v1/questionnaire"),  # 200
        api.get("/v1/openapi.json"),  # 200
        api.post("/v1/assessments", body={"answers": "no"}),  # 422
        api.get("/v1/no-such-route"),  # 404 from the $default route
    ]
    assert [a.status for a in answers] == [200, 200, 422, 404]
    for response in answers:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert response.headers["Referrer-Policy"] == "no-referrer"
