"""Cohort aggregates: counter deltas, k-anonymous suppression, and shards that add up to the truth."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from readiness.centres.aggregates import (
    DIMENSION_IDS,
    FLAG_IDS,
    KEEP_MONTHS,
    CountedAssessment,
    add_shards,
    counter_deltas,
    expired_month_attributes,
    month_students_attribute,
    summarise,
    suppress_partition,
)
from readiness.result import Band

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


def counted(
    score: int,
    *,
    at: datetime = NOW,
    flags: tuple[str, ...] = (),
    assessment_id: str = "a",
    band: str | None = None,
) -> CountedAssessment:
    return CountedAssessment(
        assessment_id=assessment_id,
        assessed_at=at,
        score=score,
        band=band
        or ("early" if score < 40 else "building" if score < 60 else "ready" if score < 80 else "strong"),
        confidence="low",
        dimensions=dict.fromkeys(DIMENSION_IDS, score),
        flags=frozenset(flags),
    )


def test_the_dimension_and_flag_ids_are_the_models_own() -> None:
    from readiness import patterns
    from readiness.scoring import DIMENSION_NAMES

    assert tuple(DIMENSION_NAMES) == DIMENSION_IDS
    source = Path(patterns.__file__).read_text(encoding="utf-8")
    for flag in FLAG_IDS:
        assert f'"{flag}"' in source


def test_a_new_student_adds_one_everywhere() -> None:
    deltas = counter_deltas(None, counted(55, flags=("taker",)))
    assert deltas["n"] == 1
    assert deltas["s"] == 55
    assert deltas["h5"] == 1
    assert deltas["b_building"] == 1
    assert deltas["f_taker"] == 1
    assert deltas["d_reach"] == 55
    assert deltas["m_2026-11_n"] == 1
    assert deltas["m_2026-11_s"] == 55


def test_a_new_assessment_replaces_the_previous_one_and_nets_same_bucket_changes() -> None:
    before = counted(51, flags=("taker",), at=NOW - timedelta(days=40))
    after = counted(58, flags=("dormant_network",))
    deltas = counter_deltas(before, after)
    assert "n" not in deltas  # the same student
    assert "h5" not in deltas  # 51 -> 58: same bucket, netted to nothing
    assert deltas["s"] == 7
    assert deltas["f_taker"] == -1
    assert deltas["f_dormant_network"] == 1
    # a new month: the student is counted in this month too
    assert deltas["m_2026-11_n"] == 1
    assert deltas["m_2026-11_s"] == 58


def test_a_second_assessment_in_the_same_month_replaces_that_months_score() -> None:
    deltas = counter_deltas(counted(40, at=NOW - timedelta(days=2)), counted(70))
    assert "m_2026-11_n" not in deltas
    assert deltas["m_2026-11_s"] == 30


def test_old_month_counters_are_removed_as_shards_are_written() -> None:
    names = expired_month_attributes("2026-11")
    assert month_students_attribute("2025-10") in names  # 13 months back
    assert month_students_attribute("2025-11") not in names  # 12 months back: still in the trend
    assert len(names) == 24
    assert KEEP_MONTHS >= 12


@pytest.mark.parametrize(
    ("counts", "k", "expected"),
    [
        ([12, 30, 0, 0], 10, [12, 30, 0, 0]),
        (
            [3, 30, 15, 0],
            10,
            [None, 30, None, 0],
        ),  # one small cell would be derivable: the next smallest goes too
        ([3, 4, 30, 0], 10, [None, None, 30, 0]),
        ([0, 0, 0, 25], 10, [0, 0, 0, 25]),
        ([9, 11], 10, [None, None]),
    ],
)
def test_partition_suppression(counts: list[int], k: int, expected: list[int | None]) -> None:
    assert suppress_partition(counts, k) == expected


def totals_of(students: dict[str, CountedAssessment]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for latest in students.values():
        total.update(counter_deltas(None, latest))
    return dict(total)


def test_nine_students_with_k_ten_see_no_distribution() -> None:
    students = {f"u{i}": counted(50 + i) for i in range(9)}
    summary = summarise("c", 10, totals_of(students), as_of=NOW)
    assert summary.students == 9
    assert summary.suppressed
    assert summary.score_histogram is None
    assert summary.bands is None
    assert summary.dimensions is None
    assert summary.flags is None
    assert summary.mean_score is None
    this_month = summary.monthly_trend[-1]
    assert (this_month.month, this_month.students, this_month.mean_score) == ("2026-11", None, None)


def test_ten_students_see_the_distribution_but_no_small_group() -> None:
    students = {f"u{i}": counted(45 if i < 7 else 85, flags=("taker",) if i < 3 else ()) for i in range(10)}
    summary = summarise("c", 10, totals_of(students), as_of=NOW)
    assert not summary.suppressed
    assert summary.mean_score == 57.0
    assert summary.score_histogram is not None
    shown = {b.low: b.students for b in summary.score_histogram}
    assert shown[40] is None  # 7 students: below k
    assert shown[80] is None  # 3 students
    assert shown[0] == 0
    assert summary.bands is not None
    assert {b.band: b.students for b in summary.bands} == {
        Band.EARLY: 0,
        Band.BUILDING: None,
        Band.READY: 0,
        Band.STRONG: None,
    }
    assert summary.flags is not None
    assert {f.id: f.students for f in summary.flags}["taker"] is None
    assert {f.id: f.students for f in summary.flags}["market_blind"] == 0
    assert summary.dimensions is not None
    assert summary.dimensions[0].mean == 57.0
    assert summary.monthly_trend[-1].students == 10
    assert len(summary.monthly_trend) == 12
    assert summary.monthly_trend[0].month == "2025-12"


def test_a_flag_almost_everyone_has_is_suppressed_too() -> None:
    students = {f"u{i}": counted(50, flags=("taker",) if i else ()) for i in range(30)}
    summary = summarise("c", 10, totals_of(students), as_of=NOW)
    assert summary.flags is not None
    assert {f.id: f.students for f in summary.flags}["taker"] is None  # the one without it stands out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 14),  # student
            st.integers(0, 100),  # score
            st.integers(0, 400),  # days ago
            st.sets(st.sampled_from(FLAG_IDS), max_size=3),
        ),
        min_size=1,
        max_size=60,
    ),
    st.integers(0, 2**32),
)
def test_shards_add_up_to_the_latest_assessment_of_each_student(
    writes: list[tuple[int, int, int, set[str]]], seed: int
) -> None:
    """Whatever the order and the shard each write lands on, the sums describe each student's latest."""
    chooser = random.Random(seed)
    shards: list[Counter[str]] = [Counter() for _ in range(16)]
    latest: dict[int, CountedAssessment] = {}
    clock = NOW - timedelta(days=400)
    for number, (student, score, _days, flags) in enumerate(writes):
        clock += timedelta(days=chooser.randint(0, 20))
        new = counted(score, at=clock, flags=tuple(sorted(flags)), assessment_id=f"a{number}")
        shards[chooser.randrange(16)].update(counter_deltas(latest.get(student), new))
        latest[student] = new
    total = add_shards(dict(s) for s in shards)
    expected = Counter()
    for value in latest.values():
        expected.update(counter_deltas(None, value))
    for name in ("n", "s", *[f"h{i}" for i in range(10)], *[f"d_{d}" for d in DIMENSION_IDS]):
        assert total.get(name, 0) == expected.get(name, 0), name
    for flag in FLAG_IDS:
        assert total.get(f"f_{flag}", 0) == expected.get(f"f_{flag}", 0)
    # months: distinct students per month, by the last assessment each had in it
    per_month: dict[str, dict[int, int]] = {}
    clock = NOW - timedelta(days=400)
    chooser = random.Random(seed)
    for student, score, _days, _flags in writes:
        clock += timedelta(days=chooser.randint(0, 20))
        chooser.randrange(16)
        per_month.setdefault(f"{clock.year:04d}-{clock.month:02d}", {})[student] = score
    for month, scores in per_month.items():
        assert total.get(f"m_{month}_n", 0) == len(scores)
        assert total.get(f"m_{month}_s", 0) == sum(scores.values())


@settings(max_examples=200, deadline=None)
@given(
    others=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 400)), max_size=4),
    history=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 400)), min_size=1, max_size=8),
)
def test_a_departing_student_takes_back_exactly_what_their_assessments_added(
    others: list[tuple[int, int]], history: list[tuple[int, int]]
) -> None:
    """Whatever a student's assessments over a year (and whoever else is counted), erasing them leaves
    every counter the shard still keeps as if they had never joined."""
    from readiness.centres.membership import Membership, plan_departure

    def counters(students: list[list[tuple[int, int]]]) -> Counter[str]:
        total: Counter[str] = Counter()
        for assessments in students:
            before = None
            for score, days in sorted(assessments, key=lambda pair: pair[1]):
                after = counted(score, at=NOW - timedelta(days=400 - days))
                total.update(counter_deltas(before, after))
                before = after
        return total

    others_only = counters([[pair] for pair in others])
    with_student = counters([[pair] for pair in others] + [history])
    ordered = sorted(history, key=lambda pair: pair[1])
    joined_at = NOW - timedelta(days=400 - ordered[0][1])
    latest = counted(ordered[-1][0], at=NOW - timedelta(days=400 - ordered[-1][1]))
    membership = Membership(
        user_id="u", centre_id="c", joined_at=joined_at, counted=latest, version=len(history)
    )
    departure = plan_departure(
        membership,
        [(NOW - timedelta(days=400 - days), score) for score, days in history],
        now=NOW,
        pick_shard=lambda: 3,
    )

    after = with_student.copy()
    after.update(departure.shard.deltas)
    # month counters older than the shard keeps are removed on write; compare what it keeps
    oldest_kept = (NOW.year * 12 + NOW.month - 1) - KEEP_MONTHS + 1

    def is_kept(name: str) -> bool:
        if not name.startswith("m_"):
            return True
        year, month = name[2:9].split("-")
        return int(year) * 12 + int(month) - 1 >= oldest_kept

    assert {k: v for k, v in after.items() if v and is_kept(k)} == {
        k: v for k, v in others_only.items() if v and is_kept(k)
    }
    assert departure.shard.shard == 3
    assert not set(departure.shard.remove) & set(departure.shard.deltas)
