"""The activity event: one model for typed-in, API-pushed and imported network activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class ActivityType(StrEnum):
    CONNECTION_MADE = "connection_made"
    INVITATION_SENT = "invitation_sent"
    INVITATION_RECEIVED = "invitation_received"
    MESSAGE_SENT = "message_sent"
    MESSAGE_RECEIVED = "message_received"
    INTRODUCTION_MADE = "introduction_made"
    REFERRAL_GIVEN = "referral_given"
    REFERRAL_ASKED = "referral_asked"
    RECOMMENDATION_GIVEN = "recommendation_given"
    RECOMMENDATION_RECEIVED = "recommendation_received"
    ENDORSEMENT_GIVEN = "endorsement_given"
    ENDORSEMENT_RECEIVED = "endorsement_received"
    HELP_GIVEN = "help_given"
    HELP_ASKED = "help_asked"
    KNOWLEDGE_SHARED = "knowledge_shared"
    COMMENT_MADE = "comment_made"
    REACTION_MADE = "reaction_made"
    RECRUITER_CONVERSATION = "recruiter_conversation"
    HIRING_MANAGER_CONVERSATION = "hiring_manager_conversation"
    INFORMATIONAL_INTERVIEW = "informational_interview"
    EVENT_ATTENDED = "event_attended"
    SKILL_LEARNED = "skill_learned"
    PROJECT_STARTED = "project_started"
    CERTIFICATION_EARNED = "certification_earned"
    JOB_APPLICATION = "job_application"


class CounterpartRole(StrEnum):
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    PEER = "peer"
    MENTOR = "mentor"
    OTHER = "other"


def _iso_datetime(value: Any) -> Any:
    """ISO-8601 text to an aware datetime (a bare date is midnight, a naive time is UTC).

    Parsed here with the standard library because it is several times faster than the generic path and
    yields datetimes whose timestamp() is cheap; pydantic alone would also read a number as a Unix time,
    which the contract does not allow.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueError(_DATE_MESSAGE)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(_DATE_MESSAGE) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_DATE_MESSAGE = "must be an ISO-8601 date or datetime, such as 2026-03-14 or 2026-03-14T09:30:00Z"


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_datetime)]


class ActivityEvent(BaseModel):
    """One dated piece of professional-network activity (PRODUCT.md's event model)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    type: ActivityType
    occurred_at: IsoDatetime
    counterpart: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    counterpart_role: CounterpartRole | None = None

    def occurred_at_utc(self) -> datetime:
        """The time as an aware UTC datetime (validation already made every time aware)."""
        moment = self.occurred_at
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class TypeRule:
    """How the model reads one activity type: which signals it feeds and with what weight."""

    outbound: bool = False  # you reached out to a person (personal contact, not a broadcast)
    inbound: bool = False  # a person reached out to you
    two_way: bool = False  # a conversation: contact in both directions by its nature
    tie: bool = False  # a new or confirmed tie (network growth)
    met: bool = False  # people met without a recorded tie (an event): contact, not a new tie
    give: float = 0.0  # giving before asking: help, introductions, referrals, recognition
    ask: float = 0.0  # asking for something
    recognition_given: float = 0.0
    recognition_received: float = 0.0
    market: float = 0.0  # conversations that teach you what the market needs
    meetup: float = 0.0  # events in your field
    growth: float = 0.0  # skilling up
    connector: float = 0.0  # introducing or referring others
    knowledge: float = 0.0  # sharing what you know in public
    sought_out: float = 0.0  # others seek you out
    long_half_life: bool = False  # growth lasts longer than contact


T = ActivityType
TYPE_RULES: dict[ActivityType, TypeRule] = {
    T.CONNECTION_MADE: TypeRule(tie=True),
    T.INVITATION_SENT: TypeRule(outbound=True, tie=True),
    T.INVITATION_RECEIVED: TypeRule(inbound=True, tie=True, sought_out=0.5),
    T.MESSAGE_SENT: TypeRule(outbound=True),
    T.MESSAGE_RECEIVED: TypeRule(inbound=True, sought_out=0.5),
    T.INTRODUCTION_MADE: TypeRule(outbound=True, give=1.0, connector=1.0),
    T.REFERRAL_GIVEN: TypeRule(outbound=True, give=1.0, connector=0.5),
    T.REFERRAL_ASKED: TypeRule(outbound=True, ask=1.0),
    T.RECOMMENDATION_GIVEN: TypeRule(outbound=True, give=1.0, recognition_given=1.0),
    T.RECOMMENDATION_RECEIVED: TypeRule(inbound=True, recognition_received=1.0, sought_out=1.0),
    T.ENDORSEMENT_GIVEN: TypeRule(give=0.3, recognition_given=0.3),
    T.ENDORSEMENT_RECEIVED: TypeRule(recognition_received=0.3, sought_out=0.3),
    T.HELP_GIVEN: TypeRule(outbound=True, give=1.0),
    T.HELP_ASKED: TypeRule(outbound=True, ask=1.0),
    T.KNOWLEDGE_SHARED: TypeRule(give=0.5, knowledge=1.0),
    T.COMMENT_MADE: TypeRule(knowledge=0.2),
    T.REACTION_MADE: TypeRule(knowledge=0.02),
    T.RECRUITER_CONVERSATION: TypeRule(outbound=True, two_way=True, market=1.0),
    T.HIRING_MANAGER_CONVERSATION: TypeRule(outbound=True, two_way=True, market=1.0),
    T.INFORMATIONAL_INTERVIEW: TypeRule(outbound=True, two_way=True, market=0.8),
    T.EVENT_ATTENDED: TypeRule(met=True, meetup=1.0),
    T.SKILL_LEARNED: TypeRule(growth=1.0, long_half_life=True),
    T.PROJECT_STARTED: TypeRule(growth=1.0, long_half_life=True),
    T.CERTIFICATION_EARNED: TypeRule(growth=1.0, long_half_life=True),
    T.JOB_APPLICATION: TypeRule(),
}

GIVE_TYPES = frozenset(t for t, rule in TYPE_RULES.items() if rule.give > 0)
ASK_TYPES = frozenset(t for t, rule in TYPE_RULES.items() if rule.ask > 0)
OUTBOUND_TYPES = frozenset(t for t, rule in TYPE_RULES.items() if rule.outbound)
# Too light (a click: a reaction adds almost nothing) or not network activity at all (an application):
# they do not make a score more certain, so confidence and the months of history ignore them.
NO_EVIDENCE_TYPES = frozenset({T.REACTION_MADE, T.JOB_APPLICATION})
MARKET_CONVERSATION_TYPES = frozenset(
    {T.RECRUITER_CONVERSATION, T.HIRING_MANAGER_CONVERSATION, T.INFORMATIONAL_INTERVIEW}
)
