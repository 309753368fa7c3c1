"""Command line: `python -m readiness score FILE.json [--as-of ISO] [--format json|text]`, `questionnaire`,
`centre create|rotate-keys|revoke|list` (readiness.centres.cli)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from readiness.errors import InvalidSubmission


def _as_of(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"--as-of must be an ISO-8601 date or datetime, got {text!r}"
        ) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m readiness", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser(
        "score", help="score a submission {questionnaire_version, answers, activities}"
    )
    score.add_argument("file", help="the submission JSON file, or - for standard input")
    score.add_argument("--as-of", type=_as_of, default=None, help="score as of this time (default: now)")
    score.add_argument("--format", choices=("json", "text"), default="json")
    questionnaire = commands.add_parser("questionnaire", help="print the questionnaire JSON")
    questionnaire.add_argument("--version", default=None)
    from readiness.centres.cli import add_centre_commands

    add_centre_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "centre":
        from readiness.centres.cli import run_centre

        return run_centre(args)
    if args.command == "questionnaire":
        from readiness.questionnaire import QUESTIONNAIRES, questionnaire_document

        if args.version is not None and args.version not in QUESTIONNAIRES:
            print(f"error: questionnaire version {args.version!r} is unknown", file=sys.stderr)
            return 2
        print(json.dumps(questionnaire_document(args.version), indent=2))
        return 0
    return _score(args.file, args.as_of, args.format)


def _score(path: str, as_of: datetime | None, output: str) -> int:
    from readiness.report import render_text
    from readiness.scoring import score_assessment
    from readiness.submission import parse_submission

    try:
        body = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    now = datetime.now(UTC)  # the clock is read here, at the edge, never inside the model
    as_of = as_of or now
    try:
        submission = parse_submission(body, now=max(now, as_of))
    except InvalidSubmission as exc:
        for detail in exc.details:
            print(f"error: {detail.field}: {detail.message}", file=sys.stderr)
        return 2
    result = score_assessment(submission, as_of=as_of)
    if output == "text":
        sys.stdout.write(render_text(result))
    else:
        print(json.dumps(result.model_dump(mode="json"), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
