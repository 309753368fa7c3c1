"""The centres store on DynamoDB (moto, tables from template.yaml): items, transactions, one-request reads."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from readiness.centres.aggregates import DIMENSION_IDS, CountedAssessment
from readiness.centres.dynamodb import DynamoDBCentreStore
from readiness.centres.membership import MembershipChanged
from readiness.centres.model import COUNTER_SHARDS, CentreSettings
from readiness.centres.repository import CentreAlreadyExists, CentreChanged
from readiness.centres.service import CentreAdmin, CentreLedger, CohortService, ConsentService

from tests.integration.conftest import all_items

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(dynamodb: Any, tables: dict[str, str]) -> DynamoDBCentreStore:
    return DynamoDBCentreStore(dynamodb, tables["ReadinessTable"])


def counted(score: int, assessment_id: str, *, flags: tuple[str, ...] = ()) -> CountedAssessment:
    return CountedAssessment(
        assessment_id=assessment_id,
        assessed_at=NOW,
        score=score,
        band="building",
        confidence="medium",
        dimensions=dict.fromkeys(DIMENSION_IDS, score),
        flags=frozenset(flags),
    )


def test_a_centre_round_trips_and_is_listed_without_key_hashes(store: DynamoDBCentreStore) -> None:
    admin = CentreAdmin(store)
    settings = CentreSettings.parse(
        name="Example Careers",
        origins=["https://careers.example.edu", "http://localhost:8080"],
        accent_colour="#AA3300",
        logo_url="https://careers.example.edu/logo.svg",
        k_threshold=12,
    )
    created = admin.create(settings, now=NOW)
    stored = store.get(created.centre.centre_id)
    assert stored == created.centre
    (listed,) = admin.listing()
    assert listed.centre_id == created.centre.centre_id
    assert listed.origins == ("https://careers.example.edu", "http://localhost:8080")
    with pytest.raises(CentreAlreadyExists):
        store.add(created.centre)
    rotated = admin.rotate_keys(created.centre.centre_id, now=NOW, grace=timedelta(hours=1))
    assert store.get(created.centre.centre_id) == rotated.centre
    with pytest.raises(CentreChanged):
        store.replace(rotated.centre)  # the same version twice: someone else got there first


def test_keys_are_stored_only_as_hashes(
    store: DynamoDBCentreStore, dynamodb: Any, tables: dict[str, str]
) -> None:
    created = CentreAdmin(store).create(
        CentreSettings.parse(name="x", origins=["https://a.example"]), now=NOW
    )
    dump = repr(all_items(dynamodb, tables["ReadinessTable"]))
    assert created.keys.publishable not in dump
    assert created.keys.secret not in dump
    assert created.keys.secret.rsplit("_", 1)[1] not in dump


def test_assessment_writes_consent_roster_and_summary(store: DynamoDBCentreStore) -> None:
    centre_id = (
        CentreAdmin(store)
        .create(CentreSettings.parse(name="x", origins=["https://a.example"], k_threshold=2), now=NOW)
        .centre.centre_id
    )
    shards = itertools.cycle([3, 7])
    ledger = CentreLedger(pick_shard=lambda: next(shards))
    store.apply(
        ledger.plan("u_1", counted(40, "a_1", flags=("taker",)), memberships=[], joining=centre_id, now=NOW)
    )
    store.apply(
        ledger.plan(
            "u_2", counted(60, "a_2"), memberships=store.memberships("u_2"), joining=centre_id, now=NOW
        )
    )
    store.apply(
        ledger.plan("u_1", counted(80, "a_3"), memberships=store.memberships("u_1"), joining=None, now=NOW)
    )
    summary = CohortService(store).summary(centre_id, now=NOW)
    assert (summary.students, summary.mean_score) == (2, 70.0)
    assert summary.flags is not None
    assert {f.id: f.students for f in summary.flags}["taker"] == 0

    consents = ConsentService(store)
    assert consents.get("u_2", centre_id).consent is False
    assert CohortService(store).students(centre_id, limit=5, after=None).items == []
    consents.set("u_2", centre_id, True, now=NOW)
    (entry,) = CohortService(store).students(centre_id, limit=5, after=None).items
    assert (entry.user_id, entry.score) == ("u_2", 60)
    consents.set("u_2", centre_id, False, now=NOW)
    assert CohortService(store).students(centre_id, limit=5, after=None).items == []


def test_a_racing_write_is_refused_whole(
    store: DynamoDBCentreStore, dynamodb: Any, tables: dict[str, str]
) -> None:
    centre_id = (
        CentreAdmin(store)
        .create(CentreSettings.parse(name="x", origins=["https://a.example"]), now=NOW)
        .centre.centre_id
    )
    ledger = CentreLedger(pick_shard=lambda: 0)
    store.apply(
        ledger.plan(
            "u_1", counted(40, "a_1"), memberships=store.memberships("u_1"), joining=centre_id, now=NOW
        )
    )
    first = ledger.plan(
        "u_1", counted(50, "a_2"), memberships=store.memberships("u_1"), joining=None, now=NOW
    )
    second = ledger.plan(
        "u_1", counted(90, "a_3"), memberships=store.memberships("u_1"), joining=None, now=NOW
    )
    store.apply(first)
    before = all_items(dynamodb, tables["ReadinessTable"])
    with pytest.raises(MembershipChanged):
        store.apply(second)
    assert all_items(dynamodb, tables["ReadinessTable"]) == before  # nothing half-counted


def test_the_summary_is_one_batch_get_whatever_the_cohort(store: DynamoDBCentreStore, dynamodb: Any) -> None:
    centre_id = (
        CentreAdmin(store)
        .create(CentreSettings.parse(name="x", origins=["https://a.example"], k_threshold=2), now=NOW)
        .centre.centre_id
    )
    shards = itertools.cycle(range(COUNTER_SHARDS))
    ledger = CentreLedger(pick_shard=lambda: next(shards))
    calls: list[str] = []
    dynamodb.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
    for students in (3, 40):
        for number in range(students):
            user = f"u_{students}_{number}"
            store.apply(
                ledger.plan(
                    user, counted(number % 100, f"a_{user}"), memberships=[], joining=centre_id, now=NOW
                )
            )
        calls.clear()
        summary = CohortService(store).summary(centre_id, now=NOW)
        assert calls == ["BatchGetItem"]
    assert summary.students == 43
