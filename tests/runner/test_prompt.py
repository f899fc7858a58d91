"""`shoring prompt`: the seed's templates, filled from the live database, which stays untouched."""

from __future__ import annotations


def test_plan_prompt_carries_schema_volume_and_database(project):
    project.sql("1", "users", "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL);", "DROP TABLE users;")
    project.sql("2", "seed", "INSERT INTO users (id, email) VALUES (1, 'a@x'), (2, 'b@x'), (3, 'c@x');", "DELETE FROM users;")
    project.sql("3", "later", "CREATE TABLE later (id INTEGER);", "DROP TABLE later;")
    assert project.run("apply", "--to", "2").code == 0
    before = project.query("SELECT count(*) FROM shoring_migrations_events")
    result = project.run("prompt", "plan", "add an email_verified flag to users", "--breaking-ok")
    assert result.code == 0, result.err
    text = result.out
    assert text.startswith("Plan a database migration for add an email_verified flag to users.")
    assert "CREATE TABLE users (" in text and "email" in text and "NOT NULL" in text
    assert "- Data volume: users: 3 rows" in text
    assert "- Zero downtime required: yes" in text and "- Backward compatibility needed: no" in text
    labels = {"postgresql": ["PostgreSQL 1"], "mysql": ["MariaDB 1", "MySQL 8"], "sqlite": ["SQLite 3"]}[project.engine]
    assert any(f"- Database: {label}" in text for label in labels), text
    assert "5. Estimated execution time" in text
    assert "- 3 later" in text, "pending migrations are part of the context"
    assert project.query("SELECT count(*) FROM shoring_migrations_events") == before


def test_scripts_prompt_without_database_says_so(tmp_path):
    from conftest import Project

    project = Project(tmp_path / "p", "sqlite:///x.db")
    (project.root / "shoring.toml").write_text("migrations = 'migrations'\n")
    result = project.run("prompt", "scripts", "rename email to email_address")
    assert result.code == 0, result.err
    assert result.out.startswith("Create migration scripts for rename email to email_address.")
    assert "run with --database URL" in result.out
    assert "- Idempotent (safe to run multiple times)" in result.out
