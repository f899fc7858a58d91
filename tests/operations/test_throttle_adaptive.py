"""The batch loop adapts: halved batches and doubled pauses while the application waits on our row
locks, back to what was asked once nobody does; batch sizes that move toward `target_seconds`.

PostgreSQL, driven deterministically: a trigger makes chosen batches wait (on an advisory lock the test
holds) once all their rows are locked, so an application session blocks behind them for as long as
the test likes, seen in pg_locks/pg_blocking_pids by the max_blocking watcher.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from support import run_events, wait_until

HOLD = 4242  # the advisory lock the held batches wait for
SETUP = """
CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, touched INTEGER NOT NULL DEFAULT 0);
INSERT INTO t (id) SELECT g FROM generate_series(1, {rows}) g;
CREATE FUNCTION hold_batch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared({hold});  -- waits while the test holds it
  RETURN NULL;
END $$;
-- AFTER ROW triggers fire at the end of the statement: every row of the batch is locked by then
CREATE TRIGGER hold_batch AFTER UPDATE OF v ON t FOR EACH ROW WHEN (NEW.id IN ({held})) EXECUTE FUNCTION hold_batch();
"""


def rows_per_batch(events: list[dict]) -> list[int]:
    done = [e["done"] for e in events if e["kind"] == "batch" and e.get("label") == "backfill t"]
    return [b - a for a, b in zip([0, *done], done)]


def start_apply(project) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shoring", "apply"], cwd=project.root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"})


def configure(project, extra: str = "") -> None:
    (project.root / "shoring.toml").write_text(f'database = "{project.url}"\nlock_wait = 30\nlock_timeout = "60s"\n{extra}')


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_batches_halve_and_pauses_double_while_sessions_wait_on_us_then_recover(project):
    configure(project, 'max_blocking = "120s"\n')  # the watcher looks, and never cancels here
    # batches of 40: the 2nd ends at id 80 and is held; halved to 20, the 3rd ends at 100 and is held too
    project.sql("1", "t", SETUP.format(rows=400, hold=HOLD, held="80, 100"), "DROP TABLE t; DROP FUNCTION hold_batch;")
    assert project.run("apply").code == 0
    project.write("2_fill.py", '''"""Purpose: fill t.v"""
from shoring.operations import Backfill

operations = [Backfill("t", set_sql="v = id * 2", where="v IS NULL", batch_size=40, pause=0.05)]
''')
    with project.connect() as gate, project.connect() as look:
        gate.query("SELECT pg_advisory_lock(%s)", [HOLD])
        proc = start_apply(project)
        try:
            def held_batch() -> int | None:
                row = look.query_one("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND wait_event_type = 'Lock' AND wait_event = 'advisory'")
                return row[0] if row else None

            def watcher_said(waiting: bool, times: int) -> None:
                """The run log has `times` events of the watcher seeing sessions waiting on us (or none)."""
                wait_until(lambda: len([e for e in run_events(project.root) if e["kind"] == "waiters"
                                        and bool(e["waiting"]) == waiting]) >= times,
                           f"the watcher saw {'sessions' if waiting else 'nobody'} waiting ({times})")

            def application_blocked_on(key: int, times: int) -> threading.Thread:
                """The application updates row `key` of the held batch and waits behind it, until the
                watcher has seen it."""
                backfill = wait_until(held_batch, "a batch held with its rows locked")
                app = threading.Thread(target=lambda: project.query(f"UPDATE t SET touched = 1 WHERE id = {key}"))
                app.start()
                wait_until(lambda: look.query_one("SELECT count(*) FROM pg_locks WHERE NOT granted AND %s = ANY("
                                                  "pg_blocking_pids(pid))", [backfill])[0] >= 1,
                           f"the application blocked behind the batch on id {key}")
                watcher_said(True, times)
                return app

            app = application_blocked_on(41, 1)
            # let the held batch commit, and take the gate back at once (granted when that batch ends,
            # before the next one can reach its trigger)
            gate.query("SELECT pg_advisory_unlock(%s), pg_advisory_lock(%s)", [HOLD, HOLD])
            app.join(timeout=60)
            watcher_said(False, 1)  # nobody waits now: the next batch is held alone, then waited on again
            app = application_blocked_on(81, 2)
            gate.query("SELECT pg_advisory_unlock(%s)", [HOLD])
            app.join(timeout=60)
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, err
    events = run_events(project.root)
    sizes = rows_per_batch(events)
    # waited on twice: 40 -> 20 -> 10, then a step back per batch nobody waited on: 20, 40
    assert sizes[:6] == [40, 40, 20, 10, 20, 40], sizes
    assert sum(sizes) == 400
    pauses = [e["pause"] for e in events if e["kind"] == "batch"][:6]
    assert pauses == [0.05, 0.1, 0.2, 0.1, 0.05, 0.05], pauses  # the pause after each batch
    assert "backfill t: sessions waited on our rows: batches of 20 rows, pausing 0.1s" in out
    assert "backfill t: sessions waited on our rows: batches of 10 rows, pausing 0.2s" in out
    assert "backfill t: nobody waits any more: batches of 40 rows again" in out
    assert "cancelled by shoring" not in out
    assert project.query("SELECT count(*) FROM t WHERE v = id * 2") == [(400,)]
    assert project.query("SELECT id FROM t WHERE touched = 1 ORDER BY id") == [(41,), (81,)]  # the application's writes


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
@pytest.mark.parametrize("start", [10, 200])
def test_batch_sizes_move_toward_target_seconds(project, start):
    """Each row costs at least 10 ms (pg_sleep in the SET), so a 0.5 s target means at most 50 rows:
    small batches grow toward it, big ones shrink, and none ever goes past it."""
    configure(project)
    project.sql("1", "t", "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);\n"
                          "INSERT INTO t (id) SELECT g FROM generate_series(1, 500) g;", "DROP TABLE t;")
    assert project.run("apply").code == 0
    project.write("2_fill.py", f'''"""Purpose: fill t.v"""
from shoring.operations import Backfill

operations = [Backfill("t", set_sql="v = id * 2 + length(pg_sleep(0.01)::text)", where="v IS NULL",
                       batch_size={start}, pause=0, target_seconds=0.5)]
''')
    result = project.run("apply")
    assert result.code == 0, result.err
    sizes = rows_per_batch(run_events(project.root))
    assert sizes[0] == start
    if start < 50:
        assert sizes[1] == 20 and sizes[2] > 20, sizes  # doubling while far under the target
    else:
        assert sizes[:3] == [200, 100, 50], sizes  # halving while far over it
    settled = sizes[3:-1]  # the last batch takes what is left
    assert settled and all(25 <= s <= 50 for s in settled), sizes
    assert project.query("SELECT count(*) FROM t WHERE v = id * 2") == [(500,)]
