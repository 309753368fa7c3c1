"""An in-memory centres store with the DynamoDB store's semantics (versions, transactions, shards)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from readiness.centres.membership import CentreWrites, Membership, MembershipChanged, StudentEntry
from readiness.centres.model import COUNTER_SHARDS, Centre
from readiness.centres.repository import CentreAlreadyExists, CentreChanged, CentreListing, StudentPage

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


class InMemoryCentreStore:
    def __init__(self) -> None:
        self.centres: dict[str, Centre] = {}
        self.memberships_by_key: dict[tuple[str, str], Membership] = {}
        self.roster: dict[str, dict[str, StudentEntry]] = {}
        self.shards: dict[tuple[str, int], Counter[str]] = {}
        self.reads = 0

    # centres
    def add(self, centre: Centre) -> None:
        if centre.centre_id in self.centres:
            raise CentreAlreadyExists("taken")
        self.centres[centre.centre_id] = centre

    def get(self, centre_id: str) -> Centre | None:
        self.reads += 1
        return self.centres.get(centre_id)

    def replace(self, centre: Centre) -> None:
        stored = self.centres.get(centre.centre_id)
        if stored is None or stored.version != centre.version - 1:
            raise CentreChanged("changed")
        self.centres[centre.centre_id] = centre

    def listing(self) -> list[CentreListing]:
        return [
            CentreListing(
                c.centre_id, c.name, c.status, c.origins, c.k_threshold, c.created_at, c.keys_rotated_at
            )
            for c in sorted(self.centres.values(), key=lambda c: c.centre_id)
        ]

    # memberships
    def memberships(self, user_id: str) -> list[Membership]:
        self.reads += 1
        return [m for (u, _), m in sorted(self.memberships_by_key.items()) if u == user_id]

    def membership(self, user_id: str, centre_id: str) -> Membership | None:
        self.reads += 1
        return self.memberships_by_key.get((user_id, centre_id))

    def apply(self, writes: CentreWrites) -> None:
        for write in writes.memberships:
            key = (write.membership.user_id, write.membership.centre_id)
            stored = self.memberships_by_key.get(key)
            if (stored.version if stored else 0) != write.expected_version:
                raise MembershipChanged("raced")
        for write in writes.memberships:
            key = (write.membership.user_id, write.membership.centre_id)
            self.memberships_by_key[key] = write.membership
        for increment in writes.shards:
            assert 0 <= increment.shard < COUNTER_SHARDS
            shard = self.shards.setdefault((increment.centre_id, increment.shard), Counter())
            shard.update(increment.deltas)
            for name in increment.remove:
                if name not in increment.deltas:
                    shard.pop(name, None)
        for roster in writes.roster:
            entries = self.roster.setdefault(roster.centre_id, {})
            if roster.entry is None:
                entries.pop(roster.user_id, None)
            else:
                entries[roster.user_id] = roster.entry

    # cohort
    def cohort(self, centre_id: str) -> tuple[Centre | None, list[dict[str, int]]]:
        self.reads += 1
        shards = [dict(c) for (cid, _), c in sorted(self.shards.items()) if cid == centre_id]
        return self.centres.get(centre_id), shards

    def students(self, centre_id: str, *, limit: int, after: str | None = None) -> StudentPage:
        self.reads += 1
        entries = sorted(self.roster.get(centre_id, {}).values(), key=lambda e: e.user_id)
        if after is not None:
            entries = [e for e in entries if e.user_id > after]
        page = entries[:limit]
        return StudentPage(items=page, after=page[-1].user_id if len(entries) > limit else None)


def with_version(membership: Membership, version: int) -> Membership:
    return replace(membership, version=version)
