"""SIGKILL in the middle of a backfill: status says where it stopped, and the next apply resumes there.

Row 1234's new value waits (a server-side sleep) while the table `gate` is empty, so the test knows
the process is inside batch 13 (seen from the server) when it kills it: batches 1-12 and their
checkpoint are committed, batch 13 is not.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from support import wait_until
from test_backfill import ROWS, items

SLOW_1234 = {
    "postgresql": "v = id + (SELECT 0 FROM pg_sleep(CASE WHEN id = 1234 AND NOT EXISTS (SELECT 1 FROM gate) THEN 120 ELSE 0 END))",
    "mysql": "v = id + IF(id = 1234 AND (SELECT COUNT(*) FROM gate) = 0, SLEEP(120), 0)",
}
SLEEPING = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database()",
    "mysql": "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'User sleep' AND DB = DATABASE()",
}


@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=False)
def test_a_killed_backfill_resumes_after_its_last_committed_batch(project):
    items(project)
    with project.connect() as engine:
        engine.execute("CREATE TABLE gate (id INTEGER)")
    project.write("2_fill.py", f'''"""Purpose: fill v"""
from shoring.operations import Backfill

operations = [
    Backfill("items", set_sql="{SLOW_1234[project.engine]}, n = n + 1", where="v IS NULL", batch_size=100, pause=0),
]
''')
    proc = subprocess.Popen([sys.executable, "-m", "shoring", "apply"], cwd=project.root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: project.query(SLEEPING[project.engine])[0][0] or proc.poll() is not None, "batch 13 to wait")
        assert proc.poll() is None, proc.communicate()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    [_, mig] = project.run("status", "--format", "json").json["migrations"]
    assert mig["state"] == "interrupted", mig
    assert mig["backfill"]["rows_done"] == 1200 and "resumes after them" in mig["detail"]
    assert project.query("SELECT last_key, rows_done FROM shoring_migrations_backfills") == [("i:1200", 1200)]
    with project.connect() as engine:
        engine.execute("INSERT INTO gate (id) VALUES (1)")
    resumed = project.run("apply")
    assert resumed.code == 0, resumed.err
    assert "resuming after id = 1200" in resumed.out
    assert project.query("SELECT n, COUNT(*) FROM items GROUP BY n") == [(1, ROWS)]  # no row twice, none skipped
