"""A user's activity log: activity from earlier submissions keeps counting (and decaying) later.

What is kept is derived, not verbatim: counterparts and client event ids become per-user salted
digests (identity is all the model uses them for), so the log holds no names or e-mail addresses
even when a client sends them, and a log entry has a bounded size. The same event sent again (same
client id, or same type, time, counterpart and role) is counted once.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from readiness.activity import ActivityEvent, ActivityType, CounterpartRole

# The newest events kept per user; older ones weigh next to nothing after years of decay.
MAX_LOGGED_EVENTS = 5000
_DIGEST_CONTEXT = b"readiness/activity-log/v1\x00"

LogRow = list[Any]  # [type, occurred_at ISO (UTC), counterpart digest | None, role | None, id digest | None]


def _digest(user_id: str, value: str) -> str:
    raw = hashlib.sha256(_DIGEST_CONTEXT + user_id.encode() + b"\x00" + value.encode()).digest()
    return base64.urlsafe_b64encode(raw[:12]).decode("ascii")


def pseudonymise(
    events: Iterable[ActivityEvent], user_id: str, *, keep_ids: bool = True
) -> tuple[ActivityEvent, ...]:
    """The events as the log keeps them: digests instead of counterparts and ids, times in UTC.

    ``keep_ids=False`` drops client ids instead (an import's rows are told apart by their content).
    """
    return tuple(
        ActivityEvent.model_construct(
            id=_digest(user_id, "id:" + event.id) if keep_ids and event.id is not None else None,
            type=event.type,
            occurred_at=event.occurred_at_utc(),
            counterpart=_digest(user_id, "cp:" + event.counterpart)
            if event.counterpart is not None
            else None,
            counterpart_role=event.counterpart_role,
        )
        for event in events
    )


def identity(event: ActivityEvent) -> tuple[Any, ...]:
    """What makes two events the same event: the client id when there is one, else everything else."""
    if event.id is not None:
        return ("id", event.id)
    return ("event", event.type, event.occurred_at, event.counterpart, event.counterpart_role)


def distinct(events: Iterable[ActivityEvent]) -> list[ActivityEvent]:
    """The events in order, each repeat dropped (the first one sent is kept)."""
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for event in events:
        key = identity(event)
        if key not in seen:
            seen.add(key)
            kept.append(event)
    return kept


def unseen_history(history: Sequence[ActivityEvent], new: Sequence[ActivityEvent]) -> list[ActivityEvent]:
    """The logged events that the new submission does not repeat (a repeat counts once, as sent now)."""
    repeated = {identity(event) for event in new}
    return [event for event in history if identity(event) not in repeated]


def merged_log(history: Sequence[ActivityEvent], new: Sequence[ActivityEvent]) -> list[ActivityEvent]:
    """History plus new events, without repeats, oldest first, at most MAX_LOGGED_EVENTS (the newest)."""
    ordered = sorted(distinct([*unseen_history(history, new), *new]), key=lambda e: e.occurred_at)
    return ordered[-MAX_LOGGED_EVENTS:]


def encode_log(events: Sequence[ActivityEvent]) -> list[LogRow]:
    """Compact rows (positional, trailing nulls dropped) for storage."""
    rows: list[LogRow] = []
    for event in events:
        row: LogRow = [
            event.type.value,
            event.occurred_at.isoformat(),
            event.counterpart,
            event.counterpart_role.value if event.counterpart_role else None,
            event.id,
        ]
        while row[-1] is None:
            row.pop()
        rows.append(row)
    return rows


def decode_log(rows: Sequence[LogRow]) -> list[ActivityEvent]:
    events = []
    for row in rows:
        padded = [*row, None, None, None][:5]
        events.append(
            ActivityEvent.model_construct(
                type=ActivityType(padded[0]),
                occurred_at=datetime.fromisoformat(padded[1]),
                counterpart=padded[2],
                counterpart_role=CounterpartRole(padded[3]) if padded[3] else None,
                id=padded[4],
            )
        )
    return events
