"""The storage interface of the centres domain: centres, memberships and the roster, and cohort counters.

Every method is one request to the store (``apply`` is one transaction); see docs/data-model.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from readiness.centres.membership import CentreWrites, Departure, Membership, StudentEntry
from readiness.centres.model import Centre, CentreStatus
from readiness.errors import ReadinessError


class CentreAlreadyExists(ReadinessError):
    """A centre with this id is already stored."""


class CentreChanged(ReadinessError):
    """Another change to the centre was stored first; read it again."""


@dataclass(frozen=True, slots=True)
class CentreListing:
    """A centre as ``centre list`` shows it (no key hashes)."""

    centre_id: str
    name: str
    status: CentreStatus
    origins: tuple[str, ...]
    k_threshold: int
    created_at: datetime
    keys_rotated_at: datetime | None


@dataclass(frozen=True, slots=True)
class StudentPage:
    items: list[StudentEntry]
    after: str | None  # the last user id on the page when more follow


class CentreRepository(Protocol):
    def add(self, centre: Centre) -> None:
        """Store a new centre (and its listing); CentreAlreadyExists if the id is taken."""

    def get(self, centre_id: str) -> Centre | None:
        """The centre, or None."""

    def replace(self, centre: Centre) -> None:
        """Store a changed centre whose ``version`` is one more than the stored one; CentreChanged if not."""

    def listing(self) -> list[CentreListing]:
        """Every centre, by id (a Query on the registry partition, never a Scan)."""


class MembershipRepository(Protocol):
    def memberships(self, user_id: str) -> list[Membership]:
        """The centres a user is a student of."""

    def membership(self, user_id: str, centre_id: str) -> Membership | None:
        """One membership, or None."""

    def apply(self, writes: CentreWrites) -> None:
        """Write memberships, counters and roster entries in one transaction; MembershipChanged on a race."""

    def remove_student(self, departure: Departure) -> None:
        """Erase a membership with its roster entry and counter share at once (MembershipChanged: a race)."""


class CohortRepository(Protocol):
    def cohort(self, centre_id: str) -> tuple[Centre | None, list[dict[str, int]]]:
        """The centre and every counter shard, in one request."""

    def students(self, centre_id: str, *, limit: int, after: str | None = None) -> StudentPage:
        """A page of the centre's consenting students, by user id."""
