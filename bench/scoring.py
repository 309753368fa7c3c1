"""Benchmark: validation + scoring time per assessment for 0, 100, 1,000 and 10,000 events.

Target on the dev machine: median <= 2 ms at 1,000 events; 10,000 events <= 12x the 1,000-event time.
Each run validates the JSON (answers through parse_submission, the events through parse_activities, the
path stored history and large imports take, since a single submission is capped at 5,000 events) and
scores it, recommendations included. The event mix is weighted like a real network export.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from readiness.activity import ActivityType
from readiness.scoring import score_assessment
from readiness.submission import parse_activities, parse_submission

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
ANSWERS = {
    "reach_1": 4,
    "reach_2": 3,
    "reach_3": 2,
    "reach_count": 25,
    "continuity_1": "monthly",
    "continuity_2": 3,
    "continuity_3": 2,
    "continuity_count": 5,
    "generosity_1": 4,
    "generosity_2": 4,
    "generosity_3": 2,
    "generosity_count": 3,
    "market_1": "within_a_year",
    "market_2": 3,
    "market_3": False,
    "market_count": 2,
    "growth_1": 4,
    "growth_2": 3,
    "growth_3": True,
    "growth_count": 2,
    "lifelines_1": 4,
    "lifelines_2": 3,
    "lifelines_3": 2,
    "lifelines_4": 4,
    "lifelines_count": 2,
    "visibility_1": 3,
    "visibility_2": 2,
    "visibility_3": 3,
    "visibility_count": 2,
}
ROLES = ["recruiter", "hiring_manager", "peer", "mentor", "other", None, None, None]
# Roughly how often each type appears in a LinkedIn export: messages and reactions dominate.
MIX = {
    ActivityType.MESSAGE_SENT: 22,
    ActivityType.MESSAGE_RECEIVED: 24,
    ActivityType.REACTION_MADE: 12,
    ActivityType.CONNECTION_MADE: 8,
    ActivityType.INVITATION_SENT: 3,
    ActivityType.INVITATION_RECEIVED: 4,
    ActivityType.COMMENT_MADE: 5,
    ActivityType.ENDORSEMENT_GIVEN: 3,
    ActivityType.ENDORSEMENT_RECEIVED: 3,
    ActivityType.KNOWLEDGE_SHARED: 3,
    ActivityType.HELP_GIVEN: 2,
    ActivityType.HELP_ASKED: 1,
    ActivityType.INTRODUCTION_MADE: 1,
    ActivityType.REFERRAL_GIVEN: 1,
    ActivityType.REFERRAL_ASKED: 1,
    ActivityType.RECOMMENDATION_GIVEN: 1,
    ActivityType.RECOMMENDATION_RECEIVED: 1,
    ActivityType.RECRUITER_CONVERSATION: 1,
    ActivityType.HIRING_MANAGER_CONVERSATION: 1,
    ActivityType.INFORMATIONAL_INTERVIEW: 1,
    ActivityType.EVENT_ATTENDED: 1,
    ActivityType.SKILL_LEARNED: 1,
    ActivityType.PROJECT_STARTED: 1,
    ActivityType.CERTIFICATION_EARNED: 1,
    ActivityType.JOB_APPLICATION: 1,
}


def activities_json(events: int, seed: int = 7) -> bytes:
    """A realistic history: about one counterpart per five events over three years, some roles."""
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    people = max(1, events // 5)
    activities = []
    for _ in range(events):
        event: dict[str, object] = {
            "type": rng.choices(kinds, weights)[0].value,
            "occurred_at": (AS_OF - timedelta(days=rng.uniform(0, 1100))).isoformat().replace("+00:00", "Z"),
        }
        if rng.random() < 0.85:
            event["counterpart"] = f"c{rng.randrange(people)}"
            role = rng.choice(ROLES)
            if role:
                event["counterpart_role"] = role
        activities.append(event)
    return json.dumps(activities).encode()


ANSWERS_BODY = json.dumps({"questionnaire_version": "1", "answers": ANSWERS}).encode()


def assess(history: bytes) -> None:
    submission = parse_submission(ANSWERS_BODY, now=AS_OF)
    events = parse_activities(history, now=AS_OF, limit=100_000)
    score_assessment(submission, as_of=AS_OF, history=events)


def median_ms(history: bytes, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        assess(history)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    results = {}
    for events, repeats in ((0, 300), (100, 300), (1000, 200), (10000, 30)):
        history = activities_json(events)
        median_ms(history, 3)  # warm up caches and imports
        results[events] = median_ms(history, repeats)
        print(f"{events:>6} events: median {results[events]:7.3f} ms per assessment (validation + scoring)")
    ratio = results[10000] / results[1000]
    print(
        f"10,000 / 1,000 events: {ratio:.1f}x (target <= 12x); 1,000 events target <= 2 ms: "
        f"{'met' if results[1000] <= 2.0 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
