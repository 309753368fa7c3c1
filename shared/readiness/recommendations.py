"""Recommended actions, ranked by the gain the model computes when it simulates each action."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from readiness.activity import ActivityType as T
from readiness.activity import CounterpartRole as R
from readiness.profile import PlannedEvent, Profile
from readiness.questionnaire import Answers, Question, QuestionKind, get_questionnaire
from readiness.result import Recommendation

if TYPE_CHECKING:
    from readiness.scoring import DimensionParts

MAX_RECOMMENDATIONS = 5
MIN_GAIN = 0.05  # points of overall score; smaller simulated gains are not worth a person's time
DORMANT_AFTER_DAYS = 180.0


@dataclass(frozen=True, slots=True)
class Step:
    """`count` events of `type`, each with a counterpart picked by `who`."""

    type: T
    count: int = 1
    who: str = "anonymous"  # anonymous | new | dormant | close | unprepared | known
    role: R | None = None
    reply: bool = False  # the person answers (a message back)


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    dimension: str
    text: str
    steps: tuple[Step, ...]
    # what the person would then honestly answer differently: count items go up, likert items by one step
    answer_changes: dict[str, int] = field(default_factory=dict)


ACTIONS: tuple[Action, ...] = (
    Action(
        "reconnect_dormant_ties",
        "continuity",
        "Get back in touch with three people you have not talked to for six months or more, asking for "
        "nothing: share something useful or ask how they are doing.",
        (Step(T.MESSAGE_SENT, 3, "dormant", reply=True),),
        {"continuity_count": 3},
    ),
    Action(
        "introduce_two_people",
        "visibility",
        "Introduce two people in your network who should know each other, this month.",
        (Step(T.INTRODUCTION_MADE, 1, "known"),),
        {"visibility_count": 1, "generosity_count": 2},
    ),
    Action(
        "help_two_people",
        "generosity",
        "Offer concrete help to two people this month: review a CV, pass on a lead, answer a question.",
        (Step(T.HELP_GIVEN, 2, "known"),),
        {"generosity_count": 2},
    ),
    Action(
        "give_before_asking",
        "generosity",
        "Before your next request, do something for the people you have asked for help: a lead, an "
        "introduction, an endorsement of their work.",
        (Step(T.HELP_GIVEN, 2, "unprepared"),),
        {"generosity_count": 2},
    ),
    Action(
        "talk_to_a_recruiter",
        "market",
        "Book a 20-minute call with a recruiter in your field and ask which skills they see demand for now "
        "and next year.",
        (Step(T.RECRUITER_CONVERSATION, 1, "new", R.RECRUITER),),
        {"market_count": 1},
    ),
    Action(
        "talk_to_a_hiring_manager",
        "market",
        "Ask a hiring manager for a short informational conversation about what their team will need next.",
        (Step(T.HIRING_MANAGER_CONVERSATION, 1, "new", R.HIRING_MANAGER),),
        {"market_count": 1},
    ),
    Action(
        "share_what_you_learned",
        "visibility",
        "Write up one thing you learned recently and share it where people in your field will see it.",
        (Step(T.KNOWLEDGE_SHARED, 2),),
        {"visibility_2": 1},
    ),
    Action(
        "learn_a_skill_in_demand",
        "growth",
        "Pick one skill that job ads in your field keep asking for, and finish a course or a small project "
        "that proves it.",
        (Step(T.SKILL_LEARNED, 1),),
        {"growth_count": 1},
    ),
    Action(
        "take_a_stretch_project",
        "growth",
        "Volunteer for a stretch project or a new client at work.",
        (Step(T.PROJECT_STARTED, 1),),
        {"growth_count": 1},
    ),
    Action(
        "recommend_a_colleague",
        "generosity",
        "Write an unprompted recommendation for a colleague whose work you value.",
        (Step(T.RECOMMENDATION_GIVEN, 1, "known"),),
        {"generosity_count": 1},
    ),
    Action(
        "attend_an_event_and_follow_up",
        "reach",
        "Go to one event in your field and follow up with two people you met there within a week.",
        (
            Step(T.EVENT_ATTENDED, 1),
            Step(T.CONNECTION_MADE, 2, "new"),
            Step(T.MESSAGE_SENT, 2, "new", reply=True),
        ),
        {"reach_count": 2},
    ),
    Action(
        "candid_catch_up",
        "lifelines",
        "Schedule a candid catch-up with a mentor or a close contact: say what you are struggling with, "
        "ask for honest feedback, and offer the same.",
        (Step(T.MESSAGE_SENT, 1, "close", R.MENTOR, reply=True),),
        {"lifelines_3": 1},
    ),
)


def _counterparts(profile: Profile) -> dict[str, list[str]]:
    """Who each kind of step would contact: real counterparts first, placeholders when there are none."""
    dormant: list[tuple[float, str]] = []
    close: list[tuple[float, str]] = []
    known: list[tuple[float, str]] = []
    unprepared: list[str] = []
    for key, party in profile.named.items():
        if party.first_age < 0:
            continue
        span = party.first_age - party.last_age
        known.append((party.last_age, key))
        if party.last_age >= DORMANT_AFTER_DAYS:
            dormant.append((-span, key))
        if party.two_way:
            close.append((-span, key))
        if party.asks and party.earliest_give <= max(age for age, _ in party.asks):
            unprepared.append(key)
    return {
        "dormant": [k for _, k in sorted(dormant)],
        "close": [k for _, k in sorted(close)],
        "known": [k for _, k in sorted(known)],
        "unprepared": sorted(unprepared),
    }


def plan(action: Action, people: dict[str, list[str]]) -> list[PlannedEvent]:
    """The events an action adds, all as of now (age 0).

    Steps that name existing people take them from `people` (closest match first); "new" people are
    the same placeholders across an action's steps (the two people met at an event are the two
    followed up with). Without enough existing people a step falls back to new ones, except for
    "unprepared": only the people actually asked can be given to first. A planned role is given to
    new people only, never pinned on an existing contact.
    """
    events: list[PlannedEvent] = []
    for step in action.steps:
        pool = people.get(step.who, [])
        count = min(step.count, len(pool)) if step.who == "unprepared" else step.count
        for i in range(count):
            role = None
            if step.who == "anonymous":
                who = None
            elif step.who != "new" and i < len(pool):
                who = pool[i]
            else:
                who = f"\x00planned:{action.id}:{i + 1}"  # cannot collide with a client's counterpart id
                role = step.role
            events.append(PlannedEvent(step.type, 0.0, who, role))
            if step.reply:
                events.append(PlannedEvent(T.MESSAGE_RECEIVED, 0.0, who, role))
    return events


def _changed_answers(answers: Answers, changes: dict[str, int], questions: dict[str, Question]) -> Answers:
    updated = dict(answers)
    for qid, step in changes.items():
        question = questions.get(qid)
        current = answers.get(qid)
        if (
            question is None
            or question.max is None
            or not isinstance(current, int)
            or isinstance(current, bool)
        ):
            continue
        updated[qid] = min(question.max, current + step)
    return updated


def recommend(
    profile: Profile,
    answers: Answers,
    subscales: dict[str, tuple[float, list[Question]]],
    parts: dict[str, DimensionParts],
    version: str,
    freshness: float = 1.0,
    actions: Sequence[Action] = ACTIONS,
) -> list[Recommendation]:
    """Simulate every action on the profile and the answers, re-score, and rank by the overall gain."""
    from readiness.scoring import DIMENSION_READS, dimension_parts, overall_raw, questionnaire_subscales

    base = overall_raw(parts)
    people = _counterparts(profile)
    questions = get_questionnaire(version).questions()
    ranked: list[tuple[float, str, Action]] = []
    for action in actions:
        if action.id == "give_before_asking" and not people["unprepared"]:
            continue
        simulated = profile.with_events(plan(action, people))
        changed = profile.changed_totals(simulated)
        new_answers = _changed_answers(answers, action.answer_changes, questions)
        moved_answers = [q for q in action.answer_changes if new_answers.get(q) != answers.get(q)]
        affected = {d for d, reads in DIMENSION_READS.items() if not reads.isdisjoint(changed)}
        affected |= {questions[q].dimension or "" for q in moved_answers} - {""}
        opinions_moved = any(questions[q].kind is not QuestionKind.COUNT for q in moved_answers)
        new_subscales = questionnaire_subscales(version, new_answers) if opinions_moved else subscales
        new_parts = dimension_parts(
            simulated, new_subscales, new_answers, True, freshness, only=affected, base=parts
        )
        gain = overall_raw(new_parts) - base
        if gain >= MIN_GAIN:
            ranked.append((gain, action.id, action))
    ranked.sort(key=lambda item: (-round(item[0], 6), item[1]))
    return [
        Recommendation(id=a.id, action=a.text, dimension=a.dimension, expected_gain=round(gain, 1))
        for gain, _, a in ranked[:MAX_RECOMMENDATIONS]
    ]
