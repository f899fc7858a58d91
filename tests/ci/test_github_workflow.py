"""The example GitHub Actions workflow (examples/github-actions/migrations.yml): its lint, base and
plan steps' commands, run locally as the runner would run them, on a pull request's git history."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML comes with the dev tools (pre-commit)")

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "github-actions" / "migrations.yml"


def steps() -> dict[str, dict]:
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    return {step["id"]: {**step, "job_env": job.get("env", {})} for job in jobs.values() for step in job["steps"] if "id" in step}


def run_step(step: dict, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """bash -e, as GitHub runs `run:`, with the job's and step's env; the given values stand in for ${{ }}."""
    merged = {**os.environ, **{k: str(v) for k, v in step["job_env"].items()}, **{k: str(v) for k, v in step.get("env", {}).items()}, **env}
    assert not [k for k, v in merged.items() if "${{" in v and k not in env], "an expression the test does not stand in for"
    merged["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{merged['PATH']}"  # `pip install shoring`
    return subprocess.run(["bash", "-e", "-c", step["run"]], check=False, cwd=cwd, env=merged, capture_output=True, text=True, timeout=300)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], check=True, cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@x"}).stdout.strip()


def test_workflow_lints_the_diff_and_plans_only_the_pull_requests_migrations(pg_url, tmp_path):
    repo = tmp_path / "repo"
    (repo / "migrations").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "migrations" / "20240101000000_create_users.sql").write_text(
        "-- Purpose: users\n-- Rollback: drop it\n-- Estimated-Time: instant\n-- migrate:up\n"
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n-- migrate:down\nDROP TABLE users;\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "migrations" / "20240201000000_index_email.sql").write_text(
        "-- Purpose: find users by email\n-- Rollback: drop the index\n-- Estimated-Time: a minute\n-- migrate:up\n"
        "CREATE INDEX users_email_idx ON users (email);\n-- migrate:down\nDROP INDEX users_email_idx;\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "pull request")
    runner = {"RUNNER_TEMP": str(tmp_path / "runner"), "GITHUB_OUTPUT": str(tmp_path / "output"), "DATABASE_URL": pg_url}
    Path(runner["RUNNER_TEMP"]).mkdir()
    by_id = steps()

    lint = run_step(by_id["lint"], repo, {})
    assert lint.returncode == 1, lint.stderr  # an error fails the check
    assert "::error file=migrations/20240201000000_index_email.sql,line=5,col=1,title=create-index-without-concurrently::" in lint.stdout

    base_step = run_step(by_id["base"], repo, {**runner, "BASE_SHA": base})
    assert base_step.returncode == 0, base_step.stderr
    plan = run_step(by_id["plan"], repo, runner)
    assert plan.returncode == 0, plan.stderr
    written = Path((tmp_path / "output").read_text().strip().split("=", 1)[1]).read_text()
    assert written.startswith("#") and "20240201000000" in written and "users_email_idx" in written
    assert "20240101000000" not in written  # the base branch's migration is already applied: not the PR's to review
    assert "ShareLock" in written  # what the plain CREATE INDEX would lock, for the reviewer
