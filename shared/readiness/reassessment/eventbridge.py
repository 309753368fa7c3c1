"""ReadinessChanged events on the service's Amazon EventBridge bus (PutEvents)."""

from __future__ import annotations

import json
from typing import Any

from readiness.cadence import ReadinessChange
from readiness.reassessment.ports import MessagingUnavailable

EVENT_SOURCE = "readiness"
READINESS_CHANGED = "ReadinessChanged"


class EventBridgeReadinessEvents:
    def __init__(self, client: Any, bus_name: str) -> None:
        self._client = client
        self._bus_name = bus_name

    def publish(self, change: ReadinessChange) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        entry = {
            "Source": EVENT_SOURCE,
            "DetailType": READINESS_CHANGED,
            "Detail": json.dumps({**change.as_detail(), "trigger": "scheduled"}, separators=(",", ":")),
            "EventBusName": self._bus_name,
        }
        try:
            response = self._client.put_events(Entries=[entry])
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            raise MessagingUnavailable(f"EventBridge PutEvents: {code or 'error'}") from None
        except BotoCoreError as exc:
            raise MessagingUnavailable(f"EventBridge PutEvents: {type(exc).__name__}") from None
        if response.get("FailedEntryCount"):
            code = (response.get("Entries") or [{}])[0].get("ErrorCode", "failed")
            raise MessagingUnavailable(f"EventBridge PutEvents: {code}")
