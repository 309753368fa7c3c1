"""The questionnaire: versioned items with stable ids, and how each answer is read."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from readiness.errors import FieldError


class QuestionKind(StrEnum):
    LIKERT = "likert"
    COUNT = "count"
    CHOICE = "choice"
    BOOLEAN = "boolean"


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str
    label: str
    # How far the answer goes towards the dimension (0-100); not part of the public document.
    points: float = Field(default=0.0, exclude=True)


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    kind: QuestionKind
    dimension: str | None = None
    min: int | None = None
    max: int | None = None
    min_label: str | None = None
    max_label: str | None = None
    choices: list[Choice] | None = None
    required: bool = True
    help: str | None = None
    # A reverse-keyed item scores high agreement low (it keeps "agree with everything" honest).
    reverse: bool = Field(default=False, exclude=True)


class Section(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    description: str
    questions: list[Question]


class Questionnaire(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    title: str
    estimated_minutes: int
    sections: list[Section]

    def questions(self) -> dict[str, Question]:
        return _question_index(self.version)


AnswerValue = int | str | bool
Answers = dict[str, AnswerValue]

_AGREE = {"min": 1, "max": 5, "min_label": "Strongly disagree", "max_label": "Strongly agree"}


def _likert(qid: str, dimension: str, text: str, *, reverse: bool = False) -> Question:
    return Question(
        id=qid, dimension=dimension, text=text, kind=QuestionKind.LIKERT, reverse=reverse, **_AGREE
    )


def _count(qid: str, dimension: str, text: str, maximum: int, help_text: str) -> Question:
    return Question(
        id=qid, dimension=dimension, text=text, kind=QuestionKind.COUNT, min=0, max=maximum, help=help_text
    )


def _boolean(qid: str, dimension: str, text: str) -> Question:
    return Question(id=qid, dimension=dimension, text=text, kind=QuestionKind.BOOLEAN)


def _choice(
    qid: str,
    dimension: str | None,
    text: str,
    options: list[tuple[str, str, float]],
    *,
    required: bool = True,
) -> Question:
    return Question(
        id=qid,
        dimension=dimension,
        text=text,
        kind=QuestionKind.CHOICE,
        required=required,
        choices=[Choice(value=value, label=label, points=points) for value, label, points in options],
    )


QUESTIONNAIRE_V1 = Questionnaire(
    version="1",
    title="Job-search readiness check",
    estimated_minutes=6,
    sections=[
        Section(
            id="reach",
            title="Your network before you need it",
            description="Who you know outside your current employer, and how varied that group is.",
            questions=[
                _likert(
                    "reach_1",
                    "reach",
                    "Outside my current employer, I know people at several companies in "
                    "my field whom I could contact today.",
                ),
                _likert(
                    "reach_2",
                    "reach",
                    "The people I know professionally hold different roles: peers, "
                    "managers, recruiters, people in neighbouring fields.",
                ),
                _likert(
                    "reach_3",
                    "reach",
                    "Almost everyone I know professionally works, or used to work, at "
                    "the same company as me.",
                    reverse=True,
                ),
                _count(
                    "reach_count",
                    "reach",
                    "In the last 12 months, with how many people outside your "
                    "current employer did you have a real conversation (more than a click or a like)?",
                    1000,
                    "An estimate is fine. Count people, not messages.",
                ),
            ],
        ),
        Section(
            id="continuity",
            title="Keeping in touch when you need nothing",
            description="Staying in contact regularly, not only when something is at stake.",
            questions=[
                _choice(
                    "continuity_1",
                    "continuity",
                    "How often do you get in touch with someone in your "
                    "network without needing anything from them?",
                    [
                        ("rarely", "Rarely or never", 0),
                        ("few_times_year", "A few times a year", 35),
                        ("monthly", "About once a month", 70),
                        ("weekly", "Most weeks", 100),
                    ],
                ),
                _likert(
                    "continuity_2",
                    "continuity",
                    "I have a habit (a reminder, a list, a routine) that "
                    "keeps me in touch with people over the years.",
                ),
                _likert(
                    "continuity_3",
                    "continuity",
                    "I mostly get in touch with people when I need something from them.",
                    reverse=True,
                ),
                _count(
                    "continuity_count",
                    "continuity",
                    "In the last 90 days, how many people did you contact "
                    "just to catch up or pass something on, asking for nothing?",
                    500,
                    "Count people, not messages.",
                ),
            ],
        ),
        Section(
            id="generosity",
            title="Giving before you ask",
            description="Helping, introducing and sharing without being asked, before you need anything.",
            questions=[
                _likert(
                    "generosity_1",
                    "generosity",
                    "When I see a job, an article or a contact that would help "
                    "someone I know, I pass it on without being asked.",
                ),
                _likert(
                    "generosity_2",
                    "generosity",
                    "I make time when someone asks me for advice or a favour, even when I get nothing back.",
                ),
                _likert(
                    "generosity_3",
                    "generosity",
                    "Over the last year I have asked my network for more than I have offered it.",
                    reverse=True,
                ),
                _count(
                    "generosity_count",
                    "generosity",
                    "In the last 90 days, how many different people did "
                    "you help (advice, a lead, a review, a referral, an introduction)?",
                    500,
                    "Count people, not favours.",
                ),
            ],
        ),
        Section(
            id="market",
            title="Knowing what the market needs",
            description="Talking to recruiters, hiring managers and companies about the skills needed now "
            "and next.",
            questions=[
                _choice(
                    "market_1",
                    "market",
                    "When did you last talk with a recruiter or a hiring manager about what they look for?",
                    [
                        ("never", "Never", 0),
                        ("over_a_year", "More than a year ago", 15),
                        ("within_a_year", "In the last 12 months", 55),
                        ("within_3_months", "In the last 3 months", 100),
                    ],
                ),
                _likert(
                    "market_2",
                    "market",
                    "I could name the skills employers in my field will ask for most "
                    "over the next two years.",
                ),
                _boolean(
                    "market_3",
                    "market",
                    "Do you keep notes on the skills and roles that come up in "
                    "conversations with recruiters, hiring managers or in job ads?",
                ),
                _count(
                    "market_count",
                    "market",
                    "In the last 12 months, how many conversations did you have "
                    "with recruiters, hiring managers or people in roles you might want next?",
                    200,
                    "Calls, coffees, interviews, informational chats.",
                ),
            ],
        ),
        Section(
            id="growth",
            title="Skilling up",
            description="Learning, new projects and new clients, while you are still in a job.",
            questions=[
                _likert(
                    "growth_1",
                    "growth",
                    "In the last year I learned a skill that made me more valuable "
                    "to my employer or clients.",
                ),
                _likert(
                    "growth_2",
                    "growth",
                    "I volunteer for new projects, clients or responsibilities that stretch me.",
                ),
                _boolean(
                    "growth_3",
                    "growth",
                    "Do you have a learning plan (a course, a certification, a side "
                    "project) with a date on it?",
                ),
                _count(
                    "growth_count",
                    "growth",
                    "In the last 12 months, how many new skills, certifications or projects did you take on?",
                    100,
                    "Count finished courses, certifications earned, projects or clients started.",
                ),
            ],
        ),
        Section(
            id="lifelines",
            title="A few close contacts",
            description="Relationship rituals with the people who have your back: generosity, "
            "vulnerability, candor and accountability.",
            questions=[
                _likert(
                    "lifelines_1",
                    "lifelines",
                    "There are a few people I can tell honestly when I am struggling at work.",
                ),
                _likert(
                    "lifelines_2",
                    "lifelines",
                    "At least one person gives me candid feedback on my career, and I give them the same.",
                ),
                _likert(
                    "lifelines_3",
                    "lifelines",
                    "Someone holds me to my career goals, and we check in regularly.",
                ),
                _likert(
                    "lifelines_4",
                    "lifelines",
                    "I go out of my way to support my close contacts' goals, not only my own.",
                ),
                _count(
                    "lifelines_count",
                    "lifelines",
                    "How many people would you call first for candid advice about a career move?",
                    50,
                    "People you have known for a while and talk to both ways.",
                ),
            ],
        ),
        Section(
            id="visibility",
            title="Trusted node and connector",
            description="Sharing what you know, connecting others, being the person people come to.",
            questions=[
                _likert(
                    "visibility_1",
                    "visibility",
                    "People in my field come to me for advice, answers or introductions.",
                ),
                _likert(
                    "visibility_2",
                    "visibility",
                    "I share what I learn (posts, talks, write-ups, answers) "
                    "where people in my field can see it.",
                ),
                _likert(
                    "visibility_3", "visibility", "When two people I know should meet, I introduce them."
                ),
                _count(
                    "visibility_count",
                    "visibility",
                    "In the last 12 months, how many introductions did you "
                    "make between people who did not know each other?",
                    200,
                    "Count introductions, not people.",
                ),
            ],
        ),
        Section(
            id="context",
            title="About you (optional)",
            description="Not scored. It helps us phrase advice and, for career centres, group results.",
            questions=[
                _choice(
                    "context_status",
                    None,
                    "Which best describes you today?",
                    [
                        ("employed", "Employed", 0),
                        ("self_employed", "Self-employed or freelance", 0),
                        ("student", "Student or recent graduate", 0),
                        ("between_jobs", "Between jobs", 0),
                        ("other", "Other", 0),
                    ],
                    required=False,
                ),
                _choice(
                    "context_horizon",
                    None,
                    "When might you look for your next role?",
                    [
                        ("not_planning", "Not planning to", 0),
                        ("within_2_years", "In the next two years", 0),
                        ("within_6_months", "In the next six months", 0),
                        ("now", "I am looking now", 0),
                    ],
                    required=False,
                ),
            ],
        ),
    ],
)

QUESTIONNAIRES: dict[str, Questionnaire] = {QUESTIONNAIRE_V1.version: QUESTIONNAIRE_V1}
CURRENT_QUESTIONNAIRE_VERSION = QUESTIONNAIRE_V1.version


def get_questionnaire(version: str | None = None) -> Questionnaire:
    """The questionnaire of that version (the current one by default); KeyError for an unknown one."""
    return QUESTIONNAIRES[version or CURRENT_QUESTIONNAIRE_VERSION]


@cache
def _question_index(version: str) -> dict[str, Question]:
    return {q.id: q for s in QUESTIONNAIRES[version].sections for q in s.questions}


@cache
def questionnaire_document(version: str | None = None) -> dict[str, Any]:
    """The public JSON document of a questionnaire (what GET /v1/questionnaire serves)."""
    return get_questionnaire(version).model_dump(mode="json", exclude_none=True)


def validate_answers(questionnaire: Questionnaire, answers: Any) -> tuple[Answers, list[FieldError]]:
    """Check answers: unknown ids are rejected, required ones must be present, values within bounds."""
    if not isinstance(answers, dict):
        return {}, [FieldError("answers", "must be an object mapping question ids to answers")]
    index = questionnaire.questions()
    errors: list[FieldError] = []
    clean: Answers = {}
    for qid, value in answers.items():
        question = index.get(qid)
        field = f"answers.{qid}"
        if question is None:
            errors.append(
                FieldError(field, f"unknown question id for questionnaire version {questionnaire.version}")
            )
            continue
        if value is None:
            if question.required:
                errors.append(FieldError(field, "an answer is required"))
            continue
        problem = _answer_problem(question, value)
        if problem:
            errors.append(FieldError(field, problem))
        else:
            clean[qid] = int(value) if isinstance(value, float) else value
    for qid, question in index.items():
        if question.required and qid not in answers:
            errors.append(FieldError(f"answers.{qid}", "an answer is required"))
    return clean, errors


def _answer_problem(question: Question, value: Any) -> str | None:
    kind = question.kind
    if kind is QuestionKind.BOOLEAN:
        return None if isinstance(value, bool) else "must be true or false"
    if kind is QuestionKind.CHOICE:
        allowed = [c.value for c in question.choices or []]
        if isinstance(value, str) and value in allowed:
            return None
        return "must be one of: " + ", ".join(allowed)
    # likert and count: whole numbers within bounds (a JSON 3.0 is accepted as 3; true is not a number)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number from {question.min} to {question.max}"
    assert question.min is not None
    assert question.max is not None
    if not question.min <= value <= question.max:
        return f"must be from {question.min} to {question.max}"
    return None


def item_points(question: Question, value: AnswerValue) -> float:
    """How far one opinion answer goes towards its dimension, 0-100 (count items are read elsewhere)."""
    if question.kind is QuestionKind.BOOLEAN:
        return 100.0 if value else 0.0
    if question.kind is QuestionKind.CHOICE:
        return next(c.points for c in question.choices or [] if c.value == value)
    assert question.min is not None
    assert question.max is not None
    share = (int(value) - question.min) / (question.max - question.min)
    return 100.0 * (1.0 - share if question.reverse else share)
