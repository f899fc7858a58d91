"""Throttling: a backfill pauses while the user's check query says the application suffers, then resumes."""

from __future__ import annotations

import threading

import pytest
from support import wait_until

BACKFILL = '''"""Purpose: fill t.v"""
from shoring.operations import Backfill

operations = [Backfill("t", set_sql="v = 1", where="v IS NULL", batch_size=5, pause=0)]
'''


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_a_backfill_pauses_while_the_throttle_query_says_so_and_resumes_after(project):
    # each check counts itself on a sequence (outside any transaction), so the test sees the loop asking
    (project.root / "shoring.toml").write_text(
        f'database = "{project.url}"\nlock_wait = 30\n'
        f'throttle_query = "SELECT nextval(\'checks\') > 0 AND EXISTS (SELECT 1 FROM busy_hour)"\n')
    project.sql("1", "t", """
        CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);
        INSERT INTO t (id) SELECT g FROM generate_series(1, 20) g;
        CREATE TABLE busy_hour (x INTEGER);
        INSERT INTO busy_hour VALUES (1);
        CREATE SEQUENCE checks;
    """, "DROP TABLE t; DROP TABLE busy_hour; DROP SEQUENCE checks;")
    assert project.run("apply").code == 0
    project.write("2_fill.py", BACKFILL)
    seen: dict[str, int] = {}

    def application():
        with project.connect() as look:
            checks = lambda: look.query("SELECT last_value FROM checks WHERE is_called")  # noqa: E731
            wait_until(lambda: (checks() or [(0,)])[0][0] >= 3, "the backfill asked three times")
            seen["filled_while_paused"] = look.query("SELECT COUNT(*) FROM t WHERE v IS NOT NULL")[0][0]
            look.execute("DELETE FROM busy_hour")  # the busy hour is over

    thread = threading.Thread(target=application)
    thread.start()
    try:
        result = project.run("apply")
    finally:
        thread.join()
    assert result.code == 0, result.err
    assert seen["filled_while_paused"] == 0
    assert "backfill t: paused: throttle_query says so" in result.out
    assert "backfill t: resumed after" in result.out
    assert project.query("SELECT COUNT(*) FROM t WHERE v = 1") == [(20,)]


def test_a_bad_max_lag_is_named(sqlite_project):
    (sqlite_project.root / "shoring.toml").write_text(f'database = "{sqlite_project.url}"\nmax_lag = "a while"\n')
    result = sqlite_project.run("status")
    assert result.code == 2 and "max_lag" in result.err
