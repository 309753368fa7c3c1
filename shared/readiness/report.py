"""A plain-text report of an assessment, for the command line and for e-mails."""

from __future__ import annotations

from readiness.result import AssessmentResult

BAND_LABELS = {"early": "Early", "building": "Building", "ready": "Ready", "strong": "Strong"}


def render_text(result: AssessmentResult) -> str:
    lines = [
        f"Job-search readiness: {result.score}/100 ({BAND_LABELS[result.band]}), "
        f"confidence {result.confidence}",
        f"As of {result.as_of.isoformat()} - model {result.model_version}, "
        f"questionnaire {result.questionnaire_version}",
        f"Based on {result.evidence.activities_weighed} activities over {result.evidence.months_of_history} "
        f"months ({result.evidence.active_months_last_24} active months in the last 24)"
        + (
            f"; {ignored} dated after as_of not counted"
            if (ignored := result.evidence.activities_ignored)
            else ""
        ),
        "",
    ]
    for dimension in result.dimensions:
        bar = "#" * round(dimension.score / 5)
        lines.append(f"{dimension.name:<42} {dimension.score:>3}  {bar}")
        for line in dimension.explanation:
            lines.append(f"    {line.points:>+4}  {line.detail}")
    if result.flags:
        lines += ["", "Worth knowing"]
        for flag in result.flags:
            lines.append(f"  * {flag.title} [{flag.id}]")
            lines.append(f"    {flag.advice}")
            lines += [f"    - {fact}" for fact in flag.evidence]
    if result.recommendations:
        lines += ["", "What would raise your score most"]
        for i, rec in enumerate(result.recommendations, 1):
            lines.append(f"  {i}. {rec.action} (+{rec.expected_gain:g} points, {rec.dimension})")
    return "\n".join(lines) + "\n"
