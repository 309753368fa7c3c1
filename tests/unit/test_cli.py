"""The command-line scorer: the API body in, the assessment out; bad input exits 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from readiness.__main__ import main

from tests.builders import answers


def _write(tmp_path: Path, document: object) -> str:
    path = tmp_path / "submission.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_scores_a_file_as_of_a_given_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path,
        {
            "questionnaire_version": "1",
            "answers": answers("high"),
            "activities": [{"type": "help_given", "occurred_at": "2026-01-10", "counterpart": "a"}],
        },
    )
    assert main(["score", path, "--as-of", "2026-02-01"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["as_of"] == "2026-02-01T00:00:00Z"
    assert {"score", "band", "confidence", "dimensions", "flags", "recommendations"} <= set(result)
    assert "assessment_id" not in result
    assert main(["score", path, "--as-of", "2026-02-01"]) == 0
    assert json.loads(capsys.readouterr().out) == result  # deterministic


def test_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, {"questionnaire_version": "1", "answers": answers("middle")})
    assert main(["score", path, "--as-of", "2026-02-01T10:00:00Z", "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Job-search readiness: ")
    assert "Giving before you ask" in text
    assert "What would raise your score most" in text


def test_prints_the_questionnaire(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["questionnaire"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "1"
    assert main(["questionnaire", "--version", "7"]) == 2


def test_bad_input_exits_2_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path,
        {
            "questionnaire_version": "1",
            "answers": answers("middle", reach_1=9),
            "activities": [{"type": "help_given", "occurred_at": "yesterday"}],
        },
    )
    assert main(["score", path]) == 2
    err = capsys.readouterr().err
    assert "answers.reach_1" in err
    assert "activities.0.occurred_at" in err
    assert "Traceback" not in err


def test_unreadable_file_and_bad_json_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tmp_path / "missing.json")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["score", str(bad)]) == 2
    assert "body" in capsys.readouterr().err


def test_runs_as_a_module_and_rejects_a_bad_as_of(tmp_path: Path) -> None:
    path = _write(tmp_path, {"questionnaire_version": "1", "answers": answers("middle")})
    ok = subprocess.run(
        [sys.executable, "-m", "readiness", "score", path, "--as-of", "2026-01-01"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "readiness", "score", path, "--as-of", "soon"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "--as-of" in bad.stderr
    assert "Traceback" not in bad.stderr
