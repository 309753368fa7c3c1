"""Compaction of imported history: the rule itself, and that scores barely move (personas, exports)."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from readiness.activity import ActivityEvent
from readiness.activity_log import pseudonymise
from readiness.compaction import RECENT_DAYS, HistoryCompactor, compact_history
from readiness.linkedin import collect_export
from readiness.scoring import score_assessment

from tests.builders import AS_OF, event, submission
from tests.fixtures_linkedin import NOW as EXPORT_NOW
from tests.fixtures_linkedin import SALT, ExportOptions, big_export, build_export
from tests.unit import test_personas as personas

OLD = AS_OF - timedelta(days=RECENT_DAYS + 200)  # well inside the compacted part


def at(moment: datetime, kind: str = "message_sent", counterpart: str | None = "p-1") -> ActivityEvent:
    return event(kind, (AS_OF - moment).total_seconds() / 86400, counterpart)


def test_per_counterpart_type_and_month_the_first_and_last_are_kept() -> None:
    month = [at(OLD.replace(day=day)) for day in (3, 9, 14, 20, 27)]
    other_type = [at(OLD.replace(day=5), "message_received")]
    other_person = [at(OLD.replace(day=6), counterpart="p-2")]

    kept = compact_history([*month, *other_type, *other_person], now=AS_OF)

    assert sorted(
        e.occurred_at.day for e in kept if e.counterpart == "p-1" and e.type.value == "message_sent"
    ) == [
        3,
        27,
    ]
    assert len(kept) == 4


def test_everything_recent_is_kept_whole() -> None:
    recent = [at(AS_OF - timedelta(days=RECENT_DAYS - 1, minutes=minute)) for minute in range(30)]

    assert compact_history(recent, now=AS_OF) == recent


def test_events_without_a_counterpart_are_kept_per_type_and_day() -> None:
    day = OLD.replace(hour=0)
    posts = [at(day + timedelta(hours=hour), "reaction_made", None) for hour in range(10)]
    next_day = [at(day + timedelta(days=1, hours=2), "reaction_made", None)]

    kept = compact_history([*posts, *next_day], now=AS_OF)

    assert sorted(e.occurred_at.hour for e in kept if e.occurred_at.day == day.day) == [0, 9]
    assert len(kept) == 3


def test_every_counterparts_first_and_last_contact_survive() -> None:
    history = [
        at(OLD - timedelta(days=30 * months + days), kind, f"p-{person}")
        for months in range(24)
        for person in range(5)
        for days, kind in (
            (1, "message_sent"),
            (3, "message_received"),
            (5, "message_sent"),
            (8, "message_sent"),
            (9, "help_given"),
        )
    ]

    kept = compact_history(history, now=AS_OF)

    def span(events: list[ActivityEvent]) -> dict[str | None, tuple[datetime, datetime]]:
        first: dict[str | None, datetime] = {}
        last: dict[str | None, datetime] = {}
        for e in events:
            first[e.counterpart] = min(first.get(e.counterpart, e.occurred_at), e.occurred_at)
            last[e.counterpart] = max(last.get(e.counterpart, e.occurred_at), e.occurred_at)
        return {who: (first[who], last[who]) for who in first}

    assert span(kept) == span(history)
    assert len(kept) < len(history)


def test_the_streaming_compactor_counts_what_it_dropped() -> None:
    compactor = HistoryCompactor(now=AS_OF)
    for day in range(1, 29):
        compactor.add(at(OLD.replace(day=day)))

    assert (compactor.seen, len(compactor.events()), compactor.dropped) == (28, 2, 26)
    with pytest.raises(ValueError, match="aware"):
        HistoryCompactor(now=datetime(2026, 1, 1))


def test_times_are_bucketed_by_utc_month() -> None:
    from datetime import timezone

    ahead = timezone(timedelta(hours=10))
    # 1 March 05:00 at +10:00 is still February in UTC
    late_february = datetime(2024, 3, 1, 5, 0, tzinfo=ahead)
    events = [
        ActivityEvent.model_validate({"type": "message_sent", "occurred_at": moment, "counterpart": "p"})
        for moment in (datetime(2024, 2, 2, tzinfo=UTC), datetime(2024, 2, 15, tzinfo=UTC), late_february)
    ]

    kept = compact_history(events, now=AS_OF)

    assert {e.occurred_at for e in kept} == {datetime(2024, 2, 2, tzinfo=UTC), late_february}


# -- scores: compaction must not change what the model says --------------------------------------------------


def heavy_messenger() -> list[ActivityEvent]:
    """Five years of a dozen close contacts, several messages each a month, reactions, shares, recruiters."""
    events = []
    for month in range(60):
        for person in range(12):
            for k in range(6):
                kind = "message_sent" if k % 2 == 0 else "message_received"
                events.append(event(kind, 5 + month * 30.4 + k * 4 + person * 0.3, f"p-{person}", "peer"))
        events += [event("reaction_made", 3 + month * 30.4 + k * 1.3) for k in range(20)]
        events.append(event("knowledge_shared", 7 + month * 30.4))
        if month % 3 == 0:
            events.append(event("recruiter_conversation", 9 + month * 30.4, f"r-{month % 4}", "recruiter"))
            events.append(event("endorsement_given", 11 + month * 30.4, f"p-{month % 12}"))
    return events


def _assert_scores_hold(history: list[ActivityEvent], now: datetime) -> int:
    """Scores now, in three months and in a year, at three answer levels: within a point overall and in
    every dimension, with the same flags. Returns how many events compaction left out."""
    kept = compact_history(history, now=now)
    for days in (0, 90, 365):
        for level in ("low", "middle", "high"):
            as_of = now + timedelta(days=days)
            whole = score_assessment(submission([], level=level), as_of=as_of, history=history)
            compacted = score_assessment(submission([], level=level), as_of=as_of, history=kept)
            assert abs(whole.score - compacted.score) <= 1, (days, level)
            for before, after in zip(whole.dimensions, compacted.dimensions, strict=True):
                assert abs(before.score - after.score) <= 1, (days, level, before.id)
            assert {f.id for f in whole.flags} == {f.id for f in compacted.flags}, (days, level)
    return len(history) - len(kept)


@pytest.mark.parametrize(
    "persona",
    [
        personas.steady_giver,
        personas.dormant_then_burst_asker,
        personas.quiet_but_well_connected,
        personas.recruiter_savvy_newcomer,
    ],
)
def test_the_scoring_personas_score_the_same_compacted(persona: object) -> None:
    assert callable(persona)
    history, _ = persona()
    _assert_scores_hold(history, AS_OF)


def test_a_heavy_history_is_compacted_and_scores_the_same() -> None:
    history = heavy_messenger()

    dropped = _assert_scores_hold(history, AS_OF)

    assert dropped > len(history) // 5


def _imported(data: bytes | Path) -> list[ActivityEvent]:
    events, _ = collect_export(
        io.BytesIO(data) if isinstance(data, bytes) else data, salt=SALT, now=EXPORT_NOW
    )
    # as the import stores them: pseudonymised, without the import's own ids
    return list(
        pseudonymise([e.model_copy(update={"id": None}) for e in events], "u_00000000000000000000000000")
    )


@pytest.mark.parametrize("variant", ["basic", "complete"])
def test_fixture_exports_score_the_same_compacted(variant: str) -> None:
    _assert_scores_hold(_imported(build_export(ExportOptions(variant=variant)).data), EXPORT_NOW)  # type: ignore[arg-type]


def test_a_large_fixture_export_is_compacted_by_a_third_and_scores_the_same(tmp_path: Path) -> None:
    history = _imported(big_export(tmp_path / "export.zip", connections=3_000, messages=20_000))

    dropped = _assert_scores_hold(history, EXPORT_NOW)

    assert dropped > len(history) // 3
    kept = compact_history(history, now=EXPORT_NOW)
    assert Counter(e.type for e in kept).keys() == Counter(e.type for e in history).keys()
