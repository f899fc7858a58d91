"""The ready-made tests (shoring.testing.checks), turned on with one line in a user's project, run by pytest."""

from __future__ import annotations

from pathlib import Path

from test_plugin import run_pytest

ONE_LINE = "from shoring.testing.checks import *  # noqa: F401,F403\n"
HEADER = "-- Purpose: {p}\n-- Rollback: {r}\n-- Estimated-Time: instant\n"


def write(root: Path, name: str, text: str) -> None:
    (root / "migrations" / name).write_text(text)


def good_project(root: Path, url: str) -> None:
    (root / "migrations").mkdir(parents=True)
    (root / "shoring.toml").write_text(f'database = "{url}"\n')
    write(root, "1_users.sql", HEADER.format(p="users", r="drop it") +
          "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\n-- migrate:down\nDROP TABLE users;\n")
    write(root, "2_email.py", '"""\nPurpose: email\nRollback: drops the column\nEstimated-Time: instant\n"""\n'
          'from shoring.operations import AddColumn, CreateIndex\n\n'
          'operations = [AddColumn("users", "email", "varchar(100)"), CreateIndex("users_email_idx", "users", ["email"])]\n')
    write(root, "3_rename.py", '"""\nPurpose: display name\nRollback: drops the new column\nEstimated-Time: instant\nPhase: expand\n"""\n'
          'from shoring.operations import ExpandRenameColumn\n\n'
          'operations = [ExpandRenameColumn("users", "name", "display_name", type="varchar(50)", pause=0)]\n')
    (root / "test_ready_made.py").write_text(ONE_LINE)


def test_one_line_turns_on_four_tests_that_pass_on_a_good_project(project, tmp_path):
    root = tmp_path / "user"
    good_project(root, project.url)
    result = run_pytest(root, "-rA", "test_ready_made.py")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("migrations_round_trip", "history_is_linear", "lint_has_no_errors", "plan_risk_is_acceptable"):
        assert f"PASSED test_ready_made.py::test_shoring_{name}" in result.stdout
    assert project.tables() == set()  # the round trip ran on a throwaway database


def test_each_ready_made_test_fails_for_its_own_reason(pg_url, tmp_path):
    root = tmp_path / "user"
    good_project(root, pg_url)
    # a down that forgets what its up did
    write(root, "4_note.sql", HEADER.format(p="note", r="none") +
          "-- migrate:up\nALTER TABLE users ADD COLUMN note text;\n-- migrate:down\nSELECT 1;\n")
    # a contract whose expand is not in the history
    write(root, "5_contract.py", '"""\nPurpose: c\nRollback: irreversible\nEstimated-Time: instant\nPhase: contract\n"""\n'
          'from shoring.operations import ContractRenameColumn\n\noperations = [ContractRenameColumn("users", "nick", "nickname")]\n')
    result = run_pytest(root, "-rA", "test_ready_made.py")
    out = result.stdout
    assert result.returncode == 1, out
    assert "4 note: its down left the schema different from before its up" in out and "note" in out
    assert "5 contract: ContractRenameColumn" in out and "has no expand before it" in out
    assert "PASSED test_ready_made.py::test_shoring_lint_has_no_errors" in out

    (root / "migrations" / "5_contract.py").unlink()
    write(root, "4_note.sql", HEADER.format(p="index", r="drop it") +
          "-- migrate:up\nCREATE INDEX users_name_idx ON users (name);\n-- migrate:down\nDROP INDEX users_name_idx;\n")
    (root / "pytest.ini").write_text("[pytest]\nshoring_max_risk = low\n")
    result = run_pytest(root, "-rA", "test_ready_made.py")
    out = result.stdout
    assert "migrations/4_note.sql:5 create-index-without-concurrently" in out, out
    assert "FAILED test_ready_made.py::test_shoring_plan_risk_is_acceptable" in out and "risk above low" in out
    assert "2 email: medium (runs statement by statement" in out  # CONCURRENTLY: a failure leaves it half applied
    assert "PASSED test_ready_made.py::test_shoring_migrations_round_trip" in out

    # shoring_since: the old migration already ran in production; only newer ones are linted and planned
    (root / "pytest.ini").write_text("[pytest]\nshoring_max_risk = low\nshoring_since = 4\n")
    (root / "migrations" / "4_note.sql").unlink()
    result = run_pytest(root, "-rA", "test_ready_made.py", "-k", "lint or plan")
    assert "2 skipped" in result.stdout, result.stdout
