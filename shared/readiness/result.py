"""The assessment result: what the model returns and the API stores and serves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Band(StrEnum):
    """Overall bands; cut-offs in readiness.scoring.BAND_FLOORS and docs/scoring.md."""

    EARLY = "early"
    BUILDING = "building"
    READY = "ready"
    STRONG = "strong"


class Confidence(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ExplanationLine(BaseModel):
    """One reason for a dimension's score; the points of a dimension's lines add up to its score."""

    model_config = ConfigDict(frozen=True)

    signal: str
    detail: str
    points: int


class DimensionScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    score: int = Field(ge=0, le=100)
    weight: float
    questionnaire_score: int = Field(ge=0, le=100, description="the questionnaire subscale, 0-100")
    behaviour_score: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="the behaviour index from dated activity, 0-100; null without activity",
    )
    explanation: list[ExplanationLine]


class Flag(BaseModel):
    """A pattern worth knowing about, phrased as coaching; ids are part of the public contract."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    advice: str
    evidence: list[str]


class Recommendation(BaseModel):
    """An action, ranked by the overall-score gain the model computes when it simulates the action."""

    model_config = ConfigDict(frozen=True)

    id: str
    action: str
    dimension: str
    expected_gain: float = Field(
        description="points of overall score the model gains when it simulates the action"
    )


class Evidence(BaseModel):
    """How much data the assessment stands on (confidence is derived from it)."""

    model_config = ConfigDict(frozen=True)

    activities_counted: int
    activities_ignored: int = Field(description="dated after as_of, so not counted")
    activities_weighed: int = Field(
        description="counted activities that carry evidence (reactions and job applications do not)"
    )
    months_of_history: int = Field(description="months, counted back from as_of, back to the oldest evidence")
    active_months_last_24: int = Field(description="of the last 24 months, those with evidence")


class AssessmentResult(BaseModel):
    """An assessment as the model computes it (the API adds ids, owner, created_at and previous)."""

    model_config = ConfigDict(frozen=True)

    as_of: datetime
    model_version: str
    questionnaire_version: str
    score: int = Field(ge=0, le=100)
    band: Band
    confidence: Confidence
    evidence: Evidence
    dimensions: list[DimensionScore]
    flags: list[Flag]
    recommendations: list[Recommendation]


class SignalChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    signal: str
    detail: str
    before: int
    after: int
    delta: int


class DimensionChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    before: int
    after: int
    delta: int
    signals: list[SignalChange]


class ScoreChange(BaseModel):
    """What moved a score between two assessments: per dimension, the signals that moved most."""

    model_config = ConfigDict(frozen=True)

    before: int
    after: int
    delta: int
    band_before: Band
    band_after: Band
    dimensions: list[DimensionChange]
    flags_added: list[str]
    flags_cleared: list[str]
    summary: str
