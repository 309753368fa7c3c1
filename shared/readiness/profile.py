"""The activity profile: one pass over dated events into the aggregates every signal reads.

Everything is measured as an age (days before `as_of`), never against the clock or the calendar,
so shifting every event and `as_of` by the same amount changes nothing. Weights decay
exponentially with age, so with no new activity every decayed total can only shrink.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from readiness.activity import NO_EVIDENCE_TYPES, TYPE_RULES, ActivityEvent, ActivityType, CounterpartRole

DAY_SECONDS = 86400.0
MONTH_DAYS = 30.4375  # an average month; months are counted back from as_of, not by calendar
HALF_LIFE_DAYS = 180.0  # network activity loses half its weight every six months
GROWTH_HALF_LIFE_DAYS = 365.0  # skills, projects and certifications last longer
RECENT_HALF_LIFE_DAYS = 90.0  # how fast "last reached out" fades
COVERAGE_WINDOW_DAYS = 730.0  # continuity looks at the last 24 months
CONTACT_COVERS_DAYS = 30.0  # one contact means the 30 days up to it had contact
COVERAGE_HALF_LIFE_DAYS = 365.0  # recent months count more towards coverage
REPEAT_CAP = 2.0  # a counterpart counts at most two fresh contacts' worth per signal
ANONYMOUS_FACTOR = 0.5  # an event without a counterpart counts half
ANONYMOUS_CAP = 15.0  # and one type's anonymous events count at most 15 fresh events' worth
ESTABLISHED_SPAN_DAYS = 730.0  # a tie with two or more years of history
LIFELINE_SPAN_DAYS = 365.0
RETURNING_SPAN_DAYS = 60.0
HISTORY_MONTHS = 48  # monthly outbound counts kept for the patterns

_LN2 = math.log(2.0)
_K_NETWORK = _LN2 / HALF_LIFE_DAYS
_K_GROWTH = _LN2 / GROWTH_HALF_LIFE_DAYS
_K_RECENT = _LN2 / RECENT_HALF_LIFE_DAYS
_K_COVERAGE = _LN2 / COVERAGE_HALF_LIFE_DAYS


def whole(value: float) -> int:
    """Half up, the way every score and every number in an explanation is rounded (not Python's half-even)."""
    return math.floor(value + 0.5)


def decay(age_days: float, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """Weight of something `age_days` old: 1 today, 0.5 after one half-life."""
    return math.exp(-age_days * _LN2 / half_life_days)


# Signals an event can feed; each type's (signal, weight) pairs are derived from TYPE_RULES.
CONTACT = "contact"
TIE = "tie"
GIVE = "give"
ASK = "ask"
RECOGNITION_GIVEN = "recognition_given"
RECOGNITION_RECEIVED = "recognition_received"
MARKET = "market"
MARKET_RECRUITER = "market_recruiter"
MARKET_HIRING_MANAGER = "market_hiring_manager"
MARKET_INFORMATIONAL = "market_informational"
CONNECTOR = "connector"
KNOWLEDGE = "knowledge"
SOUGHT_OUT = "sought_out"
MEETUP = "meetup"
SKILL = "skill"
PROJECT = "project"
CERTIFICATION = "certification"

_T = ActivityType


def _signals_of(kind: ActivityType) -> tuple[tuple[str, float], ...]:
    rule = TYPE_RULES[kind]
    pairs: list[tuple[str, float]] = []
    if rule.outbound or rule.inbound or rule.two_way or rule.tie or rule.met:
        pairs.append((CONTACT, 1.0))
    if rule.tie:
        pairs.append((TIE, 1.0))
    for name, weight in (
        (GIVE, rule.give),
        (ASK, rule.ask),
        (RECOGNITION_GIVEN, rule.recognition_given),
        (RECOGNITION_RECEIVED, rule.recognition_received),
        (MARKET, rule.market),
        (MEETUP, rule.meetup),
        (CONNECTOR, rule.connector),
        (KNOWLEDGE, rule.knowledge),
        (SOUGHT_OUT, rule.sought_out),
    ):
        if weight:
            pairs.append((name, weight))
    extra = {
        _T.RECRUITER_CONVERSATION: MARKET_RECRUITER,
        _T.HIRING_MANAGER_CONVERSATION: MARKET_HIRING_MANAGER,
        _T.INFORMATIONAL_INTERVIEW: MARKET_INFORMATIONAL,
        _T.SKILL_LEARNED: SKILL,
        _T.PROJECT_STARTED: PROJECT,
        _T.CERTIFICATION_EARNED: CERTIFICATION,
    }.get(kind)
    if extra:
        pairs.append((extra, 1.0))
    return tuple(pairs)


TYPE_SIGNALS: dict[ActivityType, tuple[tuple[str, float], ...]] = {
    kind: _signals_of(kind) for kind in ActivityType
}
# Talking with a recruiter or a hiring manager by message is market intelligence too, at half weight.
ROLE_MARKET_SIGNALS: dict[CounterpartRole, tuple[tuple[str, float], ...]] = {
    CounterpartRole.RECRUITER: ((MARKET, 0.5), (MARKET_RECRUITER, 0.5)),
    CounterpartRole.HIRING_MANAGER: ((MARKET, 0.5), (MARKET_HIRING_MANAGER, 0.5)),
}
# The totals each signal feeds: ".cov" credits repeat contact up to REPEAT_CAP, ".people" caps each
# person at 1; only the ones a dimension reads are kept.
_KEYS: dict[str, tuple[str, ...]] = {
    CONTACT: ("contact.people",),
    TIE: ("tie.people",),
    GIVE: ("give.cov", "give.people"),
    ASK: ("ask.cov",),
    RECOGNITION_GIVEN: ("recognition_given.cov",),
    RECOGNITION_RECEIVED: ("recognition_received.cov",),
    MARKET: ("market.people",),
    MARKET_RECRUITER: ("market_recruiter.cov",),
    MARKET_HIRING_MANAGER: ("market_hiring_manager.cov",),
    MARKET_INFORMATIONAL: ("market_informational.cov",),
    CONNECTOR: ("connector.people",),
    KNOWLEDGE: ("knowledge.cov",),
    SOUGHT_OUT: ("sought_out.people",),
    MEETUP: ("meetup.cov",),
    SKILL: ("skill.cov",),
    PROJECT: ("project.cov",),
    CERTIFICATION: ("certification.cov",),
}
_ROLE_KEYS = {role: "role." + role.value for role in CounterpartRole}
_ROLE_MARKET_TYPES = frozenset(
    {_T.MESSAGE_SENT, _T.MESSAGE_RECEIVED, _T.INVITATION_SENT, _T.INVITATION_RECEIVED}
)
_OUTBOUND = frozenset(k for k, r in TYPE_RULES.items() if r.outbound)
_INBOUND = frozenset(k for k, r in TYPE_RULES.items() if r.inbound or r.two_way)
_TWO_WAY = frozenset(k for k, r in TYPE_RULES.items() if r.two_way)
_GROWTH = frozenset(k for k, r in TYPE_RULES.items() if r.long_half_life)
_GIVES = frozenset(k for k, r in TYPE_RULES.items() if r.give)
_ASKS = frozenset(k for k, r in TYPE_RULES.items() if r.ask)
_MARKET_TALK = frozenset(
    {_T.RECRUITER_CONVERSATION, _T.HIRING_MANAGER_CONVERSATION, _T.INFORMATIONAL_INTERVIEW}
)


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """Everything the per-event loop needs about a type, looked up once per event."""

    signals: tuple[tuple[str, float], ...]
    decay_rate: float
    contact: bool
    outbound: bool
    inbound: bool
    two_way: bool
    give: bool
    ask: bool
    role_market: bool
    evidence: bool  # counts towards confidence and months of history


TYPE_INFO: dict[ActivityType, TypeInfo] = {
    kind: TypeInfo(
        signals=TYPE_SIGNALS[kind],
        decay_rate=_K_GROWTH if kind in _GROWTH else _K_NETWORK,
        contact=bool(TYPE_SIGNALS[kind]) and TYPE_SIGNALS[kind][0][0] == CONTACT,
        outbound=kind in _OUTBOUND,
        inbound=kind in _INBOUND,
        two_way=kind in _TWO_WAY,
        give=kind in _GIVES,
        ask=kind in _ASKS,
        role_market=kind in _ROLE_MARKET_TYPES,
        evidence=kind not in NO_EVIDENCE_TYPES,
    )
    for kind in ActivityType
}


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """An event in age terms, as the profile reads it (real events and simulated actions alike)."""

    type: ActivityType
    age_days: float
    counterpart: str | None = None
    role: CounterpartRole | None = None


class Party:
    """What the model knows about one counterpart, or about one type's events without a counterpart."""

    __slots__ = (
        "anonymous",
        "asks",
        "contacts",
        "conversation",
        "earliest_give",
        "first_age",
        "has_in",
        "has_out",
        "last_age",
        "out_first",
        "out_last",
        "role",
        "role_age",
        "roles",
        "signals",
    )

    def __init__(self, anonymous: bool) -> None:
        self.anonymous = anonymous
        self.signals: dict[str, list[float]] = {}  # signal -> [sum of weights, largest weight]
        self.first_age = -1.0  # oldest contact (ages are >= 0; -1 means none)
        self.last_age = -1.0
        self.out_first = -1.0
        self.out_last = -1.0
        self.has_in = False
        self.has_out = False
        self.conversation = False
        self.contacts = 0
        self.role: CounterpartRole | None = None
        self.role_age = math.inf
        self.roles: dict[CounterpartRole, list[float]] | None = None  # anonymous events' roles
        self.earliest_give = -1.0
        self.asks: list[tuple[float, float]] | None = None  # (age, weight) of each ask

    def clone(self) -> Party:
        twin = Party(self.anonymous)
        twin.first_age, twin.last_age, twin.out_first, twin.out_last = (
            self.first_age,
            self.last_age,
            self.out_first,
            self.out_last,
        )
        twin.contacts, twin.has_in, twin.has_out, twin.conversation = (
            self.contacts,
            self.has_in,
            self.has_out,
            self.conversation,
        )
        twin.role, twin.role_age, twin.earliest_give = self.role, self.role_age, self.earliest_give
        twin.signals = {k: v.copy() for k, v in self.signals.items()}
        twin.roles = {k: v.copy() for k, v in self.roles.items()} if self.roles is not None else None
        twin.asks = self.asks.copy() if self.asks is not None else None
        return twin

    def add(self, kind: ActivityType, age: float, role: CounterpartRole | None) -> None:
        self.fold([(TYPE_INFO[kind], age, role)])

    def fold(self, events: Iterable[tuple[TypeInfo, float, CounterpartRole | None]]) -> None:
        """Fold events into this party (kept in local variables: this is the model's hot loop)."""
        signals = self.signals
        first, last, out_first, out_last = self.first_age, self.last_age, self.out_first, self.out_last
        contacts, has_in, has_out, conversation = self.contacts, self.has_in, self.has_out, self.conversation
        earliest_give, role_age, anonymous = self.earliest_give, self.role_age, self.anonymous
        exp = math.exp
        for info, age, role in events:
            weight = exp(-age * info.decay_rate)
            pairs = info.signals
            if role is not None:
                if info.role_market and role in ROLE_MARKET_SIGNALS:
                    pairs = pairs + ROLE_MARKET_SIGNALS[role]
                if anonymous:
                    self._add_anonymous_role(role, weight)
                elif age < role_age or (age == role_age and (self.role is None or role > self.role)):
                    self.role, role_age = role, age  # the latest role wins; a tie is settled by name
            for name, factor in pairs:
                w = weight * factor
                slot = signals.get(name)
                if slot is None:
                    signals[name] = [w, w]
                else:
                    slot[0] += w
                    if w > slot[1]:
                        slot[1] = w
            if anonymous:
                continue
            if info.contact:
                contacts += 1
                if age > first:
                    first = age
                if last < 0 or age < last:
                    last = age
                if info.outbound:
                    has_out = True
                    if age > out_first:
                        out_first = age
                    if out_last < 0 or age < out_last:
                        out_last = age
                if info.inbound:
                    has_in = True
                if info.two_way:
                    conversation = True
            if info.give and age > earliest_give:
                earliest_give = age
            if info.ask:
                if self.asks is None:
                    self.asks = []
                self.asks.append((age, weight))
        self.first_age, self.last_age, self.out_first, self.out_last = first, last, out_first, out_last
        self.contacts, self.has_in, self.has_out, self.conversation = contacts, has_in, has_out, conversation
        self.earliest_give, self.role_age = earliest_give, role_age

    def _add_anonymous_role(self, role: CounterpartRole, weight: float) -> None:
        roles = self.roles if self.roles is not None else {}
        self.roles = roles
        slot = roles.get(role)
        if slot is None:
            roles[role] = [weight, weight]
        else:
            slot[0] += weight
            slot[1] = max(slot[1], weight)

    def contribute(self, totals: dict[str, float], sign: float = 1.0) -> None:
        """Add (or with sign -1, take back) this party's share of every total the dimensions read."""
        get = totals.get
        if self.anonymous:
            for name, (total, largest) in self.signals.items():
                credit = sign * ANONYMOUS_FACTOR * min(total, ANONYMOUS_CAP * largest)
                for key in _KEYS[name]:
                    totals[key] = get(key, 0.0) + credit
            if self.roles:
                for role, (total, largest) in self.roles.items():
                    key = _ROLE_KEYS[role]
                    totals[key] = get(key, 0.0) + sign * ANONYMOUS_FACTOR * min(
                        total, ANONYMOUS_CAP * largest
                    )
            return
        for name, (total, largest) in self.signals.items():
            credit = total if total < REPEAT_CAP * largest else REPEAT_CAP * largest
            for key in _KEYS[name]:
                if key[-1] == "e":  # ".people": each person counts at most once
                    totals[key] = get(key, 0.0) + sign * (1.0 if credit > 1.0 else credit)
                else:
                    totals[key] = get(key, 0.0) + sign * credit
        if self.first_age >= 0:
            span = self.first_age - self.last_age
            recency = sign * math.exp(-self.last_age * _K_NETWORK)
            two_way = self.conversation or (self.has_in and self.has_out)
            if span >= ESTABLISHED_SPAN_DAYS:
                totals["established"] = get("established", 0.0) + recency
            if self.out_first >= 0 and self.out_first - self.out_last >= RETURNING_SPAN_DAYS:
                totals["returning"] = get("returning", 0.0) + sign * math.exp(-self.out_last * _K_NETWORK)
            if two_way and span >= LIFELINE_SPAN_DAYS and self.contacts >= 3:
                totals["lifeline"] = get("lifeline", 0.0) + recency
            if self.has_in and GIVE in self.signals:
                totals["reciprocal"] = get("reciprocal", 0.0) + recency
            if self.role is not None:
                key = _ROLE_KEYS[self.role]
                totals[key] = get(key, 0.0) + recency
                if two_way and self.role is CounterpartRole.MENTOR:
                    totals["mentor"] = get("mentor", 0.0) + recency
        if self.asks:
            asked = unprepared = 0.0
            for age, weight in self.asks:
                asked += weight
                if self.earliest_give <= age:  # nothing given to this person before the ask
                    unprepared += weight
            totals["asked"] = get("asked", 0.0) + sign * asked
            totals["unprepared"] = get("unprepared", 0.0) + sign * unprepared

    @property
    def two_way(self) -> bool:
        return self.conversation or (self.has_in and self.has_out)


def _merge(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _intersect(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _merge_contacts(ages: list[float]) -> list[tuple[float, float]]:
    """The covered stretches of the window: each contact covers the 30 days up to it."""
    ages.sort()
    merged: list[tuple[float, float]] = []
    for age in ages:
        end = age + CONTACT_COVERS_DAYS
        if end > COVERAGE_WINDOW_DAYS:
            end = COVERAGE_WINDOW_DAYS
        if merged and age <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((age, end))
    return merged


def _cover(age: float) -> tuple[float, float] | None:
    start, end = age, min(age + CONTACT_COVERS_DAYS, COVERAGE_WINDOW_DAYS)
    return (start, end) if start < end else None


_COVERAGE_NORM = (1.0 - math.exp(-_K_COVERAGE * COVERAGE_WINDOW_DAYS)) / _K_COVERAGE


def weighted_coverage(segments: list[tuple[float, float]]) -> float:
    """Share of the last 24 months covered, recent months weighing more (0-1)."""
    total = 0.0
    for start, end in segments:
        total += (math.exp(-_K_COVERAGE * start) - math.exp(-_K_COVERAGE * end)) / _K_COVERAGE
    return total / _COVERAGE_NORM


def covered_days(segments: list[tuple[float, float]]) -> float:
    return sum(end - start for start, end in segments)


@dataclass
class Windows:
    """Plain counts over fixed windows, for the patterns and the say-do comparison (not for scores)."""

    monthly_outbound: list[int] = field(default_factory=lambda: [0] * HISTORY_MONTHS)
    gives_12m: float = 0.0
    asks_12m: int = 0
    market_12m: int = 0
    market_last_age: float = -1.0
    people_12m: set[str] = field(default_factory=set)
    anonymous_contacts_12m: int = 0
    catch_up_90d: set[str] = field(default_factory=set)
    anonymous_catch_up_90d: int = 0
    helped_90d: set[str] = field(default_factory=set)
    anonymous_helped_90d: int = 0
    growth_12m: int = 0
    introductions_12m: int = 0
    active_months_24: set[int] = field(default_factory=set)


_HELP_COUNTED = frozenset({_T.HELP_GIVEN, _T.REFERRAL_GIVEN, _T.INTRODUCTION_MADE, _T.RECOMMENDATION_GIVEN})
# What the count questions ask about, so that the say-do comparison counts the same thing.
_REAL_CONVERSATION = frozenset(
    {
        _T.MESSAGE_SENT,
        _T.MESSAGE_RECEIVED,
        _T.RECRUITER_CONVERSATION,
        _T.HIRING_MANAGER_CONVERSATION,
        _T.INFORMATIONAL_INTERVIEW,
        _T.HELP_GIVEN,
        _T.HELP_ASKED,
        _T.INTRODUCTION_MADE,
        _T.REFERRAL_GIVEN,
        _T.REFERRAL_ASKED,
        _T.RECOMMENDATION_GIVEN,
        _T.RECOMMENDATION_RECEIVED,
    }
)  # reach_count: "a real conversation (more than a click or a like)"
_CATCH_UP = frozenset(
    {
        _T.MESSAGE_SENT,
        _T.HELP_GIVEN,
        _T.INTRODUCTION_MADE,
        _T.REFERRAL_GIVEN,
        _T.RECOMMENDATION_GIVEN,
    }
)  # continuity_count: "just to catch up or pass something on, asking for nothing"
_TAKER_GIVE_WEIGHT = {k: (0.5 if k in {_T.ENDORSEMENT_GIVEN, _T.KNOWLEDGE_SHARED} else 1.0) for k in _GIVES}


class Profile:
    """Aggregates of one person's activity as of one moment; `with_events` simulates more of it."""

    def __init__(self) -> None:
        self.named: dict[str, Party] = {}
        self.anonymous: dict[ActivityType, Party] = {}
        self.totals: dict[str, float] = {}
        self.outbound_cover: list[tuple[float, float]] = []
        self.inbound_cover: list[tuple[float, float]] = []
        self.last_outbound_age = -1.0
        self.oldest_age = -1.0
        self.counted = 0
        self.evidence_count = 0  # counted events that carry evidence (not reactions or applications)
        self.ignored = 0
        self.windows = Windows()

    @classmethod
    def build(cls, events: Sequence[ActivityEvent], as_of: datetime) -> Profile:
        profile = cls()
        named, anonymous = profile.named, profile.anonymous
        outbound_cover: list[float] = []  # ages of contacts inside the coverage window
        inbound_cover: list[float] = []
        windows = profile.windows
        monthly = windows.monthly_outbound
        last_out = -1.0
        oldest = -1.0
        active_months = windows.active_months_24
        # events grouped by party first, then folded per party (a counterpart id may equal a type name,
        # so the two kinds of party never share a dict)
        pending: dict[str, list[tuple[TypeInfo, float, CounterpartRole | None]]] = {}
        pending_anonymous: dict[ActivityType, list[tuple[TypeInfo, float, CounterpartRole | None]]] = {}
        type_info = TYPE_INFO
        for event in events:
            moment = event.occurred_at
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)  # the contract reads a naive time as UTC
            # timedelta arithmetic is exact, so shifting events and as_of together changes no bit of any age
            age = (as_of - moment).total_seconds() / DAY_SECONDS
            if age < 0:
                profile.ignored += 1
                continue
            kind = event.type
            info = type_info[kind]
            key = event.counterpart
            if key is None:
                bucket = pending_anonymous.get(kind)
                if bucket is None:
                    bucket = pending_anonymous[kind] = []
            else:
                bucket = pending.get(key)
                if bucket is None:
                    bucket = pending[key] = []
            bucket.append((info, age, event.counterpart_role))
            month = int(age / MONTH_DAYS)
            if info.evidence:
                profile.evidence_count += 1
                if age > oldest:
                    oldest = age
                if month < 24:
                    active_months.add(month)
            if info.outbound:
                if last_out < 0 or age < last_out:
                    last_out = age
                if month < HISTORY_MONTHS:
                    monthly[month] += 1
                if age < COVERAGE_WINDOW_DAYS:
                    outbound_cover.append(age)
            if info.inbound and age < COVERAGE_WINDOW_DAYS:
                inbound_cover.append(age)
            if age <= 365.0:
                _count_windows(windows, event, kind, key, age)
        for key, folded in pending.items():
            party = named[key] = Party(anonymous=False)
            party.fold(folded)
        for kind, folded in pending_anonymous.items():
            party = anonymous[kind] = Party(anonymous=True)
            party.fold(folded)
        profile.counted = len(events) - profile.ignored
        profile.last_outbound_age = last_out
        profile.oldest_age = oldest
        profile.outbound_cover = _merge_contacts(outbound_cover)
        profile.inbound_cover = _merge_contacts(inbound_cover)
        totals = profile.totals
        for party in named.values():
            party.contribute(totals)
        for party in anonymous.values():
            party.contribute(totals)
        return profile

    def months_observed(self) -> int:
        """How many months (counted back from as_of, the current one included) hold evidence."""
        return int(self.oldest_age / MONTH_DAYS) + 1 if self.oldest_age >= 0 else 0

    def total(self, name: str) -> float:
        return self.totals.get(name, 0.0)

    def coverage(self) -> tuple[float, float, float, float]:
        """(weighted outbound coverage, weighted two-way coverage, outbound days, two-way days)."""
        two_way = _intersect(self.outbound_cover, self.inbound_cover)
        return (
            weighted_coverage(self.outbound_cover),
            weighted_coverage(two_way),
            covered_days(self.outbound_cover),
            covered_days(two_way),
        )

    def changed_totals(self, other: Profile) -> set[str]:
        """The totals (and "coverage", "last_outbound") that differ in `other`, a simulation of this one."""
        mine = self.totals
        changed = {key for key, value in other.totals.items() if mine.get(key, 0.0) != value}
        if other.outbound_cover is not self.outbound_cover or other.inbound_cover is not self.inbound_cover:
            changed.add("coverage")
        if other.last_outbound_age != self.last_outbound_age:
            changed.add("last_outbound")
        return changed

    def with_events(self, planned: Sequence[PlannedEvent]) -> Profile:
        """A copy with more events folded in: only the parties they touch are recomputed."""
        twin = Profile()
        twin.named, twin.anonymous = dict(self.named), dict(self.anonymous)
        twin.totals = dict(self.totals)
        twin.last_outbound_age, twin.oldest_age = self.last_outbound_age, self.oldest_age
        twin.counted, twin.ignored, twin.windows = self.counted + len(planned), self.ignored, self.windows
        touched: dict[tuple[bool, str], Party] = {}
        new_out: list[tuple[float, float]] = []
        new_in: list[tuple[float, float]] = []
        for event in planned:
            anonymous = event.counterpart is None
            key = (anonymous, event.type.value if anonymous else str(event.counterpart))
            party = touched.get(key)
            if party is None:
                source = (
                    self.anonymous.get(event.type) if anonymous else self.named.get(str(event.counterpart))
                )
                if source is not None:
                    source.contribute(twin.totals, -1.0)
                party = touched[key] = source.clone() if source is not None else Party(anonymous)
            party.add(event.type, event.age_days, event.role)
            span = _cover(event.age_days)
            if event.type in _OUTBOUND:
                if twin.last_outbound_age < 0 or event.age_days < twin.last_outbound_age:
                    twin.last_outbound_age = event.age_days
                if span:
                    new_out.append(span)
            if event.type in _INBOUND and span:
                new_in.append(span)
        for (anonymous, name), party in touched.items():
            if anonymous:
                twin.anonymous[ActivityType(name)] = party
            else:
                twin.named[name] = party
            party.contribute(twin.totals)
        twin.outbound_cover = _merge([*self.outbound_cover, *new_out]) if new_out else self.outbound_cover
        twin.inbound_cover = _merge([*self.inbound_cover, *new_in]) if new_in else self.inbound_cover
        return twin


def _count_windows(
    windows: Windows, event: ActivityEvent, kind: ActivityType, key: str | None, age: float
) -> None:
    if kind in _GIVES:
        windows.gives_12m += _TAKER_GIVE_WEIGHT[kind]
    elif kind in _ASKS:
        windows.asks_12m += 1
    role = event.counterpart_role
    if kind in _MARKET_TALK or (
        kind in _ROLE_MARKET_TYPES and role in (CounterpartRole.RECRUITER, CounterpartRole.HIRING_MANAGER)
    ):
        windows.market_12m += 1
        if windows.market_last_age < 0 or age < windows.market_last_age:
            windows.market_last_age = age
    if kind in _REAL_CONVERSATION:
        if key is None:
            windows.anonymous_contacts_12m += 1
        else:
            windows.people_12m.add(key)
    if kind in _GROWTH:
        windows.growth_12m += 1
    if kind is _T.INTRODUCTION_MADE:
        windows.introductions_12m += 1
    if age <= 90.0:
        if kind in _CATCH_UP:
            if key is None:
                windows.anonymous_catch_up_90d += 1
            else:
                windows.catch_up_90d.add(key)
        if kind in _HELP_COUNTED:
            if key is None:
                windows.anonymous_helped_90d += 1
            else:
                windows.helped_90d.add(key)
