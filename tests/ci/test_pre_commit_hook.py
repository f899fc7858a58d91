"""The pre-commit hook (.pre-commit-hooks.yaml): pre-commit installs shoring from this repository into
its own environment and lints the migrations of a temporary git repository with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_pre_commit_hook_lints_migrations_and_fails_on_errors(tmp_path):
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is a dev dependency (pip install -e '.[dev]')")
    if not (ROOT / ".git").exists():
        pytest.skip("the hook is tried from this checkout's git repository")
    repo = tmp_path / "app"
    (repo / "migrations").mkdir(parents=True)
    (repo / "migrations" / "20240101000000_index_email.sql").write_text(
        "-- Purpose: find users by email\n-- Rollback: drop the index\n-- Estimated-Time: a minute\n-- migrate:up\n"
        "CREATE INDEX users_email_idx ON users (email);\n-- migrate:down\nDROP INDEX users_email_idx;\n")
    (repo / "migrations" / "20240102000000_add_note.sql").write_text(
        "-- Purpose: a note\n-- Rollback: drop it\n-- Estimated-Time: instant\n-- migrate:up\n"
        "ALTER TABLE users ADD COLUMN note text;\n-- migrate:down\nALTER TABLE users DROP COLUMN note;\n")
    (repo / "README.md").write_text("CREATE INDEX in prose is not a migration\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"}
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    # try-repo: the hooks of this checkout as they are (uncommitted edits included), as a user's config would name them
    done = subprocess.run([str(pre_commit), "try-repo", str(ROOT), "shoring-lint", "--all-files"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "shoring lint" in out and "Failed" in out
    assert "migrations/20240101000000_index_email.sql:5:1 create-index-without-concurrently" in out
    assert "1 error" in out and "in 2 files" in out  # both migrations linted, README.md not passed to the hook
