"""Re-assessment on a cadence: due times, write-sharded due index keys, and what counts as a change.

Pure functions: the scheduler's dispatcher and worker call these; storage and queues live elsewhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from readiness.result import AssessmentResult, ScoreChange

MIN_CADENCE_DAYS = 7
MAX_CADENCE_DAYS = 180
DUE_SHARDS = 16  # due-index partitions: a dispatcher queries all of them in parallel, none grows hot
CHANGE_THRESHOLD = 5  # points of overall score that make a ReadinessChanged event (or any band change)


class ScheduleRequest(BaseModel):
    """PUT /v1/users/{user_id}/schedule."""

    model_config = ConfigDict(extra="forbid")

    cadence_days: int = Field(
        ge=MIN_CADENCE_DAYS, le=MAX_CADENCE_DAYS, strict=True, description="days between re-assessments"
    )

    @field_validator("cadence_days", mode="before")
    @classmethod
    def _whole_number(cls, value: object) -> object:
        # JSON has one number type: 30.0 is the whole number 30 (as JSON Schema's "integer" says);
        # 30.5, "30" and true stay refused by the strict check
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


def first_due(now: datetime, cadence_days: int) -> datetime:
    """When a new schedule first falls due: one cadence after it is set."""
    return _utc(now) + timedelta(days=cadence_days)


def next_due(due_at: datetime, cadence_days: int, now: datetime) -> datetime:
    """The due time after `due_at`: a whole number of cadences later, and after `now`.

    Skipping whole periods (instead of catching up one by one) means a user whose re-assessment was
    delayed, for example while the service was down, is re-assessed once, not once per missed period.
    """
    due_at, now = _utc(due_at), _utc(now)
    period = timedelta(days=cadence_days)
    if due_at > now:
        return due_at + period
    missed = (now - due_at) // period + 1
    return due_at + missed * period


def rescheduled_due(
    next_due_at: datetime, old_cadence_days: int, new_cadence_days: int, now: datetime
) -> datetime:
    """The due time after a cadence change: the current period keeps its start and takes the new length.

    A period that is already over under the new cadence falls due now (the next dispatch takes it).
    """
    started = _utc(next_due_at) - timedelta(days=old_cadence_days)
    return max(started + timedelta(days=new_cadence_days), _utc(now))


def due_period(due_at: datetime) -> str:
    """An id for one due period of one user: the worker stores at most one assessment per period."""
    return _utc(due_at).strftime("%Y%m%dT%H%M%SZ")


def due_shard(user_id: str, shards: int = DUE_SHARDS) -> int:
    """The due-index shard of a user: stable, and spread evenly by a hash of the id."""
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big") % shards


def due_bucket(due_at: datetime) -> str:
    """The sort-key prefix of the due index: a time that sorts as text (UTC, second precision)."""
    return _utc(due_at).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class ReadinessChange:
    """The detail of a ReadinessChanged event: ids and scores only, never answers or activity."""

    user_id: str
    assessment_id: str
    old_score: int
    new_score: int
    old_band: str
    new_band: str
    top_moved_dimension: str | None
    top_moved_delta: int

    def as_detail(self) -> dict[str, object]:
        return {
            "user_id": self.user_id,
            "assessment_id": self.assessment_id,
            "old_score": self.old_score,
            "new_score": self.new_score,
            "old_band": self.old_band,
            "new_band": self.new_band,
            "top_moved_dimension": self.top_moved_dimension,
            "top_moved_delta": self.top_moved_delta,
        }


def readiness_change(
    user_id: str,
    assessment_id: str,
    before: AssessmentResult,
    after: AssessmentResult,
    threshold: int = CHANGE_THRESHOLD,
) -> ReadinessChange | None:
    """A change worth telling downstream systems about: the band moved, or the score by `threshold`+."""
    if before.band == after.band and abs(after.score - before.score) < threshold:
        return None
    old = {d.id: d.score for d in before.dimensions}
    moves = sorted(
        ((d.score - old.get(d.id, 0), d.id) for d in after.dimensions), key=lambda m: (-abs(m[0]), m[1])
    )
    delta, dimension = moves[0] if moves and moves[0][0] != 0 else (0, None)
    return ReadinessChange(
        user_id=user_id,
        assessment_id=assessment_id,
        old_score=before.score,
        new_score=after.score,
        old_band=before.band.value,
        new_band=after.band.value,
        top_moved_dimension=dimension,
        top_moved_delta=delta,
    )


def readiness_change_of(
    user_id: str, assessment_id: str, changes: ScoreChange, threshold: int = CHANGE_THRESHOLD
) -> ReadinessChange | None:
    """The same decision as readiness_change, read from a stored assessment's ``previous.changes``.

    A retried re-assessment finds its assessment already stored: what moved is in its body, so the
    event it owes can be sent again without the earlier result.
    """
    if changes.band_before == changes.band_after and abs(changes.delta) < threshold:
        return None
    moved = [d for d in changes.dimensions if d.delta != 0]  # what_moved sorts them by |delta|, then id
    return ReadinessChange(
        user_id=user_id,
        assessment_id=assessment_id,
        old_score=changes.before,
        new_score=changes.after,
        old_band=changes.band_before.value,
        new_band=changes.band_after.value,
        top_moved_dimension=moved[0].id if moved else None,
        top_moved_delta=moved[0].delta if moved else 0,
    )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
