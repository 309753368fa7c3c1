"""What moved my score: per-dimension deltas between two assessments and the signals that moved most."""

from __future__ import annotations

from readiness.result import AssessmentResult, DimensionChange, ScoreChange, SignalChange

SIGNALS_PER_DIMENSION = 3


def what_moved(before: AssessmentResult, after: AssessmentResult) -> ScoreChange:
    """Compare two assessments of one person; dimensions sorted by how far they moved."""
    old = {d.id: d for d in before.dimensions}
    changes = []
    for dimension in after.dimensions:
        previous = old.get(dimension.id)
        before_score = previous.score if previous else 0
        old_lines = {line.signal: line for line in previous.explanation} if previous else {}
        new_lines = {line.signal: line for line in dimension.explanation}
        signals = []
        for signal in dict.fromkeys([*new_lines, *old_lines]):
            was = old_lines[signal].points if signal in old_lines else 0
            now = new_lines[signal].points if signal in new_lines else 0
            if was != now:
                detail = (new_lines.get(signal) or old_lines[signal]).detail
                signals.append(
                    SignalChange(signal=signal, detail=detail, before=was, after=now, delta=now - was)
                )
        signals.sort(key=lambda s: (-abs(s.delta), s.signal))
        changes.append(
            DimensionChange(
                id=dimension.id,
                name=dimension.name,
                before=before_score,
                after=dimension.score,
                delta=dimension.score - before_score,
                signals=signals[:SIGNALS_PER_DIMENSION],
            )
        )
    changes.sort(key=lambda c: (-abs(c.delta), c.id))
    old_flags = {f.id for f in before.flags}
    new_flags = {f.id for f in after.flags}
    delta = after.score - before.score
    return ScoreChange(
        before=before.score,
        after=after.score,
        delta=delta,
        band_before=before.band,
        band_after=after.band,
        dimensions=changes,
        flags_added=sorted(new_flags - old_flags),
        flags_cleared=sorted(old_flags - new_flags),
        summary=_summary(delta, changes),
    )


def _summary(delta: int, changes: list[DimensionChange]) -> str:
    moved = [c for c in changes if c.delta]
    if not moved:
        return "Your score did not change." if delta == 0 else f"Your score moved by {delta:+d}."
    top = moved[0]
    direction = "up" if delta > 0 else "down" if delta < 0 else "unchanged overall"
    head = f"Your score is {direction} ({delta:+d})" if delta else "Your score is unchanged overall"
    reason = f"{top.name.lower()} moved most ({top.delta:+d})"
    if top.signals:
        reason += f", mainly {top.signals[0].signal.replace('_', ' ')} ({top.signals[0].delta:+d})"
    return f"{head}: {reason}."
