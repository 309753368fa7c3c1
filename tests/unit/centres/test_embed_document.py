"""The embedded form's page for one centre: where its code comes from, who may frame it, what it calls."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from readiness.api.embed import active_centre, api_location, assets_origin, embed_document
from readiness.centres.model import CentreNotFound, CentreSettings, new_centre_id
from readiness.centres.service import CentreAdmin

from tests.unit.centres.fakes import NOW, InMemoryCentreStore

ORIGINS = ["https://careers.example.edu", "https://jobs.example.edu"]


def directives(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def centre_with(**settings: str) -> tuple[InMemoryCentreStore, str]:
    store = InMemoryCentreStore()
    created = CentreAdmin(store).create(
        CentreSettings.parse(name="Example Careers", origins=ORIGINS, **settings), now=NOW
    )
    return store, created.centre.centre_id


def test_with_web_origins_the_code_comes_from_the_first_and_the_logo_from_its_own_origin() -> None:
    store, centre_id = centre_with(logo_url="https://cdn.example.edu/careers/logo.svg")
    assets = assets_origin("https://Readiness.Example.org/, https://other.example.org")
    assert assets == "https://readiness.example.org"

    page = embed_document(
        active_centre(store, centre_id),
        api_origin="https://api.example.org",
        api_base_path="/prod",
        assets=assets,
    )

    csp = directives(page.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ORIGINS
    assert csp["script-src"] == csp["style-src"] == csp["base-uri"] == ["https://readiness.example.org"]
    assert csp["img-src"] == ["https://readiness.example.org", "data:", "https://cdn.example.edu"]
    assert csp["connect-src"] == ["'self'"]  # the API, which serves the page
    assert '<base href="https://readiness.example.org/embed/">' in page.body
    assert '<meta name="readiness-api-base" content="https://api.example.org/prod">' in page.body


def test_without_web_origins_everything_is_the_apis_own_origin() -> None:
    store, centre_id = centre_with()
    assert assets_origin("") is None
    page = embed_document(
        active_centre(store, centre_id), api_origin="http://127.0.0.1:3000", api_base_path="", assets=None
    )
    csp = directives(page.headers["Content-Security-Policy"])
    assert csp["script-src"] == csp["img-src"][:1] == ["'self'"]
    assert '<base href="http://127.0.0.1:3000/embed/">' in page.body


def test_a_revoked_unknown_or_malformed_centre_has_no_page() -> None:
    store, centre_id = centre_with()
    CentreAdmin(store).revoke(centre_id, now=NOW + timedelta(hours=1))
    for wanted in (centre_id, new_centre_id(), "c_nope", "../etc"):
        with pytest.raises(CentreNotFound):
            active_centre(store, wanted)


@pytest.mark.parametrize(
    ("headers", "context", "raw_path", "expected"),
    [
        (
            {"host": "abc.execute-api.eu-west-1.amazonaws.com", "x-forwarded-proto": "https"},
            {"stage": "dev", "domainName": "abc.execute-api.eu-west-1.amazonaws.com"},
            "/dev/v1/centres/c_x/embed",
            ("https://abc.execute-api.eu-west-1.amazonaws.com", "/dev"),
        ),
        (  # a custom domain maps the stage away: no prefix in the path
            {"host": "api.example.org"},
            {"stage": "prod", "domainName": "api.example.org"},
            "/v1/centres/c_x/embed",
            ("https://api.example.org", ""),
        ),
        (  # the local stack
            {"host": "127.0.0.1:3000", "x-forwarded-proto": "http"},
            {"stage": "$default"},
            "/v1/centres/c_x/embed",
            ("http://127.0.0.1:3000", ""),
        ),
    ],
)
def test_the_api_location_is_its_own_origin_and_stage_prefix(
    headers: dict[str, str], context: dict[str, str], raw_path: str, expected: tuple[str, str]
) -> None:
    assert api_location({"headers": headers, "requestContext": context, "rawPath": raw_path}) == expected


def test_nothing_but_an_origin_reaches_a_source_list() -> None:
    store, centre_id = centre_with()
    stored = active_centre(store, centre_id)
    # as if written by hand into the table: the policy must not be extended through them
    odd = replace(
        stored,
        origins=("https://careers.example.edu", "https://evil.example;script-src", "https://a.example,b"),
        branding=replace(stored.branding, logo_url="https://cdn.example.edu;img-src/logo.svg"),
    )
    page = embed_document(odd, api_origin="https://api.example.org", api_base_path="", assets=None)

    header = page.headers["Content-Security-Policy"]
    assert directives(header)["frame-ancestors"] == ["https://careers.example.edu"]
    assert directives(header)["img-src"] == ["'self'", "data:"]
    assert header.count(";") == 9  # ten directives, no more

    nobody = replace(stored, origins=("https://evil.example;x",))
    header = embed_document(nobody, api_origin="https://a.example", api_base_path="", assets=None).headers[
        "Content-Security-Policy"
    ]
    assert directives(header)["frame-ancestors"] == ["'none'"]
