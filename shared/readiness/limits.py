"""Per-caller request limits: fixed windows counted in the table, a centre's spread over shards.

Every limited request adds one to a counter item before any work is done, with a condition that
the counter is still below its cap; a request that finds its counter full is refused (HTTP 429,
``Retry-After`` the seconds to the end of the full window) and writes nothing. A quota may have
several windows (an hour and a day): they are counters of one item, so one request checks them all.

A career centre's counters are split over shards, each allowed its share of the limit: a request
tries one shard at random, and one other shard if that one is full, before it is refused. So no
item is hot however many students a centre has, and a centre is never admitted beyond its limit
(docs/api.md#limits says how close to it refusals start).

Pure: the clock is passed in, the shard is chosen by an injected function, and the counters live
behind ``LimitCounters`` (``readiness.store.limits`` is the DynamoDB one).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from readiness.errors import ReadinessError

HOUR = 3600
DAY = 24 * HOUR
# A hashed source address keeps 24 bits: every stored value stands for at least 256 IPv4 addresses
# (and a multitude of IPv6 /64s), so none names an address, even to someone who knows the salt.
SOURCE_DIGEST_HEX = 6
# A shard is allowed at least this much of a limit: with smaller shares, two random tries would
# often both find full shards long before the limit. A limit below twice this is one item (at that
# rate no item is hot).
MIN_SHARD_SHARE = 50


class Scope(StrEnum):
    USER = "user"  # a user's own partition: erased with the user
    CENTRE = "centre"  # a career centre, sharded
    SOURCE = "source"  # a first submission's network address, hashed (no user exists yet)


class LimitedAction(StrEnum):
    SUBMISSION = "submission"  # POST /v1/assessments
    ACTIVITY_PUSH = "activity_push"  # POST /v1/users/{user_id}/activities
    IMPORT = "import"  # POST /v1/users/{user_id}/imports
    SCHEDULE_CHANGE = "schedule_change"  # PUT or DELETE /v1/users/{user_id}/schedule


@dataclass(frozen=True, slots=True)
class Window:
    name: str  # "hour", "day": part of counter names and messages
    seconds: int
    limit: int


@dataclass(frozen=True, slots=True)
class Quota:
    """What one kind of caller may do: a limit per window, counted in one item per period."""

    name: str  # "user_submissions": in error details, logs and docs
    scope: Scope
    counter: str  # "SUBMISSIONS": part of the counter item's key
    noun: str  # "submissions": in messages
    windows: tuple[Window, ...]
    shards: int = 1

    def __post_init__(self) -> None:
        if not self.windows or self.shards < 1:
            raise ValueError(f"{self.name}: needs a window and at least one shard")
        period = self.period_seconds
        for window in self.windows:
            if window.limit < 1 or window.seconds < 1 or period % window.seconds:
                raise ValueError(f"{self.name}: a window must have a limit and divide {period} s")

    @property
    def period_seconds(self) -> int:
        """One counter item covers the longest window; the shorter ones are counters inside it."""
        return max(window.seconds for window in self.windows)

    @property
    def shard_count(self) -> int:
        """Shards in use: as many as configured while each keeps a share of MIN_SHARD_SHARE or more."""
        smallest = min(window.limit for window in self.windows)
        return max(1, min(self.shards, smallest // MIN_SHARD_SHARE))

    def share(self, window: Window, shard: int) -> int:
        """A shard's part of a window's limit; the shares add up to the limit exactly."""
        count = self.shard_count
        return window.limit // count + (1 if shard < window.limit % count else 0)


@dataclass(frozen=True, slots=True)
class Cap:
    """One window's counter in a counter item, and how far it may go."""

    attribute: str  # "hour8": the window's slot inside the item's period
    limit: int  # this item's share of the window's limit
    window: Window
    ends_at: int  # the window's end, epoch seconds


@dataclass(frozen=True, slots=True)
class Tally:
    """Add one to each cap's counter of one item, if every one is below its limit."""

    scope: Scope
    subject: str  # a user id, a centre id, or a source digest
    counter: str
    shard: int | None  # None: the quota is not sharded
    period_start: int  # epoch seconds; the item's key names it
    expires_at: int  # the period's end: the table's TTL removes the item after it
    caps: tuple[Cap, ...]


class CountersFull(ReadinessError):
    """Some counters were at their limit, so none was added to; ``full`` maps tally index -> attributes."""

    def __init__(self, full: Mapping[int, tuple[str, ...]]) -> None:
        self.full = dict(full)
        super().__init__(f"counters at their limit: {self.full}")


class LimitCounters(Protocol):
    def add_one(self, tallies: Sequence[Tally]) -> None:
        """Add one to every cap's counter of every tally, all or nothing (one request).

        Raises CountersFull naming, per refused tally, the attributes found at their limit (all of
        its attributes when the store cannot tell), and StoreUnavailable when throttled.
        """
        ...


class RateLimited(ReadinessError):
    """The caller used up a quota's window: HTTP 429 with Retry-After."""

    def __init__(
        self, quota: Quota, window: Window, *, retry_after_seconds: int, resets_at: datetime
    ) -> None:
        self.quota = quota
        self.window = window
        self.retry_after_seconds = retry_after_seconds
        self.resets_at = resets_at
        super().__init__(
            f"at most {window.limit} {quota.noun} per {window.name}; "
            f"the window ends at {resets_at.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        )

    @property
    def limit_name(self) -> str:
        return f"{self.quota.name}_per_{self.window.name}"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a limited request counts against, as the authorizer said."""

    user_id: str | None = None  # a user token
    centre_id: str | None = None  # a centre's publishable (submissions) or secret key (pushes, schedules)
    source_address: str | None = None  # the client's IP address, only ever hashed


@dataclass(frozen=True, slots=True)
class LimitPolicy:
    user_submissions: Quota
    user_imports: Quota
    centre_submissions: Quota
    centre_writes: Quota
    source_submissions: Quota

    @classmethod
    def of(
        cls,
        *,
        user_submissions_per_hour: int = 30,
        user_submissions_per_day: int = 200,
        user_imports_per_day: int = 10,
        centre_submissions_per_hour: int = 2000,
        centre_writes_per_hour: int = 1000,
        source_submissions_per_hour: int = 20,
        centre_shards: int = 8,
    ) -> LimitPolicy:
        return cls(
            user_submissions=Quota(
                "user_submissions",
                Scope.USER,
                "SUBMISSIONS",
                "submissions and activity pushes",
                (
                    Window("hour", HOUR, user_submissions_per_hour),
                    Window("day", DAY, user_submissions_per_day),
                ),
            ),
            user_imports=Quota(
                "user_imports", Scope.USER, "IMPORTS", "imports", (Window("day", DAY, user_imports_per_day),)
            ),
            centre_submissions=Quota(
                "centre_submissions",
                Scope.CENTRE,
                "SUBMISSIONS",
                "submissions through this centre's publishable key",
                (Window("hour", HOUR, centre_submissions_per_hour),),
                shards=centre_shards,
            ),
            centre_writes=Quota(
                "centre_writes",
                Scope.CENTRE,
                "WRITES",
                "activity pushes and schedule changes with this centre's secret key",
                (Window("hour", HOUR, centre_writes_per_hour),),
                shards=centre_shards,
            ),
            source_submissions=Quota(
                "source_submissions",
                Scope.SOURCE,
                "SUBMISSIONS",
                "first submissions from one network address",
                (Window("hour", HOUR, source_submissions_per_hour),),
            ),
        )

    def quotas_for(self, action: LimitedAction, caller: Caller) -> list[tuple[Quota, str]]:
        """(quota, subject) pairs a request counts against; all of them must admit it."""
        if action is LimitedAction.SUBMISSION:
            counted: list[tuple[Quota, str]] = []
            if caller.user_id:
                counted.append((self.user_submissions, caller.user_id))
            if caller.centre_id:
                counted.append((self.centre_submissions, caller.centre_id))
            if not counted:  # a first submission: no user yet, no centre: its network address
                counted.append((self.source_submissions, caller.source_address or "unknown"))
            return counted
        if caller.centre_id:  # a centre's secret key acting for a student
            if action in (LimitedAction.ACTIVITY_PUSH, LimitedAction.SCHEDULE_CHANGE):
                return [(self.centre_writes, caller.centre_id)]
            return []
        if caller.user_id is None:
            return []
        if action is LimitedAction.ACTIVITY_PUSH:
            return [(self.user_submissions, caller.user_id)]
        if action is LimitedAction.IMPORT:
            return [(self.user_imports, caller.user_id)]
        return []  # a user's own schedule changes: bounded by the API's throttling only


def period_start(quota: Quota, now: datetime) -> int:
    epoch = int(now.timestamp())
    return epoch - epoch % quota.period_seconds


def tally(quota: Quota, subject: str, shard: int | None, now: datetime, *, source_salt: str = "") -> Tally:
    """The counter item ``quota`` is counted in at ``now``, with each window's cap for ``shard``."""
    start = period_start(quota, now)
    epoch = int(now.timestamp())
    caps = []
    for window in quota.windows:
        window_start = epoch - epoch % window.seconds
        caps.append(
            Cap(
                attribute=f"{window.name}{(window_start - start) // window.seconds}",
                limit=quota.share(window, shard or 0) if shard is not None else window.limit,
                window=window,
                ends_at=window_start + window.seconds,
            )
        )
    if quota.scope is Scope.SOURCE:
        subject = source_digest(subject, start, source_salt)
    return Tally(
        scope=quota.scope,
        subject=subject,
        counter=quota.counter,
        shard=shard,
        period_start=start,
        expires_at=start + quota.period_seconds,
        caps=tuple(caps),
    )


def source_digest(address: str, period: int, salt: str) -> str:
    """24 bits of a salted SHA-256 of the address's network (an IPv6 address counts by its /64).

    The period is in the hash, so one address's digest changes every window and cannot be followed
    from one to the next; the raw address is never stored.
    """
    try:
        ip = ipaddress.ip_address(address.strip())
        network = str(ipaddress.ip_network(f"{ip}/{64 if ip.version == 6 else 32}", strict=False))
    except ValueError:
        network = "unknown"
    digest = hashlib.sha256(f"{salt}|{period}|{network}".encode()).hexdigest()
    return digest[:SOURCE_DIGEST_HEX]


def random_shard(count: int) -> int:
    return secrets.randbelow(count)


class RequestLimiter:
    """Admits a request, counting it, or raises RateLimited (nothing counted) before any work is done."""

    def __init__(
        self,
        counters: LimitCounters,
        policy: LimitPolicy,
        *,
        source_salt: str = "",
        choose: Callable[[int], int] | None = None,
    ) -> None:
        self._counters = counters
        self._policy = policy
        self._salt = source_salt
        # n -> a shard in [0, n): random unless a test steers it
        self._choose = choose if choose is not None else random_shard

    @property
    def policy(self) -> LimitPolicy:
        return self._policy

    def admit(self, action: LimitedAction, caller: Caller, *, now: datetime) -> None:
        counted = self._policy.quotas_for(action, caller)
        if not counted:
            return
        shards: list[int | None] = [
            self._choose(quota.shard_count) if quota.shard_count > 1 else None for quota, _ in counted
        ]
        for attempt in (1, 2):
            tallies = [
                tally(quota, subject, shard, now, source_salt=self._salt)
                for (quota, subject), shard in zip(counted, shards, strict=True)
            ]
            try:
                self._counters.add_one(tallies)
                return
            except CountersFull as full:
                retry = False
                for index in sorted(full.full):
                    quota = counted[index][0]
                    if attempt == 1 and shards[index] is not None and set(full.full) == {index}:
                        # only this sharded counter is full: one more try on another shard
                        other = self._choose(quota.shard_count - 1)
                        current = shards[index]
                        assert current is not None
                        shards[index] = (current + 1 + other) % quota.shard_count
                        retry = True
                        break
                if not retry:
                    raise _refusal(counted, tallies, full, now) from None
        raise AssertionError("unreachable: the second attempt admits or refuses")


def _refusal(
    counted: Sequence[tuple[Quota, str]], tallies: Sequence[Tally], full: CountersFull, now: datetime
) -> RateLimited:
    """The refusal for the window the caller must wait longest for (a full day outlasts a full hour)."""
    epoch = now.timestamp()
    worst: tuple[Quota, Cap] | None = None
    for index, attributes in full.full.items():
        quota, item = counted[index][0], tallies[index]
        for cap in item.caps:
            if cap.attribute in attributes and (worst is None or cap.ends_at > worst[1].ends_at):
                worst = (quota, cap)
    if worst is None:  # the store named nothing it knows: the longest window of the first refused
        index = min(full.full)
        cap = max(tallies[index].caps, key=lambda c: c.ends_at)
        worst = (counted[index][0], cap)
    quota, cap = worst
    return RateLimited(
        quota,
        cap.window,
        retry_after_seconds=max(1, math.ceil(cap.ends_at - epoch)),
        resets_at=datetime.fromtimestamp(cap.ends_at, UTC),
    )
