"""OnlineAlter killed for real (SIGKILL) on MariaDB: during its copy in a rollback, and after its swap.

The copy puts its triggers on the live table, which needs its metadata lock: a transaction the test holds
open on the table makes the first statement wait there, and the test kills the process when the server
shows it waiting. A kill right
after the swap comes from SHORING_KILL_AT (shoring.faults), at a point no timing could hit reliably.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from support import wait_until
from test_online_alter import ALTER, ROWS, column_types, payments

pytestmark = pytest.mark.parametrize("engine_name", ["mysql"], indirect=True)

TRIGGER_WAITING = ("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() "
                   "AND STATE = 'Waiting for table metadata lock' AND INFO LIKE 'CREATE TRIGGER%'")


def shoring(project, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shoring", *args], cwd=project.root, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def patient(project) -> None:
    """Batches may wait for the test's row lock longer than the default lock_timeout."""
    toml = project.root / "shoring.toml"
    toml.write_text(toml.read_text() + 'lock_timeout = "60s"\n')


def leftovers(project) -> tuple[set[str], int]:
    shadows = {t for t in project.tables() if t.startswith("_payments")}
    triggers = project.query("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")[0][0]
    return shadows, triggers


def states(project) -> list[str]:
    return [m["state"] for m in project.run("status", "--format", "json").json["migrations"]]


def test_a_rollback_killed_in_the_first_statement_of_its_down_is_rolled_back_by_the_next(project):
    payments(project)
    patient(project)
    project.write("2_cents.py", ALTER)
    assert project.run("apply").code == 0
    with project.connect() as holder:
        holder.begin()
        holder.query("SELECT id FROM payments WHERE id = 700")  # the down's first trigger waits for this transaction
        proc = shoring(project, "rollback")
        try:
            wait_until(lambda: project.query(TRIGGER_WAITING)[0][0] or proc.poll() is not None, "the trigger to wait")
            assert proc.poll() is None, proc.communicate()
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        holder.rollback()
    [_, mig] = project.run("status", "--format", "json").json["migrations"]
    assert mig["state"] == "interrupted" and mig["statements_done"] == 0, mig
    assert "rolling back" in mig["detail"] and "`shoring rollback` resumes from statement 1" in mig["detail"]

    back = project.run("rollback")
    assert back.code == 0, back.err
    assert "rolling back 2 cents" in back.out and "1 payments" not in back.out  # not the older migration instead
    assert column_types(project) == {"id": "int(11)", "amount": "int(11)"}
    assert project.query("SELECT COUNT(*) FROM payments") == [(ROWS,)]
    assert leftovers(project) == (set(), 0)
    assert states(project) == ["applied", "rolled_back"]


@pytest.mark.parametrize("point", ["online-copy-swapped", "online-copy-dropped"])
def test_an_apply_killed_after_the_swap_says_so_and_the_next_one_finishes(project, point):
    # swapped: the RENAME is done, the original not yet dropped; dropped: the original is gone too (what an
    # orphaned session finishing the DROP leaves), only the history and the checkpoint do not know it yet
    payments(project)
    project.write("2_cents.py", ALTER)
    killed = shoring(project, "apply", env={"SHORING_KILL_AT": point})
    killed.communicate()
    assert killed.returncode == -signal.SIGKILL
    assert column_types(project) == {"id": "int(11)", "amount": "decimal(12,2)", "note": "varchar(40)"}
    [_, mig] = project.run("status", "--format", "json").json["migrations"]
    assert mig["state"] == "interrupted", mig
    assert "swapped in" in mig["detail"] and "did not make it" not in mig["detail"] and "_payments_new" not in mig["detail"]

    again = project.run("apply")
    assert again.code == 0, again.err
    assert "finishing its clean-up" in again.out
    assert column_types(project) == {"id": "int(11)", "amount": "decimal(12,2)", "note": "varchar(40)"}
    assert project.query("SELECT COUNT(*), SUM(amount) FROM payments") == [(ROWS, sum(i * 3 for i in range(1, ROWS + 1)))]
    assert leftovers(project) == (set(), 0)
    assert states(project) == ["applied", "applied"]
    assert project.query("SELECT COUNT(*) FROM shoring_migrations_backfills") == [(0,)]


def test_repair_leaves_a_copy_already_swapped_in_for_apply_to_finish(project):
    payments(project)
    project.write("2_cents.py", ALTER)
    killed = shoring(project, "apply", env={"SHORING_KILL_AT": "online-copy-dropped"})
    killed.communicate()
    repaired = project.run("repair")
    assert repaired.code == 0, repaired.err
    assert "left as is" in repaired.out and "swapped in" in repaired.out and "dropped what" not in repaired.out, repaired.out
    again = project.run("apply")
    assert again.code == 0, again.err  # not: Duplicate column name 'note' from a second copy
    assert states(project) == ["applied", "applied"]
