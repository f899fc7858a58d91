"""Configuration precedence, environments, pyproject, and the init/new scaffolding."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shoring.config import load_settings
from shoring.errors import ConfigError


def test_precedence_flag_env_section_database_url_file(tmp_path, monkeypatch):
    (tmp_path / "shoring.toml").write_text(
        'database = "sqlite:///file.db"\n[environments.staging]\ndatabase = "sqlite:///staging.db"\n'
    )
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SHORING_ENV", raising=False)
    s = load_settings(cwd=tmp_path)
    assert s.database_url == f"sqlite:///{tmp_path}/file.db" and s.database_source == "shoring.toml"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from_env.db")
    assert load_settings(cwd=tmp_path).database_url == "sqlite:///from_env.db"
    assert load_settings(cwd=tmp_path, environment="staging").database_url == f"sqlite:///{tmp_path}/staging.db"
    assert load_settings(cwd=tmp_path, environment="staging", database="sqlite:///flag.db").database_url == "sqlite:///flag.db"
    with pytest.raises(ConfigError, match="unknown environment 'prod'"):
        load_settings(cwd=tmp_path, environment="prod")


def test_pyproject_tool_section_and_env_references(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.shoring]\ndatabase = "${APP_DB}"\nhistory_table = "schema_history"\n')
    monkeypatch.setenv("APP_DB", "postgresql://u@h/db")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    sub = tmp_path / "deeper" / "still"
    sub.mkdir(parents=True)
    s = load_settings(cwd=sub)
    assert s.database_url == "postgresql://u@h/db" and s.history_table == "schema_history"
    assert s.migrations_dir == tmp_path / "migrations"
    monkeypatch.delenv("APP_DB")
    with pytest.raises(ConfigError, match=r"\$\{APP_DB\}"):
        load_settings(cwd=sub)


def test_custom_history_table_is_used(sqlite_project):
    (sqlite_project.root / "shoring.toml").write_text(f'database = "{sqlite_project.url}"\nhistory_table = "schema_history"\n')
    sqlite_project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert sqlite_project.run("apply").code == 0
    assert {"schema_history", "schema_history_events"} <= sqlite_project.tables()
    assert "shoring_migrations" not in sqlite_project.tables()


def test_init_and_new_write_a_runnable_project(tmp_path):
    from conftest import Project

    project = Project(tmp_path / "p", "sqlite:///unused.db")
    (project.root / "shoring.toml").unlink()
    assert project.run("init", "--database", "sqlite:///app.db").code == 0
    assert project.run("init").code == 2  # never overwrites
    assert ".shoring/" in (project.root / ".gitignore").read_text().splitlines()
    subprocess.run(["git", "init", "-q", str(project.root)], check=True)
    subprocess.run(["git", "-C", str(project.root), "config", "user.name", "Ada Lovelace"], check=True)
    subprocess.run(["git", "-C", str(project.root), "config", "user.email", "ada@example.com"], check=True)
    created = project.run("new", "Add Email Verification")
    assert created.code == 0, created.err
    path = Path(created.out.strip())
    assert path.name.endswith("_add_email_verification.sql") and path.name[:14].isdigit()
    text = path.read_text()
    for key in ("Purpose:", "Breaking-Changes:", "Rollback:", "Estimated-Time:", "Issue:", "Transaction: true"):
        assert f"-- {key}" in text
    assert "-- Author: Ada Lovelace <ada@example.com>" in text
    second = project.run("new", "add email verification", "--python", "--no-transaction")
    second_path = Path(second.out.strip())
    assert second_path.suffix == ".py"
    assert second_path.name[:14] != path.name[:14], "two migrations in one second still get distinct versions"
    assert "Transaction: false" in second_path.read_text()
    # the scaffolds are valid migrations: status lists both as pending
    rows = project.run("status", "--format", "json").json["migrations"]
    assert [r["state"] for r in rows] == ["pending", "pending"]


def test_bad_duration_is_named_with_its_file(tmp_path):
    from conftest import Project

    project = Project(tmp_path / "p", "sqlite:///x.db")
    (project.root / "shoring.toml").write_text('database = "sqlite:///x.db"\nlock_timeout = "five seconds"\n')
    result = project.run("status")
    assert result.code == 2
    assert "shoring.toml" in result.err and "lock_timeout must look like 500ms, 5s, 2m or 1h" in result.err
