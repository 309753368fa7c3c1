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
    last_assessment_id: str | None = None
    last_reassessed_at: datetime | None = None

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
    dispatches: int  # how often this period was dispatched already (leases that ran out)
    index_key: str  # the due-index sort key seen; a lease is conditional on it being unchanged

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

    def lease(self, entry: DueSchedule, until: datetime) -> bool:
        """Move a dispatched schedule's index entry to ``until``; False if it changed since it was listed."""

    def advance(
        self,
        user_id: str,
        *,
        period: str,
        cadence_days: int,
        next_due_at: datetime,
        assessment_id: str | None,
        now: datetime,
    ) -> bool:
        """Close ``period``: the schedule falls due next at ``next_due_at``.

        Conditional on the schedule still being in ``period`` with ``cadence_days``; False when it is
        not (already advanced by an earlier delivery, rescheduled, or deleted).
        """
