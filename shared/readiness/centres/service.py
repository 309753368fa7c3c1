"""The centres use cases: operators manage centres and keys; students consent; centres read their cohort.

Each depends on a repository interface, never on boto3. The clock is read by the caller and
passed in (``now``); the counter shard is drawn by an injected function (random by default).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from readiness.centres.aggregates import CohortSummary, CountedAssessment, add_shards, summarise
from readiness.centres.keys import MAX_GRACE, IssuedKeys, KeyVerdict, PresentedKey, issue_keys, verify_key
from readiness.centres.membership import (
    CentreWrites,
    Membership,
    MembershipChanged,
    MembershipNotFound,
    plan_assessment,
    plan_consent,
)
from readiness.centres.model import (
    COUNTER_SHARDS,
    Centre,
    CentreNotFound,
    CentreSettings,
    InvalidCentre,
    KeyHashes,
    new_centre_id,
)
from readiness.centres.repository import (
    CentreAlreadyExists,
    CentreListing,
    CentreRepository,
    CohortRepository,
    MembershipRepository,
    StudentPage,
)
from readiness.errors import FieldError
from readiness.result import AssessmentResult

_RETRIES = 3


def random_shard() -> int:
    return secrets.randbelow(COUNTER_SHARDS)


@dataclass(frozen=True, slots=True)
class CreatedCentre:
    centre: Centre
    keys: IssuedKeys = field(repr=False)


class CentreAdmin:
    """What an operator does (the ``python -m readiness centre`` command)."""

    def __init__(self, repository: CentreRepository) -> None:
        self._repository = repository

    def create(self, settings: CentreSettings, *, now: datetime) -> CreatedCentre:
        for attempt in range(2):
            centre_id = new_centre_id()
            keys = issue_keys(centre_id)
            centre = Centre(
                centre_id=centre_id,
                name=settings.name,
                origins=settings.origins,
                branding=settings.branding,
                k_threshold=settings.k_threshold,
                keys=keys.hashes(),
                created_at=now,
            )
            try:
                self._repository.add(centre)
            except CentreAlreadyExists:
                if attempt:
                    raise
                continue  # a 128-bit collision: draw another id
            return CreatedCentre(centre=centre, keys=keys)
        raise AssertionError("unreachable")

    def rotate_keys(self, centre_id: str, *, now: datetime, grace: timedelta = timedelta(0)) -> CreatedCentre:
        """New keys at once; the previous pair keeps working for ``grace`` (then it is expired)."""
        if grace < timedelta(0) or grace > MAX_GRACE:
            raise InvalidCentre([FieldError("grace", f"must be from 0 to {MAX_GRACE.days} days")])
        centre = self._require(centre_id)
        if not centre.active:
            raise InvalidCentre(
                [FieldError("centre_id", "the centre is revoked; its keys cannot be rotated")]
            )
        keys = issue_keys(centre_id)
        hashes = keys.hashes(previous=centre.keys, previous_valid_until=now + grace if grace else None)
        rotated = centre.with_keys(hashes, at=now)
        self._repository.replace(rotated)
        return CreatedCentre(centre=rotated, keys=keys)

    def revoke(self, centre_id: str, *, now: datetime) -> Centre:
        """Both keys stop working (within the authorizer cache's lifetime); the data is kept."""
        centre = self._require(centre_id)
        if not centre.active:
            return centre
        revoked = centre.revoked(at=now)
        self._repository.replace(revoked)
        return revoked

    def listing(self) -> list[CentreListing]:
        return self._repository.listing()

    def _require(self, centre_id: str) -> Centre:
        centre = self._repository.get(centre_id)
        if centre is None:
            raise CentreNotFound(f"no centre {centre_id}")
        return centre


def authenticate_centre_key(
    repository: CentreRepository, presented: PresentedKey, *, now: datetime
) -> tuple[Centre | None, KeyVerdict]:
    """The centre a presented key belongs to, with the verdict (the centre only when VALID)."""
    centre = repository.get(presented.centre_id)
    if centre is None:
        # compare against a dummy all the same, so a missing centre costs what a wrong key costs
        verify_key(presented, KeyHashes("0" * 64, "0" * 64), active=True, now=now)
        return None, KeyVerdict.UNKNOWN
    verdict = verify_key(presented, centre.keys, active=centre.active, now=now)
    return (centre if verdict is KeyVerdict.VALID else None), verdict


def counted_assessment(
    assessment_id: str, created_at: datetime, result: AssessmentResult
) -> CountedAssessment:
    """What a centre counts of an assessment: scores, band and flag ids; never answers or activity."""
    return CountedAssessment(
        assessment_id=assessment_id,
        assessed_at=created_at,
        score=result.score,
        band=result.band.value,
        confidence=result.confidence.value,
        dimensions={dimension.id: dimension.score for dimension in result.dimensions},
        flags=frozenset(flag.id for flag in result.flags),
    )


class CentreLedger:
    """What an assessment write changes for the centres its student belongs to (or joins).

    The memberships come with the user's scoring inputs (one Query, readiness.inputs), so planning
    reads nothing more.
    """

    def __init__(self, pick_shard: Callable[[], int] = random_shard) -> None:
        self._pick_shard = pick_shard

    def plan(
        self,
        user_id: str,
        counted: CountedAssessment,
        *,
        memberships: Sequence[Membership],
        joining: str | None,
        now: datetime,
    ) -> CentreWrites:
        if not memberships and joining is None:
            return CentreWrites()
        return plan_assessment(
            memberships, counted, user_id=user_id, joining=joining, now=now, pick_shard=self._pick_shard
        )


class ConsentService:
    """A student's choice of whether a centre may see their individual results (default: no)."""

    def __init__(self, repository: MembershipRepository) -> None:
        self._repository = repository

    def get(self, user_id: str, centre_id: str) -> Membership:
        membership = self._repository.membership(user_id, centre_id)
        if membership is None:
            raise MembershipNotFound("not a student of that centre")
        return membership

    def set(self, user_id: str, centre_id: str, consent: bool, *, now: datetime) -> Membership:
        for attempt in range(_RETRIES):
            membership = self.get(user_id, centre_id)
            writes = plan_consent(membership, consent, now=now)
            if not writes:
                return membership
            try:
                self._repository.apply(writes)
            except MembershipChanged:
                if attempt == _RETRIES - 1:
                    raise
                continue  # an assessment was written meanwhile: apply the choice to the new state
            return writes.memberships[0].membership
        raise AssertionError("unreachable")

    def allows(self, user_id: str, centre_id: str) -> bool:
        """Whether the centre may act for this student (they belong to it and consent)."""
        membership = self._repository.membership(user_id, centre_id)
        return membership is not None and membership.consent


class CohortService:
    """What a centre reads with its secret key."""

    def __init__(self, repository: CohortRepository) -> None:
        self._repository = repository

    def summary(self, centre_id: str, *, now: datetime) -> CohortSummary:
        centre, shards = self._repository.cohort(centre_id)
        if centre is None:
            raise CentreNotFound("no such centre")
        return summarise(centre_id, centre.k_threshold, add_shards(shards), as_of=now)

    def students(self, centre_id: str, *, limit: int, after: str | None) -> StudentPage:
        return self._repository.students(centre_id, limit=limit, after=after)
