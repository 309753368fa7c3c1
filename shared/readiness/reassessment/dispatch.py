"""The dispatcher: find who is due (one Query per due-index shard, in parallel) and queue each of them once.

Each due user is leased before being queued: their due-index entry moves ``lease`` into the future,
so the next dispatch (every minute) does not queue them again while the worker is still on it,
however long the queue is. When the worker finishes it moves the entry to the next period; when it
never does (the message ended in the dead-letter queue), the lease runs out and the user is due
again, with a lease twice as long each time (readiness.cadence.dispatch_lease).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime

from readiness.cadence import DUE_SHARDS, dispatch_lease
from readiness.errors import ReadinessError
from readiness.reassessment.messages import SQS_BATCH, ReassessmentMessage
from readiness.reassessment.ports import MessagingUnavailable, ReassessmentQueue
from readiness.store.errors import StoreError
from readiness.store.schedules import ScheduleRepository


class DispatchIncomplete(ReadinessError):
    """Some shard could not be read or some leased users could not be queued (they come back later)."""


@dataclass
class DispatchReport:
    """What one dispatch did; counts only (no user ids: they would be personal data in logs)."""

    listed: int = 0  # due-index entries read
    queued: int = 0  # messages the queue took
    skipped: int = 0  # changed since listed (re-assessed, rescheduled or opted out meanwhile)
    unsent: int = 0  # leased but not queued: due again when their lease ends
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
        lease_seconds: int,
        shards: int = DUE_SHARDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._schedules = schedules
        self._queue = queue
        self._lease_seconds = lease_seconds
        self._shards = shards
        self._clock = clock

    def dispatch(self, *, now: datetime, budget_seconds: float) -> DispatchReport:
        """Queue every user due at ``now`` (each once), stopping after ``budget_seconds``."""
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
        batch: list[ReassessmentMessage] = []
        try:
            for entry in self._schedules.due(shard, now):
                if self._clock() >= deadline:
                    report.stopped_early = True
                    break
                report.listed += 1
                until = now + dispatch_lease(entry.dispatches + 1, self._lease_seconds)
                if not self._schedules.lease(entry, until):
                    report.skipped += 1
                    continue
                batch.append(ReassessmentMessage.of(entry))
                if len(batch) == SQS_BATCH:
                    self._send(batch, report)
                    batch = []
        except StoreError:
            report.failed_shards.append(shard)
        finally:
            if batch:  # leased already: queue them even when the shard failed after them
                self._send(batch, report)
        return report

    def _send(self, batch: list[ReassessmentMessage], report: DispatchReport) -> None:
        try:
            unsent = self._queue.send(batch)
        except MessagingUnavailable:
            unsent = len(batch)
        report.queued += len(batch) - unsent
        report.unsent += unsent
