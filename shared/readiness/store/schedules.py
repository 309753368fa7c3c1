"""Re-assessment schedules as storage keeps them: the records and the repository interface.

The DynamoDB implementation is readiness.store.schedule_table; keys and the due index are described
in docs/data-model.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from readiness.cadence import due_period
from readiness.store.errors import StoreUnavailable


class ScheduleChanged(StoreUnavailable):
    """The schedule changed since it was read (a concurrent PUT, DELETE or re-assessment)."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A user's opt-in to re-assessment every ``cadence_days``, and when it next falls due."""

    user_id: str
    cadence_days: int
    next_due_at: datetime
    owner_token_hash: str = field(repr=False)
    created_at: datetime
    updated_at: datetime
    last_due_at: datetime | None = None  # the period before: when it fell due (and was dispatched)

    @property
    def due_period(self) -> str:
        """The id of the period that ends at ``next_due_at``: at most one scheduled assessment each."""
        return due_period(self.next_due_at)


@dataclass(frozen=True, slots=True)
class DueSchedule:
    """A schedule as the due index lists it: enough to dispatch it without reading the item."""

    user_id: str
    next_due_at: datetime
    cadence_days: int
    index_key: str  # the due-index sort key seen; claiming is conditional on it being unchanged

    @property
    def due_period(self) -> str:
        return due_period(self.next_due_at)


class ScheduleRepository(Protocol):
    """Schedules and the sparse, write-sharded due index over them."""

    def get(self, user_id: str) -> Schedule | None:
        """The user's schedule (strongly consistent), or None."""

    def save(self, schedule: Schedule, *, replacing: Schedule | None) -> None:
        """Store ``schedule``: new (``replacing`` None) or in place of ``replacing`` as it was read.

        ScheduleChanged if a schedule appeared, or ``replacing``'s period or cadence changed, since.
        """

    def delete(self, user_id: str) -> None:
        """Remove the schedule (and so its due-index entry); nothing happens if there is none."""

    def due(self, shard: int, now: datetime) -> Iterator[DueSchedule]:
        """Every schedule of one due-index shard that is due at ``now`` (oldest first), page by page."""

    def claim(self, entry: DueSchedule, next_due_at: datetime) -> bool:
        """Move a due schedule on to its next period, conditional on it still being in the period and
        at the index position it was listed at; False if it changed (already claimed, rescheduled,
        deleted)."""

    def unclaim(self, entry: DueSchedule, next_due_at: datetime) -> bool:
        """Undo a claim whose message could not be queued (conditional on the claimed period)."""
