"""`shoring test` racing a concurrent `shoring apply`: what is rehearsed is what the copy still has pending.

The rehearsal is held (shoring.faults, SHORING_TEST_STOP_AT in block mode) right after it read the target's
history and before it copies the database; an apply runs to the end meanwhile. The copy then already holds
that migration: rehearsing it again failed with "already exists" (or would have run it twice).
"""

from __future__ import annotations

import json
import signal
import subprocess

import pytest
from rehearsal_support import target_state, with_users
from support import held_at


def held_test(project) -> subprocess.Popen:
    return held_at(project.root, "test:planned", "test", "--format", "json")


@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
def test_a_migration_applied_while_the_rehearsal_was_about_to_copy_is_not_rehearsed_again(project):
    with_users(project)
    project.sql("2", "nickname_index", "CREATE INDEX idx_users_nickname ON users (nickname);",
                "DROP INDEX idx_users_nickname ON users;" if project.engine == "mysql" else "DROP INDEX idx_users_nickname;")
    project.sql("3", "widgets", "CREATE TABLE widgets (id INTEGER PRIMARY KEY);", "DROP TABLE widgets;")
    proc = held_test(project)  # it read 2 and 3 as pending
    try:
        applied = project.run("apply", "--to", "2")
        assert applied.code == 0, applied.err
    finally:
        proc.send_signal(signal.SIGUSR1)
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 0, out + err  # not: relation "idx_users_nickname" already exists
    report = json.loads(out)
    assert [m["version"] for m in report["migrations"]] == ["3"]
    assert report["passed"] and report["target_unchanged"]
    assert any("another run applied 2 on the target" in note for note in report["copy"]["notes"])
    assert target_state(project)[2] == {"1": "applied", "2": "applied", "3": "pending"}
    copies = ("SELECT datname FROM pg_database WHERE datname LIKE 'shoring\\_scratch\\_%'" if project.engine == "postgresql"
              else "SHOW DATABASES LIKE 'shoring\\_scratch\\_%'")
    assert [name for (name,) in project.query(copies) if f"_{proc.pid}_" in name] == []
