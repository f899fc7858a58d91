"""Shared by the rehearsal tests: a users table on the target, and a look at the target from outside."""

from __future__ import annotations

import os

from shoring import verify

USERS = "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL, nickname VARCHAR(100))"


def with_users(project, rows=((1, "a@example.com", "ann"), (2, "b@example.com", "bob"), (3, "c@example.com", "cy"))):
    """Migration 1 applied on the target, with a few real rows in it."""
    project.sql("1", "users", USERS + ";", "DROP TABLE users;")
    result = project.run("apply")
    assert result.code == 0, result.err
    with project.connect() as engine:
        for row in rows:
            engine.execute(engine.sql("INSERT INTO users (id, email, nickname) VALUES (%s, %s, %s)"), list(row))


def target_state(project) -> tuple:
    """Schema, data fingerprints (history tables included) and migration states of the target."""
    with project.connect() as engine:
        schema = verify.snapshot(engine, history_table="<none>")
        prints = verify.fingerprint(engine, schema)
    states = {m["version"]: m["state"] for m in project.run("status", "--format", "json").json["migrations"]}
    return schema, prints, states


def scratch_databases(project) -> list[str]:
    """Scratch copies made by this test process that still exist."""
    marker = f"_{os.getpid()}_"
    if project.engine == "postgresql":
        rows = project.query("SELECT datname FROM pg_database WHERE datname LIKE 'shoring\\_scratch\\_%'")
    elif project.engine == "mysql":
        rows = project.query("SHOW DATABASES LIKE 'shoring\\_scratch\\_%'")
    else:
        import tempfile
        from pathlib import Path

        rows = [(p.name,) for p in Path(tempfile.gettempdir()).glob("shoring_scratch_*")]
    return [r[0] for r in rows if marker in r[0]]


def drop_index(engine_name: str, index: str, table: str = "users") -> str:
    return f"DROP INDEX {index} ON {table};" if engine_name == "mysql" else f"DROP INDEX {index};"
