"""Re-assessment schedules as a user manages them: opt in with a cadence, see when it falls due, opt out.

Only the owner may see or change a schedule: the token hash stored on the schedule (copied from the
user's assessments when it is created) authenticates reads and changes with the one GetItem they
need anyway. Another user's schedule answers exactly like none (404).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from readiness.cadence import first_due, rescheduled_due
from readiness.errors import ReadinessError
from readiness.identity import Credential, InvalidCredentials
from readiness.store.records import AssessmentRepository
from readiness.store.schedules import Schedule, ScheduleChanged, ScheduleRepository

# A PUT that meets a concurrent change (a re-assessment advancing the schedule) reads and tries again.
_SAVE_ATTEMPTS = 3


class ScheduleNotFound(ReadinessError):
    """No schedule, or not the caller's (the two are deliberately indistinguishable)."""


@dataclass(frozen=True, slots=True)
class SavedSchedule:
    schedule: Schedule
    created: bool


class ScheduleService:
    """The schedule use cases over the schedule and assessment repositories."""

    def __init__(self, schedules: ScheduleRepository, assessments: AssessmentRepository) -> None:
        self._schedules = schedules
        self._assessments = assessments

    def set(self, credential: Credential, user_id: str, cadence_days: int, *, now: datetime) -> SavedSchedule:
        """Opt in, or change the cadence: the current period keeps its start and takes the new length.

        Setting the cadence a schedule already has changes nothing (PUT is idempotent).
        """
        self._require_own(credential, user_id)
        for attempt in range(_SAVE_ATTEMPTS):
            current = self._owned(credential, user_id)
            if current is None:
                token_hash = self._authenticate(credential)
                schedule = Schedule(
                    user_id=user_id,
                    cadence_days=cadence_days,
                    next_due_at=first_due(now, cadence_days),
                    owner_token_hash=token_hash,
                    created_at=now,
                    updated_at=now,
                )
            elif current.cadence_days == cadence_days:
                return SavedSchedule(schedule=current, created=False)
            else:
                schedule = replace(
                    current,
                    cadence_days=cadence_days,
                    next_due_at=rescheduled_due(current.next_due_at, current.cadence_days, cadence_days, now),
                    updated_at=now,
                )
            try:
                self._schedules.save(schedule, replacing=current)
            except ScheduleChanged:
                if attempt + 1 == _SAVE_ATTEMPTS:
                    raise
                continue
            return SavedSchedule(schedule=schedule, created=current is None)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def get(self, credential: Credential, user_id: str) -> Schedule:
        self._require_own(credential, user_id)
        schedule = self._owned(credential, user_id)
        if schedule is None:
            self._authenticate(credential)
            raise ScheduleNotFound("no schedule")
        return schedule

    def cancel(self, credential: Credential, user_id: str) -> None:
        """Opt out: the schedule and its due-index entry go. Opting out twice is not an error."""
        self._require_own(credential, user_id)
        if self._owned(credential, user_id) is None:
            self._authenticate(credential)
            return
        self._schedules.delete(user_id)

    def _require_own(self, credential: Credential, user_id: str) -> None:
        if user_id != credential.user_id:
            self._authenticate(credential)
            raise ScheduleNotFound("no such user")

    def _owned(self, credential: Credential, user_id: str) -> Schedule | None:
        schedule = self._schedules.get(user_id)
        if schedule is not None and not credential.matches(schedule.owner_token_hash):
            raise InvalidCredentials("unknown or wrong user token")
        return schedule

    def _authenticate(self, credential: Credential) -> str:
        stored_hash = self._assessments.owner_token_hash(credential.user_id)
        if stored_hash is None or not credential.matches(stored_hash):
            raise InvalidCredentials("unknown or wrong user token")
        return stored_hash
