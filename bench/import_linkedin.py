"""Benchmark: parse a 30,000-connection, 200,000-message LinkedIn export; print time and peak memory.

Targets on the dev machine: parse in 10 s or less, peak memory under 200 MB. The export is written to a
temporary file first (streamed by tests/fixtures_linkedin.big_export); each measurement then runs in a
fresh interpreter so that its peak resident memory is the parser's alone:

- streamed: events are consumed one by one (how the import function stores them, in batches);
  time, resident-set peak (ru_maxrss) above the interpreter's baseline;
- traced: the same under tracemalloc (peak of Python allocations; slower, so its time is not the figure);
- held: every event kept in a list, to show what holding them all would cost a caller;
- import: what the import function does with the archive besides talking to AWS
  (readiness.imports.derive_history: parse, pseudonymise, deduplicate, compact) and packing the kept
  events into activity items (readiness.store.activity.pack_batches): events and bytes stored, time,
  peak RSS.

Usage: python bench/import_linkedin.py [--connections N] [--messages N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

TARGET_SECONDS = 10.0
TARGET_MB = 200.0
SALT = b"bench-salt-0123456789abcdef"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _maxrss_mb() -> float:
    # Linux reports kilobytes (macOS bytes; this bench runs on the Linux dev machine and in CI)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_import(path: str) -> dict[str, object]:
    """The import function's own work on the export at `path` (run in a fresh interpreter)."""
    from readiness.imports import derive_history
    from readiness.store.activity import pack_batches

    baseline = _maxrss_mb()
    started = time.perf_counter()
    with open(path, "rb") as archive:
        history = derive_history(archive, user_id="u_" + "0" * 26, salt=SALT, now=NOW)
    derived = time.perf_counter() - started
    batches = list(pack_batches(history.events))
    seconds = time.perf_counter() - started
    return {
        "mode": "import",
        "seconds": round(seconds, 2),
        "derive_seconds": round(derived, 2),
        "rss_peak_mb": round(_maxrss_mb(), 1),
        "rss_above_baseline_mb": round(_maxrss_mb() - baseline, 1),
        "events": history.report.events_total,
        "duplicates": history.outcome.duplicates,
        "compacted": history.outcome.compacted,
        "stored": history.outcome.events_stored,
        "items": len(batches),
        "stored_kb": round(sum(len(batch.data) for batch in batches) / 1024),
    }


def measure(path: str, mode: str) -> dict[str, object]:
    """Parse the export at `path` in this process and return the figures (run in a fresh interpreter)."""
    from readiness.linkedin import parse_export

    if mode == "import":
        return measure_import(path)
    baseline = _maxrss_mb()
    if mode == "traced":
        tracemalloc.start()
    started = time.perf_counter()
    kept = []
    counts: Counter[str] = Counter()
    with parse_export(path, salt=SALT, now=NOW) as result:
        for event in result:
            counts[event.type.value] += 1
            if mode == "held":
                kept.append(event)
        report = result.report
    seconds = time.perf_counter() - started
    figures: dict[str, object] = {
        "mode": mode,
        "seconds": round(seconds, 2),
        "rss_peak_mb": round(_maxrss_mb(), 1),
        "rss_above_baseline_mb": round(_maxrss_mb() - baseline, 1),
        "events": report.events_total,
        "status": report.status,
        "by_type": dict(sorted(counts.items())),
        "skipped_messages": next(f.rows_skipped for f in report.files if f.file == "messages.csv"),
    }
    if mode == "traced":
        figures["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1024 / 1024, 1)
        tracemalloc.stop()
    return figures


def _in_fresh_process(path: Path, mode: str) -> dict[str, object]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), "--mode", mode],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, object] = json.loads(output)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=30_000)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="streamed", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.mode)))
        return 0

    # the fixture generator is dev tooling under tests/ (outside the layer); this script runs from anywhere
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests.fixtures_linkedin import big_export

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "Complete_LinkedInDataExport.zip"
        started = time.perf_counter()
        big_export(path, connections=args.connections, messages=args.messages)
        written = time.perf_counter() - started
        print(
            f"export: {args.connections:,} connections, {args.messages:,} messages; "
            f"{path.stat().st_size / 1024 / 1024:.1f} MB zipped; written in {written:.1f} s"
        )
        streamed = _in_fresh_process(path, "streamed")
        traced = _in_fresh_process(path, "traced")
        held = _in_fresh_process(path, "held")
        imported = _in_fresh_process(path, "import")

    print(f"events: {streamed['events']:,} ({streamed['status']}); by type: {streamed['by_type']}")
    print(f"messages skipped: {streamed['skipped_messages']}")
    seconds = float(str(streamed["seconds"]))
    rss = float(str(streamed["rss_peak_mb"]))
    traced_peak = float(str(traced["tracemalloc_peak_mb"]))
    print(
        f"streamed: parse {seconds:.2f} s (target <= {TARGET_SECONDS:.0f} s); "
        f"peak RSS {rss:.1f} MB, {streamed['rss_above_baseline_mb']} MB above the interpreter's baseline "
        f"(target < {TARGET_MB:.0f} MB)"
    )
    print(
        f"traced:   tracemalloc peak {traced_peak:.1f} MB of Python allocations "
        f"({traced['seconds']} s under tracing)"
    )
    print(
        f"held:     every event kept in a list: {held['seconds']} s, peak RSS {held['rss_peak_mb']} MB "
        "(what a caller holding all events would pay)"
    )
    print(
        f"import:   {imported['events']:,} events -> {imported['stored']:,} stored "
        f"({imported['duplicates']:,} duplicates, {imported['compacted']:,} older repeats compacted) in "
        f"{imported['items']} activity items, {imported['stored_kb']:,} KB; {imported['seconds']} s "
        f"({imported['derive_seconds']} s to derive), peak RSS {imported['rss_peak_mb']} MB "
        "(the import function's work besides AWS calls)"
    )
    ok = seconds <= TARGET_SECONDS and rss < TARGET_MB
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
