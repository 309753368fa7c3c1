"""A student's membership of a centre: consent, what the centre counts of them, and what a write changes.

A student joins a centre by submitting an assessment with the centre's publishable key. From
then on every assessment of theirs (whatever way it is made) replaces what the centre counts of
them, in the same transaction as the assessment itself: the membership holds the counted
assessment and a version, and each write is conditional on the version it read, so two writes
racing for one student cannot both subtract the same previous assessment.

Consent defaults to no. Only a consenting student has a roster entry, which is what
``GET /v1/centres/me/students`` lists; withdrawing consent deletes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from readiness.centres.aggregates import (
    CountedAssessment,
    counter_deltas,
    departure_deltas,
    expired_month_attributes,
    month_of,
)
from readiness.errors import FieldError, InvalidSubmission, NotFound
from readiness.store.errors import StoreUnavailable

MAX_CENTRES_PER_STUDENT = 20  # one transaction: the assessment plus three items per centre, under 100


class MembershipNotFound(NotFound):
    """The user is not a student of that centre (or it is not the caller's to ask about)."""


class TooManyCentres(InvalidSubmission):
    """A student may belong to at most MAX_CENTRES_PER_STUDENT centres (nothing is written)."""

    def __init__(self) -> None:
        message = f"you already belong to {MAX_CENTRES_PER_STUDENT} career centres, the most there can be"
        super().__init__([FieldError("headers.X-Readiness-Key", message)])


class MembershipChanged(StoreUnavailable):
    """A concurrent write changed the membership first: nothing was written; read again and retry."""


@dataclass(frozen=True, slots=True)
class Membership:
    user_id: str
    centre_id: str
    joined_at: datetime
    consent: bool = False
    consent_updated_at: datetime | None = None
    counted: CountedAssessment | None = field(default=None, repr=False)
    version: int = 0  # 0: not stored yet


@dataclass(frozen=True, slots=True)
class StudentEntry:
    """One line of a centre's roster: a consenting student's latest result (no answers, no activity)."""

    user_id: str
    centre_id: str
    assessment_id: str
    assessed_at: datetime
    score: int
    band: str
    confidence: str
    consented_at: datetime

    @classmethod
    def of(cls, membership: Membership, consented_at: datetime) -> StudentEntry:
        counted = membership.counted
        assert counted is not None
        return cls(
            user_id=membership.user_id,
            centre_id=membership.centre_id,
            assessment_id=counted.assessment_id,
            assessed_at=counted.assessed_at,
            score=counted.score,
            band=counted.band,
            confidence=counted.confidence,
            consented_at=consented_at,
        )


@dataclass(frozen=True, slots=True)
class ShardIncrement:
    centre_id: str
    shard: int
    deltas: dict[str, int]
    remove: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MembershipWrite:
    membership: Membership  # the new state (version already advanced)
    expected_version: int  # 0: must not exist yet


@dataclass(frozen=True, slots=True)
class RosterWrite:
    centre_id: str
    user_id: str
    entry: StudentEntry | None  # None: delete the entry


@dataclass(frozen=True, slots=True)
class CentreWrites:
    """Everything an assessment (or a consent change) writes on the centres' side, in one transaction."""

    memberships: tuple[MembershipWrite, ...] = ()
    shards: tuple[ShardIncrement, ...] = ()
    roster: tuple[RosterWrite, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.memberships or self.shards or self.roster)

    @property
    def item_count(self) -> int:
        return len(self.memberships) + len(self.shards) + len(self.roster)


def plan_assessment(
    memberships: Sequence[Membership],
    counted: CountedAssessment,
    *,
    user_id: str,
    joining: str | None,
    now: datetime,
    pick_shard: Callable[[], int],
) -> CentreWrites:
    """What a new assessment of ``user_id`` writes for each centre the student belongs to (or joins)."""
    current = {m.centre_id: m for m in memberships}
    targets = list(current.values())
    if joining is not None and joining not in current:
        if len(current) >= MAX_CENTRES_PER_STUDENT:
            raise TooManyCentres()
        targets.append(Membership(user_id=user_id, centre_id=joining, joined_at=now))
    membership_writes: list[MembershipWrite] = []
    shard_writes: list[ShardIncrement] = []
    roster_writes: list[RosterWrite] = []
    for membership in targets:
        updated = replace(membership, counted=counted, version=membership.version + 1)
        membership_writes.append(MembershipWrite(membership=updated, expected_version=membership.version))
        shard_writes.append(
            ShardIncrement(
                centre_id=membership.centre_id,
                shard=pick_shard(),
                deltas=counter_deltas(membership.counted, counted),
                remove=tuple(expired_month_attributes(counted.month)),
            )
        )
        if membership.consent:
            consented_at = membership.consent_updated_at or now
            roster_writes.append(
                RosterWrite(
                    centre_id=membership.centre_id,
                    user_id=user_id,
                    entry=StudentEntry.of(updated, consented_at),
                )
            )
    return CentreWrites(tuple(membership_writes), tuple(shard_writes), tuple(roster_writes))


def plan_consent(membership: Membership, consent: bool, *, now: datetime) -> CentreWrites:
    """Grant or withdraw consent: the membership and the roster entry change together."""
    if membership.consent == consent:
        return CentreWrites()
    updated = replace(membership, consent=consent, consent_updated_at=now, version=membership.version + 1)
    entry = StudentEntry.of(updated, now) if consent and updated.counted is not None else None
    return CentreWrites(
        memberships=(MembershipWrite(membership=updated, expected_version=membership.version),),
        roster=(RosterWrite(centre_id=membership.centre_id, user_id=membership.user_id, entry=entry),),
    )


@dataclass(frozen=True, slots=True)
class Departure:
    """A student leaving a centre for good (erasure): the membership, its roster entry and their share
    of the counters go together, conditional on the membership's version (so never twice)."""

    membership: Membership
    shard: ShardIncrement


def plan_departure(
    membership: Membership,
    assessments: Sequence[tuple[datetime, int]],
    *,
    now: datetime,
    pick_shard: Callable[[], int],
) -> Departure:
    """What erasing ``membership``'s student takes back from the centre's counters.

    ``assessments``: (created_at, score) of every assessment of the student, in any order. The
    centre counted those from the day the student joined: per month, the last one's score.
    """
    month_scores: dict[str, tuple[datetime, int]] = {}
    for created_at, score in assessments:
        if created_at < membership.joined_at:
            continue
        month = month_of(created_at)
        if month not in month_scores or month_scores[month][0] <= created_at:
            month_scores[month] = (created_at, score)
    now_month = month_of(now)
    deltas = departure_deltas(
        membership.counted, {month: score for month, (_, score) in month_scores.items()}, now_month=now_month
    )
    return Departure(
        membership=membership,
        shard=ShardIncrement(
            centre_id=membership.centre_id,
            shard=pick_shard(),
            deltas=deltas,
            remove=tuple(name for name in expired_month_attributes(now_month) if name not in deltas),
        ),
    )
