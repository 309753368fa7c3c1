"""Credential resolution and the per-route policy: what the authorizer lets through, and as whom."""

from __future__ import annotations

from datetime import timedelta

import pytest
from readiness.access.policy import ROUTE_POLICY, AuthorizerName
from readiness.access.principal import Principal, PrincipalKind
from readiness.access.resolve import AccessDenied, PresentedCredentials, PrincipalResolver
from readiness.centres.model import CentreSettings
from readiness.centres.service import CentreAdmin, CreatedCentre
from readiness.identity import issue_user_token

from tests.unit.centres.fakes import NOW, InMemoryCentreStore

ORIGIN = "https://careers.example.edu"
WIDGET = "https://app.readiness.example"


class Users:
    def __init__(self) -> None:
        self.hashes: dict[str, str] = {}

    def owner_token_hash(self, user_id: str) -> str | None:
        return self.hashes.get(user_id)


@pytest.fixture
def world() -> tuple[PrincipalResolver, InMemoryCentreStore, Users, CreatedCentre, CreatedCentre, str]:
    store = InMemoryCentreStore()
    admin = CentreAdmin(store)
    ours = admin.create(CentreSettings.parse(name="Ours", origins=[ORIGIN]), now=NOW)
    theirs = admin.create(CentreSettings.parse(name="Theirs", origins=["https://other.example"]), now=NOW)
    users = Users()
    token = issue_user_token()
    users.hashes[token.user_id] = token.token_hash
    resolver = PrincipalResolver(users, store, widget_origins=[WIDGET])
    return resolver, store, users, ours, theirs, token.token


def creds(**kwargs: str) -> PresentedCredentials:
    return PresentedCredentials(**kwargs)


def test_anonymous_on_optional_routes_only(world) -> None:  # type: ignore[no-untyped-def]
    resolver = world[0]
    principal = resolver.authorize("POST /v1/assessments", creds(), now=NOW)
    assert principal.kind is PrincipalKind.ANONYMOUS
    with pytest.raises(AccessDenied, match="not_allowed_on_route"):
        resolver.authorize("GET /v1/users/{user_id}/assessments", creds(), now=NOW)


def test_a_user_token(world) -> None:  # type: ignore[no-untyped-def]
    resolver, _store, users, _ours, _theirs, token = world
    principal = resolver.authorize(
        "GET /v1/assessments/{assessment_id}", creds(authorization=f"Bearer {token}"), now=NOW
    )
    assert principal.kind is PrincipalKind.USER
    assert principal.user_id in users.hashes
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(AccessDenied, match="unknown_user_token"):
        resolver.authorize(
            "GET /v1/assessments/{assessment_id}",
            creds(authorization=f"Bearer {wrong}"),
            now=NOW,
        )
    with pytest.raises(AccessDenied, match="malformed_credential"):
        resolver.authorize("GET /v1/assessments/{assessment_id}", creds(authorization="Basic abc"), now=NOW)
    with pytest.raises(AccessDenied, match="not_allowed_on_route"):
        resolver.authorize("GET /v1/centres/me/summary", creds(authorization=f"Bearer {token}"), now=NOW)


def test_a_secret_key_reaches_centre_routes_only(world) -> None:  # type: ignore[no-untyped-def]
    resolver, _store, _users, ours, _theirs, _token = world
    bearer = creds(authorization=f"Bearer {ours.keys.secret}")
    principal = resolver.authorize("GET /v1/centres/me/summary", bearer, now=NOW)
    assert (principal.kind, principal.centre_id) == (PrincipalKind.CENTRE_SECRET, ours.centre.centre_id)
    for route in ("GET /v1/assessments/{assessment_id}", "POST /v1/assessments", "GET /v1/questionnaire"):
        with pytest.raises(AccessDenied):
            resolver.authorize(route, bearer, now=NOW)


def test_a_publishable_key_is_for_its_origins_and_optional_routes_only(world) -> None:  # type: ignore[no-untyped-def]
    resolver, _store, _users, ours, theirs, token = world
    pk = ours.keys.publishable
    principal = resolver.authorize("GET /v1/questionnaire", creds(publishable_key=pk, origin=ORIGIN), now=NOW)
    assert principal.kind is PrincipalKind.CENTRE_PUBLIC
    assert principal.origin == ORIGIN
    assert principal.branding is not None
    assert principal.branding.display_name == "Ours"
    with pytest.raises(AccessDenied, match="origin_not_allowed"):
        resolver.authorize(
            "GET /v1/questionnaire", creds(publishable_key=pk, origin="https://evil.example"), now=NOW
        )
    with pytest.raises(AccessDenied, match="without_origin"):
        resolver.authorize("GET /v1/questionnaire", creds(publishable_key=pk), now=NOW)
    with pytest.raises(AccessDenied, match="origin_not_allowed"):  # another centre's origin
        resolver.authorize(
            "GET /v1/questionnaire", creds(publishable_key=pk, origin="https://other.example"), now=NOW
        )
    with pytest.raises(AccessDenied, match="publishable_key_in_authorization"):
        resolver.authorize(
            "POST /v1/assessments", creds(authorization=f"Bearer {pk}", origin=ORIGIN), now=NOW
        )
    with pytest.raises(AccessDenied, match="secret_key_in_browser_header"):
        resolver.authorize(
            "POST /v1/assessments", creds(publishable_key=ours.keys.secret, origin=ORIGIN), now=NOW
        )
    # a publishable key cannot reach anything else, whatever the origin
    for route, access in ROUTE_POLICY.items():
        if access.authorizer is AuthorizerName.REQUIRED:
            with pytest.raises(AccessDenied):
                resolver.authorize(route, creds(publishable_key=pk, origin=ORIGIN), now=NOW)
    # with a user token: a returning student of the centre
    both = resolver.authorize(
        "POST /v1/assessments",
        creds(publishable_key=pk, origin=ORIGIN, authorization=f"Bearer {token}"),
        now=NOW,
    )
    assert both.kind is PrincipalKind.CENTRE_PUBLIC
    assert both.user_id is not None
    with pytest.raises(AccessDenied):
        resolver.authorize(
            "POST /v1/assessments", creds(publishable_key=theirs.keys.publishable, origin=ORIGIN), now=NOW
        )


def test_the_embedded_form_names_its_host_page(world) -> None:  # type: ignore[no-untyped-def]
    resolver, _store, _users, ours, _theirs, _token = world
    pk = ours.keys.publishable
    framed = creds(publishable_key=pk, origin=WIDGET, host_origin=ORIGIN)
    assert resolver.authorize("POST /v1/assessments", framed, now=NOW).origin == WIDGET
    same_origin = creds(
        publishable_key=pk,
        origin="http://127.0.0.1:3000",
        host_origin=ORIGIN,
        own_origin="http://127.0.0.1:3000",
    )
    assert (
        resolver.authorize("POST /v1/assessments", same_origin, now=NOW).kind is PrincipalKind.CENTRE_PUBLIC
    )
    with pytest.raises(AccessDenied, match="origin_not_allowed"):  # framed by a foreign page
        resolver.authorize(
            "POST /v1/assessments",
            creds(publishable_key=pk, origin=WIDGET, host_origin="https://evil.example"),
            now=NOW,
        )
    with pytest.raises(
        AccessDenied, match="origin_not_allowed"
    ):  # the header from a foreign page counts for nothing
        resolver.authorize(
            "POST /v1/assessments",
            creds(publishable_key=pk, origin="https://evil.example", host_origin=ORIGIN),
            now=NOW,
        )


def test_rotated_and_revoked_keys(world) -> None:  # type: ignore[no-untyped-def]
    resolver, store, _users, ours, _theirs, _token = world
    admin = CentreAdmin(store)
    centre_id = ours.centre.centre_id
    admin.rotate_keys(centre_id, now=NOW, grace=timedelta(minutes=10))
    old = creds(authorization=f"Bearer {ours.keys.secret}")
    assert resolver.authorize("GET /v1/centres/me/summary", old, now=NOW).centre_id == centre_id
    with pytest.raises(AccessDenied, match="expired_key"):
        resolver.authorize("GET /v1/centres/me/summary", old, now=NOW + timedelta(minutes=11))
    admin.revoke(centre_id, now=NOW)
    with pytest.raises(AccessDenied, match="revoked_key"):
        resolver.authorize("GET /v1/centres/me/summary", old, now=NOW)


def test_required_routes_read_only_the_authorization_header(world) -> None:  # type: ignore[no-untyped-def]
    """Their cached result is keyed on Authorization and the route: nothing else may change it."""
    resolver, _store, _users, ours, _theirs, token = world
    plain = resolver.authorize(
        "GET /v1/users/{user_id}/assessments", creds(authorization=f"Bearer {token}"), now=NOW
    )
    noisy = resolver.authorize(
        "GET /v1/users/{user_id}/assessments",
        creds(
            authorization=f"Bearer {token}",
            publishable_key=ours.keys.publishable,
            origin="https://evil.example",
        ),
        now=NOW,
    )
    assert plain == noisy


def test_the_principal_survives_the_authorizer_context() -> None:
    from readiness.centres.model import Branding

    principal = Principal(
        PrincipalKind.CENTRE_PUBLIC,
        user_id="u_" + "0" * 26,
        centre_id="c_" + "1" * 26,
        origin=ORIGIN,
        branding=Branding("Ours", "#123456", None),
    )
    context = principal.as_context()
    assert all(isinstance(v, str) for v in context.values())
    assert Principal.from_context(context) == principal


@pytest.mark.parametrize(
    "context",
    [
        None,
        {},
        {"kind": "root"},
        {"kind": "user"},
        {"kind": "user", "user_id": "u_bad"},
        {"kind": "centre_secret", "centre_id": "c_nope"},
    ],
)
def test_a_missing_or_garbled_context_is_anonymous(context: dict[str, str] | None) -> None:
    assert Principal.from_context(context).kind is PrincipalKind.ANONYMOUS


def test_credentials_from_headers() -> None:
    found = PresentedCredentials.from_headers(
        {
            "Authorization": "Bearer x",
            "x-readiness-key": "pk",
            "Origin": ORIGIN,
            "host": "127.0.0.1:3000",
            "x-forwarded-proto": "http",
        }
    )
    assert found.authorization == "Bearer x"
    assert found.publishable_key == "pk"
    assert found.own_origin == "http://127.0.0.1:3000"
