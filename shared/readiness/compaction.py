"""Compaction of imported history: what of years of exported activity is worth keeping for the model.

An export holds a quarter of a million events, most of them repeats of the same kind of contact with
the same people; the model weighs repeats with diminishing returns (a counterpart counts at most two
fresh contacts' worth per signal) and decays them with age. So, for events older than
``RECENT_DAYS`` before the import:

- per counterpart, type and calendar month (UTC), the first and the last event are kept;
- events without a counterpart (posts, comments, reactions, courses) are kept per type and day,
  first and last, because the model caps them per type rather than per person;
- everything newer than ``RECENT_DAYS`` is kept whole.

What that preserves, exactly: every counterpart's first and last contact (and so first contact, role,
tie age, dormancy and lifeline spans), every month with activity with each person and type, the
first give before an ask, and every count the model reads over 12 months or less (those windows only
ever look at the recent, whole part, now and at any later assessment). What it changes: repeat totals
inside a compacted month (the second-contact credit of a month with 2+ events is kept, the rest weighed
almost nothing already), and the 30-day coverage of a month whose first and last contact are more
than 30 days apart (under a day). tests/unit/test_compaction.py checks that scores move by at most a
point on the personas and on synthetic exports, now and a year later.

Pure: no clock (``now`` is the import's), no I/O; it streams (``HistoryCompactor``), holding at most
two events per bucket plus the recent ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from readiness.activity import ActivityEvent, ActivityType

# 13 months: the 12-month windows (asks and gives, market talks, people in touch) stay exact
# whatever the clock says at the next assessment, with a month to spare for the calendar.
RECENT_DAYS = 400

Bucket = tuple[str | None, ActivityType, int, int, int]


class HistoryCompactor:
    """Feed events one at a time (``add``), then take the kept ones (``events``)."""

    def __init__(self, *, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self._horizon = now - timedelta(days=RECENT_DAYS)
        self._recent: list[ActivityEvent] = []
        self._buckets: dict[Bucket, list[ActivityEvent]] = {}  # bucket -> [first, last]
        self.seen = 0

    def add(self, event: ActivityEvent) -> None:
        self.seen += 1
        moment = event.occurred_at
        if moment.utcoffset():
            moment = moment.astimezone(UTC)  # calendar months are UTC months
        if moment >= self._horizon:
            self._recent.append(event)
            return
        counterpart = event.counterpart
        day = 0 if counterpart is not None else moment.day
        key = (counterpart, event.type, moment.year, moment.month, day)
        kept = self._buckets.get(key)
        if kept is None:
            self._buckets[key] = [event, event]
        elif moment < kept[0].occurred_at:
            kept[0] = event
        elif moment >= kept[1].occurred_at:
            kept[1] = event

    def events(self) -> list[ActivityEvent]:
        """The kept events: the recent ones in the order given, then the first and last of each bucket."""
        kept = list(self._recent)
        for first, last in self._buckets.values():
            kept.append(first)
            if last is not first:
                kept.append(last)
        return kept

    @property
    def dropped(self) -> int:
        return (
            self.seen
            - len(self._recent)
            - sum(1 if first is last else 2 for first, last in self._buckets.values())
        )


def compact_history(events: Iterable[ActivityEvent], *, now: datetime) -> list[ActivityEvent]:
    """The events worth keeping of an imported history (see the module's docstring for the rule)."""
    compactor = HistoryCompactor(now=now)
    for event in events:
        compactor.add(event)
    return compactor.events()
