"""OnlineAlter on MariaDB when a session is not strict: no value is ever cut to fit the new type unseen.

MariaDB runs a trigger in the sql_mode it was created in. A runner session that is not strict (a server
whose global sql_mode has no STRICT_*, or a migration that sets it, as here) made triggers that cut an
application's value down in the shadow table; the copy had passed that row already, so the cut value was
swapped in and the application's write was lost. The apply is held after the copy's first batch
(shoring.faults) while a non-strict application session writes.
"""

from __future__ import annotations

import signal
import subprocess

import pytest
from support import held_at

from shoring.engines import StatementError

pytestmark = pytest.mark.parametrize("engine_name", ["mysql"], indirect=True)

ROWS = 1000
SHORTER = '''"""Purpose: shorter codes"""
from shoring.operations import OnlineAlter, RunSQL

operations = [
    RunSQL("SET SESSION sql_mode = ''", down_sql=""),  # the runner's session is not strict from here on
    OnlineAlter("items", "MODIFY code VARCHAR(4) NOT NULL", down_alter="MODIFY code VARCHAR(20) NOT NULL",
                batch_size=100, pause=0),
]
'''


def held_apply(project) -> subprocess.Popen:
    return held_at(project.root, "up:2:batch:2:1", "apply", "--yes")


def test_a_non_strict_write_the_new_type_cannot_hold_is_refused_during_the_copy_not_cut(project):
    project.sql("1", "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, code VARCHAR(20) NOT NULL);",
                "DROP TABLE items;")
    assert project.run("apply").code == 0
    with project.connect() as engine:
        engine.execute(engine.sql("INSERT INTO items (id, code) VALUES " + ", ".join(["(%s, %s)"] * ROWS)),
                       [x for i in range(1, ROWS + 1) for x in (i, f"c{i % 100}")])
        engine.execute("DELETE FROM items WHERE id = 50")  # a key the copy's first batch passes without a row
    project.write("2_shorter.py", SHORTER)
    proc = held_apply(project)  # rows 1-100 are in the shadow table; the triggers carry every write over
    refused = []
    try:
        with project.connect() as app:
            app.execute("SET SESSION sql_mode = ''")
            # rows the copy has passed: only the triggers carry these over
            for sql in ("UPDATE items SET code = 'abcdefgh' WHERE id = 5",
                        "INSERT INTO items (id, code) VALUES (50, 'abcdefgh')"):
                try:
                    app.execute(sql)
                except StatementError as exc:
                    refused.append(exc.message)
            app.execute("UPDATE items SET code = 'ok' WHERE id = 6")  # one that fits goes through
    finally:
        proc.send_signal(signal.SIGUSR1)
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 0, out + err
    assert len(refused) == 2 and all("Data too long for column 'code'" in m for m in refused), refused
    assert project.query("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                         "AND TABLE_NAME = 'items' AND COLUMN_NAME = 'code'") == [("varchar(4)",)]
    # every row is what the application was told it holds: nothing cut, nothing missing
    assert project.query("SELECT id, code FROM items WHERE id IN (5, 6, 50) ORDER BY id") == [(5, "c5"), (6, "ok")]
    assert project.query("SELECT COUNT(*) FROM items") == [(ROWS - 1,)]
    assert project.query("SELECT COUNT(*) FROM items WHERE code <> CONCAT('c', id % 100) AND id <> 6") == [(0,)]


def test_an_added_not_null_column_without_a_default_is_refused_before_any_trigger(project):
    """Strict triggers could not fill such a column: every application insert would fail during the copy."""
    project.sql("1", "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, code VARCHAR(20) NOT NULL);",
                "DROP TABLE items;")
    assert project.run("apply").code == 0
    project.write("2_flag.py", '"""Purpose: a flag"""\nfrom shoring.operations import OnlineAlter\n\n'
                               'operations = [OnlineAlter("items", "ADD COLUMN flag INT NOT NULL")]\n')
    result = project.run("apply")
    assert result.code == 1
    assert "flag" in result.err and "DEFAULT" in result.err
    assert project.query("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()") == [(0,)]
    project.query("INSERT INTO items (id, code) VALUES (1, 'a')")  # the application writes as before
