"""Counterpart keys and digests, and the conservative role heuristic."""

from __future__ import annotations

import pytest
from readiness.activity import CounterpartRole
from readiness.linkedin.counterparts import (
    CounterpartDirectory,
    identity_key,
    infer_role,
    is_company_page,
    name_key,
    profile_key,
)

SALT = b"counterpart-test-salt-0123"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/ada-vorzin",
        "http://linkedin.com/in/ada-vorzin/",
        "www.linkedin.com/in/ada-vorzin",
        "https://uk.linkedin.com/in/Ada-Vorzin?trk=profile#about",
        "https://www.linkedin.com/in/ada%2Dvorzin",
        "  HTTPS://WWW.LINKEDIN.COM/IN/ADA-VORZIN  ",
        "https://www.linkedin.com/in/ada-vorzin/details/skills/",
    ],
)
def test_one_profile_one_key_however_the_url_is_spelled(url: str) -> None:
    assert profile_key(url) == "in:ada-vorzin"


def test_other_urls_keep_their_own_keys() -> None:
    assert profile_key("https://www.linkedin.com/company/vexmoor/") == "li:company/vexmoor"
    assert is_company_page(profile_key("https://www.linkedin.com/company/vexmoor/"))
    assert not is_company_page(profile_key("https://www.linkedin.com/in/vexmoor"))
    assert profile_key("https://example.org/people/ada") == "url:example.org/people/ada"
    assert profile_key("") is None
    assert profile_key("https://www.linkedin.com/") is None


def test_names_match_without_accents_case_or_punctuation() -> None:
    assert name_key("Renée", "Dávila-Orr") == name_key("renee davila orr") == "name:renee davila orr"
    assert name_key("  Ada   ", "VORZIN ") == name_key("Ada Vorzin")
    assert name_key("LinkedIn Member") is None
    assert name_key("", "") is None


def test_owner_hint_is_a_url_or_a_name() -> None:
    assert identity_key("https://www.linkedin.com/in/quill") == "in:quill"
    assert identity_key("www.linkedin.com/in/quill/") == "in:quill"
    assert identity_key("Quillon Marshvor") == "name:quillon marshvor"


def test_counterpart_ids_are_salted_truncated_hmacs() -> None:
    one = CounterpartDirectory(SALT, max_entries=10).counterpart_id("in:ada")
    same = CounterpartDirectory(SALT, max_entries=10).counterpart_id("in:ada")
    other_salt = CounterpartDirectory(SALT + b"!", max_entries=10).counterpart_id("in:ada")
    other_person = CounterpartDirectory(SALT, max_entries=10).counterpart_id("in:bob")
    assert one == same
    assert len(one) == 32
    assert int(one, 16) >= 0
    assert len({one, other_salt, other_person}) == 3
    assert "ada" not in one


def test_a_short_salt_is_refused() -> None:
    with pytest.raises(ValueError, match="salt"):
        CounterpartDirectory(b"short", max_entries=10)


def test_directory_resolves_a_name_to_its_profile_unless_ambiguous() -> None:
    directory = CounterpartDirectory(SALT, max_entries=100)
    directory.learn("in:ada-1", "name:ada vorzin")
    directory.learn("in:ada-1", "name:ada vorzin")
    directory.learn("in:bob-1", "name:bob kel")
    directory.learn("in:bob-2", "name:bob kel")  # two people called Bob Kel
    assert directory.canonical(None, "name:ada vorzin") == "in:ada-1"
    assert directory.canonical(None, "name:bob kel") == "name:bob kel"
    assert directory.canonical("in:bob-2", "name:bob kel") == "in:bob-2"
    assert directory.canonical(None, "name:nobody") == "name:nobody"
    assert directory.canonical(None, None) is None


def test_roles_learnt_by_name_move_to_the_profile_on_settle() -> None:
    directory = CounterpartDirectory(SALT, max_entries=100)
    directory.set_role("name:ada vorzin", CounterpartRole.RECRUITER)
    directory.learn("in:ada-1", "name:ada vorzin")
    directory.settle()
    assert directory.role("in:ada-1") is CounterpartRole.RECRUITER
    directory.set_role("in:ada-1", CounterpartRole.HIRING_MANAGER)  # the narrower signal is kept
    assert directory.role("in:ada-1") is CounterpartRole.RECRUITER


def test_tables_stop_growing_at_their_limit() -> None:
    directory = CounterpartDirectory(SALT, max_entries=2)
    for index in range(5):
        directory.learn(f"in:p{index}", f"name:p {index}")
    assert directory.full
    assert directory.canonical(None, "name:p 4") == "name:p 4"


@pytest.mark.parametrize(
    "title",
    [
        "Technical Recruiter",
        "Senior Talent Acquisition Partner",
        "Recruitment Consultant",
        "Head of Recruiting",
        "Talent Partner, EMEA",
        "Sourcer",
        "Executive Search Associate",
        "Headhunter",
    ],
)
def test_recruiter_titles(title: str) -> None:
    assert infer_role(title) is CounterpartRole.RECRUITER


@pytest.mark.parametrize("title", ["Hiring Manager", "Engineering Manager (hiring!)", "CTO - we're hiring"])
def test_hiring_titles(title: str) -> None:
    assert infer_role(title) is CounterpartRole.HIRING_MANAGER


@pytest.mark.parametrize(
    "title",
    [
        "",
        "Engineering Manager",
        "Director of Engineering",
        "Head of Platform",
        "VP Sales",
        "Founder & CEO",
        "Head of Talent Development",
        "Sourcing Manager",
        "Mentor at Startup Club",
        "Software Engineer",
    ],
)
def test_titles_that_say_nothing_plain_get_no_role(title: str) -> None:
    assert infer_role(title) is None
