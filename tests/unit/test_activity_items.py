"""Activity items: events packed by column round-trip exactly, and a batch too large for one item splits."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from readiness.activity import ActivityEvent, ActivityType, CounterpartRole
from readiness.store.activity import pack_batches, pack_events, unpack_events
from readiness.store.codec import CorruptRecord, pack_json

from tests.builders import events_strategy


def _events(count: int, seed: int = 1) -> list[ActivityEvent]:
    rng = random.Random(seed)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    return [
        ActivityEvent.model_construct(
            id=f"id-{n}" if rng.random() < 0.5 else None,
            type=rng.choice(list(ActivityType)),
            occurred_at=start
            + timedelta(seconds=rng.randrange(200_000_000), microseconds=rng.choice([0, 7])),
            counterpart=f"cp-{rng.randrange(count // 3 + 1)}" if rng.random() < 0.8 else None,
            counterpart_role=rng.choice([None, *CounterpartRole]),
        )
        for n in range(count)
    ]


def _same(a: list[ActivityEvent], b: list[ActivityEvent]) -> bool:
    def key(e: ActivityEvent) -> str:
        return repr((e.type.value, e.occurred_at, e.counterpart, e.counterpart_role, e.id))

    return sorted(map(key, a)) == sorted(map(key, b))


def test_a_batch_round_trips_to_the_microsecond_oldest_first() -> None:
    events = _events(500)

    packed = pack_events(events)
    back = unpack_events(packed.data)

    assert _same(back, events)
    assert [e.occurred_at for e in back] == sorted(e.occurred_at for e in events)
    assert packed.events == 500
    assert (packed.first_at, packed.last_at) == (back[0].occurred_at, back[-1].occurred_at)
    assert all(e.occurred_at.tzinfo is UTC for e in back)


def test_times_in_other_zones_are_stored_as_the_same_instant() -> None:
    moment = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
    event = ActivityEvent.model_validate({"type": "help_given", "occurred_at": "2025-06-01T11:30:00+02:00"})

    (back,) = unpack_events(pack_events([event]).data)

    assert back.occurred_at == moment


@settings(max_examples=50, deadline=None)
@given(st.lists(events_strategy(), max_size=60))
def test_any_events_round_trip(events: list[ActivityEvent]) -> None:
    if events:
        assert _same(unpack_events(pack_events(events).data), events)


def test_a_batch_larger_than_an_item_is_split_in_time_order() -> None:
    events = _events(6000, seed=3)

    batches = list(pack_batches(events, max_bytes=20_000))

    assert len(batches) > 2
    assert all(len(batch.data) <= 20_000 for batch in batches)
    assert sum(batch.events for batch in batches) == 6000
    assert all(earlier.last_at <= later.first_at for earlier, later in pairwise(batches))
    assert _same([e for batch in batches for e in unpack_events(batch.data)], events)


def test_an_empty_batch_is_not_packed_and_a_foreign_blob_is_corrupt() -> None:
    with pytest.raises(ValueError, match="at least one"):
        pack_events([])
    assert list(pack_batches([])) == []
    with pytest.raises(CorruptRecord):
        unpack_events(pack_json({"v": 99}))
    with pytest.raises(CorruptRecord):
        unpack_events(pack_json({"v": 1, "types": [], "roles": [], "counterparts": [], "t": [1], "k": [0]}))
