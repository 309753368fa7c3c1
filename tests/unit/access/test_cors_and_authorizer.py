"""CORS echoes only allowed origins (never * for a publishable key); the authorizer in and out."""

from __future__ import annotations

from readiness.access.authorizer import decide
from readiness.access.cors import allowed_origins, preflight_headers, response_headers
from readiness.access.principal import Principal, PrincipalKind
from readiness.access.resolve import PrincipalResolver
from readiness.centres.model import CentreSettings
from readiness.centres.service import CentreAdmin

from tests.unit.centres.fakes import NOW, InMemoryCentreStore

ORIGIN = "https://careers.example.edu"
PK = Principal(PrincipalKind.CENTRE_PUBLIC, centre_id="c_" + "0" * 26, origin=ORIGIN)


def test_a_publishable_key_response_echoes_only_the_accepted_origin() -> None:
    headers = response_headers(ORIGIN, PK, ("*",))
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Origin" not in response_headers("https://evil.example", PK, ("*",))


def test_other_responses_follow_the_deployment_policy() -> None:
    user = Principal(PrincipalKind.USER, user_id="u_" + "0" * 26)
    assert response_headers("https://any.example", user, ("*",))["Access-Control-Allow-Origin"] == "*"
    listed = allowed_origins("https://app.example, https://admin.example/")
    assert listed == ("https://app.example", "https://admin.example")
    assert (
        response_headers("https://app.example", user, listed)["Access-Control-Allow-Origin"]
        == "https://app.example"
    )
    assert "Access-Control-Allow-Origin" not in response_headers("https://other.example", user, listed)
    assert response_headers(None, user, ("*",)) == {"Vary": "Origin"}


def test_preflight() -> None:
    listed = ("https://app.example",)
    embed = preflight_headers("https://careers.example.edu", publishable_route=True, allow=listed)
    assert embed["Access-Control-Allow-Origin"] == "https://careers.example.edu"
    assert "X-Readiness-Key" in embed["Access-Control-Allow-Headers"]
    assert "PUT" in embed["Access-Control-Allow-Methods"]
    closed = preflight_headers("https://careers.example.edu", publishable_route=False, allow=listed)
    assert "Access-Control-Allow-Origin" not in closed
    assert preflight_headers("null", publishable_route=True, allow=("*",)) == {"Vary": "Origin"}


class NoUsers:
    def owner_token_hash(self, user_id: str) -> str | None:
        return None


def test_the_authorizer_answers_in_simple_responses_and_hides_why() -> None:
    store = InMemoryCentreStore()
    created = CentreAdmin(store).create(CentreSettings.parse(name="x", origins=[ORIGIN]), now=NOW)
    resolver = PrincipalResolver(NoUsers(), store)
    allowed = decide(
        {
            "type": "REQUEST",
            "routeKey": "GET /v1/centres/me/summary",
            "headers": {"authorization": f"Bearer {created.keys.secret}"},
            "identitySource": [f"Bearer {created.keys.secret}", "GET /v1/centres/me/summary"],
        },
        resolver,
        now=NOW,
    )
    assert allowed.response == {
        "isAuthorized": True,
        "context": {"kind": "centre_secret", "centre_id": created.centre.centre_id},
    }
    denied = decide(
        {"routeKey": "GET /v1/centres/me/summary", "headers": {"authorization": "Bearer sk_nope"}},
        resolver,
        now=NOW,
    )
    # passed on as a refusal the function answers in the API's envelope (401: the credential is not
    # valid), naming the header but not why: the reason code stays in the authorizer's log
    assert denied.response == {
        "isAuthorized": True,
        "context": {"kind": "refused", "status": "401", "field": "headers.Authorization"},
    }
    assert denied.principal is None
    assert denied.reason == "malformed_key"
    user_route = decide(
        {
            "routeKey": "GET /v1/users/{user_id}/export",
            "headers": {"authorization": f"Bearer {created.keys.secret}"},
        },
        resolver,
        now=NOW,
    )
    assert user_route.response["context"] == {
        "kind": "refused",
        "status": "403",
        "field": "headers.Authorization",
    }
    assert user_route.reason == "not_allowed_on_route"
    assert created.keys.secret not in repr(allowed) + repr(denied) + repr(user_route)
