"""Centre settings: origins, branding and k are validated, every problem named with its field."""

from __future__ import annotations

import pytest
from readiness.centres.model import (
    DEFAULT_K_THRESHOLD,
    CentreSettings,
    InvalidCentre,
    is_centre_id,
    new_centre_id,
    normalise_origin,
)


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("https://Careers.Example.edu", "https://careers.example.edu"),
        ("https://careers.example.edu/", "https://careers.example.edu"),
        ("https://careers.example.edu:443", "https://careers.example.edu"),
        ("https://careers.example.edu:8443", "https://careers.example.edu:8443"),
        ("http://127.0.0.1:4000", "http://127.0.0.1:4000"),
        ("http://localhost:80", "http://localhost"),
        ("  https://a.example  ", "https://a.example"),
    ],
)
def test_origins_are_normalised_as_browsers_send_them(given: str, normal: str) -> None:
    assert normalise_origin(given) == normal


@pytest.mark.parametrize(
    "bad",
    [
        "careers.example.edu",
        "ftp://careers.example.edu",
        "http://careers.example.edu",  # plain http only on loopback
        "https://careers.example.edu/path",
        "https://careers.example.edu?x=1",
        "https://user@careers.example.edu",
        "https://",
        "https://careers.example.edu:99999",
        "*",
        "null",
    ],
)
def test_anything_but_an_origin_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"must|is not"):
        normalise_origin(bad)


def test_valid_settings_with_defaults() -> None:
    settings = CentreSettings.parse(name="  Example   Careers ", origins=["https://careers.example.edu"])
    assert settings.name == "Example Careers"
    assert settings.branding.display_name == "Example Careers"
    assert settings.branding.accent_colour.startswith("#")
    assert settings.branding.logo_url is None
    assert settings.k_threshold == DEFAULT_K_THRESHOLD == 10


def test_duplicate_origins_are_kept_once() -> None:
    settings = CentreSettings.parse(
        name="x", origins=["https://a.example", "https://A.example/", "https://b.example"]
    )
    assert settings.origins == ("https://a.example", "https://b.example")


def test_every_problem_is_named_with_its_field() -> None:
    with pytest.raises(InvalidCentre) as caught:
        CentreSettings.parse(
            name="",
            origins=["https://ok.example", "http://not-loopback.example"],
            display_name="   ",
            accent_colour="blue",
            logo_url="http://insecure.example/logo.png",
            k_threshold=1,
        )
    fields = [d.field for d in caught.value.details]
    assert fields == ["name", "origins.1", "display_name", "accent_colour", "logo_url", "k_threshold"]


def test_no_origin_at_all_is_refused() -> None:
    with pytest.raises(InvalidCentre) as caught:
        CentreSettings.parse(name="x", origins=[])
    assert [d.field for d in caught.value.details] == ["origins"]


@pytest.mark.parametrize(
    "logo", ["https://x.example/a b.png", 'https://x.example/"onerror', "javascript:alert(1)"]
)
def test_logo_urls_are_plain_https(logo: str) -> None:
    with pytest.raises(InvalidCentre):
        CentreSettings.parse(name="x", origins=["https://a.example"], logo_url=logo)


def test_centre_ids_are_random_and_well_formed() -> None:
    ids = {new_centre_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(is_centre_id(i) for i in ids)
    assert not is_centre_id("c_" + "i" * 26)
