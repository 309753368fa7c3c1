"""`python -m readiness centre ...` against a table made from template.yaml (moto)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from readiness.__main__ import main

from tests.integration.conftest import all_items


@pytest.fixture
def table(tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    return tables["ReadinessTable"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_create_list_rotate_revoke(table: str, capsys: pytest.CaptureFixture[str], dynamodb: Any) -> None:
    code, out, _ = run(
        capsys,
        "centre", "--table", table, "create", "--name", "Example Careers",
        "--origin", "https://careers.example.edu", "--origin", "http://localhost:8080",
        "--accent-colour", "#0A5", "--json",
    )  # fmt: skip
    assert code == 2  # #0A5 is not a six-digit colour
    code, out, _ = run(
        capsys,
        "centre", "--table", table, "create", "--name", "Example Careers",
        "--origin", "https://careers.example.edu", "--accent-colour", "#00AA55", "--json",
    )  # fmt: skip
    assert code == 0
    created = json.loads(out)
    assert created["publishable_key"].startswith("pk_" + created["centre_id"])
    assert created["secret_key"].startswith("sk_" + created["centre_id"])
    assert created["k_threshold"] == 10
    stored = repr(all_items(dynamodb, table))
    assert created["secret_key"] not in stored
    assert created["publishable_key"] not in stored

    code, out, _ = run(capsys, "centre", "--table", table, "list")
    assert code == 0
    assert created["centre_id"] in out
    assert "sk_" not in out
    assert "pk_" not in out

    code, out, _ = run(
        capsys,
        "centre",
        "--table",
        table,
        "rotate-keys",
        created["centre_id"],
        "--grace-hours",
        "2",
        "--json",
    )
    assert code == 0
    rotated = json.loads(out)
    assert rotated["secret_key"] != created["secret_key"]
    assert rotated["previous_keys_valid_until"] is not None

    code, out, _ = run(capsys, "centre", "--table", table, "revoke", created["centre_id"])
    assert code == 0
    assert "revoked" in out
    code, out, _ = run(capsys, "centre", "--table", table, "list", "--json")
    assert json.loads(out)[0]["status"] == "revoked"


def test_bad_input_names_the_option_and_writes_nothing(
    table: str, capsys: pytest.CaptureFixture[str], dynamodb: Any
) -> None:
    code, _, err = run(
        capsys,
        "centre", "--table", table, "create", "--name", "x",
        "--origin", "https://ok.example", "--origin", "http://not-loopback.example", "--k-threshold", "1",
    )  # fmt: skip
    assert code == 2
    assert "--origin #2: must use https" in err
    assert "--k-threshold:" in err
    assert all_items(dynamodb, table) == []


def test_unknown_centre_and_missing_table(table: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "centre", "--table", table, "revoke", "c_" + "0" * 26)
    assert code == 1
    assert "no centre" in err
    code, _, err = run(capsys, "centre", "revoke", "c_" + "0" * 26)
    assert code == 2
    assert "--table" in err
    code, _, err = run(capsys, "centre", "--table", "no-such-table", "list")
    assert code == 1
    assert "could not be used" in err
