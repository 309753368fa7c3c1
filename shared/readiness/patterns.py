"""Patterns worth coaching on (flag ids are part of the public contract), each with checkable evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readiness.profile import Profile, whole
from readiness.questionnaire import Answers
from readiness.result import Confidence, Flag

if TYPE_CHECKING:
    from readiness.scoring import DimensionParts

# johnny_come_lately: a dormant run, then a burst (months are counted back from as_of; month 0 is the latest)
BURST_MONTHS = 3  # the burst is the mean of months 0-2
BASELINE_MONTHS = range(3, 36)  # the earlier baseline: months 3-35 (36 to 4 months ago)
DORMANT_RUN_MONTHS = 6  # at least this many consecutive months ...
DORMANT_MONTH_MAX = 1  # ... with at most one outbound action each
BURST_MIN_PER_MONTH = 10.0
BURST_BASELINE_RATIO = 4.0
# taker
TAKER_MIN_ASKS = 3
TAKER_ASK_RATIO = 2.0  # asks at least twice the gives, or
TAKER_UNPREPARED_SHARE = 2 / 3  # more asks than gives and two thirds of asked people got nothing first
# dormant_network
DORMANT_DAYS = 90
# market_blind
MARKET_BLIND_DAYS = 365
# say_do_gap: self-report against the same count in recorded activity, over the same window
SAY_DO_MIN_REPORTED = 4
SAY_DO_RATIO = 4.0  # reported at least four times what was recorded, or the reverse
SAY_DO_OPINION_GAP = 50.0  # questionnaire subscale at least 50 points away from the behaviour index
SAY_DO_MIN_NAMED = 5  # named counterparts needed before activity can contradict relationship answers


def detect_flags(
    profile: Profile, answers: Answers, parts: dict[str, DimensionParts], confidence: Confidence
) -> list[Flag]:
    flags = [
        _johnny_come_lately(profile),
        _taker(profile),
        _dormant_network(profile, answers),
        _market_blind(profile, answers),
    ]
    found = [flag for flag in flags if flag is not None]
    # a burst of asking is more recorded activity than reported, but not something to credit anyone for
    asking_pattern = any(flag.id in {"johnny_come_lately", "taker"} for flag in found)
    say_do = _say_do_gap(profile, answers, parts, confidence, credit_surplus=not asking_pattern)
    return [*found, say_do] if say_do is not None else found


def longest_quiet_run(monthly: list[int], months: range) -> tuple[int, int]:
    """(length, oldest month of the run) of the longest stretch of quiet months within `months`."""
    best = (0, -1)
    run = 0
    for month in months:
        run = run + 1 if monthly[month] <= DORMANT_MONTH_MAX else 0
        if run > best[0]:
            best = (run, month)
    return best


def _johnny_come_lately(profile: Profile) -> Flag | None:
    monthly = profile.windows.monthly_outbound
    observed = profile.months_observed()
    baseline_months = range(BASELINE_MONTHS.start, min(BASELINE_MONTHS.stop, observed))
    if len(baseline_months) < DORMANT_RUN_MONTHS:
        return None
    run, oldest = longest_quiet_run(monthly, baseline_months)
    recent = sum(monthly[:BURST_MONTHS]) / BURST_MONTHS
    baseline = sum(monthly[m] for m in baseline_months) / len(baseline_months)
    if run < DORMANT_RUN_MONTHS or recent < BURST_MIN_PER_MONTH or recent < BURST_BASELINE_RATIO * baseline:
        return None
    return Flag(
        id="johnny_come_lately",
        title="Reconnect before you reach out for help",
        advice="A sudden wave of outreach after a long silence is easy to spot. Lead with something useful "
        "for "
        "each person (a lead, an introduction, a congratulation) and keep in touch after you land.",
        evidence=[
            f"{run} months in a row with at most {DORMANT_MONTH_MAX} outbound action, from about {oldest} to "
            f"{oldest - run + 1} months ago",
            f"{whole(recent)} outbound actions a month over the last {BURST_MONTHS} months, against "
            f"{baseline:.1f} a month before",
        ],
    )


def _taker(profile: Profile) -> Flag | None:
    w = profile.windows
    asks, gives = w.asks_12m, w.gives_12m
    if asks < TAKER_MIN_ASKS or asks <= gives:
        return None
    asked_people = unprepared_people = 0
    for party in profile.named.values():
        recent = [age for age, _ in party.asks or () if age <= 365.0]
        if recent:
            asked_people += 1
            if party.earliest_give <= max(recent):  # nothing given before the first recent ask
                unprepared_people += 1
    unprepared_share = unprepared_people / asked_people if asked_people else 0.0
    if asks < TAKER_ASK_RATIO * gives and unprepared_share < TAKER_UNPREPARED_SHARE:
        return None
    evidence = [f"{asks} asks (help, referrals) and {gives:g} gives in the last 12 months"]
    if asked_people:
        evidence.append(
            f"{unprepared_people} of the {asked_people} people you asked had received nothing from you before"
        )
    return Flag(
        id="taker",
        title="Give before you ask",
        advice="People help those who have helped others. Before your next request, do something for that "
        "person first: pass on a lead, make an introduction, endorse their work.",
        evidence=evidence,
    )


def _dormant_network(profile: Profile, answers: Answers) -> Flag | None:
    if profile.counted:
        age = profile.last_outbound_age
        if 0 <= age <= DORMANT_DAYS:
            return None
        fact = (
            f"your last outbound contact was {whole(age)} days ago"
            if age >= 0
            else "no outbound contact (messages, help, introductions, conversations) is recorded"
        )
    else:
        if answers.get("continuity_count") != 0:
            return None
        fact = "you reported contacting nobody just to catch up in the last 90 days"
    return Flag(
        id="dormant_network",
        title="Your network has gone quiet",
        advice="Quiet networks are hard to wake when you need them. Send two or three messages this week "
        "that ask for nothing: share an article, congratulate a move, say thanks.",
        evidence=[fact, f"no outbound contact in the last {DORMANT_DAYS} days"],
    )


def _market_blind(profile: Profile, answers: Answers) -> Flag | None:
    reported = answers.get("market_count")
    if profile.windows.market_12m > 0 or (isinstance(reported, int) and reported > 0):
        return None
    if not profile.counted and reported is None:
        return None
    evidence = (
        ["no recruiter, hiring-manager or informational conversation recorded in the last 12 months"]
        if profile.counted
        else []
    )
    if reported == 0:
        evidence.append(
            "you reported no conversations with recruiters or hiring managers in the last 12 months"
        )
    return Flag(
        id="market_blind",
        title="Find out what the market wants now",
        advice="Talk to a recruiter or a hiring manager in your field every few months, not only when you "
        "are looking: ask which skills they struggle to find and what is changing next year.",
        evidence=evidence,
    )


def _say_do_gap(
    profile: Profile,
    answers: Answers,
    parts: dict[str, DimensionParts],
    confidence: Confidence,
    credit_surplus: bool = True,
) -> Flag | None:
    """Self-report against recorded behaviour, both ways; `credit_surplus` False drops "you do more"."""
    if confidence is Confidence.LOW:
        return None  # too little recorded activity to contradict anyone
    w = profile.windows
    # People can be told apart only by named counterparts: typed-in counts without counterparts (the web
    # form's "messages this month") say nothing about how many people, so those comparisons need names.
    people = [
        (
            "reach_count",
            "people outside work you talked with in the last 12 months",
            len(w.people_12m),
            w.anonymous_contacts_12m,
        ),
        (
            "continuity_count",
            "people you contacted just to catch up in the last 90 days",
            len(w.catch_up_90d),
            w.anonymous_catch_up_90d,
        ),
        (
            "generosity_count",
            "people you helped in the last 90 days",
            len(w.helped_90d),
            w.anonymous_helped_90d,
        ),
    ]
    comparisons = [(qid, what, named) for qid, what, named, anonymous in people if anonymous <= named]
    comparisons += [
        (
            "market_count",
            "recruiter, hiring-manager or informational conversations in the last 12 months",
            w.market_12m,
        ),
        ("growth_count", "skills, certifications or projects in the last 12 months", w.growth_12m),
        ("visibility_count", "introductions you made in the last 12 months", w.introductions_12m),
    ]
    says_more: list[str] = []
    does_more: list[str] = []
    for qid, what, recorded in comparisons:
        reported = answers.get(qid)
        if not isinstance(reported, int) or isinstance(reported, bool):
            continue
        if reported >= SAY_DO_MIN_REPORTED and reported >= SAY_DO_RATIO * max(recorded, 0.5):
            says_more.append(f"{what}: you reported {reported}, your activity shows {recorded}")
        elif recorded >= SAY_DO_MIN_REPORTED and recorded >= SAY_DO_RATIO * max(reported, 0.5):
            does_more.append(f"{what}: your activity shows {recorded}, you reported {reported}")
    # Relationship claims (lifelines, reach, ...) can only be contradicted by activity with named people.
    if len(profile.named) >= SAY_DO_MIN_NAMED:
        for dimension, dim_parts in parts.items():
            if dim_parts.behaviour is None:
                continue
            gap = dim_parts.questionnaire - dim_parts.behaviour_index
            line = (
                f"{dimension}: your answers score {whole(dim_parts.questionnaire)}/100, your recorded "
                f"activity {whole(dim_parts.behaviour_index)}/100"
            )
            if gap >= SAY_DO_OPINION_GAP:
                says_more.append(line)
            elif -gap >= SAY_DO_OPINION_GAP:
                does_more.append(line)
    if not credit_surplus:
        does_more = []
    if not says_more and not does_more:
        return None
    if says_more and does_more:
        title = "Your answers and your activity tell different stories"
        advice = (
            "In some areas your answers claim more than your activity shows, in others less. Check whether "
            "activity is missing from your data, then look at the lines below one by one."
        )
    elif says_more:
        title = "What you do may not match what you believe you do"
        advice = (
            "Your answers describe more than your recorded activity shows. Check whether activity is "
            "missing from your data; if not, pick one habit from your answers and make it real this month."
        )
    else:
        title = "You may be underselling yourself"
        advice = (
            "Your recorded activity shows more than your answers claim. Give yourself credit: that "
            "track record is what people remember when you need them."
        )
    evidence = says_more + does_more
    return Flag(id="say_do_gap", title=title, advice=advice, evidence=evidence)
