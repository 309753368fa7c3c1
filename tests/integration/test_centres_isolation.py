"""The isolation matrix: every route x every credential of another tenant (or none, or a dead key).

Tenant A is a centre with a consenting student a1 (an assessment, a schedule, activity); tenant B
is another centre with its own student b1. Every route that needs a credential is called with A's
object ids (a1's user id and assessment id, A's centre id) by: nobody, b1's token, B's
publishable key (from B's origin), B's secret key, A's rotated-out secret key, and a revoked
centre's secret key. Each answers 401, 403 or 404, its body names nothing of A's, and A's data is
unchanged. ``/v1/centres/me/*`` has no tenant in its path: B's secret key reads B's own cohort
there (200), which must hold nothing of A's.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from readiness.access.policy import ROUTE_POLICY, AuthorizerName
from readiness.centres.dynamodb import DynamoDBCentreStore
from readiness.centres.model import CentreSettings
from readiness.centres.service import CentreAdmin

from tests.integration.conftest import NOW, ApiClient, all_items, submission
from tools.sam_template import DEFAULT_ROUTE

ORIGIN_A = "https://careers.a.example"
ORIGIN_B = "https://careers.b.example"


def new_centre(api: ApiClient, name: str, origin: str) -> Any:
    store = DynamoDBCentreStore(_client(), api.table_names["ReadinessTable"])
    settings = CentreSettings.parse(name=name, origins=[origin], k_threshold=2)
    return CentreAdmin(store).create(settings, now=NOW)


def _client() -> Any:
    import boto3

    return boto3.client("dynamodb", region_name="us-east-1")


def student_of(api: ApiClient, centre: Any, origin: str, *, share: bool) -> dict[str, Any]:
    response = api.post(
        "/v1/assessments",
        body=submission(),
        headers={"X-Readiness-Key": centre.keys.publishable, "Origin": origin},
    )
    assert response.status == 201, response.body
    body: dict[str, Any] = response.body
    consent = api.request(
        "PUT",
        f"/v1/users/{body['user_id']}/consents/{centre.centre.centre_id}",
        token=body["user_token"],
        body={"share_results": share},
    )
    assert consent.status == 200, consent.body
    return body


@pytest.fixture
def world(api: ApiClient) -> dict[str, Any]:
    a = new_centre(api, "Centre A", ORIGIN_A)
    b = new_centre(api, "Centre B", ORIGIN_B)
    revoked = new_centre(api, "Centre R", "https://careers.r.example")
    a1 = student_of(api, a, ORIGIN_A, share=True)
    b1 = student_of(api, b, ORIGIN_B, share=True)
    store = DynamoDBCentreStore(_client(), api.table_names["ReadinessTable"])
    rotated = CentreAdmin(store).rotate_keys(a.centre.centre_id, now=NOW - timedelta(hours=1))
    CentreAdmin(store).revoke(revoked.centre.centre_id, now=NOW - timedelta(hours=1))
    schedule = api.request(
        "PUT", f"/v1/users/{a1['user_id']}/schedule", token=a1["user_token"], body=SCHEDULE
    )
    assert schedule.status in (200, 201), schedule.body
    return {"a": a, "a_keys": rotated.keys, "b": b, "revoked": revoked, "a1": a1, "b1": b1}


SCHEDULE = {"cadence_days": 30}
ACTIVITY = {"activities": [{"type": "help_given", "occurred_at": "2026-10-01", "counterpart": "c-1"}]}


def victim_requests(world: dict[str, Any]) -> dict[str, tuple[str, str, Any]]:
    """For every route that needs a credential: a request for tenant A's objects."""
    a1 = world["a1"]
    user, assessment, centre = a1["user_id"], a1["assessment_id"], world["a"].centre.centre_id
    return {
        "GET /v1/assessments/{assessment_id}": ("GET", f"/v1/assessments/{assessment}", None),
        "GET /v1/users/{user_id}/assessments": ("GET", f"/v1/users/{user}/assessments", None),
        "GET /v1/users/{user_id}/consents/{centre_id}": ("GET", f"/v1/users/{user}/consents/{centre}", None),
        "PUT /v1/users/{user_id}/consents/{centre_id}": (
            "PUT",
            f"/v1/users/{user}/consents/{centre}",
            {"share_results": False},
        ),
        "GET /v1/centres/me/summary": ("GET", "/v1/centres/me/summary", None),
        "GET /v1/centres/me/students": ("GET", "/v1/centres/me/students", None),
        "PUT /v1/users/{user_id}/schedule": ("PUT", f"/v1/users/{user}/schedule", SCHEDULE),
        "GET /v1/users/{user_id}/schedule": ("GET", f"/v1/users/{user}/schedule", None),
        "DELETE /v1/users/{user_id}/schedule": ("DELETE", f"/v1/users/{user}/schedule", None),
        "POST /v1/users/{user_id}/activities": ("POST", f"/v1/users/{user}/activities", ACTIVITY),
        "POST /v1/users/{user_id}/imports": ("POST", f"/v1/users/{user}/imports", {}),
        "GET /v1/users/{user_id}/imports/{import_id}": (
            "GET",
            f"/v1/users/{user}/imports/i_01k4bwz8e9f0g1h2j3k4m5n6p7",
            None,
        ),
        "GET /v1/users/{user_id}/export": ("GET", f"/v1/users/{user}/export", None),
        "DELETE /v1/users/{user_id}": ("DELETE", f"/v1/users/{user}", None),
    }


def attackers(world: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        "no credential": {},
        "another user's token": {"Authorization": f"Bearer {world['b1']['user_token']}"},
        "another centre's publishable key": {
            "X-Readiness-Key": world["b"].keys.publishable,
            "Origin": ORIGIN_B,
        },
        "another centre's secret key": {"Authorization": f"Bearer {world['b'].keys.secret}"},
        "an expired key (rotated out)": {"Authorization": f"Bearer {world['a'].keys.secret}"},
        "a revoked centre's key": {"Authorization": f"Bearer {world['revoked'].keys.secret}"},
    }


def victim_strings(world: dict[str, Any]) -> list[str]:
    a1 = world["a1"]
    return [a1["user_id"], a1["assessment_id"], world["a"].centre.centre_id, "Centre A"]


def test_the_matrix_covers_every_route_of_the_template(api: ApiClient, world: dict[str, Any]) -> None:
    needing = {
        DEFAULT_ROUTE if r.path == DEFAULT_ROUTE else f"{r.method} {r.path}"
        for r in api.template.routes
        if ROUTE_POLICY[DEFAULT_ROUTE if r.path == DEFAULT_ROUTE else f"{r.method} {r.path}"].authorizer
        is AuthorizerName.REQUIRED
    }
    assert needing == set(victim_requests(world))


def test_no_other_tenant_reaches_tenant_a(api: ApiClient, world: dict[str, Any], dynamodb: Any) -> None:
    table = api.table_names["ReadinessTable"]
    before = sorted(json.dumps(item, sort_keys=True, default=str) for item in all_items(dynamodb, table))
    secrets = victim_strings(world)
    failures: list[str] = []
    for route, (method, path, body) in victim_requests(world).items():
        for who, headers in attackers(world).items():
            response = api.request(method, path, headers=headers, body=body)
            text = json.dumps(response.body)
            own_cohort = route.startswith("GET /v1/centres/me/") and who == "another centre's secret key"
            ok = response.status == 200 if own_cohort else response.status in (401, 403, 404)
            leaked = [s for s in secrets if s in text]
            if not ok or leaked:
                failures.append(f"{route} with {who}: {response.status} {text[:120]} leaked={leaked}")
    assert failures == []
    after = sorted(json.dumps(item, sort_keys=True, default=str) for item in all_items(dynamodb, table))
    assert after == before  # nothing was written for tenant A (or anyone) by any of these


def test_optional_routes_refuse_dead_and_foreign_keys(api: ApiClient, world: dict[str, Any]) -> None:
    # (status, the header named): 401 for a key that is not valid, 403 for one used where it may not be
    cases = {
        "B's key from A's origin": (
            {"X-Readiness-Key": world["b"].keys.publishable, "Origin": ORIGIN_A},
            (403, "headers.Origin"),
        ),
        "A's key from a foreign origin": (
            {"X-Readiness-Key": world["a_keys"].publishable, "Origin": ORIGIN_B},
            (403, "headers.Origin"),
        ),
        "A's key without an origin": (
            {"X-Readiness-Key": world["a_keys"].publishable},
            (403, "headers.Origin"),
        ),
        "A's rotated-out key": (
            {"X-Readiness-Key": world["a"].keys.publishable, "Origin": ORIGIN_A},
            (401, "headers.X-Readiness-Key"),
        ),
        "a revoked centre's key": (
            {"X-Readiness-Key": world["revoked"].keys.publishable, "Origin": "https://careers.r.example"},
            (401, "headers.X-Readiness-Key"),
        ),
        "a secret key in the browser header": (
            {"X-Readiness-Key": world["a_keys"].secret, "Origin": ORIGIN_A},
            (403, "headers.X-Readiness-Key"),
        ),
        "a secret key on a submission": (
            {"Authorization": f"Bearer {world['a_keys'].secret}"},
            (403, "headers.Authorization"),
        ),
    }
    for label, (headers, (status, field)) in cases.items():
        for method, path, body in (
            ("GET", "/v1/questionnaire", None),
            ("POST", "/v1/assessments", submission()),
        ):
            response = api.request(method, path, headers=headers, body=body)
            assert (response.status, response.fields) == (status, [field]), (label, method, response.body)
            # refused in the envelope, with the deployment's CORS policy (never an echo of the
            # page's origin, which only an accepted publishable key earns) and nothing of the centre
            assert response.headers.get("Access-Control-Allow-Origin") in (None, "*"), label
            assert "branding" not in json.dumps(response.body), label
