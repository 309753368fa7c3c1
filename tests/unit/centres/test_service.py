"""Centre use cases over the in-memory store: keys, joining, consent, the roster, the cohort summary."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from readiness.centres.aggregates import DIMENSION_IDS, CountedAssessment
from readiness.centres.keys import KeyVerdict, parse_key
from readiness.centres.membership import (
    MAX_CENTRES_PER_STUDENT,
    MembershipChanged,
    MembershipNotFound,
    TooManyCentres,
    plan_assessment,
)
from readiness.centres.model import CentreNotFound, CentreSettings, InvalidCentre
from readiness.centres.service import (
    CentreAdmin,
    CentreLedger,
    CohortService,
    ConsentService,
    authenticate_centre_key,
)

from tests.unit.centres.fakes import NOW, InMemoryCentreStore


def settings(k: int = 10) -> CentreSettings:
    return CentreSettings.parse(
        name="Example Careers", origins=["https://careers.example.edu"], k_threshold=k
    )


def counted(score: int, assessment_id: str, days_ago: int = 0) -> CountedAssessment:
    return CountedAssessment(
        assessment_id=assessment_id,
        assessed_at=NOW - timedelta(days=days_ago),
        score=score,
        band="building",
        confidence="low",
        dimensions=dict.fromkeys(DIMENSION_IDS, score),
        flags=frozenset(),
    )


@pytest.fixture
def store() -> InMemoryCentreStore:
    return InMemoryCentreStore()


def test_create_rotate_revoke(store: InMemoryCentreStore) -> None:
    admin = CentreAdmin(store)
    created = admin.create(settings(), now=NOW)
    centre_id = created.centre.centre_id
    assert store.centres[centre_id].keys.secret != created.keys.secret  # a hash, not the key
    first = parse_key(created.keys.secret)
    assert authenticate_centre_key(store, first, now=NOW)[1] is KeyVerdict.VALID

    rotated = admin.rotate_keys(centre_id, now=NOW, grace=timedelta(hours=1))
    assert authenticate_centre_key(store, first, now=NOW)[1] is KeyVerdict.VALID  # in the grace period
    later = NOW + timedelta(hours=2)
    assert authenticate_centre_key(store, first, now=later)[1] is KeyVerdict.EXPIRED
    second = parse_key(rotated.keys.secret)
    assert authenticate_centre_key(store, second, now=later)[1] is KeyVerdict.VALID

    admin.revoke(centre_id, now=later)
    centre, verdict = authenticate_centre_key(store, second, now=later)
    assert (centre, verdict) == (None, KeyVerdict.REVOKED)
    with pytest.raises(InvalidCentre):
        admin.rotate_keys(centre_id, now=later)
    assert [c.status.value for c in admin.listing()] == ["revoked"]


def test_unknown_centres_and_bad_grace(store: InMemoryCentreStore) -> None:
    admin = CentreAdmin(store)
    with pytest.raises(CentreNotFound):
        admin.revoke("c_" + "0" * 26, now=NOW)
    centre_id = admin.create(settings(), now=NOW).centre.centre_id
    with pytest.raises(InvalidCentre):
        admin.rotate_keys(centre_id, now=NOW, grace=timedelta(days=31))


def test_a_key_for_a_missing_centre_is_unknown(store: InMemoryCentreStore) -> None:
    from readiness.centres.keys import issue_keys

    keys = issue_keys("c_" + "1" * 26)
    assert authenticate_centre_key(store, parse_key(keys.publishable), now=NOW) == (None, KeyVerdict.UNKNOWN)


def test_joining_counts_once_and_later_assessments_replace(store: InMemoryCentreStore) -> None:
    centre_id = CentreAdmin(store).create(settings(k=2), now=NOW).centre.centre_id
    shards = itertools.cycle(range(16))
    ledger = CentreLedger(pick_shard=lambda: next(shards))
    store.apply(
        ledger.plan(
            "u1", counted(40, "a1", 3), memberships=store.memberships("u1"), joining=centre_id, now=NOW
        )
    )
    store.apply(
        ledger.plan(
            "u2", counted(60, "a2", 2), memberships=store.memberships("u2"), joining=centre_id, now=NOW
        )
    )
    # u1 again, without the key (e.g. on the product's own site, or a scheduled re-assessment)
    store.apply(
        ledger.plan("u1", counted(80, "a3"), memberships=store.memberships("u1"), joining=None, now=NOW)
    )
    summary = CohortService(store).summary(centre_id, now=NOW)
    assert summary.students == 2
    assert summary.mean_score == 70.0
    assert len({shard for (_c, shard) in store.shards}) == 3  # spread over shards


def test_a_user_of_no_centre_writes_nothing_for_centres(store: InMemoryCentreStore) -> None:
    ledger = CentreLedger()
    assert not ledger.plan(
        "u1", counted(40, "a1"), memberships=store.memberships("u1"), joining=None, now=NOW
    )
    assert not ledger.plan(
        "u1", counted(40, "a1"), memberships=store.memberships("u1"), joining=None, now=NOW
    )


def test_two_racing_writes_for_one_student_cannot_both_count(store: InMemoryCentreStore) -> None:
    centre_id = CentreAdmin(store).create(settings(), now=NOW).centre.centre_id
    ledger = CentreLedger(pick_shard=lambda: 0)
    store.apply(
        ledger.plan("u1", counted(40, "a1"), memberships=store.memberships("u1"), joining=centre_id, now=NOW)
    )
    first = ledger.plan("u1", counted(50, "a2"), memberships=store.memberships("u1"), joining=None, now=NOW)
    second = ledger.plan("u1", counted(60, "a3"), memberships=store.memberships("u1"), joining=None, now=NOW)
    store.apply(first)
    with pytest.raises(MembershipChanged):
        store.apply(second)


def test_consent_defaults_to_no_and_drives_the_roster(store: InMemoryCentreStore) -> None:
    centre_id = CentreAdmin(store).create(settings(), now=NOW).centre.centre_id
    ledger = CentreLedger(pick_shard=lambda: 0)
    consents = ConsentService(store)
    cohort = CohortService(store)
    store.apply(
        ledger.plan("u1", counted(40, "a1"), memberships=store.memberships("u1"), joining=centre_id, now=NOW)
    )
    assert consents.get("u1", centre_id).consent is False
    assert cohort.students(centre_id, limit=10, after=None).items == []
    assert not consents.allows("u1", centre_id)

    consents.set("u1", centre_id, True, now=NOW)
    (entry,) = cohort.students(centre_id, limit=10, after=None).items
    assert (entry.user_id, entry.score, entry.assessment_id) == ("u1", 40, "a1")
    assert consents.allows("u1", centre_id)

    store.apply(
        ledger.plan("u1", counted(70, "a2"), memberships=store.memberships("u1"), joining=None, now=NOW)
    )
    (entry,) = cohort.students(centre_id, limit=10, after=None).items
    assert (entry.score, entry.assessment_id) == (70, "a2")

    consents.set("u1", centre_id, False, now=NOW)
    assert cohort.students(centre_id, limit=10, after=None).items == []
    store.apply(
        ledger.plan("u1", counted(75, "a3"), memberships=store.memberships("u1"), joining=None, now=NOW)
    )
    assert cohort.students(centre_id, limit=10, after=None).items == []  # withdrawn stays withdrawn


def test_consent_for_a_centre_one_does_not_belong_to_is_not_found(store: InMemoryCentreStore) -> None:
    centre_id = CentreAdmin(store).create(settings(), now=NOW).centre.centre_id
    with pytest.raises(MembershipNotFound):
        ConsentService(store).set("u9", centre_id, True, now=NOW)


def test_the_roster_pages(store: InMemoryCentreStore) -> None:
    centre_id = CentreAdmin(store).create(settings(), now=NOW).centre.centre_id
    ledger = CentreLedger(pick_shard=lambda: 0)
    consents = ConsentService(store)
    for number in range(5):
        user = f"u{number}"
        store.apply(
            ledger.plan(
                user,
                counted(50, f"a{number}"),
                memberships=store.memberships(user),
                joining=centre_id,
                now=NOW,
            )
        )
        if number != 2:
            consents.set(user, centre_id, True, now=NOW)
    cohort = CohortService(store)
    first = cohort.students(centre_id, limit=3, after=None)
    assert [e.user_id for e in first.items] == ["u0", "u1", "u3"]
    assert first.after == "u3"
    second = cohort.students(centre_id, limit=3, after=first.after)
    assert [e.user_id for e in second.items] == ["u4"]
    assert second.after is None


def test_a_student_belongs_to_at_most_so_many_centres() -> None:
    from readiness.centres.membership import Membership

    memberships = [
        Membership(user_id="u", centre_id=f"c{i}", joined_at=NOW, counted=counted(1, "a0"), version=1)
        for i in range(MAX_CENTRES_PER_STUDENT)
    ]
    with pytest.raises(TooManyCentres):
        plan_assessment(
            memberships, counted(2, "a1"), user_id="u", joining="cx", now=NOW, pick_shard=lambda: 0
        )
    writes = plan_assessment(
        memberships, counted(2, "a1"), user_id="u", joining=None, now=NOW, pick_shard=lambda: 0
    )
    assert writes.item_count <= 99  # one transaction with the assessment's own Put


def test_the_summary_of_an_unknown_centre_is_not_found(store: InMemoryCentreStore) -> None:
    with pytest.raises(CentreNotFound):
        CohortService(store).summary("c_" + "2" * 26, now=NOW)
