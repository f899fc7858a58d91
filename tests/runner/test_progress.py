"""While a statement runs long, apply says so, and what it waits for (seen from a second connection)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from support import wait_until


def hold_table_lock(project):
    engine = project.connect()
    engine.begin()
    if project.engine == "postgresql":
        engine.execute("LOCK TABLE busy IN ACCESS SHARE MODE")  # conflicts with ALTER's ACCESS EXCLUSIVE
    else:
        engine.query("SELECT * FROM busy")  # holds a shared metadata lock until commit
    return engine


@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
def test_a_waiting_statement_is_reported_with_who_it_waits_for(project):
    (project.root / "shoring.toml").write_text(
        f'database = "{project.url}"\nlock_timeout = "60s"\nprogress_every = "200ms"\n')
    project.sql("1", "busy", "CREATE TABLE busy (id INTEGER);", "DROP TABLE busy;")
    assert project.run("apply").code == 0
    project.sql("2", "alter_busy", "ALTER TABLE busy ADD COLUMN note VARCHAR(10);", "ALTER TABLE busy DROP COLUMN note;")
    holder = hold_table_lock(project)
    lines: list[str] = []
    proc = subprocess.Popen([sys.executable, "-m", "shoring", "apply"], cwd=project.root, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        seen = wait_until(lambda: next((ln for ln in list(lines) if "still running after" in ln), None) or proc.poll(),
                          "a progress line")
        assert isinstance(seen, str), "".join(lines)
        holder_session = holder.session_id()
    finally:
        holder.rollback()
        holder.close()
    assert proc.wait(timeout=60) == 0, "".join(lines)
    reader.join(timeout=10)
    assert "ALTER TABLE busy ADD COLUMN note" in seen
    if project.engine == "postgresql":
        assert f"waiting for a lock held by session {holder_session}" in seen and "idle in transaction" in seen
    else:
        assert "waiting for a metadata lock" in seen


def test_quick_applies_say_nothing_more(project):
    (project.root / "shoring.toml").write_text(f'database = "{project.url}"\nprogress_every = "10s"\n')
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    result = project.run("apply")
    assert result.code == 0 and "still running" not in result.out
