"""Readiness scoring v1: seven dimensions, each a blend of a questionnaire subscale and a behaviour index.

Deterministic and computed as of an explicit time: nothing here reads the clock.
docs/scoring.md explains every number in this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from readiness import MODEL_VERSION
from readiness.activity import ActivityEvent, CounterpartRole
from readiness.patterns import detect_flags
from readiness.profile import (
    ASK,
    CERTIFICATION,
    CONNECTOR,
    CONTACT,
    GIVE,
    KNOWLEDGE,
    MARKET,
    MARKET_HIRING_MANAGER,
    MARKET_INFORMATIONAL,
    MARKET_RECRUITER,
    MEETUP,
    MONTH_DAYS,
    PROJECT,
    RECENT_HALF_LIFE_DAYS,
    RECOGNITION_GIVEN,
    RECOGNITION_RECEIVED,
    SKILL,
    SOUGHT_OUT,
    TIE,
    Profile,
    decay,
    whole,
)
from readiness.questionnaire import Answers, Question, QuestionKind, get_questionnaire, item_points
from readiness.result import (
    AssessmentResult,
    Band,
    Confidence,
    DimensionScore,
    Evidence,
    ExplanationLine,
)
from readiness.submission import Submission

QUESTIONNAIRE_SHARE = 0.4  # of each dimension's score; the behaviour index carries the rest
BEHAVIOUR_SHARE = 1.0 - QUESTIONNAIRE_SHARE
SELF_REPORT_CEILING = 60.0  # self-reported counts alone can take a behaviour index this far, no further

DIMENSION_NAMES: dict[str, str] = {
    "reach": "Network built before it is needed",
    "continuity": "Keeping in touch when you need nothing",
    "generosity": "Giving before you ask",
    "market": "Market intelligence",
    "growth": "Skilling up",
    "lifelines": "Relationship rituals",
    "visibility": "Trusted node and connector",
}
# Weights in whole percent, so that the overall score is exact integer arithmetic (no float ties).
DIMENSION_WEIGHT_PERCENT: dict[str, int] = {
    "reach": 16,
    "continuity": 18,
    "generosity": 18,
    "market": 14,
    "growth": 10,
    "lifelines": 12,
    "visibility": 12,
}
DIMENSION_WEIGHTS: dict[str, float] = {d: percent / 100 for d, percent in DIMENSION_WEIGHT_PERCENT.items()}
# (count question, saturation constant): 60 * (1 - e^(-count/k)) is the self-reported behaviour index
SELF_REPORT_ITEMS: dict[str, tuple[str, float]] = {
    "reach": ("reach_count", 20.0),
    "continuity": ("continuity_count", 6.0),
    "generosity": ("generosity_count", 4.0),
    "market": ("market_count", 4.0),
    "growth": ("growth_count", 3.0),
    "lifelines": ("lifelines_count", 2.5),
    "visibility": ("visibility_count", 3.0),
}
BAND_FLOORS: tuple[tuple[int, Band], ...] = (
    (75, Band.STRONG),
    (55, Band.READY),
    (35, Band.BUILDING),
    (0, Band.EARLY),
)
ROLES = tuple(CounterpartRole)
ROLE_KEYS = tuple("role." + role for role in ROLES)


def sat(value: float, scale: float) -> float:
    """Diminishing returns: 0 at 0, 0.63 at `scale`, 0.95 at three times `scale`, never above 1."""
    return 1.0 - math.exp(-value / scale) if value > 0 else 0.0


def band_for(score: int) -> Band:
    return next(band for floor, band in BAND_FLOORS if score >= floor)


@dataclass(frozen=True, slots=True)
class Component:
    """One behaviour signal of a dimension: `points` at most, times a 0-1 fraction from the profile."""

    signal: str
    points: float
    reads: tuple[str, ...]  # the profile totals it reads ("coverage" and "last_outbound" name those two)
    fraction: Callable[[Profile], float]
    detail: Callable[[Profile], str]


def _ratio(part: float, other: float) -> float:
    return part / (part + other) if part > 0 else 0.0


def _roles_fraction(p: Profile) -> float:
    present = sum(min(1.0, p.total("role." + role) / 2.0) for role in ROLES)
    return min(1.0, present / 4.0)


def _coverage_fraction(p: Profile) -> float:
    outbound, two_way, _, _ = p.coverage()
    return 0.5 * outbound + 0.5 * two_way


def _recent_fraction(p: Profile) -> float:
    return decay(p.last_outbound_age, RECENT_HALF_LIFE_DAYS) if p.last_outbound_age >= 0 else 0.0


def _give_first_fraction(p: Profile) -> float:
    asked = p.total("asked")
    prepared = 1.0 - p.total("unprepared") / asked if asked > 0 else 1.0
    return sat(p.total(GIVE + ".cov"), 3.0) * max(0.0, prepared)


def _market_breadth(p: Profile) -> float:
    kinds = (MARKET_RECRUITER, MARKET_HIRING_MANAGER, MARKET_INFORMATIONAL)
    return sum(min(1.0, p.total(kind + ".cov")) for kind in kinds) / 3.0


def _n(value: float) -> str:
    return f"{value:.1f}" if 0 < value < 10 else f"{whole(value)}"


def _coverage_detail(p: Profile) -> str:
    _, _, outbound_days, two_way_days = p.coverage()
    return (
        f"outbound contact in about {whole(outbound_days / MONTH_DAYS)} of the last 24 months, "
        f"two-way in about {whole(two_way_days / MONTH_DAYS)} (recent months weigh more)"
    )


def _recent_detail(p: Profile) -> str:
    if p.last_outbound_age < 0:
        return "no outbound contact recorded"
    days, half_life = whole(p.last_outbound_age), whole(RECENT_HALF_LIFE_DAYS)
    return f"last reached out {days} days ago (half-life {half_life} days)"


def _give_first_detail(p: Profile) -> str:
    asked = p.total("asked")
    if asked <= 0:
        return "no asks to named people recorded, so every give counts as giving first"
    share = 1.0 - p.total("unprepared") / asked
    return f"{share:.0%} of your asks went to people you had given something to first"


def _yes(value: float) -> str:
    return "yes" if value >= 0.05 else "no"


COMPONENTS: dict[str, tuple[Component, ...]] = {
    "reach": (
        Component(
            "distinct_contacts",
            45,
            ("contact.people",),
            lambda p: sat(p.total(CONTACT + ".people"), 25.0),
            lambda p: (
                f"recent contact with about {_n(p.total(CONTACT + '.people'))} distinct people; "
                "each person counts once however often you talk"
            ),
        ),
        Component(
            "role_diversity",
            15,
            ROLE_KEYS,
            _roles_fraction,
            lambda p: (
                "contacts in "
                + str(sum(p.total("role." + r) >= 0.5 for r in ROLES))
                + " of 5 roles (recruiter, hiring manager, peer, mentor, other)"
            ),
        ),
        Component(
            "established_ties",
            25,
            ("established",),
            lambda p: sat(p.total("established"), 8.0),
            lambda p: (
                f"about {_n(p.total('established'))} ties with two or more years of history, "
                "weighted by how recently you were in touch"
            ),
        ),
        Component(
            "new_ties",
            15,
            ("tie.people",),
            lambda p: sat(p.total(TIE + ".people"), 10.0),
            lambda p: f"about {_n(p.total(TIE + '.people'))} recent new connections or invitations",
        ),
    ),
    "continuity": (
        Component("month_coverage", 55, ("coverage",), _coverage_fraction, _coverage_detail),
        Component("recent_outreach", 20, ("last_outbound",), _recent_fraction, _recent_detail),
        Component(
            "returning_contacts",
            25,
            ("returning",),
            lambda p: sat(p.total("returning"), 6.0),
            lambda p: (
                f"about {_n(p.total('returning'))} people you came back to at least twice, "
                "two months or more apart"
            ),
        ),
    ),
    "generosity": (
        Component(
            "people_helped",
            40,
            ("give.people",),
            lambda p: sat(p.total(GIVE + ".people"), 6.0),
            lambda p: (
                f"gave to about {_n(p.total(GIVE + '.people'))} people (help, introductions, "
                "referrals, recommendations, shared knowledge)"
            ),
        ),
        Component(
            "give_ask_balance",
            25,
            ("give.cov", "ask.cov"),
            lambda p: (
                _ratio(p.total(GIVE + ".cov"), p.total(ASK + ".cov")) * sat(p.total(GIVE + ".cov"), 3.0)
            ),
            lambda p: (
                f"gives to asks about {_n(p.total(GIVE + '.cov'))} to {_n(p.total(ASK + '.cov'))} "
                "(recent weigh more)"
            ),
        ),
        Component(
            "give_before_ask",
            20,
            ("give.cov", "asked", "unprepared"),
            _give_first_fraction,
            _give_first_detail,
        ),
        Component(
            "recognition_balance",
            15,
            ("recognition_given.cov", "recognition_received.cov"),
            lambda p: (
                _ratio(p.total(RECOGNITION_GIVEN + ".cov"), p.total(RECOGNITION_RECEIVED + ".cov"))
                * sat(p.total(RECOGNITION_GIVEN + ".cov"), 2.0)
            ),
            lambda p: (
                f"recommendations and endorsements given to received about "
                f"{_n(p.total(RECOGNITION_GIVEN + '.cov'))} to {_n(p.total(RECOGNITION_RECEIVED + '.cov'))}"
            ),
        ),
    ),
    "market": (
        Component(
            "market_conversations",
            60,
            ("market.people",),
            lambda p: sat(p.total(MARKET + ".people"), 3.0),
            lambda p: (
                f"about {_n(p.total(MARKET + '.people'))} recent conversations with recruiters, "
                "hiring managers or people in roles you might want"
            ),
        ),
        Component(
            "both_sides_of_hiring",
            20,
            ("market_recruiter.cov", "market_hiring_manager.cov", "market_informational.cov"),
            _market_breadth,
            lambda p: (
                f"recruiters: {_yes(p.total(MARKET_RECRUITER + '.cov'))}, hiring managers: "
                f"{_yes(p.total(MARKET_HIRING_MANAGER + '.cov'))}, informational interviews: "
                f"{_yes(p.total(MARKET_INFORMATIONAL + '.cov'))}"
            ),
        ),
        Component(
            "events_attended",
            20,
            ("meetup.cov",),
            lambda p: sat(p.total(MEETUP + ".cov"), 3.0),
            lambda p: f"about {_n(p.total(MEETUP + '.cov'))} recent events attended",
        ),
    ),
    "growth": (
        Component(
            "skills_learned",
            45,
            ("skill.cov",),
            lambda p: sat(p.total(SKILL + ".cov"), 2.5),
            lambda p: f"about {_n(p.total(SKILL + '.cov'))} skills learned recently (half-life 12 months)",
        ),
        Component(
            "projects_started",
            35,
            ("project.cov",),
            lambda p: sat(p.total(PROJECT + ".cov"), 1.5),
            lambda p: f"about {_n(p.total(PROJECT + '.cov'))} new projects or clients recently",
        ),
        Component(
            "certifications",
            20,
            ("certification.cov",),
            lambda p: sat(p.total(CERTIFICATION + ".cov"), 1.0),
            lambda p: f"about {_n(p.total(CERTIFICATION + '.cov'))} certifications earned recently",
        ),
    ),
    "lifelines": (
        Component(
            "long_running_relationships",
            60,
            ("lifeline",),
            lambda p: sat(p.total("lifeline"), 3.0),
            lambda p: (
                f"about {_n(p.total('lifeline'))} two-way relationships of a year or more, "
                "weighted by how recently you were in touch"
            ),
        ),
        Component(
            "reciprocity",
            25,
            ("reciprocal",),
            lambda p: sat(p.total("reciprocal"), 3.0),
            lambda p: f"about {_n(p.total('reciprocal'))} people you give to who also reach out to you",
        ),
        Component(
            "mentor",
            15,
            ("mentor",),
            lambda p: sat(p.total("mentor"), 1.0),
            lambda p: f"two-way contact with a mentor: {_yes(p.total('mentor'))}",
        ),
    ),
    "visibility": (
        Component(
            "introductions_made",
            40,
            ("connector.people",),
            lambda p: sat(p.total(CONNECTOR + ".people"), 3.0),
            lambda p: f"introductions or referrals for about {_n(p.total(CONNECTOR + '.people'))} people",
        ),
        Component(
            "knowledge_shared",
            30,
            ("knowledge.cov",),
            lambda p: sat(p.total(KNOWLEDGE + ".cov"), 4.0),
            lambda p: (
                f"about {_n(p.total(KNOWLEDGE + '.cov'))} recent pieces of knowledge shared "
                "(comments and reactions count a little)"
            ),
        ),
        Component(
            "sought_out",
            30,
            ("sought_out.people",),
            lambda p: sat(p.total(SOUGHT_OUT + ".people"), 8.0),
            lambda p: (
                f"about {_n(p.total(SOUGHT_OUT + '.people'))} people sought you out (invitations, "
                "messages, recommendations, endorsements)"
            ),
        ),
    ),
}


DIMENSION_READS: dict[str, frozenset[str]] = {
    dimension: frozenset(key for component in components for key in component.reads)
    for dimension, components in COMPONENTS.items()
}


class DimensionParts:
    """A dimension before rounding: every part in points of the dimension's 0-100 score."""

    __slots__ = ("behaviour", "behaviour_index", "questionnaire", "raw", "self_report")

    def __init__(self, questionnaire: float, self_report: float, behaviour: list[float] | None) -> None:
        self.questionnaire = questionnaire  # the subscale, 0-100
        self.self_report = self_report  # the self-reported behaviour index, 0-100
        self.behaviour = behaviour  # each component's 0-100 points, None without activity
        self.behaviour_index = sum(behaviour) if behaviour is not None else 0.0
        self.raw = QUESTIONNAIRE_SHARE * questionnaire + BEHAVIOUR_SHARE * max(
            self.behaviour_index, self_report
        )

    @property
    def uses_self_report(self) -> bool:
        return self.self_report > self.behaviour_index


def questionnaire_subscales(version: str, answers: Answers) -> dict[str, tuple[float, list[Question]]]:
    """Each dimension's questionnaire score (0-100) and the opinion items it rests on."""
    items: dict[str, list[tuple[Question, float]]] = {d: [] for d in DIMENSION_NAMES}
    for section in get_questionnaire(version).sections:
        for question in section.questions:
            if (
                question.dimension is None
                or question.kind is QuestionKind.COUNT
                or question.id not in answers
            ):
                continue
            items[question.dimension].append((question, item_points(question, answers[question.id])))
    return {
        d: (sum(points for _, points in pairs) / len(pairs) if pairs else 0.0, [q for q, _ in pairs])
        for d, pairs in items.items()
    }


def self_report_index(dimension: str, answers: Answers, freshness: float = 1.0) -> float:
    """The behaviour index a reported count stands for; `freshness` fades it as the answers age."""
    qid, scale = SELF_REPORT_ITEMS[dimension]
    count = answers.get(qid)
    if not isinstance(count, int) or isinstance(count, bool):
        return 0.0
    return freshness * SELF_REPORT_CEILING * sat(float(count), scale)


def answers_freshness(answered_at: datetime | None, as_of: datetime) -> float:
    """1 for answers given as of now; reported counts then fade with the network half-life.

    A count such as "people you helped in the last 90 days" describes the months before it was given:
    re-scored half a year later (a scheduled re-assessment) it no longer says much about now.
    """
    if answered_at is None:
        return 1.0
    age_days = (as_of - answered_at).total_seconds() / 86400.0
    return decay(age_days) if age_days > 0 else 1.0


def dimension_parts(
    profile: Profile,
    subscales: dict[str, tuple[float, list[Question]]],
    answers: Answers,
    has_activity: bool,
    freshness: float = 1.0,
    only: Iterable[str] | None = None,
    base: dict[str, DimensionParts] | None = None,
) -> dict[str, DimensionParts]:
    """Every dimension's parts; with `only` and `base`, recompute those dimensions and reuse the rest."""
    parts = dict(base) if base is not None else {}
    for dimension in COMPONENTS if only is None else only:
        behaviour = [c.points * c.fraction(profile) for c in COMPONENTS[dimension]] if has_activity else None
        parts[dimension] = DimensionParts(
            subscales[dimension][0], self_report_index(dimension, answers, freshness), behaviour
        )
    return parts


def overall_score(dimension_scores: dict[str, int]) -> int:
    """The weighted mean of the whole dimension scores, rounded half up, in exact integer arithmetic."""
    hundredths = sum(DIMENSION_WEIGHT_PERCENT[d] * score for d, score in dimension_scores.items())
    return (hundredths + 50) // 100


def overall_raw(parts: dict[str, DimensionParts]) -> float:
    return sum(DIMENSION_WEIGHTS[d] * p.raw for d, p in parts.items())


def _apportion(raw: list[float], total: int) -> list[int]:
    """Whole points for each line that add up to `total` exactly (largest remainder first)."""
    floors = [math.floor(v) for v in raw]
    missing = total - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    if missing >= 0:
        for i in order[:missing]:
            floors[i] += 1
    else:
        for i in sorted(range(len(raw)), key=lambda i: (raw[i] - floors[i], i))[:-missing]:
            floors[i] -= 1
    return floors


def _explain(
    dimension: str,
    parts: DimensionParts,
    profile: Profile,
    answers: Answers,
    questions: list[Question],
    score: int,
    freshness: float,
) -> list[ExplanationLine]:
    share_q = f"{QUESTIONNAIRE_SHARE:.0%}"
    lines: list[tuple[str, str, float]] = [
        (
            "questionnaire",
            f"your answers to {len(questions)} questions score {whole(parts.questionnaire)}/100 "
            f"(they count for {share_q} of this dimension)",
            QUESTIONNAIRE_SHARE * parts.questionnaire,
        )
    ]
    if parts.uses_self_report:
        qid, _ = SELF_REPORT_ITEMS[dimension]
        lines.append(
            (
                "self_reported_activity",
                f"you reported {answers.get(qid, 0)} for '{_question_text(qid)}': self-reported activity "
                f"counts up to {whole(SELF_REPORT_CEILING)}/100 until recorded activity shows more"
                + (f", and fades as the answer ages (now {freshness:.0%})" if freshness < 0.995 else ""),
                BEHAVIOUR_SHARE * parts.self_report,
            )
        )
        if parts.behaviour is not None:
            lines.append(
                (
                    "recorded_activity",
                    f"recorded activity scores {whole(parts.behaviour_index)}/100 here, "
                    "below your self-report",
                    0.0,
                )
            )
    elif parts.behaviour is not None:
        for component, points in zip(COMPONENTS[dimension], parts.behaviour, strict=True):
            lines.append((component.signal, component.detail(profile), BEHAVIOUR_SHARE * points))
    else:
        lines.append(("recorded_activity", "no activity recorded, and you reported none", 0.0))
    shares = _apportion([points for _, _, points in lines], score)
    return [ExplanationLine(signal=s, detail=d, points=p) for (s, d, _), p in zip(lines, shares, strict=True)]


def _question_text(qid: str) -> str:
    question = get_questionnaire().questions().get(qid)
    text = question.text if question else qid
    return text if len(text) <= 80 else text[:77].rstrip() + "..."


def confidence_for(profile: Profile) -> tuple[Confidence, Evidence]:
    months = profile.months_observed()
    active = len(profile.windows.active_months_24)
    weighed = profile.evidence_count
    evidence = Evidence(
        activities_counted=profile.counted,
        activities_ignored=profile.ignored,
        activities_weighed=weighed,
        months_of_history=months,
        active_months_last_24=active,
    )
    if months >= 12 and active >= 6 and weighed >= 50:
        return Confidence.HIGH, evidence
    if months >= 3 and weighed >= 10:
        return Confidence.MEDIUM, evidence
    return Confidence.LOW, evidence


def score_assessment(
    submission: Submission, *, as_of: datetime, history: Sequence[ActivityEvent] = ()
) -> AssessmentResult:
    """Score a validated submission as of `as_of`; `history` is stored activity to count as well.

    Activity dated after `as_of` is not counted (it is reported in evidence.activities_ignored).
    """
    from readiness.recommendations import recommend

    as_of = as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of.astimezone(UTC)
    events = [*history, *submission.activities] if history else submission.activities
    profile = Profile.build(events, as_of)
    answers = submission.answers
    subscales = questionnaire_subscales(submission.questionnaire_version, answers)
    has_activity = profile.counted > 0
    freshness = answers_freshness(submission.answered_at, as_of)
    parts = dimension_parts(profile, subscales, answers, has_activity, freshness)

    dimensions = []
    for dimension, dim_parts in parts.items():
        score = whole(dim_parts.raw)
        dimensions.append(
            DimensionScore(
                id=dimension,
                name=DIMENSION_NAMES[dimension],
                score=score,
                weight=DIMENSION_WEIGHTS[dimension],
                questionnaire_score=whole(dim_parts.questionnaire),
                behaviour_score=whole(dim_parts.behaviour_index) if dim_parts.behaviour is not None else None,
                explanation=_explain(
                    dimension, dim_parts, profile, answers, subscales[dimension][1], score, freshness
                ),
            )
        )
    overall = overall_score({d.id: d.score for d in dimensions})
    confidence, evidence = confidence_for(profile)
    return AssessmentResult(
        as_of=as_of,
        model_version=MODEL_VERSION,
        questionnaire_version=submission.questionnaire_version,
        score=overall,
        band=band_for(overall),
        confidence=confidence,
        evidence=evidence,
        dimensions=dimensions,
        flags=detect_flags(profile, answers, parts, confidence),
        recommendations=recommend(
            profile, answers, subscales, parts, submission.questionnaire_version, freshness
        ),
    )
