"""GET /v1/assessments/{id} and GET /v1/users/{id}/assessments: owners only, 404 for anyone else, pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from readiness.identity import issue_user_token

from tests.integration.conftest import ApiClient, submission


@pytest.fixture
def alice(api: ApiClient) -> dict[str, Any]:
    body: dict[str, Any] = api.post("/v1/assessments", body=submission()).body
    return body


@pytest.fixture
def bob(api: ApiClient) -> dict[str, Any]:
    body: dict[str, Any] = api.post("/v1/assessments", body=submission()).body
    return body


def test_the_owner_reads_the_assessment_as_it_was_created(api: ApiClient, alice: dict[str, Any]) -> None:
    response = api.get(f"/v1/assessments/{alice['assessment_id']}", token=alice["user_token"])

    assert response.status == 200
    assert response.body == {key: value for key, value in alice.items() if key != "user_token"}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_returning_users_assessment_reads_back_with_previous(api: ApiClient, alice: dict[str, Any]) -> None:
    second = api.post("/v1/assessments", token=alice["user_token"], body=submission()).body

    response = api.get(f"/v1/assessments/{second['assessment_id']}", token=alice["user_token"])

    assert response.body == second
    assert response.body["previous"]["assessment_id"] == alice["assessment_id"]


def test_another_users_assessment_is_404_exactly_like_a_missing_one(
    api: ApiClient, alice: dict[str, Any], bob: dict[str, Any]
) -> None:
    not_yours = api.get(f"/v1/assessments/{alice['assessment_id']}", token=bob["user_token"])
    missing = api.get("/v1/assessments/a_01k4bwz8e9f0g1h2j3k4m5n6p7", token=bob["user_token"])
    garbage = api.get("/v1/assessments/not-an-id", token=bob["user_token"])

    assert not_yours.status == missing.status == garbage.status == 404
    assert not_yours.body == missing.body
    assert not_yours.error["code"] == garbage.error["code"] == "not_found"
    # an id that cannot be one is named as such: its shape says nothing about anyone's assessments
    assert garbage.error["details"] == [
        {"field": "assessment_id", "message": "is not an assessment id (a_ and 26 letters and digits)"}
    ]


@pytest.mark.parametrize("authorization", [None, ""])
def test_reading_without_a_token_is_401_from_the_gateway(
    api: ApiClient, alice: dict[str, Any], authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = api.get(f"/v1/assessments/{alice['assessment_id']}", headers=headers)

    # the authorizer's identity source is missing: API Gateway answers without running anything
    assert (response.status, response.body, response.function_id) == (
        401,
        {"message": "Unauthorized"},
        "gateway",
    )


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Token abc", "Bearer rdy1.nope", "Bearer rdy1.u_00000000000000000000000000.short"],
)
def test_reading_with_a_malformed_token_is_refused(
    api: ApiClient, alice: dict[str, Any], authorization: str
) -> None:
    response = api.get(f"/v1/assessments/{alice['assessment_id']}", headers={"Authorization": authorization})

    # the authorizer passes the refusal on; the function answers it in the envelope, naming the header
    assert response.status == 401
    assert response.fields == ["headers.Authorization"]
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="readiness", error="invalid_token"'


def test_a_wrong_secret_for_the_owners_user_id_is_refused(api: ApiClient, alice: dict[str, Any]) -> None:
    scheme, user_id, _secret = alice["user_token"].split(".")
    forged = f"{scheme}.{user_id}.{'A' * 43}"

    read = api.get(f"/v1/assessments/{alice['assessment_id']}", token=forged)
    missing = api.get("/v1/assessments/a_01k4bwz8e9f0g1h2j3k4m5n6p7", token=forged)
    history = api.get(f"/v1/users/{user_id}/assessments", token=forged)

    assert (read.status, missing.status, history.status) == (401, 401, 401)


def test_a_token_of_no_user_is_refused_not_404(api: ApiClient, alice: dict[str, Any]) -> None:
    stranger = issue_user_token()

    assert api.get(f"/v1/assessments/{alice['assessment_id']}", token=stranger.token).status == 401
    assert api.get(f"/v1/users/{alice['user_id']}/assessments", token=stranger.token).status == 401
    assert api.get(f"/v1/users/{stranger.user_id}/assessments", token=stranger.token).status == 401


def test_the_function_itself_refuses_a_request_the_authorizer_did_not_pass(
    api: ApiClient, alice: dict[str, Any]
) -> None:
    """Defence in depth: without the authorizer's context (a route deployed without it) it is a 401."""
    import functions.get_assessment.app as get_assessment
    from tests.integration.conftest import EVENTS

    api.get("/v1/openapi.json")  # any request: sets up the environment
    event = json.loads((EVENTS / "get_assessment.json").read_text())
    event["requestContext"].pop("authorizer")
    event["pathParameters"] = {"assessment_id": alice["assessment_id"]}
    event["headers"]["authorization"] = f"Bearer {alice['user_token']}"  # never read by the function

    raw = get_assessment.lambda_handler(event, api.context)

    assert raw["statusCode"] == 401
    assert json.loads(raw["body"])["error"]["code"] == "unauthorized"
    assert raw["headers"]["WWW-Authenticate"].startswith('Bearer realm="readiness"')


def test_history_is_newest_first_across_pages(api: ApiClient, alice: dict[str, Any]) -> None:
    token = alice["user_token"]
    created = [alice["assessment_id"]] + [
        api.post("/v1/assessments", token=token, body=submission()).body["assessment_id"] for _ in range(4)
    ]

    seen: list[str] = []
    cursors: list[str | None] = []
    query: dict[str, str] = {"limit": "2"}
    while True:
        page = api.get(f"/v1/users/{alice['user_id']}/assessments", token=token, query=query)
        assert page.status == 200
        assert len(page.body["items"]) <= 2
        seen += [item["assessment_id"] for item in page.body["items"]]
        cursors.append(page.body["next_cursor"])
        if page.body["next_cursor"] is None:
            break
        query = {"limit": "2", "cursor": page.body["next_cursor"]}

    assert seen == list(reversed(created))
    assert len(cursors) == 3  # 2 + 2 + 1: no empty last page
    item = api.get(f"/v1/users/{alice['user_id']}/assessments", token=token).body["items"][0]
    assert set(item) == {
        "assessment_id",
        "created_at",
        "as_of",
        "score",
        "band",
        "confidence",
        "model_version",
        "questionnaire_version",
    }


def test_history_defaults_to_20_per_page(api: ApiClient, alice: dict[str, Any]) -> None:
    for _ in range(21):
        api.post("/v1/assessments", token=alice["user_token"], body=submission())

    page = api.get(f"/v1/users/{alice['user_id']}/assessments", token=alice["user_token"]).body

    assert len(page["items"]) == 20
    assert page["next_cursor"] is not None


def test_a_page_exactly_at_the_end_has_no_cursor(api: ApiClient, alice: dict[str, Any]) -> None:
    api.post("/v1/assessments", token=alice["user_token"], body=submission())

    page = api.get(
        f"/v1/users/{alice['user_id']}/assessments", token=alice["user_token"], query={"limit": "2"}
    ).body

    assert len(page["items"]) == 2
    assert page["next_cursor"] is None


def test_another_users_history_is_404(api: ApiClient, alice: dict[str, Any], bob: dict[str, Any]) -> None:
    not_yours = api.get(f"/v1/users/{alice['user_id']}/assessments", token=bob["user_token"])
    nobody = api.get("/v1/users/u_00000000000000000000000000/assessments", token=bob["user_token"])

    assert not_yours.status == nobody.status == 404
    assert not_yours.body == nobody.body


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"limit": "0"}, ["limit"]),
        ({"limit": "101"}, ["limit"]),
        ({"limit": "ten"}, ["limit"]),
        ({"limit": "-1"}, ["limit"]),
        ({"cursor": "not-base64!"}, ["cursor"]),
        ({"cursor": "eyJ2IjoxfQ"}, ["cursor"]),  # {"v":1}: valid base64 and JSON, not ours
        ({"cursor": "eyJ2IjoxLCJhZnRlciI6IlVTRVIjdV8xIn0"}, ["cursor"]),  # another key smuggled in
        ({"limit": "500", "cursor": "x"}, ["cursor", "limit"]),
    ],
)
def test_bad_paging_parameters_are_422_naming_the_field(
    api: ApiClient, alice: dict[str, Any], query: dict[str, str], fields: list[str]
) -> None:
    response = api.get(f"/v1/users/{alice['user_id']}/assessments", token=alice["user_token"], query=query)

    assert response.status == 422
    assert response.error["code"] == "invalid_request"
    assert sorted(response.fields) == fields


def test_a_tampered_cursor_that_decodes_is_still_rejected(api: ApiClient, alice: dict[str, Any]) -> None:
    import base64

    token = alice["user_token"]
    for _ in range(2):
        api.post("/v1/assessments", token=token, body=submission())
    cursor = api.get(f"/v1/users/{alice['user_id']}/assessments", token=token, query={"limit": "1"}).body[
        "next_cursor"
    ]
    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    tampered = base64.urlsafe_b64encode(decoded.replace(b'"v":1', b'"v":2')).decode().rstrip("=")

    response = api.get(f"/v1/users/{alice['user_id']}/assessments", token=token, query={"cursor": tampered})

    assert response.status == 422
    assert response.fields == ["cursor"]
