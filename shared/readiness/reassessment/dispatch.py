"""The dispatcher: find who is due (one Query per due-index shard, in parallel) and queue each of them once.

Each due user's schedule is claimed before the message is sent: one UpdateItem, conditional on the
period it came from and the index position it was listed at, moves it on to its next period. So the
next dispatch (every minute) cannot queue that period again, however long the queue is, and a stale
entry (the index is eventually consistent) fails the condition instead of being sent twice. If the
queue does not take the message, the claim is undone and the user is due again at the next dispatch.
A message that keeps failing ends in the dead-letter queue (redrive it after a fix: the worker
stores the period's assessment once, whenever it comes); the user's next period falls due as usual.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime

from readiness.cadence import DUE_SHARDS, next_due
from readiness.errors import ReadinessError
from readiness.reassessment.messages import SQS_BATCH, ReassessmentMessage
from readiness.reassessment.ports import MessagingUnavailable, ReassessmentQueue
from readiness.store.errors import StoreError
from readiness.store.schedules import DueSchedule, ScheduleRepository


class DispatchIncomplete(ReadinessError):
    """Some shard could not be read or some claimed users could not be queued (they come back later)."""


@dataclass
class DispatchReport:
    """What one dispatch did; counts only (no user ids: they would be personal data in logs)."""

    listed: int = 0  # due-index entries read
    queued: int = 0  # messages the queue took
    skipped: int = 0  # changed since listed (claimed already, rescheduled or opted out meanwhile)
    unsent: int = 0  # claimed but not queued; their claim undone, they are due at the next dispatch
    lost: int = 0  # not queued and the claim could not be undone: re-assessed again next period
    failed_shards: list[int] = field(default_factory=list)
    stopped_early: bool = False  # the time budget ran out; the rest stays due for the next dispatch

    @property
    def incomplete(self) -> bool:
        return bool(self.failed_shards or self.unsent)

    def add(self, other: DispatchReport) -> None:
        self.listed += other.listed
        self.queued += other.queued
        self.skipped += other.skipped
        self.unsent += other.unsent
        self.lost += other.lost
        self.failed_shards += other.failed_shards
        self.stopped_early = self.stopped_early or other.stopped_early

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class ReassessmentDispatcher:
    def __init__(
        self,
        schedules: ScheduleRepository,
        queue: ReassessmentQueue,
        *,
        shards: int = DUE_SHARDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._schedules = schedules
        self._queue = queue
        self._shards = shards
        self._clock = clock

    def dispatch(self, *, now: datetime, budget_seconds: float) -> DispatchReport:
        """Queue every user due at ``now`` (each period once), stopping after ``budget_seconds``."""
        deadline = self._clock() + budget_seconds
        report = DispatchReport()
        with ThreadPoolExecutor(max_workers=self._shards, thread_name_prefix="due-shard") as pool:
            for shard_report in pool.map(
                lambda shard: self._dispatch_shard(shard, now, deadline), range(self._shards)
            ):
                report.add(shard_report)
        report.failed_shards.sort()
        return report

    def _dispatch_shard(self, shard: int, now: datetime, deadline: float) -> DispatchReport:
        report = DispatchReport()
        batch: list[tuple[DueSchedule, datetime]] = []
        try:
            for entry in self._schedules.due(shard, now):
                if self._clock() >= deadline:
                    report.stopped_early = True
                    break
                report.listed += 1
                following = next_due(entry.next_due_at, entry.cadence_days, now)
                if not self._schedules.claim(entry, following):
                    report.skipped += 1
                    continue
                batch.append((entry, following))
                if len(batch) == SQS_BATCH:
                    self._send(batch, report)
                    batch = []
        except StoreError:
            report.failed_shards.append(shard)
        finally:
            if batch:  # claimed already: queue them even when the shard failed after them
                self._send(batch, report)
        return report

    def _send(self, batch: list[tuple[DueSchedule, datetime]], report: DispatchReport) -> None:
        messages = [ReassessmentMessage.of(entry) for entry, _ in batch]
        try:
            unsent = set(self._queue.send(messages))
        except MessagingUnavailable:
            unsent = set(range(len(batch)))
        report.queued += len(batch) - len(unsent)
        report.unsent += len(unsent)
        for index in sorted(unsent):
            entry, following = batch[index]
            try:
                undone = self._schedules.unclaim(entry, following)
            except StoreError:
                undone = False
            if not undone:
                report.lost += 1
