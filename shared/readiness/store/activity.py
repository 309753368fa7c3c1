"""Stored activity: how a batch of (already pseudonymised) events is packed into an activity item.

An activity item holds one batch of events, written once and never rewritten. The batch is packed
column by column, because a user's history repeats the same few types and counterparts thousands of
times: types, roles and counterpart digests are listed once per item and referred to by index, times
are deltas between consecutive events in time order. That packs an imported event into about 7 bytes
(JSON rows would take about 11), so a 250,000-event export compacted to ~135,000 events fits in a few
items. A batch that would exceed DynamoDB's item size is split (``pack_batches``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from readiness.activity import ActivityEvent, ActivityType, CounterpartRole
from readiness.store.codec import FORMAT_ZLIB, CorruptRecord, pack_json, unpack_json

BATCH_FORMAT = 1
# DynamoDB items are at most 400 KB; the packed events stay well under, leaving room for the keys.
MAX_PACKED_BYTES = 300_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TYPES = {kind.value: kind for kind in ActivityType}
_ROLES = {role.value: role for role in CounterpartRole}


@dataclass(frozen=True, slots=True)
class PackedBatch:
    """One activity item's payload: the packed events, how many, and the time span they cover."""

    data: bytes
    events: int
    first_at: datetime
    last_at: datetime


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def pack_events(events: Sequence[ActivityEvent]) -> PackedBatch:
    """Pack a non-empty batch (times must be aware; they are stored as UTC to the microsecond)."""
    if not events:
        raise ValueError("an activity batch has at least one event")
    ordered = sorted(events, key=lambda event: event.occurred_at)
    types: dict[str, int] = {}
    roles: dict[str, int] = {}
    counterparts: dict[str, int] = {}
    seconds: list[int] = []
    fractions: list[int] = []
    kinds: list[int] = []
    parties: list[int] = []
    role_refs: list[int] = []
    ids: list[str | None] = []
    previous = 0
    for event in ordered:
        micros = _micros(event.occurred_at)
        whole, fraction = divmod(micros, 1_000_000)
        seconds.append(whole - previous)
        previous = whole
        fractions.append(fraction)
        kinds.append(types.setdefault(event.type.value, len(types)))
        counterpart = event.counterpart
        parties.append(counterparts.setdefault(counterpart, len(counterparts)) + 1 if counterpart else 0)
        role = event.counterpart_role
        role_refs.append(roles.setdefault(role.value, len(roles)) + 1 if role else 0)
        ids.append(event.id)
    document: dict[str, Any] = {
        "v": BATCH_FORMAT,
        "types": list(types),
        "roles": list(roles),
        "counterparts": list(counterparts),
        "t": seconds,
        "k": kinds,
        "c": parties,
        "r": role_refs,
    }
    # columns that are all zero or absent (imports carry no ids, most times are whole seconds) are left out
    if any(fractions):
        document["us"] = fractions
    if any(value is not None for value in ids):
        document["ids"] = ids
    return PackedBatch(
        data=pack_json(document, fmt=FORMAT_ZLIB),
        events=len(ordered),
        first_at=ordered[0].occurred_at.astimezone(UTC),
        last_at=ordered[-1].occurred_at.astimezone(UTC),
    )


def unpack_events(data: bytes) -> list[ActivityEvent]:
    """The events of one packed batch, oldest first (trusted: it was packed by pack_events)."""
    document = unpack_json(data)
    try:
        if document.get("v") != BATCH_FORMAT:
            raise CorruptRecord(f"unknown activity batch format {document.get('v')!r}")
        types = [_TYPES[name] for name in document["types"]]
        roles: list[CounterpartRole | None] = [None, *(_ROLES[name] for name in document["roles"])]
        counterparts: list[str | None] = [None, *document["counterparts"]]
        seconds = document["t"]
        count = len(seconds)
        fractions = document.get("us") or [0] * count
        ids = document.get("ids") or [None] * count
        kinds, parties, role_refs = document["k"], document["c"], document["r"]
        if not (len(fractions) == len(ids) == len(kinds) == len(parties) == len(role_refs) == count):
            raise CorruptRecord("activity batch columns differ in length")
        events = []
        construct = ActivityEvent.model_construct
        total = 0
        for index in range(count):
            total += seconds[index]
            events.append(
                construct(
                    id=ids[index],
                    type=types[kinds[index]],
                    occurred_at=_EPOCH + timedelta(seconds=total, microseconds=fractions[index]),
                    counterpart=counterparts[parties[index]],
                    counterpart_role=roles[role_refs[index]],
                )
            )
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise CorruptRecord("activity batch does not decode") from exc
    return events


def pack_batches(
    events: Sequence[ActivityEvent], *, max_bytes: int = MAX_PACKED_BYTES
) -> Iterator[PackedBatch]:
    """The events packed into as few batches as fit ``max_bytes`` each, in time order."""
    ordered = sorted(events, key=lambda event: event.occurred_at)
    yield from _fit(ordered, max_bytes)


def _fit(events: list[ActivityEvent], max_bytes: int) -> Iterator[PackedBatch]:
    if not events:
        return
    packed = pack_events(events)
    if len(packed.data) <= max_bytes or len(events) == 1:
        yield packed
        return
    # split into as many parts as the size says, with some headroom; a part still too large splits again
    parts = min(len(events), -(-len(packed.data) * 5 // (max_bytes * 4)))
    size = -(-len(events) // parts)
    for start in range(0, len(events), size):
        yield from _fit(events[start : start + size], max_bytes)


def all_events(batches: Iterable[bytes]) -> list[ActivityEvent]:
    """Every event of several packed batches."""
    events: list[ActivityEvent] = []
    for data in batches:
        events += unpack_events(data)
    return events
