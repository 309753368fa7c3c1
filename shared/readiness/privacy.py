"""A person's rights over their data: export everything stored about them, and erase all of it.

Export (portability) pages through the user's partition in key order and decodes every item; an
activity item can hold tens of thousands of events, so a page carries at most
``MAX_EVENTS_PER_PAGE`` of them and the cursor can point into the middle of an item.

Erasure takes back the user's share of every career centre's counters (with the membership and
roster entry, all or nothing, never twice), deletes the idempotency records of their keyed
submissions and their uploads, then every item of their partition, the user item last (so that a
failed erasure can be retried with the same token), and reads the partition again until it is
empty (a write racing the erasure is erased too).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from readiness.centres.membership import Membership, MembershipChanged, plan_departure
from readiness.centres.repository import MembershipRepository
from readiness.centres.service import random_shard
from readiness.errors import InvalidCursor
from readiness.identity import Credential
from readiness.imports import upload_key
from readiness.owners import authenticate, require_path_user
from readiness.store import AssessmentRepository, StoreUnavailable

if TYPE_CHECKING:
    from readiness.store.records import UploadStore
    from readiness.store.user_data import StoredItem, UserDataRepository, UserRecord

EXPORT_FORMAT = "readiness-export/1"
MAX_ITEMS_PER_PAGE = 50
MAX_EVENTS_PER_PAGE = 5_000
_ERASE_ROUNDS = 3
_CURSOR_VERSION = 1
RECEIPT_SUFFIX = "#receipt"  # a submission receipt's id: its idempotency record's id and this


class ExportPage(BaseModel):
    """One page of everything stored about a user; follow ``next_cursor`` until it is null."""

    user_id: str
    format: str = Field(default=EXPORT_FORMAT, description="the export's format and version")
    exported_at: datetime
    items: list[dict[str, Any]] = Field(
        description="stored items in key order, each with its `kind`: user (the latest answers), "
        "assessment, activity (events, pseudonymised as stored), import, schedule, centre_membership, "
        "counterpart_salt (disclosed, never its value), and any other kind with its plain attributes"
    )
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class ErasureReceipt(BaseModel):
    """What an erasure deleted (counts only: nothing of what was erased is repeated)."""

    user_id: str
    erased_at: datetime
    erased: dict[str, int] = Field(
        description="items deleted per kind: assessment, activity, import, upload, schedule, "
        "centre_membership (with its roster entry and the user's share of the centre's counters), "
        "idempotency_record, user, and any other kind"
    )


@dataclass(frozen=True, slots=True)
class _Position:
    sort_key: str
    skip: int  # events of that item already exported
    exclusive: bool  # start after the item, not at it


def encode_cursor(position: _Position) -> str:
    document = {"v": _CURSOR_VERSION, "k": position.sort_key, "o": position.skip, "x": position.exclusive}
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> _Position:
    # The cursor only positions a page inside the caller's own partition (the partition comes from
    # the authenticated path): a forged one can skip or repeat the caller's items, never reach others'.
    if not cursor or len(cursor) > 400:
        raise InvalidCursor("bad cursor")
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor("bad cursor") from None
    if (
        not isinstance(document, dict)
        or set(document) != {"v", "k", "o", "x"}
        or document["v"] != _CURSOR_VERSION
    ):
        raise InvalidCursor("bad cursor")
    key, skip, exclusive = document["k"], document["o"], document["x"]
    if (
        not isinstance(key, str)
        or not 0 < len(key) <= 200
        or type(skip) is not int
        or not 0 <= skip <= 10_000_000
        or not isinstance(exclusive, bool)
    ):
        raise InvalidCursor("bad cursor")
    return _Position(key, skip, exclusive)


class PrivacyService:
    """Export and erasure of one user's data, by that user."""

    def __init__(
        self,
        assessments: AssessmentRepository,
        data: UserDataRepository,
        memberships: MembershipRepository,
        uploads: UploadStore | None,
        *,
        pick_shard: Callable[[], int] = random_shard,
    ) -> None:
        self._assessments = assessments
        self._data = data
        self._memberships = memberships
        self._uploads = uploads
        self._pick_shard = pick_shard

    def _require_owner(self, credential: Credential, user_id: str) -> None:
        require_path_user(self._assessments, credential, user_id)
        authenticate(self._assessments, credential)

    # ------------------------------------------------------------ export

    def export(
        self, credential: Credential, user_id: str, *, cursor: str | None, now: datetime
    ) -> ExportPage:
        position = decode_cursor(cursor) if cursor is not None else None
        self._require_owner(credential, user_id)
        page = self._data.records(
            user_id,
            start=position.sort_key if position else None,
            exclusive=position.exclusive if position else False,
            limit=MAX_ITEMS_PER_PAGE,
        )
        items: list[dict[str, Any]] = []
        budget = MAX_EVENTS_PER_PAGE
        for index, record in enumerate(page.records):
            skip = position.skip if position and index == 0 and record.sort_key == position.sort_key else 0
            if record.kind != "activity":
                items.append({"kind": record.kind, **record.data})
                continue
            remaining = record.events[skip:]
            taken = remaining[:budget]
            items.append(_activity_slice(record, skip, taken))
            budget -= len(taken)
            if len(taken) < len(remaining):
                return self._page(user_id, now, items, _Position(record.sort_key, skip + len(taken), False))
            if budget == 0 and index < len(page.records) - 1:
                return self._page(user_id, now, items, _Position(record.sort_key, 0, True))
        after = _Position(page.last_sort_key, 0, True) if page.last_sort_key else None
        return self._page(user_id, now, items, after)

    def _page(
        self, user_id: str, now: datetime, items: list[dict[str, Any]], after: _Position | None
    ) -> ExportPage:
        return ExportPage(
            user_id=user_id,
            exported_at=now,
            items=items,
            next_cursor=encode_cursor(after) if after else None,
        )

    # ------------------------------------------------------------ erasure

    def erase(self, credential: Credential, user_id: str, *, now: datetime) -> ErasureReceipt:
        self._require_owner(credential, user_id)
        erased: Counter[str] = Counter()
        for _round in range(_ERASE_ROUNDS):
            inventory = self._data.inventory(user_id)
            if not inventory:
                return ErasureReceipt(user_id=user_id, erased_at=now, erased=dict(sorted(erased.items())))
            if not self._leave_centres(user_id, inventory, now, erased):
                continue  # an assessment was counted meanwhile: read everything again
            self._erase_items(user_id, inventory, erased)
        raise StoreUnavailable("the user's data kept changing while it was erased; retry")

    def _leave_centres(
        self, user_id: str, inventory: Sequence[StoredItem], now: datetime, erased: Counter[str]
    ) -> bool:
        assessments = [
            (item.created_at, item.score)
            for item in inventory
            if item.kind == "assessment" and item.created_at is not None and item.score is not None
        ]
        memberships: list[Membership] = self._memberships.memberships(user_id)
        for membership in memberships:
            departure = plan_departure(membership, assessments, now=now, pick_shard=self._pick_shard)
            try:
                self._memberships.remove_student(departure)
            except MembershipChanged:
                return False
            erased["centre_membership"] += 1
        return True

    def _erase_items(self, user_id: str, inventory: Sequence[StoredItem], erased: Counter[str]) -> None:
        records = [item.idempotency_record for item in inventory if item.idempotency_record]
        # each keyed submission left Powertools' record and, beside it, the receipt stored with the
        # assessment (readiness.api.idempotency.receipt_id): both name the user
        self._data.delete_idempotency_records(
            [name for record in records for name in (record, record + RECEIPT_SUFFIX)]
        )
        erased["idempotency_record"] += len(records)
        imports = [item.import_id for item in inventory if item.import_id]
        if self._uploads is not None:
            for import_id in imports:
                self._uploads.delete(upload_key(user_id, import_id))  # a missing object is no error
                erased["upload"] += 1
        # the memberships went with their centres' counters; the user item (the token) goes last
        rest = [item for item in inventory if item.kind not in ("centre_membership", "user")]
        self._data.delete_items(user_id, [item.sort_key for item in rest])
        for item in rest:
            erased[item.kind] += 1
        users = [item.sort_key for item in inventory if item.kind == "user"]
        self._data.delete_items(user_id, users)
        erased["user"] += len(users)


def _activity_slice(record: UserRecord, skip: int, events: Sequence[Any]) -> dict[str, Any]:
    return {
        "kind": "activity",
        "batch_id": record.data["batch_id"],
        "source": record.data["source"],
        "import_id": record.data["import_id"],
        "events_total": record.data["events"],
        "first_event": skip,
        "events": [event.model_dump(mode="json", exclude_none=True) for event in events],
    }
