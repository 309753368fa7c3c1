"""What the re-assessment use cases need from the outside: a queue and an event bus (AWS behind them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from readiness.cadence import ReadinessChange
from readiness.errors import ReadinessError
from readiness.reassessment.messages import ReassessmentMessage


class MessagingUnavailable(ReadinessError):
    """The queue or the event bus did not take what was sent (a retry later can succeed)."""


class ReassessmentQueue(Protocol):
    def send(self, messages: Sequence[ReassessmentMessage]) -> list[int]:
        """Send up to 10 messages in one request; the positions of those not sent, after one retry."""


class ReadinessEvents(Protocol):
    def publish(self, change: ReadinessChange) -> None:
        """Put one ReadinessChanged event on the bus; MessagingUnavailable if it was not taken."""
