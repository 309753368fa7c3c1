"""Build a preset zlib dictionary for packed store documents (dev tooling; the layer only reads the result).

Assessment bodies repeat the same keys, dimension names and explanation phrasing; a preset
dictionary of typical documents lets zlib refer back to them, so a packed body is a few hundred
bytes instead of ~1.7 KB, which is what keeps a new assessment within its write-unit budget.

A dictionary is frozen once data has been packed with it (old records need it to unpack), so
this writes a NEW version: ``python -m tools.build_store_dictionary 2`` writes
shared/readiness/store/dictionary_v2.py; then point readiness.store.codec at it.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from readiness.activity import ActivityType, CounterpartRole
from readiness.assessments import Assessment, PreviousAssessment
from readiness.compare import what_moved
from readiness.questionnaire import QuestionKind, get_questionnaire
from readiness.scoring import score_assessment
from readiness.submission import parse_submission

MAX_DICTIONARY_BYTES = 32 * 1024  # zlib's window: anything earlier is out of reach
ROOT = Path(__file__).resolve().parents[1]


def _submission(rng: random.Random, as_of: datetime, activities: int) -> dict[str, object]:
    answers: dict[str, object] = {}
    for section in get_questionnaire().sections:
        for question in section.questions:
            if question.kind is QuestionKind.CHOICE:
                answers[question.id] = rng.choice([c.value for c in question.choices or []])
            elif question.kind is QuestionKind.BOOLEAN:
                answers[question.id] = rng.random() < 0.5
            elif question.kind is QuestionKind.LIKERT:
                answers[question.id] = rng.randint(1, 5)
            else:
                answers[question.id] = rng.randint(0, min(question.max or 10, 40))
    events = []
    people = [f"person-{n}" for n in range(max(3, activities // 3))]
    for n in range(activities):
        when = as_of - timedelta(days=rng.uniform(1, 900))
        event: dict[str, object] = {
            "type": rng.choice(list(ActivityType)).value,
            "occurred_at": when.isoformat(),
        }
        if rng.random() < 0.8:
            event["counterpart"] = rng.choice(people)
            event["counterpart_role"] = rng.choice(list(CounterpartRole)).value
        if rng.random() < 0.5:
            event["id"] = f"event-{n}"
        events.append(event)
    return {"questionnaire_version": get_questionnaire().version, "answers": answers, "activities": events}


def sample_documents(seed: int = 2026) -> list[bytes]:
    """Typical packed documents: bodies of returning assessments, and the inputs the user item keeps."""
    rng = random.Random(seed)
    as_of = datetime(2026, 6, 1, tzinfo=UTC)
    documents: list[bytes] = []
    bodies: list[bytes] = []
    for size in (0, 12, 60):
        first = parse_submission(_submission(rng, as_of, size), now=as_of)
        second = parse_submission(_submission(rng, as_of, size), now=as_of)
        before = score_assessment(first, as_of=as_of - timedelta(days=90))
        after = score_assessment(second, as_of=as_of)
        body = Assessment.model_validate(
            {
                **after.model_dump(),
                "assessment_id": "a_01jx0000000000000000000000",
                "user_id": "u_00000000000000000000000000",
                "created_at": as_of,
                "previous": PreviousAssessment(
                    assessment_id="a_01jw0000000000000000000000",
                    score=before.score,
                    delta=after.score - before.score,
                    changes=what_moved(before, after),
                ),
            }
        ).model_dump(mode="json")
        # what the user item keeps of the latest assessment's inputs (activity has items of its own)
        inputs = {
            "questionnaire_version": second.questionnaire_version,
            "answers": second.answers,
            "answered_at": as_of.isoformat(),
            "activities_submitted": len(second.activities),
        }
        if size <= 12:
            documents.append(json.dumps(inputs, separators=(",", ":"), ensure_ascii=False).encode())
        bodies.append(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
    # bodies last: zlib finds recent matches cheapest, and bodies are most of what is packed
    return documents + bodies


def build(seed: int = 2026) -> bytes:
    return b"".join(sample_documents(seed))[-MAX_DICTIONARY_BYTES:]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("version", type=int, help="the new dictionary version (never reuse one)")
    args = parser.parse_args()
    target = ROOT / "shared" / "readiness" / "store" / f"dictionary_v{args.version}.py"
    if target.exists():
        raise SystemExit(f"{target} exists: a dictionary in use must never change; pick a new version")
    dictionary = build()
    encoded = base64.b64encode(dictionary).decode("ascii")
    body = "\n".join(f'    "{encoded[i : i + 96]}"' for i in range(0, len(encoded), 96))
    target.write_text(
        f'"""Preset zlib dictionary v{args.version} for packed store documents (generated by '
        "tools/build_store_dictionary.py).\n\nFROZEN: records packed with it need exactly these bytes "
        'to unpack. Never edit; build a new version instead.\n"""\n\n'
        f"import base64\n\nDICTIONARY = base64.b64decode(\n{body}\n)\n",
        encoding="utf-8",
    )
    print(f"wrote {target} ({len(dictionary)} bytes)")


if __name__ == "__main__":
    main()
