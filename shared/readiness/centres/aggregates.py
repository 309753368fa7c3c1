"""Cohort aggregates as sharded counters: what one assessment changes, and the k-anonymous summary.

A centre's aggregates describe each student's *latest* assessment (histogram, bands, dimension
means, flags) plus, per month, how many distinct students were assessed and their mean score.
They are kept as additive counters spread over N shards: each write adds its deltas to one
shard chosen at random (so a busy centre has no hot item), and the summary adds the shards up.
Because a student's previous assessment is subtracted when a new one replaces it, the shards
hold signed numbers; only their sums mean anything.

Everything here is pure: no clock, no randomness (the shard is chosen by the caller), no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from readiness.result import Band

HISTOGRAM_BUCKETS = 10  # 0-9, 10-19, ..., 90-100
TREND_MONTHS = 12  # the summary's monthly trend: this month and the 11 before
KEEP_MONTHS = 13  # months a shard keeps; older month counters are removed as shards are written
DIMENSION_IDS = ("reach", "continuity", "generosity", "market", "growth", "lifelines", "visibility")
FLAG_IDS = ("johnny_come_lately", "taker", "dormant_network", "market_blind", "say_do_gap")
STUDENTS = "n"
SCORE_SUM = "s"


@dataclass(frozen=True, slots=True)
class CountedAssessment:
    """What a centre counts of a student's latest assessment (no answers, no activity)."""

    assessment_id: str
    assessed_at: datetime
    score: int
    band: str
    confidence: str
    dimensions: Mapping[str, int] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()

    @property
    def month(self) -> str:
        return month_of(self.assessed_at)


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def bucket(score: int) -> int:
    return min(max(score, 0) // 10, HISTOGRAM_BUCKETS - 1)


def histogram_attribute(index: int) -> str:
    return f"h{index}"


def band_attribute(band: str) -> str:
    return f"b_{band}"


def dimension_attribute(dimension: str) -> str:
    return f"d_{dimension}"


def flag_attribute(flag: str) -> str:
    return f"f_{flag}"


def month_students_attribute(month: str) -> str:
    return f"m_{month}_n"


def month_score_attribute(month: str) -> str:
    return f"m_{month}_s"


def _add(counter: Counter[str], counted: CountedAssessment, sign: int) -> None:
    counter[SCORE_SUM] += sign * counted.score
    counter[histogram_attribute(bucket(counted.score))] += sign
    counter[band_attribute(counted.band)] += sign
    for dimension in DIMENSION_IDS:
        if dimension in counted.dimensions:
            counter[dimension_attribute(dimension)] += sign * int(counted.dimensions[dimension])
    for flag in counted.flags:
        if flag in FLAG_IDS:
            counter[flag_attribute(flag)] += sign


def counter_deltas(before: CountedAssessment | None, after: CountedAssessment) -> dict[str, int]:
    """What replacing a student's counted assessment ``before`` (None: a new student) with ``after`` adds.

    Same-named deltas are netted here, because one DynamoDB update may name an attribute once.
    The month counters count distinct students per month: a second assessment in the same month
    replaces the first one's score; one in a new month counts the student in that month too.
    """
    deltas: Counter[str] = Counter()
    if before is None:
        deltas[STUDENTS] += 1
    else:
        _add(deltas, before, -1)
    _add(deltas, after, +1)
    if before is not None and before.month == after.month:
        deltas[month_score_attribute(after.month)] += after.score - before.score
    else:
        deltas[month_students_attribute(after.month)] += 1
        deltas[month_score_attribute(after.month)] += after.score
    return {name: value for name, value in sorted(deltas.items()) if value}


def departure_deltas(
    counted: CountedAssessment | None, month_scores: Mapping[str, int], *, now_month: str
) -> dict[str, int]:
    """What erasing a student takes back: their latest assessment and their share of each kept month.

    ``month_scores``: for each month the student was counted in, the score of their last assessment
    of that month (what the month counters hold of them). Months a shard no longer keeps are left
    alone: their counters are gone, and adding to them would bring back a negative one.
    """
    deltas: Counter[str] = Counter()
    if counted is not None:
        deltas[STUDENTS] -= 1
        _add(deltas, counted, -1)
    oldest_kept = _month_index(now_month) - KEEP_MONTHS + 1
    for month, score in month_scores.items():
        if _month_index(month) >= oldest_kept:
            deltas[month_students_attribute(month)] -= 1
            deltas[month_score_attribute(month)] -= score
    return {name: value for name, value in sorted(deltas.items()) if value}


def expired_month_attributes(now_month: str) -> list[str]:
    """Month counters a shard no longer needs (KEEP_MONTHS to KEEP_MONTHS + 11 months back).

    Removing a year's worth on every write bounds a shard's size even when it skips months.
    """
    current = _month_index(now_month)
    names: list[str] = []
    for back in range(KEEP_MONTHS, KEEP_MONTHS + 12):
        month = _month_name(current - back)
        names += [month_students_attribute(month), month_score_attribute(month)]
    return names


# ---------------------------------------------------------------- the summary


class HistogramBucket(BaseModel):
    model_config = ConfigDict(frozen=True)

    low: int = Field(description="lowest score in the bucket")
    high: int = Field(description="highest score in the bucket")
    students: int | None = Field(
        description="students whose latest score is in the bucket; null when suppressed"
    )


class BandCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    band: Band
    students: int | None = Field(description="null when suppressed")


class DimensionMean(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    mean: float | None = Field(
        description="mean of the students' latest dimension scores; null when suppressed"
    )


class FlagCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    students: int | None = Field(
        description="students whose latest assessment has the flag; null when suppressed"
    )


class MonthPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    month: str = Field(description="YYYY-MM (UTC)")
    students: int | None = Field(description="distinct students assessed that month; null when suppressed")
    mean_score: float | None = Field(description="their mean latest score that month; null when suppressed")


class CohortSummary(BaseModel):
    """A centre's cohort in aggregate. Any group smaller than ``k_threshold`` is suppressed (null)."""

    model_config = ConfigDict(frozen=True)

    centre_id: str
    k_threshold: int
    as_of: datetime
    students: int = Field(
        description="students of the centre (each counted once, by their latest assessment)"
    )
    suppressed: bool = Field(
        description="true when the cohort is smaller than k_threshold: no distribution is shown at all"
    )
    mean_score: float | None
    score_histogram: list[HistogramBucket] | None
    bands: list[BandCount] | None
    dimensions: list[DimensionMean] | None
    flags: list[FlagCount] | None
    monthly_trend: list[MonthPoint]


def add_shards(shards: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for shard in shards:
        total.update({name: int(value) for name, value in shard.items()})
    return dict(total)


def suppress_partition(counts: list[int], k: int) -> list[int | None]:
    """Hide every cell of a partition with 1..k-1 members, and enough others that none can be derived.

    The total is published, so a single hidden cell could be recovered by subtraction: when only
    one cell is hidden, the smallest shown non-zero cell is hidden too.
    """
    hidden = [0 < count < k for count in counts]
    if sum(hidden) == 1:
        shown = [(count, index) for index, count in enumerate(counts) if not hidden[index] and count > 0]
        if shown:
            hidden[min(shown)[1]] = True
    return [None if hide else count for count, hide in zip(counts, hidden, strict=True)]


def _mean(total: int, count: int) -> float:
    return round(total / count, 1)


def summarise(centre_id: str, k: int, totals: Mapping[str, int], *, as_of: datetime) -> CohortSummary:
    """The summary a centre may see, from its shards' sums."""
    students = max(0, int(totals.get(STUDENTS, 0)))
    trend = _trend(totals, k, month_of(as_of))
    if students < k:
        return CohortSummary(
            centre_id=centre_id,
            k_threshold=k,
            as_of=as_of,
            students=students,
            suppressed=True,
            mean_score=None,
            score_histogram=None,
            bands=None,
            dimensions=None,
            flags=None,
            monthly_trend=trend,
        )
    histogram_counts = [max(0, int(totals.get(histogram_attribute(i), 0))) for i in range(HISTOGRAM_BUCKETS)]
    bands = list(Band)
    band_counts = [max(0, int(totals.get(band_attribute(band), 0))) for band in bands]
    flags: list[FlagCount] = []
    for flag in FLAG_IDS:
        count = max(0, int(totals.get(flag_attribute(flag), 0)))
        # a small group with the flag, or a small group without it, would single people out
        hidden = 0 < count < k or 0 < students - count < k
        flags.append(FlagCount(id=flag, students=None if hidden else count))
    return CohortSummary(
        centre_id=centre_id,
        k_threshold=k,
        as_of=as_of,
        students=students,
        suppressed=False,
        mean_score=_mean(int(totals.get(SCORE_SUM, 0)), students),
        score_histogram=[
            HistogramBucket(
                low=i * 10, high=100 if i == HISTOGRAM_BUCKETS - 1 else i * 10 + 9, students=count
            )
            for i, count in enumerate(suppress_partition(histogram_counts, k))
        ],
        bands=[
            BandCount(band=band, students=count)
            for band, count in zip(bands, suppress_partition(band_counts, k), strict=True)
        ],
        dimensions=[
            DimensionMean(id=d, mean=_mean(int(totals.get(dimension_attribute(d), 0)), students))
            for d in DIMENSION_IDS
        ],
        flags=flags,
        monthly_trend=trend,
    )


def _trend(totals: Mapping[str, int], k: int, now_month: str) -> list[MonthPoint]:
    current = _month_index(now_month)
    points: list[MonthPoint] = []
    for back in range(TREND_MONTHS - 1, -1, -1):
        month = _month_name(current - back)
        count = max(0, int(totals.get(month_students_attribute(month), 0)))
        total = int(totals.get(month_score_attribute(month), 0))
        if count == 0:
            points.append(MonthPoint(month=month, students=0, mean_score=None))
        elif count < k:
            points.append(MonthPoint(month=month, students=None, mean_score=None))
        else:
            points.append(MonthPoint(month=month, students=count, mean_score=_mean(total, count)))
    return points
